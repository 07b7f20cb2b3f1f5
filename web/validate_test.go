package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"villi/collection"
	"villi/digest"
	"villi/store"
)

// The npm tools the checks run, pinned: html-validate 9 is the last line
// that runs on Node 20 (Debian's and the image's).
const (
	htmlValidatePkg = "html-validate@9.7.1"
	axeCorePkg      = "axe-core@4.14.1"
	nodeToolsDir    = "villi-web-node-tools-1" // bump with the versions
)

// nodeTools installs html-validate and axe-core once into the user's cache
// folder (npm install from the registry) and returns the folder.
func nodeTools(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("installs and runs npm tools; skipped under -short")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		missingTool(t, "npm is not installed (apt-get install nodejs npm)")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, nodeToolsDir)
	ready := func() bool {
		_, e1 := os.Stat(filepath.Join(dir, "node_modules", ".bin", "html-validate"))
		_, e2 := os.Stat(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
		return e1 == nil && e2 == nil
	}
	if !ready() {
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", dir, htmlValidatePkg, axeCorePkg)
		if out, err := cmd.CombinedOutput(); err != nil || !ready() {
			missingTool(t, fmt.Sprintf("npm install %s %s failed: %v\n%s", htmlValidatePkg, axeCorePkg, err, out))
		}
	}
	return dir
}

// pageSet is every kind of page, with the status each answers: as a
// visitor (login, the digest pages), logged in (collections, the collect
// form) and as an administrator (admin, digest preview); posted are forms
// whose answer is a page of its own (field errors, "check your inbox").
type pageSet struct {
	srv     string
	client  *http.Client // logged in
	admin   *http.Client // logged in as an administrator
	visitor []string
	user    []string
	admins  []string
	posted  []url.Values // sign-up forms posted to /subscribe
}

// Accounts of the page set.
const (
	pageUser  = "dora@example.org"
	pageAdmin = "ada@example.org"
)

func newPageSet(t *testing.T) pageSet {
	t.Helper()
	lib := testLibrary(t)
	const email = pageUser
	accounts := newAccounts(t, lib, true, email, pageAdmin)
	if err := accounts.SetAdmin(t.Context(), pageAdmin, true); err != nil {
		t.Fatal(err)
	}
	// Digests on, mailing an in-process SMTP server, with one confirmed
	// subscriber (removed again: the library is shared).
	mails := newDigest(t, lib, startMailSink(t), nil)
	sub, err := mails.Add(t.Context(), digest.SignUp{Email: "client-" + strconv.Itoa(os.Getpid()) + "@example.org",
		Conditions: []string{"celiac"}, Query: "gluten", MinEvidence: "review"}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mails.Remove(strconv.FormatUint(sub.ID, 10)) })
	next, err := mails.Preview(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	manage, err := url.Parse(next.ManageURL)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, lib, Options{Accounts: accounts, Digest: mails})
	c := browserClient(t)
	login(t, c, srv.URL, email)
	admin := browserClient(t)
	login(t, admin, srv.URL, pageAdmin)

	// A collection holding the retracted record and another, with notes.
	u := store.User{Email: email}
	colls := collection.New(lib.DB())
	name := "Handout " + strconv.Itoa(os.Getpid())
	coll, err := colls.Create(t.Context(), u, name)
	if err != nil {
		t.Fatal(err)
	}
	// t.Context() is already cancelled when cleanups run.
	t.Cleanup(func() { colls.Delete(context.Background(), u, coll.ID) })
	res, err := lib.Search(t.Context(), searchParams{Q: "gluten", Page: 1, Size: 1}.request(false))
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("find a record: %v", err)
	}
	for _, p := range []uint64{retractedPMID, res.Hits[0].PMID} {
		if _, err := colls.Add(t.Context(), u, coll.ID, p, "Note for the client <b>bold?</b>"); err != nil {
			t.Fatal(err)
		}
	}
	// Handout text, so the pages validate with rendered Markdown in them.
	if _, err := colls.SetHandout(t.Context(), u, coll.ID, "For you", "## Why\n\nRead **these**:\n\n- one <b>x</b>\n- [two](https://example.org)", "> Ask me."); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(coll.ID, 10)
	return pageSet{
		srv:    srv.URL,
		client: c,
		admin:  admin,
		visitor: []string{
			"/", "/search?q=gluten&condition=celiac&evidence=review", "/search?q=xylophonequartz",
			"/search?q=" + url.QueryEscape("zonulin AND (gluten"), "/articles/" + strconv.Itoa(retractedPMID),
			"/articles/99999999", "/login", "/nope",
			"/subscribe", digest.PathConfirm + "?token=abc", digest.PathUnsubscribe + "?token=abc",
			digest.PathManage + "?token=abc", manage.RequestURI(),
		},
		user: []string{
			"/articles/" + strconv.Itoa(retractedPMID), "/articles/" + strconv.FormatUint(res.Hits[0].PMID, 10),
			"/collections", "/collections/" + id, "/collections/" + id + "/print?style=apa",
		},
		admins: []string{"/admin", previewURL(sub.ID)},
		posted: []url.Values{
			{"email": {"not an address"}, "condition": {"celiac"}, "q": {"zonulin AND (gluten"}},
			{"email": {"anna@example.org"}, "q": {"zonulin AND (gluten"}},
			{"email": {"visitor-" + strconv.Itoa(os.Getpid()) + "@example.org"}},
		},
	}
}

// TestHTMLValidate_EveryPage runs html-validate (recommended rules) over
// every kind of page and wants no errors. Facet checkboxes share a name on
// purpose (a multi-select), so the config allows that.
func TestHTMLValidate_EveryPage(t *testing.T) {
	tools := nodeTools(t)
	ps := newPageSet(t)
	dir := t.TempDir()
	var files []string
	save := func(c *http.Client, who, path string) {
		resp, body := fetch(t, c, ps.srv, path)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("%s: Content-Type %q", path, ct)
		}
		name := filepath.Join(dir, who+"-"+regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(path, "_")+".html")
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	visitor := browserClient(t)
	for _, p := range ps.visitor {
		save(visitor, "visitor", p)
	}
	for _, p := range ps.user {
		save(ps.client, "user", p)
	}
	for _, p := range ps.admins {
		save(ps.admin, "admin", p)
	}
	for i, form := range ps.posted {
		_, body := submit(t, visitor, ps.srv, "/subscribe", form)
		name := filepath.Join(dir, "posted-subscribe-"+strconv.Itoa(i)+".html")
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	config := filepath.Join(dir, ".htmlvalidate.json")
	if err := os.WriteFile(config, []byte(`{
		"extends": ["html-validate:recommended"],
		"rules": {"form-dup-name": ["error", {"shared": ["radio", "button", "reset", "submit", "checkbox"]}]}
	}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--config", config, "--formatter", "text"}, files...)
	out, err := exec.Command(filepath.Join(tools, "node_modules", ".bin", "html-validate"), args...).CombinedOutput()
	if err != nil {
		t.Errorf("html-validate found errors in %d pages (%v):\n%s", len(files), err, out)
	}
}

// TestAxe_NoSeriousViolations runs axe-core in chromium over every kind of
// page and wants no serious or critical violation.
func TestAxe_NoSeriousViolations(t *testing.T) {
	tools := nodeTools(t)
	axe, err := os.ReadFile(filepath.Join(tools, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ps := newPageSet(t)
	ctx := newBrowser(t)
	// The digest preview's frame is sandboxed without scripts, so axe cannot
	// run inside it: it checks the page around it.
	audit := func(path string) {
		// DevTools evaluation is not bound by the page's CSP.
		value(t, ctx, "inject axe-core", chromedp.Evaluate[bool](string(axe)+"\n;true"))
		found := value(t, ctx, "run axe on "+path, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"], iframes: false}).then(r =>
			r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
				v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; ")))`, chromedp.EvalAwaitPromise))
		for _, v := range found {
			t.Errorf("%s: %s", path, v)
		}
	}
	check := func(path string) {
		step(t, ctx, "open "+path, chromedp.Navigate(ps.srv+path))
		audit(path)
	}
	for _, p := range ps.visitor {
		check(p)
	}
	// The sign-up form answering with field errors (a 400 page).
	step(t, ctx, "fill in the sign-up form", chromedp.Navigate(ps.srv+"/subscribe"),
		chromedp.SendKeys(chromedp.CSS("#email"), "anna@example.org"),
		chromedp.SendKeys(chromedp.CSS("#q"), "zonulin AND (gluten"))
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(".signup button[type=submit]")))
	cancel()
	if err != nil || resp.Status != http.StatusBadRequest {
		t.Fatalf("submit a bad sign-up: %v, %v; want a 400 page", err, resp)
	}
	audit("/subscribe (field errors)")
	// Log the browser in, then check the pages only a user sees.
	step(t, ctx, "open the login page", chromedp.Navigate(ps.srv+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "dora@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	clickAndLoad(t, ctx, "log in", chromedp.CSS(".stacked button[type=submit]"))
	for _, p := range ps.user {
		check(p)
	}
	// Log out, log in as the administrator, check the admin pages.
	clickAndLoad(t, ctx, "log out", chromedp.CSS(".logout button"))
	step(t, ctx, "open the login page as the admin", chromedp.Navigate(ps.srv+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), pageAdmin),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	clickAndLoad(t, ctx, "log in as the admin", chromedp.CSS(".stacked button[type=submit]"))
	for _, p := range ps.admins {
		check(p)
	}
}

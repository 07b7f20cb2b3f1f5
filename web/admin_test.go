package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/account"
	"villi/crawler"
	"villi/digest"
	"villi/library"
	"villi/store"
)

// adminAccounts holds an administrator (ada) and a plain user (dora).
func adminAccounts(t *testing.T, lib *library.Library) *account.Service {
	t.Helper()
	acc := newAccounts(t, lib, true, "ada@example.org", "dora@example.org")
	if err := acc.SetAdmin(t.Context(), "ada@example.org", true); err != nil {
		t.Fatal(err)
	}
	return acc
}

// newAdminRig is a digest rig whose server has ada (admin) and dora.
func newAdminRig(t *testing.T, opts Options) *digestRig {
	t.Helper()
	rg := &digestRig{lib: newLibrary(t, 20), sink: startMailSink(t), clock: &testClock{t: rigStart}}
	rg.svc = newDigest(t, rg.lib, rg.sink, rg.clock)
	opts.Digest = rg.svc
	opts.Accounts = adminAccounts(t, rg.lib)
	rg.srv = newServer(t, rg.lib, opts)
	return rg
}

func TestAdminPages_AdminsOnly(t *testing.T) {
	rg := newAdminRig(t, Options{})
	sub, err := rg.svc.Add(t.Context(), digest.SignUp{Email: "anna@example.org"}, true)
	if err != nil {
		t.Fatal(err)
	}
	preview := previewURL(sub.ID)
	paths := []string{"/admin", preview, pathPreviewMail + "?subscription=1"}

	visitor := browserClient(t)
	for _, p := range paths {
		resp, _ := fetch(t, visitor, rg.srv.URL, p)
		if want := "/login?next=" + url.QueryEscape(p); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("visitor GET %s: status %d, location %q; want 303 to %s", p, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	dora := browserClient(t)
	login(t, dora, rg.srv.URL, "dora@example.org")
	for _, p := range paths {
		resp, body := fetch(t, dora, rg.srv.URL, p)
		wantStatus(t, "dora GET "+p, resp, body, 403, "for administrators")
		if strings.Contains(body, "anna@example.org") {
			t.Errorf("dora GET %s: the refusal shows a subscriber", p)
		}
	}
	ada := browserClient(t)
	login(t, ada, rg.srv.URL, "ada@example.org")
	for _, p := range paths {
		if resp, body := fetch(t, ada, rg.srv.URL, p); resp.StatusCode != 200 {
			t.Errorf("ada GET %s: status %d\n%s", p, resp.StatusCode, body)
		}
	}
	// The nav shows the admin link to ada only.
	if _, body := fetch(t, ada, rg.srv.URL, "/"); !strings.Contains(body, `href="/admin"`) {
		t.Error("an admin's nav lacks the Admin link")
	}
	if _, body := fetch(t, dora, rg.srv.URL, "/"); strings.Contains(body, `href="/admin"`) {
		t.Error("a user's nav shows the Admin link")
	}
	if _, body := fetch(t, visitor, rg.srv.URL, "/search?q=gluten"); !strings.Contains(body, `href="/subscribe"`) {
		t.Error("the nav lacks the Weekly digest link")
	}
}

// The preview is exactly what would be sent: the HTML part byte for byte
// in a sandboxed frame, and the text part.
func TestDigestPreview_ShowsExactlyWhatWouldBeSent(t *testing.T) {
	rg := newAdminRig(t, Options{})
	sub, err := rg.svc.Add(t.Context(), digest.SignUp{Email: "anna@example.org", Conditions: []string{"celiac"}, MinEvidence: "review"}, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := rg.svc.Preview(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	ada := browserClient(t)
	login(t, ada, rg.srv.URL, "ada@example.org")

	resp, body := fetch(t, ada, rg.srv.URL, previewURL(sub.ID))
	wantStatus(t, "preview", resp, body, 200, html.EscapeString(want.Subject), "anna@example.org", want.Week,
		`<iframe class="mail-frame" src="/digest/preview/mail?subscription=`, `sandbox="allow-popups`)
	pre := regexp.MustCompile(`(?s)<pre class="mail-text">(.*?)</pre>`).FindStringSubmatch(body)
	if pre == nil || html.UnescapeString(pre[1]) != want.Text {
		t.Errorf("the page's text part differs from the mail's:\n%v\nwant:\n%s", pre, want.Text)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("preview page CSP %q: want frame-src 'self' and no unsafe-inline", csp)
	}

	resp, mailHTML := fetch(t, ada, rg.srv.URL, pathPreviewMail+"?subscription="+strconv.FormatUint(sub.ID, 10))
	if resp.StatusCode != 200 || mailHTML != want.HTML {
		t.Errorf("mail frame: status %d, body equal to the mail's HTML part: %v", resp.StatusCode, mailHTML == want.HTML)
	}
	csp = resp.Header.Get("Content-Security-Policy")
	for _, must := range []string{"sandbox", "default-src 'none'", "frame-ancestors 'self'", "img-src data:"} {
		if !strings.Contains(csp, must) {
			t.Errorf("mail frame CSP %q lacks %q", csp, must)
		}
	}
	for _, never := range []string{"allow-scripts", "allow-same-origin", "script-src"} {
		if strings.Contains(csp, never) {
			t.Errorf("mail frame CSP %q allows %q", csp, never)
		}
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "SAMEORIGIN" {
		t.Errorf("mail frame X-Frame-Options %q, want SAMEORIGIN", xfo)
	}

	for _, tt := range []struct {
		path string
		code int
		want string
	}{
		{digest.PathPreview + "?subscription=999", 404, "There is no subscription 999"},
		{digest.PathPreview + "?subscription=abc", 400, "is not a subscription number"},
		{digest.PathPreview, 400, "is not a subscription number"},
		{pathPreviewMail + "?subscription=999", 404, "There is no subscription 999"},
	} {
		resp, body := fetch(t, ada, rg.srv.URL, tt.path)
		wantStatus(t, tt.path, resp, body, tt.code, tt.want)
	}
}

func TestAdmin_ListsSubscribersRunsUsersAndQueries(t *testing.T) {
	queries := []crawler.Query{{Name: "zonulin/hashimoto", Term: "zonulin AND hashimoto"}, {Name: "fresh", Term: "butyrate AND lupus"},
		{Name: "edited", Term: "butyrate AND (lupus OR psoriasis)"}}
	rg := newAdminRig(t, Options{Queries: queries})
	ctx := t.Context()
	st := rg.lib.DB()

	// Two confirmed subscribers before this week's digest, one of whose
	// mailbox refuses it, and one pending sign-up.
	for _, email := range []string{"anna@example.org", "bounce@example.org"} {
		if _, err := rg.svc.Add(ctx, digest.SignUp{Email: email, Conditions: []string{"celiac"}}, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := rg.svc.Subscribe(ctx, digest.SignUp{Email: "pending@example.org"}); err != nil {
		t.Fatal(err)
	}
	rg.clock.add(7 * 24 * time.Hour)
	rep, err := rg.svc.Run(ctx, rg.clock.now(), digest.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 1 || rep.Failed != 1 {
		t.Fatalf("digest run: %d sent, %d failed; want 1 and 1", rep.Sent, rep.Failed)
	}
	putRun(t, st, store.Run{Kind: "crawl", Query: "zonulin/hashimoto", Ended: time.Now(), Added: 12345,
		Failing: []string{"zonulin/hashimoto: HTTP 500 from efetch"}, Err: "cannot reach the PubMed E-utilities server"})
	day := func(d int) time.Time { return time.Date(2026, 2, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []store.Cursor{
		{Query: "zonulin/hashimoto", Term: "zonulin AND hashimoto", EdatThrough: day(27), MdatThrough: day(25),
			Pass: &store.CursorPass{DateType: "mdat", From: day(26), Next: day(28)}, Updated: time.Now()},
		{Query: "edited", Term: "butyrate AND lupus", EdatThrough: day(1), Updated: time.Now()},
		{Query: "retired", Term: "leaky gut", EdatThrough: day(1), Updated: time.Now()},
	} {
		if err := st.PutCursor(c); err != nil {
			t.Fatal(err)
		}
	}

	ada := browserClient(t)
	login(t, ada, rg.srv.URL, "ada@example.org")
	resp, body := fetch(t, ada, rg.srv.URL, "/admin")
	wantStatus(t, "admin", resp, body, 200,
		// subscribers, with their state and a preview link each
		"anna@example.org", "bounce@example.org", "pending@example.org", `<span class="pending">pending</span>`,
		`<span class="state state-sent">sent</span>`, `<span class="state state-failed">failed</span>`, "no such mailbox",
		`href="/digest/preview?subscription=`,
		// runs, errors shown plainly
		"12,345", "cannot reach the PubMed E-utilities server", "zonulin/hashimoto: HTTP 500 from efetch", "<td>digest</td>",
		// users
		"ada@example.org", "dora@example.org", "<td>admin</td>",
		// saved queries and cursors
		"<code>zonulin AND hashimoto</code></details>", "27 Feb 2026", "25 Feb 2026", "mdat from 26 Feb 2026, next 28 Feb 2026",
		"<code>butyrate AND lupus</code>", "never crawled", "<code>retired</code>",
		"changed since the last crawl",
	)
	if n := strings.Count(body, `href="/digest/preview?subscription=`); n != 3 {
		t.Errorf("%d preview links, want one per subscriber (3)", n)
	}
	users, err := st.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if len(u.PasswordHash) == 0 || strings.Contains(body, string(u.PasswordHash)) {
			t.Errorf("the admin page shows %s's password hash (or it has none)", u.Email)
		}
	}
	if strings.Contains(body, "$2a$") || strings.Contains(body, "$2b$") {
		t.Error("the admin page shows a bcrypt hash")
	}
}

// Without digests the admin page still works and says why nobody is listed.
func TestAdmin_WithoutDigest(t *testing.T) {
	lib := newLibrary(t, 5)
	acc := newAccounts(t, lib, true, "ada@example.org")
	if err := acc.SetAdmin(t.Context(), "ada@example.org", true); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, lib, Options{Accounts: acc})
	ada := browserClient(t)
	login(t, ada, srv.URL, "ada@example.org")
	resp, body := fetch(t, ada, srv.URL, "/admin")
	wantStatus(t, "admin without digests", resp, body, 200, "Digest e-mails are not configured on this server", "Saved crawl queries", "ada@example.org")
	if strings.Contains(body, "<th scope=\"col\">Follows</th>") {
		t.Error("the admin page lists subscribers without a digest service")
	}
	resp, body = fetch(t, ada, srv.URL, previewURL(1))
	wantStatus(t, "preview without digests", resp, body, 503, "not configured")
}

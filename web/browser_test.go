package web

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's chromium through chromedp. They skip when it
// is missing, unless VILLI_REQUIRE_BROWSER=1 (CI), where they fail.

func requireBrowser() bool { return os.Getenv("VILLI_REQUIRE_BROWSER") == "1" }

// missingTool skips, or fails under VILLI_REQUIRE_BROWSER=1.
func missingTool(tb testing.TB, what string) {
	tb.Helper()
	if requireBrowser() {
		tb.Fatalf("VILLI_REQUIRE_BROWSER=1 but %s", what)
	}
	tb.Skipf("skipping: %s (install it, or set VILLI_REQUIRE_BROWSER=1 to make this a failure)", what)
}

// chromiumPath finds the browser: VILLI_CHROMIUM, else chromium on PATH.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("VILLI_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missingTool(tb, "chromium is not installed (apt-get install chromium)")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile and returns a
// context for one tab. The browser stops at the end of the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests start chromium; skipped under -short")
	}
	path := chromiumPath(t)
	profile, err := os.MkdirTemp("", "villi-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers may still write for a moment after it exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return ctx
}

// step runs actions with a deadline, failing the test with what was tried.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a deadline.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// clickAndLoad clicks a link or button and waits for the page it loads.
func clickAndLoad(t *testing.T, ctx context.Context, what string, sel chromedp.CSS) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(sel))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != 200 {
		t.Fatalf("%s: status %d at %s", what, resp.Status, resp.URL)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return value(t, ctx, "location", chromedp.Location())
}

// TestBrowser_PractitionerJourney walks what a practitioner does: search,
// browse by condition and by evidence-map cell, open an article, copy a
// citation, log in, collect the article and export the collection.
func TestBrowser_PractitionerJourney(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "carol@example.org")})
	ctx := newBrowser(t)
	handout := "Client handout " + strconv.FormatInt(time.Now().UnixNano(), 36)

	// Search from the home page.
	step(t, ctx, "open home", chromedp.Navigate(srv.URL+"/"))
	step(t, ctx, "type a query", chromedp.SendKeys(chromedp.CSS("#q"), "gluten AND probiotic*"))
	clickAndLoad(t, ctx, "submit the search", chromedp.CSS(".big-search button[type=submit]"))
	if loc := location(t, ctx); !strings.Contains(loc, "/search?q=gluten+AND+probiotic") {
		t.Fatalf("search went to %s", loc)
	}
	heading := value(t, ctx, "results heading", chromedp.Text(chromedp.CSS("#results-h")))
	if !strings.HasSuffix(heading, "records") {
		t.Errorf("results heading %q, want a record count", heading)
	}
	if n := value(t, ctx, "count hits", chromedp.Evaluate[int](`document.querySelectorAll("article.hit").length`)); n == 0 {
		t.Fatal("no hits for gluten AND probiotic*")
	}

	// A facet checkbox applies at once (progressive JS) and shows a chip.
	clickAndLoad(t, ctx, "tick the Human species facet", chromedp.CSS(`input[name=species][value=human]`))
	if loc := location(t, ctx); !strings.Contains(loc, "species=human") {
		t.Errorf("ticking a facet went to %s, want species=human in the URL", loc)
	}
	clickAndLoad(t, ctx, "remove the species chip", chromedp.CSS(`a.chip.active[aria-label="Remove filter Human"]`))
	if loc := location(t, ctx); strings.Contains(loc, "species=") {
		t.Errorf("removing the chip went to %s, still filtered", loc)
	}

	// A condition chip on the home page.
	step(t, ctx, "back home", chromedp.Navigate(srv.URL+"/"))
	clickAndLoad(t, ctx, "click the celiac chip", chromedp.CSS(`ul.chips a[href="/search?condition=celiac&focus=1"]`))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/search?condition=celiac&focus=1") {
		t.Errorf("celiac chip went to %s", loc)
	}
	chip := value(t, ctx, "active chip", chromedp.Text(chromedp.CSS(".active-filters a.chip")))
	if !strings.Contains(chip, "Celiac disease") {
		t.Errorf("active filter chip %q, want Celiac disease", chip)
	}

	// An evidence-map cell: IBD × Rebalance.
	step(t, ctx, "back home", chromedp.Navigate(srv.URL+"/"))
	cell := chromedp.CSS(`table.emap a[href="/search?condition=ibd&topic=rebalance&focus=1"]`)
	want := value(t, ctx, "cell count", chromedp.Text(chromedp.CSS(`table.emap a[href="/search?condition=ibd&topic=rebalance&focus=1"] .n`)))
	clickAndLoad(t, ctx, "click the IBD × Rebalance cell", cell)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/search?condition=ibd&topic=rebalance&focus=1") {
		t.Errorf("map cell went to %s", loc)
	}
	got := value(t, ctx, "results heading", chromedp.Text(chromedp.CSS("#results-h")))
	if !strings.HasPrefix(got, want+" record") {
		t.Errorf("cell says %s records, its search finds %q", want, got)
	}

	// Open the first article.
	clickAndLoad(t, ctx, "open the first hit", chromedp.CSS("article.hit h3 a"))
	if loc := location(t, ctx); !strings.Contains(loc, "/articles/") {
		t.Fatalf("hit link went to %s", loc)
	}

	// Copy the AMA citation: the clipboard gets the reference text and the
	// button says so.
	origin := srv.URL
	for _, perm := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: perm}, Setting: "granted", Origin: origin,
		}); err != nil {
			t.Fatalf("grant %s: %v", perm, err)
		}
	}
	wantText := value(t, ctx, "AMA text", chromedp.Evaluate[string](`document.querySelector("#cite-ama button.copy").dataset.copy`))
	step(t, ctx, "click Copy AMA", chromedp.Click(chromedp.CSS("#cite-ama button.copy")))
	step(t, ctx, "button says Copied", chromedp.Poll[chromedp.Void](`document.querySelector("#cite-ama button.copy").textContent === "Copied"`))
	clip := value(t, ctx, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if clip != wantText || wantText == "" {
		t.Errorf("clipboard holds %q, want the AMA reference %q", clip, wantText)
	}
	articleURL := location(t, ctx)
	pmid := articleURL[strings.LastIndex(articleURL, "/")+1:]

	// Log in from the article page and come back to it.
	clickAndLoad(t, ctx, "follow Log in", chromedp.CSS(`#collect a[href^="/login"]`))
	step(t, ctx, "fill the login form",
		chromedp.SendKeys(chromedp.CSS("#email"), "carol@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	clickAndLoad(t, ctx, "log in", chromedp.CSS(".stacked button[type=submit]"))
	if loc := location(t, ctx); loc != articleURL {
		t.Fatalf("login went to %s, want back to %s", loc, articleURL)
	}

	// Add the article to a new collection.
	step(t, ctx, "fill the collect form",
		chromedp.SetValue(chromedp.CSS("#collection"), "new"),
		chromedp.SendKeys(chromedp.CSS("#new-name"), handout),
		chromedp.SendKeys(chromedp.CSS("#note"), "Key trial"))
	clickAndLoad(t, ctx, "add to collection", chromedp.CSS("#collect button[type=submit]"))
	in := value(t, ctx, "in your collections", chromedp.Text(chromedp.CSS(".in-collections")))
	if !strings.Contains(in, handout) {
		t.Fatalf("article page says %q, want it in %s", in, handout)
	}

	// Open the collection, then export it (fetched from the page, with its
	// cookies, as the download link would).
	clickAndLoad(t, ctx, "open the collection", chromedp.CSS(".in-collections a"))
	item := value(t, ctx, "collection note", chromedp.Evaluate[string](`document.querySelector("ol.entries li textarea").value`))
	if item != "Key trial" {
		t.Errorf("collection note %q, want Key trial", item)
	}
	for _, format := range []string{"ris", "markdown"} {
		href := value(t, ctx, "export link", chromedp.Evaluate[string](`document.querySelector('a[href*="export?format=`+format+`"]').getAttribute("href")`))
		body := value(t, ctx, "download "+format, chromedp.Evaluate[string](`fetch(`+strconv.Quote(href)+`).then(r => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise))
		if !strings.Contains(body, pmid) {
			t.Errorf("%s export of the collection lacks PMID %s:\n%s", format, pmid, body)
		}
	}
	clickAndLoad(t, ctx, "open the printable list", chromedp.CSS(`a.button[href*="/print"]`))
	refs := value(t, ctx, "printed references", chromedp.Evaluate[int](`document.querySelectorAll("ol.print-refs li").length`))
	printVisible := value(t, ctx, "print button", chromedp.Evaluate[bool](`!document.querySelector("button[data-print]").hidden`))
	if refs != 1 || !printVisible {
		t.Errorf("printable list: %d references, print button shown %v; want 1 and true", refs, printVisible)
	}
}

// TestBrowser_NoCSPViolations loads every kind of page and fails on any
// content-security-policy report, a stylesheet that did not load or a
// script that did not run.
func TestBrowser_NoCSPViolations(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	ctx := newBrowser(t)
	// Installed by DevTools before each page's own scripts; the page's CSP
	// does not apply to it.
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/search?q=gluten&condition=celiac", "/articles/" + strconv.Itoa(retractedPMID), "/search?q=%28", "/login"} {
		step(t, ctx, "open "+p, chromedp.Navigate(srv.URL+p))
		if errs := value(t, ctx, "CSP reports", chromedp.Evaluate[[]string](`window.__csp`)); len(errs) > 0 {
			t.Errorf("%s: CSP violations %v", p, errs)
		}
		rules := value(t, ctx, "stylesheet", chromedp.Evaluate[int](`document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0`))
		if rules < 50 {
			t.Errorf("%s: stylesheet has %d rules, want the whole of style.css", p, rules)
		}
	}
	step(t, ctx, "open an article", chromedp.Navigate(srv.URL+"/articles/"+strconv.Itoa(retractedPMID)))
	if shown := value(t, ctx, "copy buttons shown", chromedp.Evaluate[int](`document.querySelectorAll("button.copy:not([hidden])").length`)); shown != 3 {
		t.Errorf("%d copy buttons shown, want 3 (villi.js un-hides them)", shown)
	}
}

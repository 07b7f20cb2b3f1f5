package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"villi/collection"
	"villi/store"
)

// loginBrowser logs a browser in through the login form.
func loginBrowser(t *testing.T, ctx context.Context, srv, email string) {
	t.Helper()
	step(t, ctx, "open the login form", chromedp.Navigate(srv+"/login?next=/collections"))
	step(t, ctx, "fill the login form",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	clickAndLoad(t, ctx, "log in", chromedp.CSS(".stacked button[type=submit]"))
}

// shareHosts are the sites a handout may link to besides itself.
var shareHosts = []string{"pubmed.ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov", "doi.org", "dx.doi.org"}

// TestBrowser_ShareLinkInAFreshProfile: the owner creates a share link in
// her browser; a client opens it in a browser of its own (a new profile, no
// cookies) and sees the handout and nothing else, whatever link it follows;
// the owner revokes it and the client's next open is refused.
func TestBrowser_ShareLinkInAFreshProfile(t *testing.T) {
	srv, lib, pmids := collectionFixture(t)
	u := store.User{Email: "ada@example.org"}
	colls := collection.New(lib.DB())
	col, err := colls.Create(t.Context(), u, "Thyroid handout")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := colls.AddMany(t.Context(), u, col.ID, pmids[:]); err != nil {
		t.Fatal(err)
	}
	colls.SetItemNote(t.Context(), u, col.ID, pmids[0], "Read the retraction notice", false)
	colls.SetItemNote(t.Context(), u, col.ID, pmids[1], "Client is anxious about gluten", true)
	if _, err := colls.Create(t.Context(), u, "Other client list"); err != nil {
		t.Fatal(err)
	}
	collURL := srv + "/collections/" + strconv.FormatUint(col.ID, 10)

	owner := newBrowser(t)
	loginBrowser(t, owner, srv, "ada@example.org")
	step(t, owner, "open the collection", chromedp.Navigate(collURL))
	step(t, owner, "choose 7 days", chromedp.SetValue(chromedp.CSS("#share-expires"), "7"))
	clickAndLoad(t, owner, "create the link", chromedp.CSS(`form[action$="/share"] button[type=submit]`))
	link := value(t, owner, "the share link", chromedp.Value(chromedp.CSS("input.share-url")))
	lu, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(lu.Path, "/s/") {
		t.Fatalf("share link %q", link)
	}
	shareURL := srv + lu.Path // the test server's address, whatever the page calls it
	allowed := map[string]bool{lu.Path: true, lu.Path + "/print": true}

	client := newBrowser(t)
	if c := browserCookies(t, client); len(c) != 0 {
		t.Fatalf("the client's fresh profile has cookies: %v", c)
	}

	// Open the handout, then every page a link of it leads to on this site.
	queue, seen, pdfLinks := []string{shareURL}, map[string]bool{}, 0
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		if seen[page] {
			continue
		}
		seen[page] = true
		resp := value(t, client, "open "+page, chromedp.NavigateResponse(page))
		if resp.Status != 200 {
			t.Fatalf("%s: status %d", page, resp.Status)
		}
		text := value(t, client, "page text", chromedp.Evaluate[string](`document.body.innerText`))
		for _, bad := range []string{"Client is anxious", "ada@example.org", "Other client list", "Log in", "Log out"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s shows %q", page, bad)
			}
		}
		if !strings.Contains(text, "Thyroid handout") {
			t.Errorf("%s does not show the handout's name", page)
		}
		if !strings.Contains(page, "/print") && !strings.Contains(text, "Read the retraction notice") {
			t.Errorf("%s lacks the public note", page)
		}
		if n := value(t, client, "forms", chromedp.Evaluate[int](`document.forms.length + document.querySelectorAll("[formaction], input, textarea, select").length`)); n != 0 {
			t.Errorf("%s has %d forms or fields; a handout writes nothing", page, n)
		}
		hrefs := value(t, client, "links", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href], area[href]"), a => a.href)`))
		if len(hrefs) == 0 {
			t.Errorf("%s has no links at all", page)
		}
		for _, h := range hrefs {
			hu, err := url.Parse(h)
			if err != nil {
				t.Errorf("%s: link %q does not parse", page, h)
				continue
			}
			if strings.HasPrefix(h, srv+"/") {
				if hu.Path == lu.Path+"/pdf" {
					// The handout's PDF is a download, not a page: fetched
					// as the client would, without cookies.
					pdfLinks++
					continue
				}
				if !allowed[hu.Path] {
					t.Errorf("%s links to %s: a handout leads only to itself and its print view", page, hu.Path)
					continue
				}
				hu.Fragment = ""
				queue = append(queue, hu.String())
				continue
			}
			if hu.Scheme != "https" || !slices.Contains(shareHosts, hu.Host) {
				t.Errorf("%s links to %s, not PubMed, PMC or a DOI", page, h)
			}
		}
	}
	if pdfLinks == 0 {
		t.Error("no page of the handout links its PDF")
	} else if res, err := http.Get(shareURL + "/pdf"); err != nil {
		t.Errorf("GET the handout's PDF: %v", err)
	} else {
		res.Body.Close()
		if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "application/pdf" {
			t.Errorf("the handout's PDF without a login: %d %s, want 200 application/pdf", res.StatusCode, ct)
		}
	}
	if !seen[shareURL+"/print?style=vancouver"] || len(seen) < 4 {
		t.Errorf("followed only %v; want the handout, its styles and the print view", slices.Sorted(mapKeys(seen)))
	}

	if c := browserCookies(t, client); len(c) != 0 {
		t.Errorf("the handout left cookies in the client's browser: %v", c)
	}

	// The owner revokes; the same client is refused at once.
	step(t, owner, "open the collection", chromedp.Navigate(collURL))
	clickAndLoad(t, owner, "revoke", chromedp.CSS(`form[action$="/share/revoke"] button`))
	resp := value(t, client, "reopen the link", chromedp.NavigateResponse(shareURL))
	text := value(t, client, "gone page", chromedp.Evaluate[string](`document.body.innerText`))
	if resp.Status != 404 || !strings.Contains(text, "has been revoked") || strings.Contains(text, "Thyroid handout") {
		t.Errorf("after revoking: status %d, page %q; want 404 saying it was revoked", resp.Status, text)
	}
}

// waitFor evaluates expr until it is true, across the page loads a form
// submitted by script starts (which a Poll does not survive), and fails
// the test with the page's state after 20 seconds.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	state := value(t, ctx, "page state", chromedp.Evaluate[string](`location.href + " | " + Array.from(document.querySelectorAll("ol.entries > li"), li => li.id).join(",") + " | " + Array.from(document.querySelectorAll(".flash"), f => f.textContent).join(";")`))
	t.Fatalf("%s: not seen in 20 s; page: %s", what, state)
}

// browserCookies lists every cookie the browser holds, as name=domain.
func browserCookies(t *testing.T, ctx context.Context) []string {
	t.Helper()
	r, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	var out []string
	for _, c := range r.Cookies {
		out = append(out, c.Name+"="+c.Domain)
	}
	return out
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestBrowser_CollectionWorkflow: tick hits on a result list and add them
// at once; drag an entry to the top; move one with the keyboard through its
// position field; each write answered by a message beside what changed.
func TestBrowser_CollectionWorkflow(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	hits := hitPMIDs(t, lib, "celiac", 4)
	col, err := collection.New(lib.DB()).Create(t.Context(), store.User{Email: "ada@example.org"}, "Celiac handout")
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	loginBrowser(t, ctx, srv, "ada@example.org")

	// Tick the first three hits of a search and add them.
	step(t, ctx, "search", chromedp.Navigate(srv+"/search?q=celiac&size=4"))
	for _, p := range hits[:3] {
		step(t, ctx, "tick a hit", chromedp.Click(chromedp.CSS("#pick-"+strconv.FormatUint(p, 10))))
	}
	step(t, ctx, "choose the collection", chromedp.SetValue(chromedp.CSS("#add-to"), strconv.FormatUint(col.ID, 10)))
	clickAndLoad(t, ctx, "add selected", chromedp.CSS("#add-selected button[type=submit]"))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/search?q=celiac&size=4") {
		t.Errorf("after adding: at %s, want back at the search", loc)
	}
	step(t, ctx, "the message", chromedp.Poll[chromedp.Void](`(document.querySelector("main .flash[role=status]") || {}).textContent === "3 added to “Celiac handout”. Open “Celiac handout”"`))
	if got := itemsOf(t, lib, col.ID); !slices.Equal(got, hits[:3]) {
		t.Fatalf("after adding: %v, want %v", got, hits[:3])
	}

	// Drag the third entry by its handle onto the top of the first (a
	// tall window holds both: a drag does not scroll).
	step(t, ctx, "a tall window", chromedp.EmulateViewport(1280, 2400))
	clickAndLoad(t, ctx, "open the collection", chromedp.CSS("main .flash a"))
	third, first := "#item-"+strconv.FormatUint(hits[2], 10), "#item-"+strconv.FormatUint(hits[0], 10)
	step(t, ctx, "drag the third entry to the top",
		chromedp.WaitVisible(chromedp.CSS(third+" .drag-handle")),
		chromedp.DragAndDrop(chromedp.CSS(third+" .drag-handle"), chromedp.CSS(first+" .drag-handle")))
	waitFor(t, ctx, "the drop's message", `(document.querySelector("`+third+` .flash[role=status]") || {}).textContent === "Moved to position 1 of 3."`)
	if got, want := itemsOf(t, lib, col.ID), []uint64{hits[2], hits[0], hits[1]}; !slices.Equal(got, want) {
		t.Errorf("after the drag: %v, want %v", got, want)
	}

	// The keyboard: the first entry's position field, select its number,
	// type 3, Enter.
	step(t, ctx, "type a position and press Enter",
		chromedp.Focus(chromedp.CSS(third+" input[name=position]")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent("3"),
		chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "the move's message", `(document.querySelector("`+third+` .flash[role=status]") || {}).textContent === "Moved to position 3 of 3." && document.querySelectorAll("ol.entries > li")[2].id === "`+third[1:]+`"`)
	if got, want := itemsOf(t, lib, col.ID), []uint64{hits[0], hits[1], hits[2]}; !slices.Equal(got, want) {
		t.Errorf("after the keyboard move: %v, want %v", got, want)
	}
}

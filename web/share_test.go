package web

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/collection"
	"villi/store"
)

var shareLinkRE = regexp.MustCompile(`/s/([A-Za-z0-9_-]{43})`)

// shareHeaders reports what a share-link response lacks of the headers that
// keep its token out of indexes, referrers and caches.
func shareHeaders(resp *http.Response) []string {
	var missing []string
	for k, want := range map[string]string{
		"X-Robots-Tag":    "noindex",
		"Referrer-Policy": "no-referrer",
		"Cache-Control":   "private, no-store",
	} {
		if got := resp.Header.Get(k); got != want {
			missing = append(missing, k+": "+want+" (got "+got+")")
		}
	}
	return missing
}

func TestShareLinks_HandoutOnlyItsOwnCollectionReadOnly(t *testing.T) {
	srv, lib, pmids := collectionFixture(t)
	colls := collection.New(lib.DB())
	ada := store.User{Email: "ada@example.org"}
	a, b := strconv.FormatUint(pmids[0], 10), strconv.FormatUint(pmids[1], 10)

	ca, err := colls.Create(t.Context(), ada, "Thyroid handout")
	if err != nil {
		t.Fatal(err)
	}
	idA := strconv.FormatUint(ca.ID, 10)
	if _, err := colls.Add(t.Context(), ada, ca.ID, pmids[0], "Shared: read the retraction notice"); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.Add(t.Context(), ada, ca.ID, pmids[1], ""); err != nil {
		t.Fatal(err)
	}
	cb, err := colls.Create(t.Context(), ada, "Other client secret list")
	if err != nil {
		t.Fatal(err)
	}
	idB := strconv.FormatUint(cb.ID, 10)

	owner := browserClient(t)
	login(t, owner, srv, "ada@example.org")
	// A private note, set through the page's own form.
	if resp := postForm(t, owner, srv, "/collections/"+idA+"/items/"+b+"/note", url.Values{"note": {"Private: client is anxious"}, "private": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set private note: %d", resp.StatusCode)
	}
	_, body := fetch(t, owner, srv, "/collections/"+idA)
	if !strings.Contains(body, "No share link.") {
		t.Error("collection page without a link does not say so")
	}

	// Create a link: shown once, absolute, on the page that answers the post.
	req, _ := http.NewRequest("POST", srv+"/collections/"+idA+"/share", strings.NewReader(url.Values{"expires": {"7"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pageBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(pageBytes)
	m := shareLinkRE.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("create share link: %d, link in page %v", resp.StatusCode, m != nil)
	}
	token := m[1]
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("page showing the new token: Cache-Control %q, want private, no-store", cc)
	}

	anon := browserClient(t)
	resp, body = fetch(t, anon, srv, "/s/"+token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("open share link: %d", resp.StatusCode)
	}
	for _, want := range []string{"Thyroid handout", "Shared: read the retraction notice", `<meta name="robots" content="noindex">`, "pubmed.ncbi.nlm.nih.gov/" + a, "pubmed.ncbi.nlm.nih.gov/" + b} {
		if !strings.Contains(body, want) {
			t.Errorf("handout lacks %q", want)
		}
	}
	for _, bad := range []string{"client is anxious", "ada@example.org", "Other client secret list", `method="post" action="/collections`, `action="/collections/`} {
		if strings.Contains(body, bad) {
			t.Errorf("handout shows %q", bad)
		}
	}
	if missing := shareHeaders(resp); missing != nil {
		t.Errorf("handout headers lack %v", missing)
	}
	resp, body = fetch(t, anon, srv, "/s/"+token+"/print?style=apa")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "APA (7th ed.)") || strings.Contains(body, "client is anxious") ||
		!strings.Contains(body, `href="/s/`+token+`?style=apa"`) || !strings.Contains(body, `content="noindex"`) {
		t.Errorf("print view: %d, want the APA list without the private note, leading back to the handout", resp.StatusCode)
	}
	if missing := shareHeaders(resp); missing != nil {
		t.Errorf("print view headers lack %v", missing)
	}

	// Other collection ids in the URL or query are ignored.
	for _, path := range []string{"/s/" + token + "?id=" + idB, "/s/" + token + "/print?id=" + idB + "&collection=" + idB} {
		resp, body := fetch(t, anon, srv, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thyroid handout") || strings.Contains(body, "Other client secret list") {
			t.Errorf("%s: %d, want collection A only", path, resp.StatusCode)
		}
	}
	// A share link is no key to the owner's routes, reads or writes.
	for _, path := range []string{"/collections/" + idA, "/collections/" + idB + "?token=" + token} {
		if resp, _ := fetch(t, anon, srv, path); !sentToLogin(resp) {
			t.Errorf("GET %s without a session: %d, want the login page", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/collections/" + idA + "/items/" + b + "/note", "/collections/" + idA + "/delete", "/collections/" + idA + "/share/revoke"} {
		resp := postForm(t, anon, srv, path+"?token="+token, url.Values{"note": {"defaced"}, "confirm": {"yes"}})
		if !sentToLogin(resp) {
			t.Errorf("POST %s with the share token, no session: %d, want the login page", path, resp.StatusCode)
		}
	}
	if resp := postForm(t, anon, srv, "/s/"+token, url.Values{"note": {"defaced"}}); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the share link: %d, want 405", resp.StatusCode)
	}
	if got, err := colls.Get(t.Context(), ada, ca.ID); err != nil || got.Items[1].Note != "Private: client is anxious" {
		t.Errorf("after the attempted writes: note %q (err %v), want it unchanged", got.Items[1].Note, err)
	}

	// A tampered or made-up token finds nothing.
	flip := "A"
	if token[len(token)-1] == 'A' {
		flip = "B"
	}
	for _, bad := range []string{token[:len(token)-1] + flip, "short", strings.Repeat("!", 43)} {
		if resp, _ := fetch(t, anon, srv, "/s/"+url.PathEscape(bad)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("token %q: %d, want 404", bad, resp.StatusCode)
		}
	}

	// The owner sees the link, its expiry and when it was last opened.
	_, body = fetch(t, owner, srv, "/collections/"+idA)
	for _, want := range []string{"A share link exists, expiring", "Last opened: <time", "just now", `action="/collections/` + idA + `/share/revoke"`, `name="private" value="yes" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("owner's collection page lacks %q", want)
		}
	}
	if strings.Contains(body, token) {
		t.Error("the owner's page shows the token again: it is stored hashed and shown only once")
	}

	// Revoking ends access at once.
	if resp := postForm(t, owner, srv, "/collections/"+idA+"/share/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, anon, srv, "/s/"+token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoked link: %d, want 404", resp.StatusCode)
	}

	// An expired link says so.
	old, _, err := colls.Share(t.Context(), ada, ca.ID, 7*24*time.Hour, time.Now().Add(-8*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	resp, body = fetch(t, anon, srv, "/s/"+old)
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") || strings.Contains(body, "Thyroid handout") {
		t.Errorf("expired link: %d, want 410 saying it expired, without the list", resp.StatusCode)
	}
	if missing := shareHeaders(resp); missing != nil {
		t.Errorf("expired link headers lack %v", missing)
	}
}

func TestShareLinks_RateLimitedPerClient(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, false)})
	c := browserClient(t)
	bogus := "/s/" + strings.Repeat("x", 43)
	for i := range shareBurst {
		if resp, _ := fetch(t, c, srv.URL, bogus); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("request %d of the burst: %d, want 404", i+1, resp.StatusCode)
		}
	}
	resp, _ := fetch(t, c, srv.URL, bogus)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request after the burst: %d, want 429", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds", resp.Header.Get("Retry-After"))
	}
	if missing := shareHeaders(resp); missing != nil {
		t.Errorf("429 headers lack %v", missing)
	}
}

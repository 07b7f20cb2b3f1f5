package web

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/cite"
	"villi/collection"
	"villi/internal/pdftest"
	"villi/store"
)

// fetchPDF GETs path and returns the response and its body.
func fetchPDF(t *testing.T, c *http.Client, srv, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(srv + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestHandout_OwnerWritesItClientGetsPageAndPDF(t *testing.T) {
	pdftest.Require(t)
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org", "bob@example.org"),
		PracticeName: "  Villi   Demo Practice "}).URL
	_, _, pmids := collectionFixture(t) // cleans ada's and bob's collections
	colls := collection.New(lib.DB())
	ada, bob := store.User{Email: "ada@example.org"}, store.User{Email: "bob@example.org"}
	for _, u := range []store.User{ada, bob} {
		if _, err := colls.SetPractice(t.Context(), u, ""); err != nil {
			t.Fatal(err)
		}
	}
	c, err := colls.Create(t.Context(), ada, "Gut list")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(c.ID, 10)
	if _, err := colls.Add(t.Context(), ada, c.ID, pmids[0], "Public: see the retraction"); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.Add(t.Context(), ada, c.ID, pmids[1], ""); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.SetItemNote(t.Context(), ada, c.ID, pmids[1], "PRIVATE client is anxious", true); err != nil {
		t.Fatal(err)
	}

	owner := browserClient(t)
	login(t, owner, srv, "ada@example.org")
	_, body := fetch(t, owner, srv, "/collections")
	if !strings.Contains(body, `action="/collections/practice"`) || !strings.Contains(body, "they carry “Villi Demo Practice”") {
		t.Error("collections page lacks the practice form naming the site's default")
	}
	_, body = fetch(t, owner, srv, "/collections/"+id)
	for _, want := range []string{`action="/collections/` + id + `/handout"`, `href="/collections/` + id + `/pdf?style=vancouver"`, "Practice name: “Villi Demo Practice”"} {
		if !strings.Contains(body, want) {
			t.Errorf("collection page lacks %q", want)
		}
	}

	intro := "Dear client,\n\nPlease read **these** first. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n![pixel](https://tracker.example/p.gif)"
	if resp := postForm(t, owner, srv, "/collections/"+id+"/handout", url.Values{
		"title": {"Your gut, explained"}, "intro": {intro}, "closing": {"Questions? [Write to us](https://example.org/contact)."},
	}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/collections/"+id+"#handout" {
		t.Fatalf("save handout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := postForm(t, owner, srv, "/collections/"+id+"/handout", url.Values{"title": {strings.Repeat("x", collection.MaxTitleChars+1)}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("overlong title: %d, want 400", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", srv+"/collections/"+id+"/handout", strings.NewReader(url.Values{"intro": {strings.Repeat("y", collection.MaxTextChars+1)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "the introduction has 5001 characters, too long (at most 5000)") {
		t.Errorf("overlong intro: %d, want 400 saying how long it may be", resp.StatusCode)
	}
	if resp := postForm(t, owner, srv, "/collections/practice", url.Values{"practice": {"Ada's Gut Clinic"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save practice: %d", resp.StatusCode)
	}

	// The owner's print view: the handout, hostile text defused, disclaimer in the article.
	_, body = fetch(t, owner, srv, "/collections/"+id+"/print")
	for _, want := range []string{"<h1>Your gut, explained</h1>", `<p class="practice">Ada&#39;s Gut Clinic</p>`, "<strong>these</strong>",
		`<a href="https://tracker.example/p.gif">pixel</a>`, `<a href="https://example.org/contact">Write to us</a>`,
		`<p class="handout-disclaimer">` + html.EscapeString(collection.Disclaimer), "Evidence: ", "[Retracted"} {
		if !strings.Contains(body, want) {
			t.Errorf("print view lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", "onerror", "javascript:", "<img"} {
		if strings.Contains(body, bad) {
			t.Errorf("print view carries %q", bad)
		}
	}

	// The owner's PDF.
	list, err := colls.References(t.Context(), ada, c.ID, cite.Vancouver)
	if err != nil {
		t.Fatal(err)
	}
	resp, pdf := fetchPDF(t, owner, srv, "/collections/"+id+"/pdf?style=vancouver")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="your-gut-explained.pdf"` {
		t.Fatalf("owner PDF: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	text := pdftest.Squeeze(pdftest.Text(t, pdf))
	for _, e := range list.Entries {
		want, err := collection.PDFText(e.Text)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, pdftest.Squeeze(want)) {
			t.Errorf("owner PDF lacks reference %q", want)
		}
	}
	for _, want := range []string{"Your gut, explained", "Ada's Gut Clinic", "Dear client,", "Please read these first.", "Questions? Write to us.",
		"Public: see the retraction", "Retracted", "Evidence:", collection.Disclaimer} {
		if !strings.Contains(text, pdftest.Squeeze(want)) {
			t.Errorf("owner PDF lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "onerror", "javascript"} {
		if strings.Contains(text, bad) {
			t.Errorf("owner PDF carries %q", bad)
		}
	}
	if info := pdftest.Info(t, pdf); info["Title"] != "Your gut, explained" || info["Author"] != "Ada's Gut Clinic" || info["Creator"] != "villi" {
		t.Errorf("owner PDF metadata %v", info)
	}

	// Share it: the client's page and PDF, under the share rules.
	if resp := postForm(t, owner, srv, "/collections/"+id+"/share", url.Values{"expires": {"30"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("share: %d", resp.StatusCode)
	}
	token, _, err := colls.Share(t.Context(), ada, c.ID, 0, time.Now()) // a token the test can read
	if err != nil {
		t.Fatal(err)
	}
	anon := browserClient(t)
	resp, body = fetch(t, anon, srv, "/s/"+token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>these</strong>") || !strings.Contains(body, `href="/s/`+token+`/pdf?style=vancouver"`) ||
		!strings.Contains(body, html.EscapeString(collection.Disclaimer)) || strings.Contains(body, "PRIVATE client") || strings.Contains(body, "<script>alert") {
		t.Errorf("share page: %d, want the handout with its PDF link, without the private note", resp.StatusCode)
	}
	resp, pdf = fetchPDF(t, anon, srv, "/s/"+token+"/pdf?style=apa")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("shared PDF: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if missing := shareHeaders(resp); missing != nil {
		t.Errorf("shared PDF headers lack %v", missing)
	}
	text = pdftest.Squeeze(pdftest.Text(t, pdf))
	for _, want := range []string{"Your gut, explained", "Ada's Gut Clinic", "Public: see the retraction", "APA (7th ed.)", collection.Disclaimer} {
		if !strings.Contains(text, pdftest.Squeeze(want)) {
			t.Errorf("shared PDF lacks %q", want)
		}
	}
	for _, bad := range []string{"PRIVATE", "anxious", "ada@example.org"} {
		if strings.Contains(text, bad) {
			t.Errorf("shared PDF leaks %q", bad)
		}
	}
	if resp := postForm(t, owner, srv, "/collections/"+id+"/share/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, pdf := fetchPDF(t, anon, srv, "/s/"+token+"/pdf"); resp.StatusCode != http.StatusNotFound || strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("revoked link's PDF: %d, want 404 and no PDF", resp.StatusCode)
	}
	if resp, _ := fetchPDF(t, anon, srv, "/collections/"+id+"/pdf"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("owner PDF without a login: %d, want a redirect to the login", resp.StatusCode)
	}
	stranger := browserClient(t)
	login(t, stranger, srv, "bob@example.org")
	if resp, _ := fetchPDF(t, stranger, srv, "/collections/"+id+"/pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's PDF: %d, want 404", resp.StatusCode)
	}

	// A user with no practice name of their own carries the site's.
	cb, err := colls.Create(t.Context(), bob, "Bob's list")
	if err != nil {
		t.Fatal(err)
	}
	_, pdf = fetchPDF(t, stranger, srv, "/collections/"+strconv.FormatUint(cb.ID, 10)+"/pdf")
	if info := pdftest.Info(t, pdf); info["Author"] != "Villi Demo Practice" || info["Title"] != "Bob's list" {
		t.Errorf("bob's PDF metadata %v, want the site's practice name and the collection's name", info)
	}
}

// TestHandout_PrivateNotesStayWithTheOwner: a note marked private shows on
// the owner's collection page only; every form of the handout she hands out
// — print view and PDF in each style, the Markdown export — leaves it out
// and keeps the public one.
func TestHandout_PrivateNotesStayWithTheOwner(t *testing.T) {
	pdftest.Require(t)
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org")}).URL
	_, _, pmids := collectionFixture(t)
	colls := collection.New(lib.DB())
	ada := store.User{Email: "ada@example.org"}
	c, err := colls.Create(t.Context(), ada, "Notes list")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(c.ID, 10)
	const public, private = "Public: read the methods", "PRIVATE: client distrusts trials"
	if _, err := colls.Add(t.Context(), ada, c.ID, pmids[0], public); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.Add(t.Context(), ada, c.ID, pmids[1], ""); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.SetItemNote(t.Context(), ada, c.ID, pmids[1], private, true); err != nil {
		t.Fatal(err)
	}
	owner := browserClient(t)
	login(t, owner, srv, "ada@example.org")

	if _, body := fetch(t, owner, srv, "/collections/"+id); !strings.Contains(body, html.EscapeString(private)) {
		t.Error("the owner's collection page lacks her private note")
	}
	for _, style := range cite.Styles {
		for _, path := range []string{"/print?style=", "/export?format=markdown&style="} {
			resp, body := fetch(t, owner, srv, "/collections/"+id+path+string(style))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s%s: %d", path, style, resp.StatusCode)
			}
			text := html.UnescapeString(body)
			if strings.Contains(text, private) || !strings.Contains(text, public) {
				t.Errorf("%s%s: private note shown %v, public note shown %v; want false, true",
					path, style, strings.Contains(text, private), strings.Contains(text, public))
			}
		}
		resp, pdf := fetchPDF(t, owner, srv, "/collections/"+id+"/pdf?style="+string(style))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("pdf %s: %d", style, resp.StatusCode)
		}
		text := pdftest.Squeeze(pdftest.Text(t, pdf))
		if strings.Contains(text, pdftest.Squeeze(private)) || !strings.Contains(text, pdftest.Squeeze(public)) {
			t.Errorf("pdf %s: private note shown %v, public note shown %v; want false, true",
				style, strings.Contains(text, pdftest.Squeeze(private)), strings.Contains(text, pdftest.Squeeze(public)))
		}
	}
}

package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"villi/collection"
	"villi/library"
	"villi/store"
)

// collectionFixture serves a library with two users and returns two PMIDs
// from it, the first of them retracted.
func collectionFixture(t *testing.T) (srv string, lib *library.Library, pmids [2]uint64) {
	t.Helper()
	lib = testLibrary(t)
	s := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org", "bob@example.org")})
	// The shared library keeps what earlier tests wrote: start clean.
	for _, email := range []string{"ada@example.org", "bob@example.org"} {
		u := store.User{Email: email}
		cs, err := collection.New(lib.DB()).List(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if err := collection.New(lib.DB()).Delete(t.Context(), u, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := lib.Search(t.Context(), searchParams{Q: "celiac", Page: 1, Size: 1}.request(false))
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("find a celiac record: %v", err)
	}
	return s.URL, lib, [2]uint64{retractedPMID, res.Hits[0].PMID}
}

func TestCollections_AddFromArticleNoteReorderExport(t *testing.T) {
	srv, _, pmids := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	a, b := strconv.FormatUint(pmids[0], 10), strconv.FormatUint(pmids[1], 10)

	// The article page offers collections once logged in.
	_, body := fetch(t, c, srv, "/articles/"+a)
	if !strings.Contains(body, `action="/articles/`+a+`/collect"`) {
		t.Fatal("article page has no add-to-collection form")
	}

	// A new collection from the article page, then a second article into it.
	resp := postForm(t, c, srv, "/articles/"+a+"/collect", url.Values{"collection": {"new"}, "name": {"Hashimoto handout"}, "note": {"Retracted: keep out"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/articles/"+a+"#collect" {
		t.Fatalf("collect into a new collection: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = fetch(t, c, srv, "/collections")
	m := regexp.MustCompile(`<a href="/collections/([0-9]+)">Hashimoto handout</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("collections page lacks the new collection:\n%s", body)
	}
	id := m[1]
	if resp := postForm(t, c, srv, "/articles/"+b+"/collect", url.Values{"collection": {id}, "note": {"Good RCT"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("collect into the collection: %d", resp.StatusCode)
	}
	// The same article twice changes nothing and says so (TestCollections_AddTwiceIsAFriendlyNoOp).
	if resp := postForm(t, c, srv, "/articles/"+b+"/collect", url.Values{"collection": {id}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("adding an article twice: %d, want 303", resp.StatusCode)
	}
	_, body = fetch(t, c, srv, "/articles/"+b)
	if !strings.Contains(body, `In your collections: <a href="/collections/`+id+`">Hashimoto handout</a>`) {
		t.Error("article page does not say which collections hold it")
	}

	// The collection page: both entries in order, the retracted one flagged.
	_, body = fetch(t, c, srv, "/collections/"+id+"?style=ama")
	ia, ib := strings.Index(body, `id="item-`+a+`"`), strings.Index(body, `id="item-`+b+`"`)
	if ia < 0 || ib < 0 || ia > ib {
		t.Fatalf("entries missing or out of order (%d, %d)", ia, ib)
	}
	for _, want := range []string{"1 reference has been retracted or flagged", "Retracted: keep out", "Good RCT", `<strong aria-current="true">AMA (11th ed.)</strong>`} {
		if !strings.Contains(body, want) {
			t.Errorf("collection page lacks %q", want)
		}
	}

	// Move the second up, edit its note, and the order and note follow.
	if resp := postForm(t, c, srv, "/collections/"+id+"/items/"+b+"/move", url.Values{"to": {"0"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	if resp := postForm(t, c, srv, "/collections/"+id+"/items/"+b+"/note", url.Values{"note": {"Cite in section 2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, srv, "/collections/"+id)
	if ia, ib := strings.Index(body, `id="item-`+a+`"`), strings.Index(body, `id="item-`+b+`"`); ib > ia {
		t.Error("moving the second entry to the top did not reorder the list")
	}
	if !strings.Contains(body, "Cite in section 2") {
		t.Error("edited note not shown")
	}

	// Printable list and every export carry both records; retraction flagged.
	resp, body = fetch(t, c, srv, "/collections/"+id+"/print?style=apa")
	if resp.StatusCode != 200 || !strings.Contains(body, "APA (7th ed.)") || !strings.Contains(body, "[Retracted]") {
		t.Errorf("print page: %d, want the APA list with the retraction flagged", resp.StatusCode)
	}
	for _, f := range []string{"markdown", "ris", "bibtex", "csljson", "nbib", "csv"} {
		resp, body := fetch(t, c, srv, "/collections/"+id+"/export?format="+f)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="hashimoto-handout.`) {
			t.Errorf("export %s: %d %q", f, resp.StatusCode, resp.Header.Get("Content-Disposition"))
			continue
		}
		if !strings.Contains(body, a) || !strings.Contains(body, b) {
			t.Errorf("export %s lacks one of PMIDs %s, %s", f, a, b)
		}
		if !strings.Contains(strings.ToLower(body), "retract") {
			t.Errorf("export %s does not flag the retraction", f)
		}
	}

	// Remove, rename, delete.
	if resp := postForm(t, c, srv, "/collections/"+id+"/items/"+a+"/remove", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("remove: %d", resp.StatusCode)
	}
	if resp := postForm(t, c, srv, "/collections/"+id+"/rename", url.Values{"name": {"Handout v2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, srv, "/collections/"+id)
	if !strings.Contains(body, "<h1>Handout v2</h1>") || strings.Contains(body, `id="item-`+a+`"`) {
		t.Error("rename or remove did not show")
	}
	if resp := postForm(t, c, srv, "/collections/"+id+"/delete", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("delete without confirmation: %d, want 400", resp.StatusCode)
	}
	if resp := postForm(t, c, srv, "/collections/"+id+"/delete", url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, srv, "/collections/"+id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted collection: %d, want 404", resp.StatusCode)
	}
}

func TestCollections_PrivateToTheirOwner(t *testing.T) {
	srv, _, pmids := collectionFixture(t)
	ada, bob := browserClient(t), browserClient(t)
	login(t, ada, srv, "ada@example.org")
	login(t, bob, srv, "bob@example.org")
	pmid := strconv.FormatUint(pmids[1], 10)
	postForm(t, ada, srv, "/articles/"+pmid+"/collect", url.Values{"name": {"Ada's list"}})
	_, body := fetch(t, ada, srv, "/collections")
	m := regexp.MustCompile(`/collections/([0-9]+)">Ada&#39;s list`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("ada's collection not listed:\n%s", body)
	}
	for _, path := range []string{"/collections/" + m[1], "/collections/" + m[1] + "/print", "/collections/" + m[1] + "/export?format=ris"} {
		if resp, _ := fetch(t, bob, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("bob GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp := postForm(t, bob, srv, "/collections/"+m[1]+"/delete", url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob deletes ada's collection: %d, want 404", resp.StatusCode)
	}
	// Visitors are sent to log in, even on a public library.
	visitor := browserClient(t)
	if resp, _ := fetch(t, visitor, srv, "/collections"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor GET /collections: %d, want a redirect to log in", resp.StatusCode)
	}
	if resp := postForm(t, visitor, srv, "/articles/"+pmid+"/collect", url.Values{"name": {"x"}}); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("visitor collect: %d %q, want a redirect to log in", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCollections_BadInputIs4xx(t *testing.T) {
	srv, _, pmids := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	pmid := strconv.FormatUint(pmids[1], 10)
	tests := []struct {
		name, path string
		form       url.Values
		code       int
	}{
		{"empty name", "/collections", url.Values{"name": {"  "}}, 400},
		{"overlong name", "/collections", url.Values{"name": {strings.Repeat("n", 200)}}, 400},
		{"unknown collection", "/articles/" + pmid + "/collect", url.Values{"collection": {"999999"}}, 404},
		{"bad collection number", "/articles/" + pmid + "/collect", url.Values{"collection": {"abc"}}, 400},
		{"unknown article", "/articles/99999999/collect", url.Values{"name": {"New"}}, 404},
		{"bad pmid", "/collections/1/items/x/note", url.Values{"note": {"n"}}, 400},
		{"bad id", "/collections/zz/rename", url.Values{"name": {"n"}}, 400},
		{"bad move", "/collections/1/items/" + pmid + "/move", url.Values{"to": {"up"}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := postForm(t, c, srv, tt.path, tt.form); resp.StatusCode != tt.code {
				t.Errorf("POST %s: %d, want %d", tt.path, resp.StatusCode, tt.code)
			}
		})
	}
	if resp, _ := fetch(t, c, srv, "/collections/1/export?format=docx"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown export format: %d, want 400", resp.StatusCode)
	}
}

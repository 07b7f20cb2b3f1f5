package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/collection"
	"villi/library"
	"villi/store"
)

// follow GETs the Location of a redirect with the same client (and so its
// flash cookie) and returns the page.
func follow(t *testing.T, c *http.Client, srv string, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("want a redirect, got %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	r, body := fetch(t, c, srv, loc)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s after the redirect: %d", loc, r.StatusCode)
	}
	return body
}

// flashes returns the text of each flash on a page with where it sits: the
// id of the element around it ("" when outside any item or section).
func flashes(body string) []string {
	var out []string
	re := regexp.MustCompile(`<p class="flash[^"]*" role="(status|alert)"[^>]*>(.*?)</p>`)
	for _, m := range re.FindAllStringSubmatchIndex(body, -1) {
		place := ""
		if i := strings.LastIndex(body[:m[0]], `<li id="item-`); i >= 0 && !strings.Contains(body[i:m[0]], "</li>") {
			place = body[i+8 : i+8+strings.Index(body[i+8:], `"`)]
		} else if i := strings.LastIndex(body[:m[0]], `id="collect"`); i >= 0 && !strings.Contains(body[i:m[0]], "</section>") {
			place = "collect"
		}
		text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body[m[4]:m[5]], ""))
		out = append(out, place+"|"+body[m[2]:m[3]]+"|"+text)
	}
	return out
}

func itemsOf(t *testing.T, lib *library.Library, id uint64) []uint64 {
	t.Helper()
	c, err := lib.DB().Collection(id)
	if err != nil {
		t.Fatal(err)
	}
	return c.PMIDs()
}

// hitPMIDs are the PMIDs of a search's first n hits.
func hitPMIDs(t *testing.T, lib *library.Library, q string, n int) []uint64 {
	t.Helper()
	res, err := lib.Search(t.Context(), searchParams{Q: q, Page: 1, Size: n}.request(false))
	if err != nil || len(res.Hits) < n {
		t.Fatalf("search %q: %v, want %d hits", q, err, n)
	}
	var out []uint64
	for _, h := range res.Hits {
		out = append(out, h.PMID)
	}
	return out
}

func ids(pmids ...uint64) []string {
	var out []string
	for _, p := range pmids {
		out = append(out, strconv.FormatUint(p, 10))
	}
	return out
}

func TestCollections_AddTwiceIsAFriendlyNoOp(t *testing.T) {
	srv, lib, pmids := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	b := strconv.FormatUint(pmids[1], 10)
	col, err := collection.New(lib.DB()).Create(t.Context(), store.User{Email: "ada@example.org"}, "Gut handout")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(col.ID, 10)

	body := follow(t, c, srv, postForm(t, c, srv, "/articles/"+b+"/collect", url.Values{"collection": {id}, "note": {"First note"}}))
	if got, want := flashes(body), []string{"collect|status|Added to “Gut handout”. Open it"}; !slices.Equal(got, want) {
		t.Errorf("after adding: flashes %q, want %q", got, want)
	}
	resp := postForm(t, c, srv, "/articles/"+b+"/collect", url.Values{"collection": {id}, "note": {"Second note"}})
	if loc := resp.Header.Get("Location"); loc != "/articles/"+b+"#collect" {
		t.Errorf("adding twice: %d to %q, want 303 back to the article", resp.StatusCode, loc)
	}
	body = follow(t, c, srv, resp)
	if got, want := flashes(body), []string{"collect|status|Already in “Gut handout”: nothing changed (its note there is kept). Open it"}; !slices.Equal(got, want) {
		t.Errorf("after adding twice: flashes %q, want %q", got, want)
	}
	got, _ := lib.DB().Collection(col.ID)
	if len(got.Items) != 1 || got.Items[0].Note != "First note" {
		t.Errorf("collection after adding twice: %+v, want one item with the first note", got.Items)
	}
	// A flash is shown once.
	if _, body := fetch(t, c, srv, "/articles/"+b); len(flashes(body)) != 0 {
		t.Errorf("the flash shows again: %q", flashes(body))
	}
}

func TestCollections_BulkAddFromSearch(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	hits := hitPMIDs(t, lib, "celiac", 5)
	col, err := collection.New(lib.DB()).Create(t.Context(), store.User{Email: "ada@example.org"}, "Celiac handout")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collection.New(lib.DB()).Add(t.Context(), store.User{Email: "ada@example.org"}, col.ID, hits[2], "kept"); err != nil {
		t.Fatal(err)
	}

	// The search page offers a checkbox per hit and the form, to a user only.
	const page = "/search?q=celiac&size=5"
	_, body := fetch(t, c, srv, page)
	for _, p := range hits {
		if !strings.Contains(body, `form="add-selected" name="pmid" value="`+strconv.FormatUint(p, 10)+`"`) {
			t.Errorf("search page has no checkbox for hit %d", p)
		}
	}
	if !strings.Contains(body, `<option value="`+strconv.FormatUint(col.ID, 10)+`">Celiac handout</option>`) ||
		!strings.Contains(body, `name="next" value="/search?q=celiac&amp;size=5"`) {
		t.Error("search page lacks the add-selected form with the collection and the way back")
	}
	if _, anon := fetch(t, browserClient(t), srv, page); strings.Contains(anon, `name="pmid"`) || strings.Contains(anon, "add-selected") {
		t.Error("a visitor's search page offers to add to a collection")
	}

	// Four ticked (one already there, one ticked twice): three added, in order.
	form := url.Values{"collection": {strconv.FormatUint(col.ID, 10)}, "next": {page}, "pmid": ids(hits[0], hits[1], hits[2], hits[3], hits[0])}
	resp := postForm(t, c, srv, "/collections/collect", form)
	if loc := resp.Header.Get("Location"); loc != page {
		t.Errorf("bulk add went to %q, want back to %s", loc, page)
	}
	body = follow(t, c, srv, resp)
	if got, want := flashes(body), []string{"|status|3 added to “Celiac handout”, 1 already there. Open “Celiac handout”"}; !slices.Equal(got, want) {
		t.Errorf("flashes %q, want %q", got, want)
	}
	if got, want := itemsOf(t, lib, col.ID), []uint64{hits[2], hits[0], hits[1], hits[3]}; !slices.Equal(got, want) {
		t.Errorf("items %v, want %v", got, want)
	}
	// All there already: a no-op that says so.
	body = follow(t, c, srv, postForm(t, c, srv, "/collections/collect", url.Values{"collection": {strconv.FormatUint(col.ID, 10)}, "next": {page}, "pmid": ids(hits[0], hits[1])}))
	if got, want := flashes(body), []string{"|status|All 2 were already in “Celiac handout”: nothing changed. Open “Celiac handout”"}; !slices.Equal(got, want) {
		t.Errorf("flashes %q, want %q", got, want)
	}

	// Into a new collection named in the form.
	body = follow(t, c, srv, postForm(t, c, srv, "/collections/collect", url.Values{"collection": {"new"}, "name": {"Fresh list"}, "next": {page}, "pmid": ids(hits[4])}))
	if got, want := flashes(body), []string{"|status|1 added to “Fresh list”. Open “Fresh list”"}; !slices.Equal(got, want) {
		t.Errorf("flashes %q, want %q", got, want)
	}

	// Refusals: nothing ticked is a message; an unknown PMID adds nothing
	// and leaves no new collection; a foreign next goes home.
	body = follow(t, c, srv, postForm(t, c, srv, "/collections/collect", url.Values{"collection": {"new"}, "name": {"Empty"}, "next": {page}}))
	if got, want := flashes(body), []string{"|alert|Nothing added: tick the studies to add first."}; !slices.Equal(got, want) {
		t.Errorf("nothing ticked: flashes %q, want %q", got, want)
	}
	if resp := postForm(t, c, srv, "/collections/collect", url.Values{"collection": {"new"}, "name": {"Ghost"}, "pmid": ids(hits[4], 99999999)}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown PMID: %d, want 404", resp.StatusCode)
	}
	cs, _ := lib.DB().Collections("ada@example.org")
	var names []string
	for _, x := range cs {
		names = append(names, x.Name)
	}
	if want := []string{"Celiac handout", "Fresh list"}; !slices.Equal(names, want) {
		t.Errorf("ada's collections %q, want %q (no empty one from a refused add)", names, want)
	}
	if resp := postForm(t, c, srv, "/collections/collect", url.Values{"collection": {strconv.FormatUint(col.ID, 10)}, "next": {"//evil.example/x"}, "pmid": ids(hits[4])}); resp.Header.Get("Location") != "/" {
		t.Errorf("foreign next: went to %q, want /", resp.Header.Get("Location"))
	}
	if resp := postForm(t, c, srv, "/collections/collect", url.Values{"collection": {strconv.FormatUint(col.ID, 10)}, "pmid": {"abc"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad PMID: %d, want 400", resp.StatusCode)
	}
}

func TestCollections_BulkAddOverTheLimit(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	hits := hitPMIDs(t, lib, "celiac", 4)
	col, err := collection.New(lib.DB()).Create(t.Context(), store.User{Email: "ada@example.org"}, "Nearly full")
	if err != nil {
		t.Fatal(err)
	}
	// Filled straight through the store: only the count matters here.
	var filler []store.CollectionItem
	for i := range collection.MaxItems - 2 {
		filler = append(filler, store.CollectionItem{PMID: uint64(900000000 + i)})
	}
	if _, _, _, err := lib.DB().AddItems(col.ID, filler, 0); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(col.ID, 10)
	body := follow(t, c, srv, postForm(t, c, srv, "/collections/collect", url.Values{"collection": {id}, "next": {"/search?q=celiac"}, "pmid": ids(hits[0], hits[1], hits[2])}))
	want := []string{`|alert|Nothing added: collection is full: "Nearly full" holds 498 of 500 studies, so only 2 more fit (3 new chosen).`}
	if got := flashes(body); !slices.Equal(got, want) {
		t.Errorf("over the limit: flashes %q, want %q", got, want)
	}
	if n := len(itemsOf(t, lib, col.ID)); n != collection.MaxItems-2 {
		t.Errorf("over the limit: %d items, want %d (nothing added)", n, collection.MaxItems-2)
	}
	// What fits goes in.
	body = follow(t, c, srv, postForm(t, c, srv, "/collections/collect", url.Values{"collection": {id}, "next": {"/search?q=celiac"}, "pmid": ids(hits[0], hits[1])}))
	if got := flashes(body); len(got) != 1 || !strings.HasPrefix(got[0], "|status|2 added") {
		t.Errorf("filling up: flashes %q", got)
	}
	if n := len(itemsOf(t, lib, col.ID)); n != collection.MaxItems {
		t.Errorf("%d items, want %d", n, collection.MaxItems)
	}
}

// workflowCollection makes ada a collection of the first n celiac hits and
// returns its id.
func workflowCollection(t *testing.T, lib *library.Library, name string, n int) (uint64, []uint64) {
	t.Helper()
	hits := hitPMIDs(t, lib, "celiac", n)
	col, err := collection.New(lib.DB()).Create(t.Context(), store.User{Email: "ada@example.org"}, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collection.New(lib.DB()).AddMany(t.Context(), store.User{Email: "ada@example.org"}, col.ID, hits); err != nil {
		t.Fatal(err)
	}
	return col.ID, hits
}

func TestCollections_NoteSavedConfirmedBesideItsItem(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	id, hits := workflowCollection(t, lib, "Notes", 3)
	base := "/collections/" + strconv.FormatUint(id, 10)
	p := strconv.FormatUint(hits[1], 10)
	tests := []struct {
		form url.Values
		want string
	}{
		{url.Values{"note": {"Small RCT"}}, "item-" + p + "|status|Note saved."},
		{url.Values{"note": {"Ask about dose"}, "private": {"yes"}}, "item-" + p + "|status|Note saved; private: the handout, its PDF and Markdown, and the share link leave it out."},
		{url.Values{"note": {""}}, "item-" + p + "|status|Note cleared."},
	}
	for _, tt := range tests {
		resp := postForm(t, c, srv, base+"/items/"+p+"/note", tt.form)
		if loc := resp.Header.Get("Location"); loc != base+"#item-"+p {
			t.Errorf("note saved: to %q, want the item", loc)
		}
		if got := flashes(follow(t, c, srv, resp)); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("note %v: flashes %q, want %q", tt.form, got, tt.want)
		}
	}
	if _, body := fetch(t, c, srv, base); len(flashes(body)) != 0 {
		t.Errorf("the confirmation shows again: %q", flashes(body))
	}
}

func TestCollections_MoveToAPosition(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	id, h := workflowCollection(t, lib, "Order", 4)
	base := "/collections/" + strconv.FormatUint(id, 10)

	// Each item has a labelled position field posting to its move route.
	_, body := fetch(t, c, srv, base)
	for i, p := range h {
		ps := strconv.FormatUint(p, 10)
		if !strings.Contains(body, `<label for="pos-`+ps+`">Position</label>`+"\n"+`<input id="pos-`+ps+`" type="number" name="position" min="1" max="4" value="`+strconv.Itoa(i+1)+`"`) {
			t.Errorf("item %d has no labelled position field", p)
		}
	}
	tests := []struct {
		name, pmid, pos string
		code            int
		want            []uint64
		flash           string
	}{
		{"last to first", ids(h[3])[0], "1", 303, []uint64{h[3], h[0], h[1], h[2]}, "Moved to position 1 of 4."},
		{"first to last", ids(h[3])[0], "4", 303, []uint64{h[0], h[1], h[2], h[3]}, "Moved to position 4 of 4."},
		{"to the middle", ids(h[0])[0], "3", 303, []uint64{h[1], h[2], h[0], h[3]}, "Moved to position 3 of 4."},
		{"zero", ids(h[0])[0], "0", 400, []uint64{h[1], h[2], h[0], h[3]}, ""},
		{"past the end", ids(h[0])[0], "5", 400, []uint64{h[1], h[2], h[0], h[3]}, ""},
		{"not a number", ids(h[0])[0], "top", 400, []uint64{h[1], h[2], h[0], h[3]}, ""},
	}
	for _, tt := range tests {
		resp := postForm(t, c, srv, base+"/items/"+tt.pmid+"/move", url.Values{"position": {tt.pos}})
		if resp.StatusCode != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.code)
		}
		if got := itemsOf(t, lib, id); !slices.Equal(got, tt.want) {
			t.Errorf("%s: order %v, want %v", tt.name, got, tt.want)
		}
		if tt.flash != "" {
			if got, want := flashes(follow(t, c, srv, resp)), []string{"item-" + tt.pmid + "|status|" + tt.flash}; !slices.Equal(got, want) {
				t.Errorf("%s: flashes %q, want %q", tt.name, got, want)
			}
		}
	}
}

func TestCollections_DuplicateForTheNextHandout(t *testing.T) {
	srv, lib, _ := collectionFixture(t)
	ada, bob := browserClient(t), browserClient(t)
	login(t, ada, srv, "ada@example.org")
	login(t, bob, srv, "bob@example.org")
	id, h := workflowCollection(t, lib, "Gut basics", 3)
	colls := collection.New(lib.DB())
	u := store.User{Email: "ada@example.org"}
	colls.SetItemNote(t.Context(), u, id, h[1], "Private aside", true)
	colls.SetItemNote(t.Context(), u, id, h[2], "Lead with this", false)
	colls.MoveTo(t.Context(), u, id, h[2], 1)
	if _, _, err := lib.DB().CreateShareLink(id, time.Now(), time.Now().AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	orig, _ := lib.DB().Collection(id)
	base := "/collections/" + strconv.FormatUint(id, 10)

	if _, body := fetch(t, ada, srv, base); !strings.Contains(body, `action="`+base+`/duplicate" method="post"`) {
		t.Error("collection page has no Duplicate form")
	}
	// Another user's collection does not exist for bob, and he gets nothing.
	if resp := postForm(t, bob, srv, base+"/duplicate", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob duplicates ada's collection: %d, want 404", resp.StatusCode)
	}
	if cs, _ := lib.DB().Collections("bob@example.org"); len(cs) != 0 {
		t.Errorf("bob has %d collections after a refused copy", len(cs))
	}

	resp := postForm(t, ada, srv, base+"/duplicate", nil)
	m := regexp.MustCompile(`^/collections/([0-9]+)$`).FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil || m[1] == strconv.FormatUint(id, 10) {
		t.Fatalf("duplicate: %d to %q, want the new collection", resp.StatusCode, resp.Header.Get("Location"))
	}
	body := follow(t, ada, srv, resp)
	if got, want := flashes(body), []string{"|status|This is a new copy: 3 references with their notes, in the same order. The original and its share link are unchanged. Open the original"}; !slices.Equal(got, want) {
		t.Errorf("flashes %q, want %q", got, want)
	}
	if !strings.Contains(body, "<h1>Copy of Gut basics</h1>") || !strings.Contains(body, "No share link.") {
		t.Error("the copy's page does not show its name, or shows a share link")
	}
	newID, _ := strconv.ParseUint(m[1], 10, 64)
	dup, _ := lib.DB().Collection(newID)
	if dup.Owner != "ada@example.org" || !slices.Equal(dup.Items, orig.Items) {
		t.Errorf("copy: owner %q items %+v, want ada's with %+v", dup.Owner, dup.Items, orig.Items)
	}
	if _, ok, _ := lib.DB().ShareLinkOf(newID); ok {
		t.Error("the copy has a share link")
	}
}

func TestCollections_EvidenceBadgesOnItems(t *testing.T) {
	srv, lib, pmids := collectionFixture(t)
	c := browserClient(t)
	login(t, c, srv, "ada@example.org")
	u := store.User{Email: "ada@example.org"}
	col, _ := collection.New(lib.DB()).Create(t.Context(), u, "Badges")
	if _, err := collection.New(lib.DB()).AddMany(t.Context(), u, col.ID, pmids[:]); err != nil {
		t.Fatal(err)
	}
	_, body := fetch(t, c, srv, "/collections/"+strconv.FormatUint(col.ID, 10))
	for _, p := range pmids {
		rec, err := lib.Record(p)
		if err != nil {
			t.Fatal(err)
		}
		item := body[strings.Index(body, `<li id="item-`+strconv.FormatUint(p, 10)+`"`):]
		item = item[:strings.Index(item, "</li>")]
		want := `<span class="badge ev ev-` + rec.Tags.Evidence + `">`
		if !strings.Contains(item, want) || !strings.Contains(item, `<span class="badge sp sp-`+rec.Tags.Species+`">`) {
			t.Errorf("item %d lacks its evidence and species badges (%s, %s)", p, rec.Tags.Evidence, rec.Tags.Species)
		}
		retracted := strings.Contains(item, `<span class="badge flag flag-retracted">Retracted</span>`)
		if retracted != rec.Article.IsRetracted() {
			t.Errorf("item %d: Retracted badge %v, want %v", p, retracted, rec.Article.IsRetracted())
		}
	}
}

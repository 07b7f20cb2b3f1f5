package web

import (
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/cite"
	"villi/internal/fixture"
	"villi/library"
	"villi/store"
)

func wantPage(t *testing.T, srv string, path string, code int, contains ...string) string {
	t.Helper()
	resp, body := get(t, srv+path)
	if resp.StatusCode != code {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, resp.StatusCode, code, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("GET %s: page lacks %q", path, c)
		}
	}
	return body
}

func TestHome_ChipsEvidenceMapListsAndStatus(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{NextCrawl: func() time.Time { return time.Date(2031, 5, 6, 3, 0, 0, 0, time.Local) }})
	body := wantPage(t, srv.URL, "/", 200,
		`action="/search"`, `id="q-hint"`, // search box with the syntax hint
		`href="/search?condition=celiac&amp;focus=1"`,                  // a condition chip: the records about it
		`<table class="emap">`,                                         // the evidence map
		`href="/search?condition=celiac&amp;topic=remove&amp;focus=1"`, // one of its cells
		"Newest meta-analyses and systematic reviews", "Newest randomised controlled trials",
		"Library status", "6 May 2031 03:00", // the scheduler's next crawl
	)
	// The celiac chip counts what the search it opens finds: the records
	// about celiac disease (their focus), fewer than those that mention it.
	res, err := lib.Search(t.Context(), searchParams{Conditions: []string{"celiac"}, Focus: true, Page: 1, Size: 1}.request(false))
	if err != nil {
		t.Fatal(err)
	}
	chip := regexp.MustCompile(`href="/search\?condition=celiac&amp;focus=1"[^>]*>Celiac disease <span class="count">([0-9,]+)</span>`).FindStringSubmatch(body)
	if chip == nil || chip[1] != formatCount(res.Total) {
		t.Errorf("celiac chip %v, want count %s", chip, formatCount(res.Total))
	}
	mentions, err := lib.Search(t.Context(), searchParams{Conditions: []string{"celiac"}, Page: 1, Size: 1}.request(false))
	if err != nil {
		t.Fatal(err)
	}
	if mentions.Total <= res.Total {
		t.Errorf("condition=celiac finds %d, about celiac %d: want the filter to find the mentions too", mentions.Total, res.Total)
	}
	// 8 conditions × 7 mechanisms.
	if n := strings.Count(body, `<td class="heat`); n != 8*7 {
		t.Errorf("evidence map has %d cells, want 56", n)
	}
	if !strings.Contains(body, `class="heat5"`) {
		t.Error("no cell is at the top of the heat scale")
	}
}

func TestHome_ShowsLastCrawlErrorPlainly(t *testing.T) {
	lib := newLibrary(t, 30)
	srv := newServer(t, lib, Options{})
	putRun(t, lib.DB(), store.Run{Kind: "crawl", Ended: time.Now().Add(-time.Hour), Added: 4,
		Err: "esearch: PubMed cannot be reached <dial tcp: i/o timeout>", Failing: []string{"hashimoto: 503"}})
	wantPage(t, srv.URL, "/", 200, "Last error", "esearch: PubMed cannot be reached &lt;dial tcp: i/o timeout&gt;", "hashimoto: 503", "4 added")
}

func TestHome_EmptyLibrarySaysHowToFillIt(t *testing.T) {
	srv := newServer(t, newLibrary(t, 0), Options{})
	wantPage(t, srv.URL, "/", 200, "The library is empty", "villi import", "None in the library yet")
}

func TestHome_CacheFollowsLibraryChanges(t *testing.T) {
	lib := newLibrary(t, 20)
	srv := newServer(t, lib, Options{HomeCacheTTL: time.Nanosecond})
	before := wantPage(t, srv.URL, "/", 200)
	if err := ingestFirst(t.Context(), lib, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"), 60); err != nil {
		t.Fatal(err)
	}
	after := wantPage(t, srv.URL, "/", 200)
	lede := regexp.MustCompile(`([0-9,]+) PubMed records`)
	b, a := lede.FindStringSubmatch(before), lede.FindStringSubmatch(after)
	if b == nil || a == nil || b[1] != "20" || a[1] != "60" {
		t.Errorf("record count before/after ingest: %v / %v, want 20 / 60", b, a)
	}
}

func TestSearchPage_FacetsChipsSortChartAndHits(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/search?q=gluten&condition=celiac&evidence=review", 200,
		"Searched as <code>gluten", // the searched-as line
		`<fieldset class="facet">`, `name="condition" value="celiac" checked`,
		`aria-label="Remove filter Celiac disease"`, `aria-label="Remove filter Review"`,
		`href="/search?q=gluten&amp;condition=celiac&amp;evidence=review&amp;sort=date"`, // sort link keeps the search
		`<svg viewBox="0 0 640 150" role="group"`,                                        // the year chart
		`<mark>`, // highlighted snippets
		`class="badge ev ev-review"`, `class="badge sp sp-`,
		`href="/search.atom?q=gluten`,
	)
	// The chip removing "celiac" keeps the rest of the search.
	if !strings.Contains(body, `href="/search?q=gluten&amp;evidence=review" aria-label="Remove filter Celiac disease"`) {
		t.Error("the celiac chip does not link to the same search without celiac")
	}
	if n := strings.Count(body, `<article class="hit`); n != 20 {
		t.Errorf("%d hits on page 1, want 20", n)
	}
	if !strings.Contains(body, `rel="next"`) {
		t.Error("no next-page link")
	}
}

func TestSearchPage_RetractedHitHasBanner(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/search?q=8863847", 200, "Retracted publication.")
	if !strings.Contains(body, `<article class="hit is-retracted">`) {
		t.Error("retracted hit is not marked")
	}
}

func TestSearchPage_EscapesUserText(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	q := `"<script>alert(1)</script>" OR gluten`
	body := wantPage(t, srv.URL, "/search?q="+url.QueryEscape(q), 200)
	if strings.Contains(body, "<script>alert") {
		t.Fatal("the query reached the page unescaped")
	}
	if !strings.Contains(body, html.EscapeString("<script>alert(1)</script>")) && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the escaped query is not shown back")
	}
}

func TestSearchPage_EmptyResultExplainsWhatToTry(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	wantPage(t, srv.URL, "/search?q=xylophonequartz&condition=lupus", 200, "No records found", "Nothing matches", "Remove the filters")
}

func TestSearchPage_SyntaxErrorShowsWhereAndHow(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/search?q="+url.QueryEscape("zonulin AND (gluten"), 400, "The query has a syntax error", `<mark class="at">`, "How to fix it:")
	if !strings.Contains(body, `value="zonulin AND (gluten"`) {
		t.Error("the query is not offered back for editing")
	}
}

func TestSearchPage_BadFilterIs400Page(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	wantPage(t, srv.URL, "/search?condition=hashimotos", 400, "unknown condition &#34;hashimotos&#34;")
	wantPage(t, srv.URL, "/search?q=a&sort=popular", 400, "unknown sort")
}

func TestSearchPage_PagerStaysWithinOffsetLimitThenUsesCursor(t *testing.T) {
	pg := newPager(searchParams{Q: "x", Page: 100, Size: 100}, &library.SearchResult{Total: 200000, Next: "CURSOR"})
	if !strings.Contains(pg.Next, "cursor=CURSOR") || !strings.Contains(pg.Next, "page=101") {
		t.Errorf("next beyond the offset limit = %q, want a cursor link to page 101", pg.Next)
	}
	pg = newPager(searchParams{Q: "x", Page: 3, Size: 20}, &library.SearchResult{Total: 1000, Next: "C"})
	var labels []string
	for _, l := range pg.Pages {
		if l.GapBefore {
			labels = append(labels, "…")
		}
		labels = append(labels, l.Label)
	}
	if got, want := strings.Join(labels, " "), "1 2 3 4 5 … 50"; got != want {
		t.Errorf("pages %q, want %q", got, want)
	}
	if !strings.Contains(pg.Next, "page=4") || !strings.Contains(pg.Prev, "page=2") {
		t.Errorf("prev %q next %q, want pages 2 and 4", pg.Prev, pg.Next)
	}
}

func TestArticlePage_EverythingAPractitionerNeeds(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	rec, err := lib.Record(retractedPMID)
	if err != nil {
		t.Fatal(err)
	}
	ama, _ := cite.Reference(cite.AMA, &rec.Article)
	body := wantPage(t, srv.URL, "/articles/8863847", 200,
		"This article has been retracted.",
		"Mechanism of extracellular ATP-induced proliferation",
		"https://pubmed.ncbi.nlm.nih.gov/8863847/",
		"AMA (11th ed.)", "APA (7th ed.)", "Vancouver (NLM)",
		`data-copy="`+html.EscapeString(ama)+`"`,
		"/api/v1/export?format=ris&amp;pmid=8863847", "/api/v1/export?format=nbib&amp;pmid=8863847",
		"MeSH terms", "<strong>Adenosine Triphosphate</strong>*", // a major topic
		"Retracted Publication", // publication types
		"Similar articles",
	)
	if strings.Contains(body, `href="/articles/8863847"`) {
		t.Error("the article lists itself as similar")
	}
}

func TestArticlePage_StructuredAbstractAndAffiliations(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	// Find a record with a labelled abstract and an affiliation.
	var pmid uint64
	err := lib.DB().ForEach(t.Context(), func(r store.Record) error {
		if pmid == 0 && len(r.Article.Abstract) > 1 && r.Article.Abstract[0].Label != "" &&
			len(r.Article.Authors) > 0 && len(r.Article.Authors[0].Affiliations) > 0 {
			pmid = r.Article.PMID
		}
		return nil
	})
	if err != nil || pmid == 0 {
		t.Fatalf("no structured record with affiliations in the test library (%v)", err)
	}
	rec, _ := lib.Record(pmid)
	wantPage(t, srv.URL, "/articles/"+strconv.FormatUint(pmid, 10), 200,
		`<strong class="section-label">`+html.EscapeString(rec.Article.Abstract[0].Label)+`:</strong>`,
		"Affiliations (", html.EscapeString(rec.Article.Authors[0].Affiliations[0]),
	)
}

func TestArticlePage_NotFoundAndBadPMID(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	wantPage(t, srv.URL, "/articles/99999999", 404, "PMID 99999999 is not in this library", "https://pubmed.ncbi.nlm.nih.gov/99999999/")
	wantPage(t, srv.URL, "/articles/12ab", 400, "is not a PMID")
	wantPage(t, srv.URL, "/no/such/page", 404, "There is no page at /no/such/page")
}

func TestSimilarQuery_UsesMeSHAndTitleAndExcludesItself(t *testing.T) {
	rec, err := testLibrary(t).Record(retractedPMID)
	if err != nil {
		t.Fatal(err)
	}
	got := similarQuery(&rec.Article)
	for _, want := range []string{`"Adenosine Triphosphate"[mh]`, `extracellular[ti]`, `NOT 8863847[pmid]`} {
		if !strings.Contains(got, want) {
			t.Errorf("similar query %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "of[ti]") {
		t.Errorf("similar query %q keeps a stop word", got)
	}
	res, err := testLibrary(t).Search(t.Context(), searchParams{Q: got, Page: 1, Size: 5}.request(false))
	if err != nil {
		t.Fatalf("similar query %q does not run: %v", got, err)
	}
	if len(res.Hits) == 0 {
		t.Errorf("similar query %q finds nothing", got)
	}
}

func TestStatic_VersionedAndCached(t *testing.T) {
	srv := newServer(t, newLibrary(t, 0), Options{})
	body := wantPage(t, srv.URL, "/", 200)
	m := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no versioned stylesheet link")
	}
	resp, css := get(t, srv.URL+m[1])
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, ".emap") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned asset Cache-Control %q, want immutable", cc)
	}
	if resp, _ := get(t, srv.URL+"/static/nope.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: %d, want 404", resp.StatusCode)
	}
}

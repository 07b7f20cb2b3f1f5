package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/cite"
	"villi/library"
	"villi/store"
	"villi/taxonomy"
)

// searchJSON is what a client of /api/v1/search decodes (CONTRACTS.md).
type searchJSON struct {
	Total      *uint64 `json:"total"`
	SearchedAs string  `json:"searched_as"`
	Next       string  `json:"next"`
	Hits       []struct {
		PMID       uint64   `json:"pmid"`
		Title      string   `json:"title"`
		Journal    string   `json:"journal"`
		Year       int      `json:"year"`
		Authors    []string `json:"authors"`
		Conditions []string `json:"conditions"`
		Topics     []string `json:"topics"`
		Evidence   string   `json:"evidence"`
		Species    string   `json:"species"`
		Retracted  *bool    `json:"retracted"`
		Snippet    *string  `json:"snippet"`
	} `json:"hits"`
	Facets map[string][]struct {
		Value string `json:"value"`
		Count int    `json:"count"`
	} `json:"facets"`
}

func getJSON(t *testing.T, u string, wantCode int, v any) {
	t.Helper()
	resp, body := get(t, u)
	if resp.StatusCode != wantCode {
		t.Fatalf("GET %s: status %d, want %d; body %s", u, resp.StatusCode, wantCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want application/json", u, ct)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: decode %s: %v", u, body, err)
	}
}

func TestAPISearch_ContractFields(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	var res searchJSON
	getJSON(t, srv.URL+"/api/v1/search?q=gluten&condition=celiac&size=5", http.StatusOK, &res)

	if res.Total == nil || *res.Total == 0 {
		t.Fatalf("total = %v, want a positive count for gluten in celiac disease", res.Total)
	}
	if len(res.Hits) != 5 {
		t.Fatalf("got %d hits, want 5 (size=5)", len(res.Hits))
	}
	if res.SearchedAs == "" {
		t.Error("searched_as is empty")
	}
	for _, h := range res.Hits {
		if h.PMID == 0 || h.Title == "" || h.Journal == "" || h.Year == 0 || h.Evidence == "" || h.Species == "" {
			t.Errorf("hit %+v lacks a contract field", h)
		}
		if h.Retracted == nil || h.Snippet == nil || h.Authors == nil || h.Topics == nil {
			t.Errorf("hit %d: retracted, snippet, authors and topics must be present (even when empty)", h.PMID)
		}
		if !slices.Contains(h.Conditions, "celiac") {
			t.Errorf("hit %d conditions %v lack the celiac filter", h.PMID, h.Conditions)
		}
	}
	for _, f := range []string{"conditions", "mechanisms", "evidence", "species", "year"} {
		if _, ok := res.Facets[f]; !ok {
			t.Errorf("facets lack %q", f)
		}
	}
	celiac := -1
	for _, fc := range res.Facets["conditions"] {
		if fc.Value == "celiac" {
			celiac = fc.Count
		}
	}
	if uint64(celiac) != *res.Total {
		t.Errorf("condition facet celiac = %d, want the total %d (every hit is filtered to celiac)", celiac, *res.Total)
	}
}

func TestAPISearch_FiltersSortAndPaging(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})

	// topic and mechanism are the same filter.
	var byTopic, byMech searchJSON
	getJSON(t, srv.URL+"/api/v1/search?topic=rebalance&size=3", http.StatusOK, &byTopic)
	getJSON(t, srv.URL+"/api/v1/search?mechanism=rebalance&size=3", http.StatusOK, &byMech)
	if *byTopic.Total == 0 || *byTopic.Total != *byMech.Total {
		t.Errorf("topic=rebalance total %d, mechanism=rebalance total %d; want the same positive count", *byTopic.Total, *byMech.Total)
	}
	for _, h := range byTopic.Hits {
		if !slices.Contains(h.Topics, "rebalance") {
			t.Errorf("hit %d topics %v lack rebalance", h.PMID, h.Topics)
		}
	}

	// Newest first, within the year range.
	var dated searchJSON
	getJSON(t, srv.URL+"/api/v1/search?q=diet&from=2010&to=2014&sort=date&size=20", http.StatusOK, &dated)
	for i, h := range dated.Hits {
		if h.Year < 2010 || h.Year > 2014 {
			t.Errorf("hit %d year %d outside 2010–2014", h.PMID, h.Year)
		}
		if i > 0 && h.Year > dated.Hits[i-1].Year {
			t.Errorf("sort=date: year %d after %d", h.Year, dated.Hits[i-1].Year)
		}
	}

	// Strongest evidence first.
	var strong searchJSON
	getJSON(t, srv.URL+"/api/v1/search?condition=ibd&sort=evidence&size=50", http.StatusOK, &strong)
	if len(strong.Hits) < 2 || strong.Hits[0].Evidence == strong.Hits[len(strong.Hits)-1].Evidence {
		t.Fatalf("sort=evidence: want 50 hits spanning evidence levels, got %d", len(strong.Hits))
	}
	for i := 1; i < len(strong.Hits); i++ {
		if taxonomy.EvidenceRank(strong.Hits[i].Evidence) < taxonomy.EvidenceRank(strong.Hits[i-1].Evidence) {
			t.Errorf("sort=evidence: %s after %s", strong.Hits[i].Evidence, strong.Hits[i-1].Evidence)
		}
	}

	// Page 2 continues page 1; the cursor gives the same page 2.
	var p1, p2, cur searchJSON
	getJSON(t, srv.URL+"/api/v1/search?q=celiac&sort=date&size=10", http.StatusOK, &p1)
	getJSON(t, srv.URL+"/api/v1/search?q=celiac&sort=date&size=10&page=2", http.StatusOK, &p2)
	if p1.Next == "" {
		t.Fatal("page 1 has no next cursor")
	}
	getJSON(t, srv.URL+"/api/v1/search?q=celiac&sort=date&size=10&cursor="+url.QueryEscape(p1.Next), http.StatusOK, &cur)
	if len(p2.Hits) != 10 || len(cur.Hits) != 10 {
		t.Fatalf("page 2 has %d hits, cursor page %d; want 10", len(p2.Hits), len(cur.Hits))
	}
	for i := range p2.Hits {
		if p2.Hits[i].PMID != cur.Hits[i].PMID {
			t.Errorf("hit %d: page=2 gives %d, cursor gives %d", i, p2.Hits[i].PMID, cur.Hits[i].PMID)
		}
		if p2.Hits[i].PMID == p1.Hits[0].PMID {
			t.Errorf("page 2 repeats page 1's first hit %d", p1.Hits[0].PMID)
		}
	}
}

func TestAPI_BadInputIs4xxWithMessage(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	many := strings.Repeat("condition=celiac&", maxParams+1)
	tests := []struct {
		name, path string
		code       int
		mention    string // the message names what was wrong
	}{
		{"unknown pmid", "/api/v1/articles/99999999", 404, "99999999"},
		{"bad pmid", "/api/v1/articles/abc", 400, "not a PMID"},
		{"zero pmid", "/api/v1/articles/0", 400, "not a PMID"},
		{"huge pmid", "/api/v1/articles/123456789012345678901", 400, "not a PMID"},
		{"cite unknown pmid", "/api/v1/articles/99999999/cite?style=ama", 404, "99999999"},
		{"cite bad style", "/api/v1/articles/" + strconv.Itoa(retractedPMID) + "/cite?style=harvard", 400, "harvard"},
		{"cite no style", "/api/v1/articles/" + strconv.Itoa(retractedPMID) + "/cite", 400, "style"},
		{"bad condition slug", "/api/v1/search?condition=hashimotos", 400, "hashimotos"},
		{"bad topic slug", "/api/v1/search?topic=rebalanse", 400, "rebalanse"},
		{"bad evidence", "/api/v1/search?evidence=anecdote", 400, "anecdote"},
		{"bad species", "/api/v1/search?species=martian", 400, "martian"},
		{"bad sort", "/api/v1/search?q=gluten&sort=popular", 400, "popular"},
		{"size too big", "/api/v1/search?q=gluten&size=1000", 400, "size"},
		{"size zero", "/api/v1/search?q=gluten&size=0", 400, "size"},
		{"page zero", "/api/v1/search?q=gluten&page=0", 400, "page"},
		{"page too deep", "/api/v1/search?q=gluten&page=99999", 400, "page"},
		{"bad year", "/api/v1/search?from=15", 400, "year"},
		{"inverted years", "/api/v1/search?from=2020&to=2010", 400, "2020"},
		{"bad cursor", "/api/v1/search?q=gluten&cursor=%%%", 400, ""},
		{"garbage cursor", "/api/v1/search?q=gluten&cursor=bm90LWpzb24", 400, "cursor"},
		{"syntax error", "/api/v1/search?q=" + url.QueryEscape("gluten AND (zonulin"), 400, "("},
		{"unknown parameter", "/api/v1/search?q=gluten&conditon=celiac", 400, "conditon"},
		{"repeated q", "/api/v1/search?q=a&q=b", 400, "q"},
		{"query too long", "/api/v1/search?q=" + strings.Repeat("gluten+", 400), 400, "characters"},
		{"too many params", "/api/v1/search?" + many, 400, "too many parameters"},
		{"export no format", "/api/v1/export?pmid=" + strconv.Itoa(retractedPMID), 400, "format"},
		{"export bad format", "/api/v1/export?format=docx&pmid=" + strconv.Itoa(retractedPMID), 400, "docx"},
		{"export no pmid", "/api/v1/export?format=ris", 400, "pmid"},
		{"export bad pmid", "/api/v1/export?format=ris&pmid=12x", 400, "12x"},
		{"export unknown pmid", "/api/v1/export?format=ris&pmid=" + strconv.Itoa(retractedPMID) + ",99999999", 404, "99999999"},
		{"unknown endpoint", "/api/v1/nothing", 404, "/api/v1/nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			getJSON(t, srv.URL+tt.path, tt.code, &e)
			if e.Error == "" {
				t.Fatal("error message is empty")
			}
			if !strings.Contains(e.Error, tt.mention) {
				t.Errorf("error %q does not mention %q", e.Error, tt.mention)
			}
		})
	}
}

func TestAPIArticle_RecordTagsAndLinks(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{BaseURL: "https://villi.example.org"})
	var got struct {
		PMID      uint64            `json:"pmid"`
		Retracted bool              `json:"retracted"`
		Tags      map[string]any    `json:"tags"`
		Links     map[string]string `json:"links"`
		Added     time.Time         `json:"added"`
		Article   struct {
			PMID  uint64 `json:"pmid"`
			Title string `json:"title"`
		} `json:"article"`
	}
	getJSON(t, srv.URL+"/api/v1/articles/"+strconv.Itoa(retractedPMID), http.StatusOK, &got)
	if got.PMID != retractedPMID || got.Article.PMID != retractedPMID {
		t.Errorf("pmid %d / article.pmid %d, want %d", got.PMID, got.Article.PMID, retractedPMID)
	}
	if !got.Retracted {
		t.Error("retracted = false for a retracted publication")
	}
	if !strings.HasPrefix(got.Article.Title, "Mechanism of extracellular ATP-induced proliferation") {
		t.Errorf("title %q", got.Article.Title)
	}
	if got.Tags["evidence"] == nil || got.Tags["species"] == nil {
		t.Errorf("tags %v lack evidence or species", got.Tags)
	}
	if want := "https://pubmed.ncbi.nlm.nih.gov/8863847/"; got.Links["pubmed"] != want {
		t.Errorf("links.pubmed = %q, want %q", got.Links["pubmed"], want)
	}
	if want := "https://villi.example.org/articles/8863847"; got.Links["page"] != want {
		t.Errorf("links.page = %q, want %q", got.Links["page"], want)
	}
	if got.Added.IsZero() {
		t.Error("added is zero")
	}
}

// The API names an article's links by fixed keys, whatever the page calls
// them.
func TestAPIArticle_LinkKeys(t *testing.T) {
	lib := testLibrary(t)
	rec := findRecord(t, lib, func(r store.Record) bool { return r.Article.IDs.DOI != "" && r.Article.IDs.PMC != "" })
	pmid, ids := strconv.FormatUint(rec.Article.PMID, 10), rec.Article.IDs
	srv := newServer(t, lib, Options{BaseURL: "https://villi.example.org"})
	var got struct {
		Links map[string]string `json:"links"`
	}
	getJSON(t, srv.URL+"/api/v1/articles/"+pmid, 200, &got)
	want := map[string]string{
		"page":   "https://villi.example.org/articles/" + pmid,
		"pubmed": "https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/",
		"doi":    "https://doi.org/" + ids.DOI,
		"pmc":    "https://pmc.ncbi.nlm.nih.gov/articles/" + ids.PMC + "/",
	}
	if len(got.Links) != len(want) {
		t.Errorf("links = %v, want %v", got.Links, want)
	}
	for k, v := range want {
		if got.Links[k] != v {
			t.Errorf("links[%q] = %q, want %q", k, got.Links[k], v)
		}
	}
}

func TestAPICite_SameTextAsCitePackage(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	rec, err := lib.Record(retractedPMID)
	if err != nil {
		t.Fatal(err)
	}
	for _, style := range cite.Styles {
		var got citeResponse
		getJSON(t, srv.URL+"/api/v1/articles/8863847/cite?style="+strings.ToUpper(string(style)), http.StatusOK, &got)
		text, html := cite.Reference(style, &rec.Article)
		if got.Text != text || got.HTML != html || got.Style != string(style) || !got.Retracted {
			t.Errorf("style %s: got %+v\nwant text %q html %q retracted true", style, got, text, html)
		}
	}
}

func TestAPIExport_EveryFormat(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	res, err := lib.Search(t.Context(), searchParams{Q: "celiac", Size: 3, Page: 1}.request(false))
	if err != nil || len(res.Hits) != 3 {
		t.Fatalf("search for PMIDs: %v, %d hits", err, len(res.Hits))
	}
	var pmids []string
	for _, h := range res.Hits {
		pmids = append(pmids, strconv.FormatUint(h.PMID, 10))
	}
	for _, f := range cite.Formats {
		t.Run(string(f), func(t *testing.T) {
			resp, body := get(t, srv.URL+"/api/v1/export?format="+string(f)+"&pmid="+pmids[0]+"&pmid="+strings.Join(pmids[1:], ","))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != f.ContentType() {
				t.Errorf("Content-Type %q, want %q", ct, f.ContentType())
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, f.Ext()) {
				t.Errorf("Content-Disposition %q, want an attachment named *%s", cd, f.Ext())
			}
			for _, p := range pmids {
				if !strings.Contains(body, p) {
					t.Errorf("export lacks PMID %s", p)
				}
			}
		})
	}
}

func TestAPIStatus_RunsRecordsAndNextCrawl(t *testing.T) {
	lib := newLibrary(t, 50)
	next := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	srv := newServer(t, lib, Options{NextCrawl: func() time.Time { return next }})
	now := time.Now().UTC().Truncate(time.Second)
	putRun(t, lib.DB(), store.Run{Kind: "crawl", Started: now.Add(-2 * time.Hour), Ended: now.Add(-time.Hour), Added: 12, Updated: 3})
	putRun(t, lib.DB(), store.Run{Kind: "crawl", Started: now.Add(-30 * time.Minute), Ended: now.Add(-20 * time.Minute), Err: "esearch: PubMed answered 503 three times"})
	putRun(t, lib.DB(), store.Run{Kind: "digest", Started: now.Add(-10 * time.Minute)})

	var st library.Status
	getJSON(t, srv.URL+"/api/v1/status", http.StatusOK, &st)
	n, _ := lib.DB().Count()
	if st.Records != n || n == 0 {
		t.Errorf("records = %d, want %d", st.Records, n)
	}
	if st.LastCrawl == nil || st.LastCrawl.Err != "esearch: PubMed answered 503 three times" {
		t.Errorf("last_crawl = %+v, want the failed newest crawl", st.LastCrawl)
	}
	if st.Running == nil || st.Running.Kind != "digest" {
		t.Errorf("running = %+v, want the unfinished digest", st.Running)
	}
	if st.NextCrawl == nil || !st.NextCrawl.Equal(next) {
		t.Errorf("next_crawl = %v, want %v", st.NextCrawl, next)
	}
	if len(st.Runs) != 3 {
		t.Errorf("runs has %d entries, want 3", len(st.Runs))
	}
}

func TestAPI_OtherMethodsAreJSON405(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{Public: true})
	for _, method := range []string{"POST", "PUT", "DELETE"} {
		req, err := http.NewRequest(method, srv.URL+"/api/v1/search?q=gluten", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || err != nil || !strings.Contains(e.Error, method) {
			t.Errorf("%s /api/v1/search: %d, body error %q (decode: %v); want 405 with a JSON message naming %s", method, resp.StatusCode, e.Error, err, method)
		}
		if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s: Allow = %q, want GET, HEAD", method, got)
		}
	}
}

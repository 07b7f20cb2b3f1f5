package web

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"villi/internal/fixture"
	"villi/library"
)

const (
	cpfeFixture    = "mokztk__pubmed-parser/CPFE.xml"                  // 111 records, 17 with a PMC id
	embargoFixture = "biopython__biopython/Tests__Entrez__pubmed4.xml" // PMC copy released 2018-06-01
)

// fullTextLibrary imports real records with and without PMC ids.
func fullTextLibrary(t *testing.T) *library.Library {
	t.Helper()
	ctx := context.Background()
	lib, err := library.Open(ctx, filepath.Join(t.TempDir(), "data"), library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	for _, rel := range []string{cpfeFixture, embargoFixture} {
		f, err := os.Open(fixture.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		_, err = lib.Import(ctx, f, nil)
		f.Close()
		if err != nil {
			t.Fatalf("import %s: %v", rel, err)
		}
	}
	return lib
}

// metaTags parses an HTML page and returns its <meta name="citation_*">
// tags in document order.
func metaTags(t *testing.T, page string) [][2]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "meta" {
			var name, content string
			for _, a := range n.Attr {
				switch a.Key {
				case "name":
					name = a.Val
				case "content":
					content = a.Val
				}
			}
			if strings.HasPrefix(name, "citation_") {
				out = append(out, [2]string{name, content})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// TestArticle_CitationMetaTagsForZotero reads the citation_* tags of
// article pages the way Zotero's connector does, on real records: a
// collective author, no issue, no DOI, a page range PubMed abbreviates
// ("3015-21"), and PMC copies.
func TestArticle_CitationMetaTagsForZotero(t *testing.T) {
	srv := newServer(t, fullTextLibrary(t), Options{})
	tests := []struct {
		name string
		pmid string
		want [][2]string
	}{
		{"no DOI, abbreviated page range, month only", "22932172", [][2]string{
			{"citation_title", "Characteristics of pulmonary inflammation in combined pulmonary fibrosis and emphysema."},
			{"citation_author", "Zhao, Ying"},
			{"citation_author", "Cui, Ai"},
			{"citation_author", "Wang, Feng"},
			{"citation_author", "Wang, Xiao-Juan"},
			{"citation_author", "Chen, Xing"},
			{"citation_author", "Jin, Mu-Lan"},
			{"citation_author", "Huang, Ke-Wu"},
			{"citation_publication_date", "2012/09"},
			{"citation_journal_title", "Chinese medical journal"},
			{"citation_journal_abbrev", "Chin Med J (Engl)"},
			{"citation_volume", "125"},
			{"citation_issue", "17"},
			{"citation_firstpage", "3015"},
			{"citation_lastpage", "3021"},
			{"citation_issn", "0366-6999"},
			{"citation_pmid", "22932172"},
			{"citation_language", "eng"},
		}},
		{"no issue, article number, year only, free in PMC", "22530118", [][2]string{
			{"citation_title", "The Diagnostic Value of the Interstitial Biomarkers KL-6 and SP-D for the Degree of Fibrosis in Combined Pulmonary Fibrosis and Emphysema."},
			{"citation_author", "Chiba, Shigeki"},
			{"citation_author", "Ohta, Hiromitsu"},
			{"citation_author", "Abe, Kyoko"},
			{"citation_author", "Hisata, Shu"},
			{"citation_author", "Ohkouchi, Shinya"},
			{"citation_author", "Hoshikawa, Yasushi"},
			{"citation_author", "Kondo, Takashi"},
			{"citation_author", "Ebina, Masahito"},
			{"citation_publication_date", "2012"},
			{"citation_online_date", "2012/02/28"},
			{"citation_journal_title", "Pulmonary medicine"},
			{"citation_journal_abbrev", "Pulm Med"},
			{"citation_volume", "2012"},
			{"citation_firstpage", "492960"},
			{"citation_issn", "2090-1844"},
			{"citation_doi", "10.1155/2012/492960"},
			{"citation_pmid", "22530118"},
			{"citation_language", "eng"},
			{"citation_fulltext_html_url", "https://pmc.ncbi.nlm.nih.gov/articles/PMC3316999/"},
		}},
		{"collective author, print and linking ISSN", "20936629", [][2]string{
			{"citation_title", "Combined pulmonary fibrosis and emphysema syndrome in connective tissue disease."},
			{"citation_author", "Cottin, Vincent"},
			{"citation_author", "Nunes, Hilario"},
			{"citation_author", "Mouthon, Luc"},
			{"citation_author", "Gamondes, Delphine"},
			{"citation_author", "Lazor, Romain"},
			{"citation_author", "Hachulla, Eric"},
			{"citation_author", "Revel, Didier"},
			{"citation_author", "Valeyre, Dominique"},
			{"citation_author", "Cordier, Jean-François"},
			{"citation_author", `Groupe d'Etudes et de Recherche sur les Maladies "Orphelines" Pulmonaires`},
			{"citation_publication_date", "2011/01"},
			{"citation_journal_title", "Arthritis and rheumatism"},
			{"citation_journal_abbrev", "Arthritis Rheum"},
			{"citation_volume", "63"},
			{"citation_issue", "1"},
			{"citation_firstpage", "295"},
			{"citation_lastpage", "304"},
			{"citation_issn", "1529-0131"},
			{"citation_issn", "0004-3591"},
			{"citation_doi", "10.1002/art.30077"},
			{"citation_pmid", "20936629"},
			{"citation_language", "eng"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/articles/"+tt.pmid)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := metaTags(t, body)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("citation tags differ\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

// TestFreeFullText_PagesFilterAndAPI: a record with a free PMC copy shows
// the link on its page and in result lists, the filter keeps exactly the
// free records, and the API says so; a record without one shows nothing.
func TestFreeFullText_PagesFilterAndAPI(t *testing.T) {
	lib := fullTextLibrary(t)
	srv := newServer(t, lib, Options{})
	const link = `href="https://pmc.ncbi.nlm.nih.gov/articles/PMC3316999/" rel="noopener">Free full text (PMC)</a>`

	_, page := get(t, srv.URL+"/articles/22530118")
	if !strings.Contains(page, link) {
		t.Errorf("article page of a PMC record lacks %s", link)
	}
	_, page = get(t, srv.URL+"/articles/22932172")
	// (Its similar articles may carry links of their own.)
	if strings.Contains(page, `<p class="full-text">`) || strings.Contains(page, "citation_fulltext_html_url") {
		t.Error("article page of a record without a PMC id offers free full text")
	}

	// The API: every hit of the filtered search is free, and they are all
	// the free ones (17 PMC ids in CPFE.xml, one in pubmed4.xml).
	resp, body := get(t, srv.URL+"/api/v1/search?free_full_text=1&size=100")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("api search: status %d: %s", resp.StatusCode, body)
	}
	var res library.SearchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 18 {
		t.Errorf("free_full_text=1: total %d, want 18", res.Total)
	}
	for _, h := range res.Hits {
		if !h.FreeFullText || !strings.HasPrefix(h.FullTextURL, "https://pmc.ncbi.nlm.nih.gov/articles/PMC") {
			t.Errorf("hit %d: free_full_text %v, url %q", h.PMID, h.FreeFullText, h.FullTextURL)
		}
	}
	facet := res.Facets[library.FacetFreeFullText]
	if !slices.Equal(facet, []library.FacetCount{{Value: library.FreeFullTextValue, Count: 18}}) {
		t.Errorf("facet %s = %v, want 18", library.FacetFreeFullText, facet)
	}
	_, all := get(t, srv.URL+"/api/v1/search?size=1&q=22932172[pmid]")
	if !strings.Contains(all, `"free_full_text":false`) {
		t.Errorf("a hit without a PMC id should say free_full_text false: %s", all)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/search?free_full_text=yes"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("free_full_text=yes: status %d, want 400", resp.StatusCode)
	}

	_, art := get(t, srv.URL+"/api/v1/articles/22530118")
	if !strings.Contains(art, `"free_full_text":true,"full_text_url":"https://pmc.ncbi.nlm.nih.gov/articles/PMC3316999/"`) {
		t.Errorf("article JSON lacks the free full text: %.300s", art)
	}

	// The search page: the filter checked, its chip, and the link on hits.
	_, page = get(t, srv.URL+"/search?free_full_text=1&q=22530118[pmid]")
	for _, want := range []string{`name="free_full_text" value="1" checked`, `aria-label="Remove filter Free full text (PMC)"`, link} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
}

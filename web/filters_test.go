package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"villi/library"
)

// filterParam is the URL parameters that keep the records with value v of
// facet name: the filter beside the facet in the page and the API. A facet
// without one fails the test, so a new facet cannot go unexposed.
func filterParam(t *testing.T, name, v string) url.Values {
	switch name {
	case library.FacetConditions:
		return url.Values{fieldCondition: {v}}
	case library.FacetMechanisms:
		return url.Values{fieldTopic: {v}}
	case library.FacetEvidence:
		return url.Values{fieldEvidence: {v}}
	case library.FacetSpecies:
		return url.Values{fieldSpecies: {v}}
	case library.FacetYear:
		return url.Values{"from": {v}, "to": {v}}
	case library.FacetJournal:
		return url.Values{fieldJournal: {v}}
	case library.FacetFreeFullText:
		return url.Values{fieldFreeFullText: {"1"}}
	case library.FacetLanguage:
		return url.Values{fieldLanguage: {v}}
	case library.FacetArticleType:
		return url.Values{fieldArticleType: {v}}
	case library.FacetAge:
		return url.Values{fieldAge: {v}}
	case library.FacetRetracted:
		return url.Values{fieldRetracted: {"only"}}
	}
	t.Fatalf("facet %q has no URL filter in filterParam: add one (and expose it)", name)
	return nil
}

func apiSearch(t *testing.T, srv string, q url.Values) library.SearchResult {
	t.Helper()
	resp, body := get(t, srv+"/api/v1/search?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/search?%s: %d %s", q.Encode(), resp.StatusCode, body)
	}
	var res library.SearchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func facetCount(res library.SearchResult, name, v string) int {
	for _, fc := range res.Facets[name] {
		if fc.Value == v {
			return fc.Count
		}
	}
	return 0
}

// Each filter keeps exactly the records with its value: as many as the
// facet counted (none missed), and every one of them carries the value
// (the filtered search's own facet counts it on all its hits).
func TestSearchAPI_EachFilterNarrowsToExactlyItsValue(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	all := apiSearch(t, srv, url.Values{})
	for _, name := range library.FacetNames() {
		values := all.Facets[name]
		if len(values) == 0 {
			t.Errorf("facet %s: the test library has no value of it; the test proves nothing", name)
		}
		if len(values) > 4 {
			values = append(values[:2:2], values[len(values)-2:]...) // the commonest and the rarest
		}
		for _, fc := range values {
			q := filterParam(t, name, fc.Value)
			res := apiSearch(t, srv, q)
			if res.Total != uint64(fc.Count) {
				t.Errorf("%s: total %d, the unfiltered facet counted %d", q.Encode(), res.Total, fc.Count)
			}
			if got := facetCount(res, name, fc.Value); uint64(got) != res.Total {
				t.Errorf("%s: %d of %d hits have %s=%s", q.Encode(), got, res.Total, name, fc.Value)
			}
		}
	}
}

func TestSearchPage_ShowsEveryFilterWithCounts(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	all := apiSearch(t, srv, url.Values{})
	_, body := get(t, srv+"/search")
	for _, want := range []string{
		"<legend>Article type</legend>", "<legend>Age (MeSH)</legend>", "<legend>Language</legend>",
		"<legend>Journal</legend>", "<legend>Retracted", `name="retracted" value="exclude"`,
		`name="free_full_text" value="1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
	// English is listed first, by name, with its count.
	lang := body[strings.Index(body, "<legend>Language</legend>"):]
	lang = lang[:strings.Index(lang, "</fieldset>")]
	eng := facetCount(all, library.FacetLanguage, "eng")
	first := `value="eng"> <span class="fl">English</span> <span class="count">` + formatCount(eng) + `</span>`
	if i := strings.Index(lang, "<label"); i < 0 || !strings.HasPrefix(lang[i:], `<label class="facet-value"><input type="checkbox" name="language" `+first) {
		t.Errorf("language facet does not start with English (%d):\n%s", eng, lang)
	}
	if strings.Contains(lang, `class="fl">ger<`) || !strings.Contains(lang, `class="fl">German<`) {
		t.Errorf("language facet shows codes, not names:\n%s", lang)
	}

	// A filter from the page narrows to the facet's count and shows a chip.
	for _, tc := range []struct{ name, value, chip string }{
		{library.FacetLanguage, "ger", "German"},
		{library.FacetAge, "aged", "Aged (65 years and over)"},
		{library.FacetArticleType, "commentary", "Letter, comment or editorial"},
		{library.FacetRetracted, library.RetractedValue, "Retracted records only"},
	} {
		n := facetCount(all, tc.name, tc.value)
		if n == 0 {
			t.Fatalf("the test library has no %s=%s", tc.name, tc.value)
		}
		q := filterParam(t, tc.name, tc.value)
		resp, body := get(t, srv+"/search?"+q.Encode())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/search?%s: %d", q.Encode(), resp.StatusCode)
		}
		heading := formatCount(n) + " record"
		if !strings.Contains(body, `<h1 id="results-h">`+heading) {
			t.Errorf("/search?%s: want heading %q", q.Encode(), heading)
		}
		if !strings.Contains(body, `aria-label="Remove filter `+tc.chip+`"`) {
			t.Errorf("/search?%s: no chip %q", q.Encode(), tc.chip)
		}
	}
}

func TestSearch_BadFilterValuesAreNamed(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	for q, want := range map[string]string{
		"language=english%3Cb%3E":             "MEDLINE language code",
		"age=teen":                            "unknown age group",
		"article_type=blog":                   "unknown article type",
		"retracted=yes":                       "retracted",
		"journal=" + strings.Repeat("x", 400): "longer than any journal",
	} {
		resp, body := get(t, srv+"/api/v1/search?"+q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%.40s: %d %s, want 400 naming %q", q, resp.StatusCode, body, want)
		}
	}
}

func TestSearch_EmptyQueryShowsTheSortApplied(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	tests := []struct {
		q, current string
		relevance  bool // the relevance link is offered
		apiSort    string
	}{
		{"", "Newest", false, library.SortDate},
		{"sort=relevance", "Newest", false, library.SortDate},
		{"sort=evidence", "Strongest evidence", false, library.SortEvidence},
		{"q=gluten", "Relevance", true, library.SortRelevance},
		{"q=gluten&sort=date", "Newest", true, library.SortDate},
	}
	for _, tt := range tests {
		_, body := get(t, srv+"/search?"+tt.q)
		nav := body[strings.Index(body, `<nav class="sorts"`):]
		nav = nav[:strings.Index(nav, "</nav>")]
		if !strings.Contains(nav, `<strong aria-current="true">`+tt.current+`</strong>`) {
			t.Errorf("%q: sort control %s, want %s current", tt.q, nav, tt.current)
		}
		if got := strings.Contains(nav, "Relevance"); got != tt.relevance {
			t.Errorf("%q: relevance offered = %v, want %v: %s", tt.q, got, tt.relevance, nav)
		}
		v, _ := url.ParseQuery(tt.q)
		if res := apiSearch(t, srv, v); res.Sort != tt.apiSort {
			t.Errorf("API %q: sort %q, want %q", tt.q, res.Sort, tt.apiSort)
		}
	}
	_ = strconv.Itoa
}

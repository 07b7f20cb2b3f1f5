package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pageText is a page's text as read aloud: tags dropped, entities decoded,
// spaces collapsed.
func pageText(body string) string {
	text := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, ""))
	return strings.Join(strings.Fields(text), " ")
}

func TestSearchPage_SpellingCorrection(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	resp, body := get(t, srv.URL+"/search?q=coeliac+disese&condition=celiac&sort=date")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if want := "Showing results for coeliac disease. Search instead for coeliac disese."; !strings.Contains(pageText(body), want) {
		t.Fatalf("page does not say %q:\n%s", want, pageText(body))
	}
	if !strings.Contains(body, `name="q" value="coeliac disease"`) {
		t.Errorf("the search box does not hold the corrected query")
	}
	if strings.Contains(body, "No records found") {
		t.Errorf("a corrected search shows no records")
	}
	// The link searches what was typed, as typed, keeping filters and sort.
	m := regexp.MustCompile(`Search instead for <a href="([^"]+)">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no Search instead link")
	}
	instead, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	v := instead.Query()
	if instead.Path != "/search" || v.Get("q") != "coeliac disese" || v.Get("nocorrect") != "1" ||
		v.Get("condition") != "celiac" || v.Get("sort") != "date" {
		t.Errorf("Search instead link %s: want /search with q=coeliac disese, nocorrect=1, condition and sort kept", instead)
	}
	_, typed := get(t, srv.URL+instead.String())
	if !strings.Contains(typed, "No records found") || strings.Contains(typed, "Showing results for") {
		t.Errorf("following %s still corrects:\n%s", instead, pageText(typed))
	}
	// Links onward (sorts, pages) carry the corrected query, not nocorrect.
	if !strings.Contains(html.UnescapeString(body), `href="/search?q=coeliac+disease&condition=celiac">Relevance`) {
		t.Errorf("the relevance sort link does not search the corrected query")
	}
}

func TestSearchPage_SpellingCorrectionEscapesTheQuery(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	const hostile = `"<script>alert(1)</script> & <img src=x onerror=alert(2)>"`
	resp, body := get(t, srv.URL+"/search?q="+url.QueryEscape("psorasis OR "+hostile))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if want := "Showing results for psoriasis OR " + hostile + ". Search instead for psorasis OR " + hostile + "."; !strings.Contains(pageText(body), want) {
		t.Fatalf("page does not say %q:\n%s", want, pageText(body))
	}
	for _, raw := range []string{"<script>alert(1)", "<img src=x"} {
		if strings.Contains(body, raw) {
			t.Errorf("the page carries %q unescaped", raw)
		}
	}
}

func TestAPISearch_SpellingCorrection(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	type corrected struct {
		searchJSON
		CorrectedFrom *string `json:"corrected_from"`
		Corrected     string  `json:"corrected"`
	}
	var res corrected
	getJSON(t, srv.URL+"/api/v1/search?q=psorasis", http.StatusOK, &res)
	if res.CorrectedFrom == nil || *res.CorrectedFrom != "psorasis" || res.Corrected != "psoriasis" ||
		res.SearchedAs != "psoriasis OR condition:psoriasis" || res.Total == nil || *res.Total == 0 {
		t.Errorf("psorasis: corrected_from %v, corrected %q, searched_as %q, total %v; want psorasis, psoriasis, psoriasis OR condition:psoriasis, some",
			res.CorrectedFrom, res.Corrected, res.SearchedAs, res.Total)
	}
	var typed corrected
	getJSON(t, srv.URL+"/api/v1/search?q=psorasis&nocorrect=1", http.StatusOK, &typed)
	if typed.CorrectedFrom != nil || typed.SearchedAs != "psorasis" || *typed.Total != 0 {
		t.Errorf("nocorrect=1: corrected to %q, searched_as %q, total %d; want no correction, psorasis, 0", typed.Corrected, typed.SearchedAs, *typed.Total)
	}
	var plenty corrected
	getJSON(t, srv.URL+"/api/v1/search?q=psoriasis", http.StatusOK, &plenty)
	if plenty.CorrectedFrom != nil {
		t.Errorf("psoriasis is corrected from %q", *plenty.CorrectedFrom)
	}
	for _, bad := range []string{"nocorrect=yes", "nocorrect=1&nocorrect=1"} {
		resp, body := get(t, srv.URL+"/api/v1/search?q=psorasis&"+bad)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "nocorrect") {
			t.Errorf("%s: status %d, %s; want 400 naming nocorrect", bad, resp.StatusCode, body)
		}
	}
}

// A feed follows its query as written: a feed reader cannot say "Showing
// results for", so /search.atom never corrects, and the search page's feed
// link carries the corrected query instead.
func TestAtom_FollowsTheQueryAsWritten(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	_, typo := get(t, srv.URL+"/search.atom?q=coeliac+disese&condition=celiac")
	if n := strings.Count(typo, "<entry>"); n != 0 {
		t.Errorf("the feed of a misspelled query has %d entries; want none: a feed is never corrected", n)
	}
	_, page := get(t, srv.URL+"/search?q=coeliac+disese&condition=celiac")
	m := regexp.MustCompile(`href="([^"]*/search\.atom[^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the corrected search page links no feed")
	}
	feed, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if q := feed.Query().Get("q"); q != "coeliac disease" {
		t.Errorf("the corrected page's feed link searches %q; want the correction, coeliac disease", q)
	}
	_, fixed := get(t, srv.URL+"/search.atom?"+feed.RawQuery)
	if strings.Count(fixed, "<entry>") == 0 {
		t.Error("the feed of the corrected query has no entries")
	}
}

package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSearchPage_PastLastPageLinksBack: a page beyond the last one of a
// search with records says so and links back, instead of "nothing matches".
func TestSearchPage_PastLastPageLinksBack(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/search?q=gluten&condition=celiac&page=400", 200,
		"past the last page", `<a href="/search?q=gluten&amp;condition=celiac">Go to the first page</a>`)
	if strings.Contains(body, "Nothing matches") {
		t.Error("a search with records says nothing matches on a page past its end")
	}
}

// TestHome_LegendNamesEveryBadgeInTheMap: each evidence badge shown in the
// map's cells is explained in the legend.
func TestHome_LegendNamesEveryBadgeInTheMap(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/", 200, `<span class="legend-key">Strongest evidence:`)
	table, legend, ok := strings.Cut(body, `<p class="legend"`)
	if !ok {
		t.Fatal("no legend under the evidence map")
	}
	badge := regexp.MustCompile(`<span class="lvl">([^<]+)</span>`)
	inLegend := map[string]bool{}
	for _, m := range badge.FindAllStringSubmatch(legend, -1) {
		inLegend[m[1]] = true
	}
	shown := badge.FindAllStringSubmatch(table, -1)
	if len(shown) == 0 {
		t.Fatal("no evidence badges in the map")
	}
	for _, m := range shown {
		if !inLegend[m[1]] {
			t.Errorf("the map shows the badge %q, which the legend does not explain (legend has %v)", m[1], inLegend)
		}
	}
}

// TestArticlePage_LanguageSpelledOut: MEDLINE's language code is shown as
// the language's name.
func TestArticlePage_LanguageSpelledOut(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	wantPage(t, srv.URL, "/articles/"+strconv.Itoa(retractedPMID), 200, "<dt>Language</dt><dd>English</dd>")
}

func TestLanguageName(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"eng", "English"}, {"GER", "German"}, {"chi", "Chinese"}, {"und", "Undetermined"}, {"xyz", "xyz"}, {"", ""},
	} {
		if got := languageName(tt.code); got != tt.want {
			t.Errorf("languageName(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

package web

import (
	"errors"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"villi/library"
	"villi/store"
	"villi/taxonomy"
)

// Chips name every slug in taxonomy's words: conditions and mechanisms
// short, evidence levels and species in full.
func TestSearchPage_ChipsShowTheTaxonomysLabels(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	tax := taxonomy.Default()
	q := url.Values{}
	var want []string
	chip := func(label string) string { return `aria-label="Remove filter ` + html.EscapeString(label) + `"` }
	for _, c := range tax.Conditions() {
		q.Add(fieldCondition, c.Slug)
		want = append(want, chip(c.Short()))
	}
	for _, m := range tax.Mechanisms() {
		q.Add(fieldTopic, m.Slug)
		want = append(want, chip(m.Short()))
	}
	for _, l := range taxonomy.EvidenceLevels() {
		q.Add(fieldEvidence, l)
		want = append(want, chip(taxonomy.EvidenceLabel(l)))
	}
	for _, sp := range taxonomy.SpeciesValues() {
		q.Add(fieldSpecies, sp)
		want = append(want, chip(taxonomy.SpeciesLabel(sp)))
	}
	wantPage(t, srv.URL, "/search?"+q.Encode(), 200, want...)
}

// The article page names the level and species in full; the record is one
// whose full and short words differ, so that the page shows which it took.
func TestArticlePage_EvidenceAndSpeciesInTaxonomysWords(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	rec := findRecord(t, lib, func(r store.Record) bool {
		ev, sp := r.Tags.Evidence, r.Tags.Species
		return taxonomy.EvidenceLabel(ev) != taxonomy.EvidenceShort(ev) && taxonomy.SpeciesLabel(sp) != taxonomy.SpeciesShort(sp)
	})
	wantPage(t, srv.URL, "/articles/"+strconv.FormatUint(rec.Article.PMID, 10), 200,
		">"+html.EscapeString(taxonomy.EvidenceLabel(rec.Tags.Evidence))+"</a> · "+html.EscapeString(taxonomy.SpeciesLabel(rec.Tags.Species))+"</dd>")
}

// The evidence map's badges are taxonomy's abbreviations, and its legend
// spells each out with the level's label.
func TestHome_EvidenceMapAbbreviationsAndLegend(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	body := wantPage(t, srv.URL, "/", 200)
	byAbbr := map[string]string{}
	for _, l := range taxonomy.EvidenceLevels() {
		byAbbr[taxonomy.EvidenceAbbr(l)] = l
	}
	_, legend, ok := strings.Cut(body, `<span class="legend-key">`)
	if !ok {
		t.Fatal("no evidence legend on the home page")
	}
	keys := regexp.MustCompile(`<span class="key"><span class="lvl">([^<]*)</span>([^<]*)</span>`).FindAllStringSubmatch(legend, -1)
	if len(keys) == 0 {
		t.Fatal("the evidence legend lists no level")
	}
	for _, k := range keys {
		level, ok := byAbbr[html.UnescapeString(k[1])]
		if !ok {
			t.Errorf("legend badge %q is no level's abbreviation", k[1])
			continue
		}
		got := strings.TrimSpace(html.UnescapeString(k[2]))
		if got == "" {
			got = html.UnescapeString(k[1]) // the badge is the whole label
		}
		if want := taxonomy.EvidenceLabel(level); got != want {
			t.Errorf("legend spells %q out as %q, want %q", k[1], got, want)
		}
	}
	cells := regexp.MustCompile(`<span class="lvl">([^<]*)</span><span class="sr-only">`).FindAllStringSubmatch(body, -1)
	if len(cells) == 0 {
		t.Fatal("no evidence badge in the map's cells")
	}
	for _, c := range cells {
		if _, ok := byAbbr[html.UnescapeString(c[1])]; !ok {
			t.Errorf("map cell badge %q is no level's abbreviation", c[1])
		}
	}
}

// findRecord returns the first record of the test library that match
// accepts.
func findRecord(t *testing.T, lib *library.Library, match func(store.Record) bool) store.Record {
	t.Helper()
	var found store.Record
	errFound := errors.New("found")
	err := lib.DB().ForEach(t.Context(), func(r store.Record) error {
		if match(r) {
			found = r
			return errFound
		}
		return nil
	})
	if !errors.Is(err, errFound) {
		t.Fatalf("no such record in the test library (%v)", err)
	}
	return found
}

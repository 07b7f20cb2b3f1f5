package index

import (
	"slices"
	"testing"

	"villi/internal/fixture"
)

// A record's focus (what it is about: a major MeSH topic or its title) is a
// filter and a facet of its own: Request.Focus keeps the records about a
// condition and counts the focus, while the plain filter still finds every
// record that mentions it. 1339917 is cell work on methylcobalamin with
// Arthritis, Rheumatoid as a minor heading: it mentions rheumatoid arthritis
// and is not about it.
func TestSearch_FocusFiltersAndCountsWhatRecordsAreAbout(t *testing.T) {
	path := fixture.Path(t, "PathwayCommons__ncbiutils/tests__data__multiple.xml")
	recs := taggedRecords(t, path)
	s := openStore(t)
	ix := openIndex(t, t.TempDir())
	ingest(t, s, ix, recs, nil)

	const cond, minorOnly = "rheumatoid-arthritis", 1339917
	var tagged, about []uint64
	for _, r := range recs {
		if slices.Contains(r.Tags.Conditions, cond) {
			tagged = append(tagged, r.Article.PMID)
		}
		if slices.Contains(r.Tags.Focus.Conditions, cond) {
			about = append(about, r.Article.PMID)
		}
	}
	slices.Sort(tagged)
	slices.Sort(about)
	if len(about) == 0 || !slices.Contains(tagged, minorOnly) || slices.Contains(about, minorOnly) {
		t.Fatalf("fixture changed: %s tagged %v, focus %v; want %d tagged and not in focus", cond, tagged, about, minorOnly)
	}
	search := func(r Request) ([]uint64, int) {
		r.Size, r.Facets = MaxSize, true
		res, err := ix.Search(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		got := pmids(res.Hits)
		slices.Sort(got)
		n, seen := 0, map[string]bool{}
		for _, fc := range res.Facets[FacetConditions] {
			if seen[fc.Value] {
				t.Errorf("%+v: condition facet lists %q twice: %v", r, fc.Value, res.Facets[FacetConditions])
			}
			seen[fc.Value] = true
			if fc.Value == cond {
				n = fc.Count
			}
		}
		return got, n
	}
	if got, n := search(Request{Conditions: []string{cond}}); !slices.Equal(got, tagged) || n != len(tagged) {
		t.Errorf("condition filter = %v (facet %d), want every record tagged %v", got, n, tagged)
	}
	if got, n := search(Request{Conditions: []string{cond}, Focus: true}); !slices.Equal(got, about) || n != len(about) {
		t.Errorf("condition filter with Focus = %v (facet %d), want the records about it %v", got, n, about)
	}
	// Without a filter, Focus changes what the facet counts, not the hits
	// (and the result cache tells the two apart).
	if _, n := search(Request{}); n != len(tagged) {
		t.Errorf("no filter: facet %s = %d, want %d", cond, n, len(tagged))
	}
	all, n := search(Request{Focus: true})
	if len(all) != len(recs) || n != len(about) {
		t.Errorf("Focus alone: %d hits, facet %s = %d; want %d hits and %d", len(all), cond, n, len(recs), len(about))
	}
}

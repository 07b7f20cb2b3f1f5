package index

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"villi/internal/fixture"
)

// TestSearch_FreeFullText filters and counts real records by a free PMC
// copy: 111 records of which 17 have a PMC id, four of them with a
// pmc-release date in 2012–2013, so the set depends on the day judged. It
// holds through a reopen, which reads the doc table back from the index.
func TestSearch_FreeFullText(t *testing.T) {
	recs := taggedRecords(t, fixture.Path(t, "mokztk__pubmed-parser/CPFE.xml"))
	s := openStore(t)
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, s, ix, recs, nil)

	days := []time.Time{
		time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC), // before every embargo ended
		time.Date(2013, 3, 1, 0, 0, 0, 0, time.UTC), // some ended
		{}, // today: all ended
	}
	check := func(t *testing.T, ix *Index) {
		t.Helper()
		sizes := map[int]bool{}
		for _, at := range days {
			judged := at
			if judged.IsZero() {
				judged = time.Now()
			}
			var want []uint64
			for i := range recs {
				if recs[i].Article.FreeFullText(judged) != "" {
					want = append(want, recs[i].Article.PMID)
				}
			}
			slices.Sort(want)
			sizes[len(want)] = true

			got := pmids(searchAll(t, ix, Request{FreeFullText: true, FreeAt: at, Size: MaxSize}))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("free at %s: hits %v, want %v", judged.Format(time.DateOnly), got, want)
			}
			res, err := ix.Search(context.Background(), Request{Facets: true, FreeAt: at})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			for _, fc := range res.Facets[FacetFreeFullText] {
				if fc.Value == FreeFullTextValue {
					n = fc.Count
				}
			}
			if n != len(want) {
				t.Errorf("free at %s: facet %s = %d, want %d", judged.Format(time.DateOnly), FacetFreeFullText, n, len(want))
			}
		}
		if len(sizes) != len(days) {
			t.Errorf("the days judged should each free a different number of records, got sizes %v", sizes)
		}
	}
	check(t, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	check(t, openIndex(t, dir))
}

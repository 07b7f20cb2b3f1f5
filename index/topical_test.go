package index

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/store"
)

// topicalRecords decodes and tags the topical fixture (8,600 real records).
func topicalRecords(tb testing.TB) []store.Record {
	tb.Helper()
	return taggedRecords(tb, filepath.Join(fixture.Topical(tb), "gut-diet-topics.xml"))
}

// TestTopical runs search over the real topical records, indexed by Rebuild
// from a real store.
func TestTopical(t *testing.T) {
	ix, s, _ := topicalIndex(t)
	stored := allRecords(t, s)
	byPMID := make(map[uint64]*store.Record, len(stored))
	for i := range stored {
		byPMID[stored[i].Article.PMID] = &stored[i]
	}
	if n, _ := ix.DocCount(); n != uint64(len(stored)) {
		t.Fatalf("DocCount = %d, store holds %d", n, len(stored))
	}

	t.Run("facets equal a brute-force count over the hits", func(t *testing.T) {
		for _, req := range []Request{
			{Q: "gluten-free diet", Facets: true},
			{Q: "crohn* AND enteral nutrition", Facets: true, From: 2000},
			{Q: "diet", Conditions: []string{"celiac"}, Facets: true, Sort: SortEvidence},
			{Facets: true, Species: []string{"human"}, ExcludeRetracted: true},
		} {
			first, err := ix.Search(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if first.Total == 0 {
				t.Fatalf("%q: no hits", req.Q)
			}
			req.Size = MaxSize
			var hitRecs []*store.Record
			for _, h := range searchAll(t, ix, req) {
				hitRecs = append(hitRecs, byPMID[h.PMID])
			}
			if uint64(len(hitRecs)) != first.Total {
				t.Errorf("%q: paged through %d hits, Total %d", req.Q, len(hitRecs), first.Total)
			}
			want := bruteFacets(hitRecs)
			for name, counts := range first.Facets {
				got := map[string]int{}
				for _, fc := range counts {
					got[fc.Value] = fc.Count
				}
				w := want[name]
				if name == FacetJournal {
					// Only the 50 busiest journals are returned.
					w = topN(w, len(got))
				}
				if !maps.Equal(got, w) && len(w)+len(got) > 0 {
					t.Errorf("%q: facet %s differs: got %v, want %v", req.Q, name, got, w)
				}
			}
			checkFacetOrder(t, first.Facets)
		}
	})

	t.Run("condition filter equals the tagged records", func(t *testing.T) {
		for _, c := range []string{"celiac", "ibd"} {
			var want []uint64
			for _, r := range stored {
				if slices.Contains(r.Tags.Conditions, c) {
					want = append(want, r.Article.PMID)
				}
			}
			got := pmids(searchAll(t, ix, Request{Conditions: []string{c}, Size: MaxSize}))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("condition %s: %d hits, %d tagged records", c, len(got), len(want))
			}
		}
	})

	t.Run("relevant hits come first, with highlighted snippets", func(t *testing.T) {
		res, err := ix.Search(context.Background(), Request{Q: "coeliac gluten-free diet adherence", Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.SearchedAs, "celiac") {
			t.Errorf("SearchedAs = %q, want the coeliac/celiac synonyms shown", res.SearchedAs)
		}
		if len(res.Hits) < 10 {
			t.Fatalf("%d hits, want 10", len(res.Hits))
		}
		for i, h := range res.Hits {
			title := strings.ToLower(byPMID[h.PMID].Article.Title)
			if !strings.Contains(title, "gluten") && !strings.Contains(title, "celiac") &&
				!strings.Contains(title, "coeliac") && !strings.Contains(title, "diet") {
				t.Errorf("hit %d (pmid %d) %q does not look relevant", i, h.PMID, title)
			}
			if h.Snippet == "" {
				t.Errorf("hit %d (pmid %d) has no snippet", i, h.PMID)
			}
		}
		marked := 0
		for _, h := range res.Hits {
			if strings.Contains(h.Snippet, "<mark>") {
				marked++
			}
		}
		if marked < 8 {
			t.Errorf("only %d of 10 snippets highlight a term", marked)
		}
	})

	// PubMed's automatic term mapping, as far as villi does it: what a
	// practitioner pastes from PubMed finds here what it finds there.
	t.Run("term mapping: searched as, and the records found", func(t *testing.T) {
		ids := func(q string) []uint64 {
			got := pmids(searchAll(t, ix, Request{Q: q, Size: MaxSize, Sort: SortDate}))
			slices.Sort(got)
			return got
		}
		for _, tt := range []struct {
			in, searchedAs string
			same           string // a query that must find exactly the same records
			subsetOf       bool   // same's records need only be among in's
		}{
			{"ibd", `IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd`, "IBD", false},
			{"t1d", `T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus" OR condition:type-1-diabetes`, "T1D", false},
			{"ncgs", `(NCGS OR "non-celiac gluten sensitivity" OR "non-coeliac gluten sensitivity")`, "NCGS", false},
			{"ibs", `(IBS OR "irritable bowel syndrome")`, "IBS", false},
			{"Ibs diet", `(IBS OR "irritable bowel syndrome") AND diet`, "IBS diet", false},
			{"ms", "ms", "ms[ti] OR ms[ab] OR ms[mh] OR ms[ot]", false},
			{"Fasano A", `"Fasano A" OR Fasano A[au]`, "fasano a[au]", true},
		} {
			res, err := ix.Search(context.Background(), Request{Q: tt.in})
			if err != nil {
				t.Fatalf("%q: %v", tt.in, err)
			}
			if res.SearchedAs != tt.searchedAs {
				t.Errorf("%q searched as %s, want %s", tt.in, res.SearchedAs, tt.searchedAs)
			}
			got, want := ids(tt.in), ids(tt.same)
			if len(want) == 0 {
				t.Fatalf("%q finds nothing on the topical records: a useless check", tt.same)
			}
			ok := slices.Equal(got, want)
			if tt.subsetOf {
				ok = len(got) >= len(want)
				for _, id := range want {
					_, found := slices.BinarySearch(got, id)
					ok = ok && found
				}
			}
			if !ok {
				t.Errorf("%q finds %d records, %q %d: want the same records", tt.in, len(got), tt.same, len(want))
			}
		}
	})

	t.Run("year range and date sort", func(t *testing.T) {
		hits := searchAll(t, ix, Request{Q: "nutrition", From: 2010, To: 2012, Sort: SortDate, Size: MaxSize})
		if len(hits) == 0 {
			t.Fatal("no hits")
		}
		for _, h := range hits {
			if y := byPMID[h.PMID].Article.Year(); y < 2010 || y > 2012 {
				t.Errorf("pmid %d from %d outside 2010–2012", h.PMID, y)
			}
		}
	})
}

// topN keeps the n largest counts (ties broken by name, as the facet does).
func topN(m map[string]int, n int) map[string]int {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	out := map[string]int{}
	for _, k := range keys[:min(n, len(keys))] {
		out[k] = m[k]
	}
	return out
}

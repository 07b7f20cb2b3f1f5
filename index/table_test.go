package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"villi/pubmed"
	"villi/query"
	"villi/store"
	"villi/taxonomy"
)

func TestComparePMID_OrdersLikeDecimalStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64N(1000)
		case 1:
			return rng.Uint64N(100_000_000)
		case 2:
			return rng.Uint64()
		}
		return uint64(rng.IntN(20)) * pow10[rng.IntN(10)]
	}
	for range 100_000 {
		a, b := pick(), pick()
		sa, sb := strconv.FormatUint(a, 10), strconv.FormatUint(b, 10)
		want := 0
		switch {
		case sa < sb:
			want = -1
		case sa > sb:
			want = 1
		}
		if got := comparePMID(a, b); got != want {
			t.Fatalf("comparePMID(%d, %d) = %d, want %d", a, b, got, want)
		}
	}
}

// facetMap turns facets into comparable maps.
func facetMap(f map[string][]FacetCount) map[string]map[string]int {
	out := map[string]map[string]int{}
	for name, counts := range f {
		m := map[string]int{}
		for _, c := range counts {
			m[c.Value] = c.Count
		}
		out[name] = m
	}
	return out
}

// checkBrute compares filter-only searches with a brute-force reading of
// the store: totals, every hit, every facet count.
func checkBrute(t *testing.T, ix *Index, recs []store.Record, reqs []Request) {
	t.Helper()
	for _, req := range reqs {
		req.Facets, req.Size = true, MaxSize
		var want []uint64
		var wantRecs []*store.Record
		for i := range recs {
			if matches(req, &recs[i]) {
				want = append(want, recs[i].Article.PMID)
				wantRecs = append(wantRecs, &recs[i])
			}
		}
		first, err := ix.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if first.Total != uint64(len(want)) {
			t.Errorf("%+v: Total = %d, want %d", req, first.Total, len(want))
		}
		got := pmids(searchAll(t, ix, req))
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%+v: hits differ from brute force: extra %v, missing %v", req, minus(got, want), minus(want, got))
		}
		gotF, wantF := facetMap(first.Facets), bruteFacets(wantRecs)
		for _, name := range []string{FacetConditions, FacetMechanisms, FacetEvidence, FacetSpecies, FacetYear, FacetJournal} {
			if !maps.Equal(gotF[name], wantF[name]) && !(len(gotF[name]) == 0 && len(wantF[name]) == 0) {
				t.Errorf("%+v: facet %s = %v, want %v", req, name, gotF[name], wantF[name])
			}
		}
	}
}

var bruteRequests = []Request{
	{},
	{Conditions: []string{"celiac"}},
	{Conditions: []string{"lupus", "ibd"}, Species: []string{"human", "both"}},
	{Mechanisms: []string{"repair"}, Evidence: []string{"rct", "meta-analysis", "case-report"}},
	{Journals: []string{"GUT", "nutrients"}},
	{From: 2005, To: 2015, ExcludeRetracted: true},
	{To: 1999},
	{Evidence: []string{"a-level-nobody-has"}},
}

// TestTable_UpdatesDeletesAndReopen changes tags, journals, years and
// retractions of stored records and deletes some, then checks the doc table
// against brute force, then again after reopening (the table loaded from
// the index files) and after a rebuild.
func TestTable_UpdatesDeletesAndReopen(t *testing.T) {
	s := openStore(t)
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := synthetic(500, 1, 7)
	for i := 0; i < len(recs); i += 100 {
		ingest(t, s, ix, recs[i:i+100], nil)
	}
	// Second pass: every third record changes, every seventh goes.
	rng := rand.New(rand.NewPCG(9, 9))
	var changed []store.Record
	var deleted []uint64
	for i, r := range recs {
		switch {
		case i%7 == 0:
			deleted = append(deleted, r.Article.PMID)
		case i%3 == 0:
			r.Tags.Conditions = []string{conditions[rng.IntN(len(conditions))]}
			r.Tags.Mechanisms = nil
			r.Tags.Evidence = taxonomy.EvidenceLevels()[rng.IntN(10)]
			r.Tags.Species = species[rng.IntN(len(species))]
			r.Article.Journal = journals[rng.IntN(len(journals))]
			r.Article.PubDate = pubmed.Date{Year: 1990 + rng.IntN(35)}
			r.Article.Retracted = !r.Article.Retracted
			changed = append(changed, r)
		}
	}
	ingest(t, s, ix, changed[:len(changed)/2], deleted[:len(deleted)/2])
	ingest(t, s, ix, changed[len(changed)/2:], deleted[len(deleted)/2:])
	// A deleted PMID that comes back gets its row again.
	back := recs[0]
	back.Tags.Conditions = []string{"psoriasis"}
	ingest(t, s, ix, []store.Record{back}, nil)

	all := allRecords(t, s)
	t.Run("applied", func(t *testing.T) { checkBrute(t, ix, all, bruteRequests) })
	before := searchAll(t, ix, Request{Q: "zonulin OR gluten", Sort: SortEvidence, Size: 37})
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t, dir)
	t.Run("reopened", func(t *testing.T) {
		checkBrute(t, ix, all, bruteRequests)
		after := searchAll(t, ix, Request{Q: "zonulin OR gluten", Sort: SortEvidence, Size: 37})
		if !reflect.DeepEqual(before, after) {
			t.Errorf("query results differ after reopen: %d hits before, %d after", len(before), len(after))
		}
	})
	if err := ix.Rebuild(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("rebuilt", func(t *testing.T) { checkBrute(t, ix, all, bruteRequests) })
}

// TestSearch_ConcurrentWritesNeverMixStates rewrites every record while
// searches run: write k gives every title the word "gen<k>" and every
// record evidence level k mod 10, so a search that paired bleve's state
// with another write's doc table would report a hit for gen<k> with
// another evidence level.
func TestSearch_ConcurrentWritesNeverMixStates(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	base := synthetic(60, 1, 5)
	levels := taxonomy.EvidenceLevels()
	write := func(k int) {
		recs := slices.Clone(base)
		for i := range recs {
			recs[i].Article.Title = fmt.Sprintf("Study gen%d of barrier function", k)
			recs[i].Tags.Evidence = levels[k%len(levels)]
		}
		if err := ix.Apply(context.Background(), recs, nil, uint64(k)); err != nil {
			t.Error(err)
		}
	}
	write(0)
	const writes = 15
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				k := i % writes
				res, err := ix.Search(context.Background(), Request{Q: fmt.Sprintf("gen%d", k), Facets: true, Size: 5})
				if err != nil {
					t.Error(err)
					return
				}
				if res.Total == 0 {
					continue
				}
				ev := res.Facets[FacetEvidence]
				if len(ev) != 1 || ev[0].Value != levels[k%len(levels)] || uint64(ev[0].Count) != res.Total {
					t.Errorf("search gen%d: %d hits with evidence %v, want all %s", k, res.Total, ev, levels[k%len(levels)])
					return
				}
			}
		}()
	}
	for k := 1; k < writes; k++ {
		write(k)
	}
	close(done)
	wg.Wait()
}

func TestSearch_CacheServesRepeatsAndForgetsOnWrite(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	recs := synthetic(100, 1, 3)
	recs[0].Tags.Conditions = []string{"lupus"} // outside the filter below, until rewritten
	if err := ix.Apply(context.Background(), recs, nil, 1); err != nil {
		t.Fatal(err)
	}
	req := Request{Q: "gluten", Conditions: []string{"celiac", "ibd"}, Facets: true}
	first, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached {
		t.Error("first search came from the cache")
	}
	// Same request written differently: filters reordered and padded.
	again, err := ix.Search(context.Background(), Request{Q: " gluten ", Conditions: []string{"ibd ", "celiac"}, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached {
		t.Error("repeated search did not come from the cache")
	}
	first.Took, again.Took, again.Cached = 0, 0, false
	if !reflect.DeepEqual(first, again) {
		t.Errorf("cached result differs:\n got %+v\nwant %+v", again, first)
	}
	// A caller changing its copy does not change the cache.
	again.Hits[0].PMID = 0
	again.Facets[FacetConditions][0].Count = -1

	recs[0].Tags.Conditions = []string{"celiac"}
	recs[0].Article.Title = "Gluten gluten gluten"
	if err := ix.Apply(context.Background(), recs[:1], nil, 2); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if after.Cached {
		t.Error("search after a write came from the cache")
	}
	if after.Total != first.Total+1 {
		t.Errorf("Total after the write = %d, want %d + the rewritten record", after.Total, first.Total)
	}
	for _, h := range after.Hits {
		if h.PMID == 0 {
			t.Error("a caller's change leaked into the cache")
		}
	}
	for _, fc := range after.Facets[FacetConditions] {
		if fc.Count < 0 {
			t.Error("a caller's facet change leaked into the cache")
		}
	}
}

// TestSearch_FilteredQueriesKeepScoresAndOrder checks that a query with
// filters returns exactly the query's unfiltered hits that pass the filters
// (brute force), in the same order with the same scores, whether the filter
// went into the bleve query or was applied after it, with the caches on
// (refinements served from a cached evaluation) and off.
func TestSearch_FilteredQueriesKeepScoresAndOrder(t *testing.T) {
	_, ix, recs := corpus(t, 400)
	byPMID := map[uint64]*store.Record{}
	for i := range recs {
		byPMID[recs[i].Article.PMID] = &recs[i]
	}
	queries := []string{"zonulin", "gluten OR barrier", "diet NOT stress", "fasano[au]", "probiotic*", "junction[ti]", `"tight junction"`, `"journal article"[pt]`}
	filters := []Request{
		{Conditions: []string{"celiac"}, Species: []string{"human"}}, // selective: pushed into bleve
		{Journals: []string{"gut"}, ExcludeRetracted: true},          // selective
		{Species: []string{"human", "animal", "both"}},               // broad: applied after
		{From: 2000, To: 2020, Mechanisms: []string{"repair", "microbiome"}},
	}
	for _, cached := range []bool{false, true} {
		setCaches(ix, cached)
		for _, q := range queries {
			for _, sortBy := range []string{SortRelevance, SortEvidence} {
				all := searchAll(t, ix, Request{Q: q, Sort: sortBy, Size: MaxSize})
				for fi, f := range filters {
					f.Q, f.Sort, f.Size = q, sortBy, 7
					var want []Hit
					for _, h := range all {
						if matches(f, byPMID[h.PMID]) {
							want = append(want, h)
						}
					}
					got := searchAll(t, ix, f)
					if len(got) != len(want) {
						t.Errorf("cached=%v %q sort %s filter %d: %d hits, want %d", cached, q, sortBy, fi, len(got), len(want))
						continue
					}
					for i := range got {
						if got[i].PMID != want[i].PMID || got[i].Score != want[i].Score {
							t.Errorf("cached=%v %q sort %s filter %d: hit %d = %d (%v), want %d (%v)", cached, q, sortBy, fi, i, got[i].PMID, got[i].Score, want[i].PMID, want[i].Score)
							break
						}
					}
				}
			}
		}
	}
}

func TestSearch_SelectiveFiltersGoIntoTheBleveQuery(t *testing.T) {
	_, ix, _ := corpus(t, 300)
	setCaches(ix, false) // each evaluation fresh
	tests := []struct {
		req        Request
		wantPushed bool
	}{
		{Request{Q: "gluten OR barrier", Conditions: []string{"celiac"}, Species: []string{"human"}}, true},
		{Request{Q: "gluten OR barrier", Species: []string{"human", "animal", "both"}}, false},
		{Request{Q: `"journal article"[pt]`, Conditions: []string{"celiac"}, Species: []string{"human"}}, false}, // its score would change
		{Request{Q: `"journal article"[pt]`, Conditions: []string{"celiac"}, Species: []string{"human"}, Sort: SortDate}, true},
	}
	for _, tt := range tests {
		p, err := newPlan(tt.req, query.Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		bi, d, release, err := ix.acquireDocs()
		if err != nil {
			t.Fatal(err)
		}
		e, err := ix.evaluation(context.Background(), bi, d, p)
		release()
		if err != nil {
			t.Fatal(err)
		}
		if e.filtered != tt.wantPushed {
			t.Errorf("%+v: filter pushed into bleve = %v, want %v", tt.req, e.filtered, tt.wantPushed)
		}
	}
}

func TestOptimize_MergesSegmentsAndKeepsResults(t *testing.T) {
	_, ix, _ := corpus(t, 600) // 3 batches: 3 segments at least until merged
	setCaches(ix, false)
	reqs := []Request{
		{Q: "gluten OR barrier", Facets: true, Size: 50},
		{Q: "zonulin", Conditions: []string{"celiac"}, Sort: SortEvidence, Facets: true},
		{Species: []string{"human"}, Facets: true, Size: 30, Page: 2},
	}
	search := func() []*Result {
		var out []*Result
		for _, r := range reqs {
			res, err := ix.Search(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			res.Took = 0
			out = append(out, res)
		}
		return out
	}
	before := search()
	if err := ix.Optimize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := segments(t, ix); n != 1 {
		t.Errorf("segments after Optimize = %d, want 1", n)
	}
	if after := search(); !reflect.DeepEqual(before, after) {
		t.Error("results differ after Optimize")
	}
}

func segments(t testing.TB, ix *Index) int {
	t.Helper()
	bi, release, err := ix.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	adv, err := bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return len(r.(*scorch.IndexSnapshot).Segments())
}

package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	blevequery "github.com/blevesearch/bleve/v2/search/query"

	"villi/internal/cputime"
	"villi/query"
)

func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchCorpora()
	os.Exit(code)
}

// typicalRequests is the query mix of the latency bar (BENCHMARKS.md): what a
// practitioner types, every request with all facets.
var typicalRequests = []Request{
	{Q: "zonulin", Facets: true},
	{Q: "gut microbiota", Facets: true},
	{Q: `"intestinal permeability" AND celiac`, Facets: true},
	{Conditions: []string{"celiac"}, Facets: true},
	{Q: "gluten", From: 2010, To: 2020, Evidence: []string{"rct", "meta-analysis", "systematic-review"}, Facets: true},
	{Q: "hashimoto*", Facets: true},
	{Q: "probiotic* AND ibd", Sort: SortEvidence, Species: []string{"human"}, Facets: true},
	{Q: "diet NOT mice", Conditions: []string{"ibd", "celiac"}, Sort: SortDate, Facets: true},
}

// variedTerms feed variedRequest: topical words and phrases of the kind
// practitioners search for.
var variedTerms = []string{
	"zonulin", "gluten", "microbiota", "permeability", "celiac", "crohn*", "colitis", "probiotic*",
	"butyrate", "fodmap", "diet", "hashimoto*", "thyroiditis", "lupus", "psoriasis", "arthritis",
	`"multiple sclerosis"`, "diabetes", "inflammation", "barrier", `"tight junction"`, "lactobacillus",
	"bifidobacterium", "fiber", `"vitamin d"`, "zinc", "glutamine", "fasting", `"enteral nutrition"`,
	"calprotectin", "antibodies", "children", "mice", "biopsy", "endoscopy", `"quality of life"`,
	"randomized", "cohort", "infliximab", "transglutaminase", "short-chain fatty acids", "dysbiosis",
}

// variedRequest is the i-th request of a stream of distinct requests (a
// cache sees each once): one or two terms, a filter, a sort and a page.
func variedRequest(i int) Request {
	rng := rand.New(rand.NewPCG(uint64(i), 99))
	pick := func() string { return variedTerms[rng.IntN(len(variedTerms))] }
	r := Request{Q: pick(), Facets: true, Page: 1 + i%3}
	switch rng.IntN(3) {
	case 0:
		r.Q += " AND " + pick()
	case 1:
		r.Q += " OR " + pick()
	}
	switch rng.IntN(6) {
	case 0:
		r.Conditions = []string{conditions[rng.IntN(len(conditions))]}
	case 1:
		r.Evidence = []string{"rct", "meta-analysis"}
	case 2:
		r.Species = []string{"human"}
	case 3:
		r.From, r.To = 2000+rng.IntN(15), 2025
	case 4:
		r.Q = "" // filter only
		r.Conditions = []string{conditions[rng.IntN(len(conditions))]}
		r.From = 1990 + i%30
	}
	r.Sort = []string{SortRelevance, SortRelevance, SortDate, SortEvidence}[rng.IntN(4)]
	return r
}

// refineRequest is the i-th request of a stream of sessions: a query
// (variedRequest's), then the refinements a practitioner clicks through —
// a condition, an evidence filter, page 2, the evidence sort, a year range.
// Every request is new to the result cache; the refinements reuse the
// session's query evaluation.
func refineRequest(i int) Request {
	r := variedRequest(i / 6)
	r.Conditions, r.Evidence, r.Species, r.From, r.To, r.Page, r.Sort = nil, nil, nil, 0, 0, 1, SortRelevance
	if r.Q == "" {
		r.Q = variedTerms[(i/6)%len(variedTerms)]
	}
	switch i % 6 {
	case 1:
		r.Conditions = []string{conditions[(i/6)%len(conditions)]}
	case 2:
		r.Evidence = []string{"rct", "meta-analysis", "systematic-review"}
	case 3:
		r.Page = 2
	case 4:
		r.Sort = SortEvidence
	case 5:
		r.From, r.To = 2010, 2025
	}
	return r
}

// latencies runs clients goroutines issuing requests next(0), next(1), ...
// back to back until total have run, and returns every latency, sorted.
func latencies(b *testing.B, clients, total int, next func(i int) Request, search func(context.Context, Request) error) []time.Duration {
	var (
		mu  sync.Mutex
		all = make([]time.Duration, 0, total)
		wg  sync.WaitGroup
		ctr atomic.Int64
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := int(ctr.Add(1)) - 1
				if i >= total {
					break
				}
				start := time.Now()
				if err := search(context.Background(), next(i)); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return all
}

func percentile(all []time.Duration, p float64) float64 {
	if len(all) == 0 {
		return 0
	}
	return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
}

// BenchmarkSearch reports p50/p99 latency with all facets, from 1 and from
// 32 concurrent clients, at every size of benchSizes, for:
//
//   - typical/cold: the typical mix with the result cache off: every
//     request runs in full;
//   - varied: a stream of distinct requests with the cache on (so it
//     misses), the cost of requests nobody made before;
//   - refine: sessions of a query and five refinements of it (filters,
//     page, sort), caches on: every request is new, the refinements reuse
//     the query's evaluation;
//   - typical/warm: the typical mix with the cache on, after one pass;
//   - baseline/bleve: bleve alone running the same queries and filters for
//     the top 20 by score, no facets or snippets: the baseline the rest is
//     held against;
//   - floor/one-term: bleve alone, one frequent term in one field: what
//     the cheapest text search costs on this machine.
//
// One op is one request; use -benchtime Nx.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes(b) {
		c := openBenchCorpus(b, n)
		run := func(name string, cached bool, next func(int) Request, search func(context.Context, Request) error) {
			for _, clients := range []int{1, 32} {
				b.Run(fmt.Sprintf("docs=%d/%s/clients=%d", n, name, clients), func(b *testing.B) {
					setCaches(c.ix, cached)
					defer setCaches(c.ix, true)
					if cached {
						for i := range typicalRequests {
							search(context.Background(), typicalRequests[i])
						}
					}
					b.ReportAllocs()
					runtime.GC()
					b.ResetTimer()
					cpu := cputime.Process()
					all := latencies(b, clients, b.N, next, search)
					b.StopTimer()
					// CPU time per search: what a search costs, whatever else the
					// machine runs (the percentiles are wall time).
					b.ReportMetric(float64(cputime.Process()-cpu)/1e6/float64(b.N), "cpu-ms/op")
					b.ReportMetric(percentile(all, 0.50), "p50-ms")
					b.ReportMetric(percentile(all, 0.99), "p99-ms")
					b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "searches/s")
				})
			}
		}
		typical := func(i int) Request { return typicalRequests[i%len(typicalRequests)] }
		search := func(ctx context.Context, r Request) error { _, err := c.ix.Search(ctx, r); return err }
		run("typical/cold", false, typical, search)
		var offset atomic.Int64
		run("varied", true, func(i int) Request { return variedRequest(int(offset.Add(1))) }, search)
		var session atomic.Int64
		session.Store(1 << 20)
		run("refine", true, func(i int) Request { return refineRequest(int(session.Add(1))) }, search)
		run("typical/warm", true, typical, search)
		run("baseline/bleve", false, typical, func(ctx context.Context, r Request) error { return bleveAlone(ctx, c.ix, r) })
		run("floor/one-term", false, typical, func(ctx context.Context, _ Request) error { return bleveOneTerm(ctx, c.ix) })
	}
}

// bleveAlone runs r's query with its condition, evidence, species and year
// filters as bleve queries, top 20 by score, without facets or snippets.
func bleveAlone(ctx context.Context, ix *Index, r Request) error {
	var must blevequery.Query = blevequery.NewMatchAllQuery()
	if r.Q != "" {
		q, err := query.Parse(r.Q)
		if err != nil {
			return err
		}
		must = q.Bleve()
	}
	bq := blevequery.NewBooleanQuery([]blevequery.Query{must}, nil, nil)
	anyOf := func(field string, vals []string) {
		if len(vals) == 0 {
			return
		}
		var qs []blevequery.Query
		for _, v := range vals {
			tq := blevequery.NewTermQuery(v)
			tq.SetField(fTable)
			qs = append(qs, tq)
			_ = field
		}
		bq.AddMust(blevequery.NewDisjunctionQuery(qs))
	}
	prefixed := func(p string, vals []string) []string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = p + ":" + v
		}
		return out
	}
	anyOf(fTable, prefixed(tCondition, r.Conditions))
	anyOf(fTable, prefixed(tEvidence, r.Evidence))
	anyOf(fTable, prefixed(tSpecies, r.Species))
	if r.From > 0 || r.To > 0 {
		lo, hi, incl := float64(r.From), float64(r.To), true
		nq := blevequery.NewNumericRangeInclusiveQuery(&lo, &hi, &incl, &incl)
		nq.SetField(fYear)
		bq.AddMust(nq)
	}
	sr := bleve.NewSearchRequestOptions(bq, DefaultSize, 0, false)
	bi, release, err := ix.acquire()
	if err != nil {
		return err
	}
	defer release()
	_, err = bi.SearchInContext(ctx, sr)
	return err
}

// bleveOneTerm is the least a text search can cost: bleve alone, one term
// ("gluten", in about a quarter of the records) in one field, top 20 by
// score, no facets, filters or snippets.
func bleveOneTerm(ctx context.Context, ix *Index) error {
	tq := blevequery.NewTermQuery("gluten")
	tq.SetField(fAbstract)
	bi, release, err := ix.acquire()
	if err != nil {
		return err
	}
	defer release()
	_, err = bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(tq, DefaultSize, 0, false))
	return err
}

// BenchmarkSearchEach times each request of the typical mix alone, without
// the cache: where the time goes, request by request.
func BenchmarkSearchEach(b *testing.B) {
	for _, n := range benchSizes(b) {
		c := openBenchCorpus(b, n)
		for i, r := range typicalRequests {
			b.Run(fmt.Sprintf("docs=%d/q=%d", n, i), func(b *testing.B) {
				setCaches(c.ix, false)
				defer setCaches(c.ix, true)
				for range b.N {
					if _, err := c.ix.Search(context.Background(), r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkIndexOpen reports how long Open takes on the cached corpus (it
// loads the doc table), the heap the open index holds, and the index's
// size on disk.
func BenchmarkIndexOpen(b *testing.B) {
	for _, n := range benchSizes(b) {
		c := openBenchCorpus(b, n)
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			dir := filepath.Join(c.dir, "index.bleve")
			if err := c.ix.Close(); err != nil {
				b.Fatal(err)
			}
			var heap uint64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				before := heapInUse()
				b.StartTimer()
				ix, err := Open(dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				heap = heapInUse() - min(before, heapInUse())
				ix.Close()
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "open-ms")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
			b.ReportMetric(float64(treeSize(b, dir))/(1<<20), "disk-MB")
			b.ReportMetric(float64(treeSize(b, dir))/float64(n), "disk-B/doc")
			var err error
			if c.ix, err = Open(dir, Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(segments(b, c.ix)), "segments")
		})
	}
}

// setCaches turns ix's result and evaluation caches on (empty) or off.
func setCaches(ix *Index, on bool) {
	ix.cache, ix.evals = nil, nil
	if on {
		ix.cache, ix.evals = newResultCache(0), newEvalCache(DefaultEvalCacheBytes)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func treeSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkTableApply measures the doc table's share of one Apply batch of
// 500 records into a table of 100,000 rows: the copy-on-write of its
// columns, the rows and the merge of the sort orders.
func BenchmarkTableApply(b *testing.B) {
	d := newDocs()
	tb := d.begin(d.cur)
	for _, r := range synthetic(100_000, 1, 1) {
		if _, err := tb.put(r.Article.PMID, tableTerms(&r)); err != nil {
			b.Fatal(err)
		}
	}
	d.cur = tb.finish(1)
	batch := synthetic(500, 200_000, 2)
	terms := make([][]string, len(batch))
	for i := range batch {
		terms[i] = tableTerms(&batch[i])
	}
	b.ResetTimer()
	for n := range b.N {
		tb := d.begin(d.cur)
		for i := range batch {
			if _, err := tb.put(batch[i].Article.PMID+uint64(n%2)*1000, terms[i]); err != nil {
				b.Fatal(err)
			}
		}
		d.cur = tb.finish(d.cur.gen + 1)
	}
}

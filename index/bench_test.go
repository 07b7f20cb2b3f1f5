package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"villi/store"
)

// resample returns n records built from the real ones: copy k of record i
// gets a new PMID and the abstract of another record, so the corpus grows in
// vocabulary mix and postings rather than as identical duplicates.
func resample(real []store.Record, n int) []store.Record {
	out := make([]store.Record, n)
	for j := range out {
		i, k := j%len(real), j/len(real)
		r := real[i]
		if k > 0 {
			r.Article.PMID = uint64(90_000_000 + j)
			r.Article.Abstract = real[(i+k*7919)%len(real)].Article.Abstract
		}
		out[j] = r
	}
	return out
}

// opDocs is the work of one BenchmarkIndexBatch op, the same for every
// batch size so that the sizes compare.
const opDocs = 2000

// BenchmarkIndexBatch measures indexing throughput (docs/s) for batch sizes,
// through Index.Apply and through bleve alone with the same mapping and
// documents; the batch constants in rebuild.go come from it. Each op indexes
// opDocs new documents into a growing index.
func BenchmarkIndexBatch(b *testing.B) {
	real := topicalRecords(b)
	for _, size := range []int{250, 500, 1000, 2000} {
		b.Run("apply/batch="+strconv.Itoa(size), func(b *testing.B) {
			ix, err := Open(filepath.Join(b.TempDir(), "ix"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			b.ResetTimer()
			for n := 0; n < b.N*opDocs/size; n++ {
				if err := ix.Apply(context.Background(), batchAt(real, n, size), nil, uint64(n+1)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*opDocs)/b.Elapsed().Seconds(), "docs/s")
		})
		b.Run("bleve-alone/batch="+strconv.Itoa(size), func(b *testing.B) {
			bi, err := bleve.NewUsing(filepath.Join(b.TempDir(), "ix"), Mapping(), scorch.Name, scorch.Name, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer bi.Close()
			b.ResetTimer()
			for n := 0; n < b.N*opDocs/size; n++ {
				bb := bi.NewBatch()
				for _, r := range batchAt(real, n, size) {
					if err := bb.Index(strconv.FormatUint(r.Article.PMID, 10), Document(&r)); err != nil {
						b.Fatal(err)
					}
				}
				if err := bi.Batch(bb); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*opDocs)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// batchAt is the n-th batch of size records, PMIDs shifted on every pass
// over recs so each batch adds new documents.
func batchAt(recs []store.Record, n, size int) []store.Record {
	out := make([]store.Record, size)
	for i := range out {
		j := n*size + i
		out[i] = recs[j%len(recs)]
		out[i].Article.PMID += uint64(j/len(recs)) * 1_000_000_000
	}
	return out
}

var (
	benchOnce sync.Once
	benchIx   *Index
	benchDir  string
	benchErr  error
)

// benchIndex builds, once per process, an index of VILLI_BENCH_DOCS records
// (default: the topical fixture's 8,600) resampled from the topical fixture,
// through a real store and Rebuild.
func benchIndex(b *testing.B) *Index {
	real := topicalRecords(b)
	benchOnce.Do(func() {
		n := len(real)
		if v, err := strconv.Atoi(os.Getenv("VILLI_BENCH_DOCS")); err == nil && v > 0 {
			n = v
		}
		benchDir, benchErr = os.MkdirTemp("", "villi-index-bench-")
		if benchErr != nil {
			return
		}
		s, err := store.Open(filepath.Join(benchDir, "villi.db"), store.Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		recs := resample(real, n)
		for i := 0; i < len(recs); i += 2000 {
			storeOnly(b, s, recs[i:min(i+2000, len(recs))], nil)
		}
		benchIx, benchErr = Open(filepath.Join(benchDir, "ix"), Options{})
		if benchErr != nil {
			return
		}
		start := time.Now()
		benchErr = benchIx.Rebuild(context.Background(), s, nil)
		fmt.Fprintf(os.Stderr, "bench index: %d records rebuilt in %s (%.0f docs/s)\n",
			n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchIx != nil {
		benchIx.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchRequests = []Request{
	{Q: "celiac", Facets: true},
	{Q: "gluten-free diet", Facets: true, From: 2005},
	{Q: "crohn* AND enteral nutrition", Facets: true, Sort: SortEvidence},
	{Q: `"ulcerative colitis" AND (diet OR food)`, Facets: true, Species: []string{"human"}},
	{Q: "diet NOT mice", Facets: true, Conditions: []string{"ibd", "celiac"}},
	{Q: "probiotic*", Facets: true, Sort: SortDate},
	{Facets: true, Conditions: []string{"celiac"}, Sort: SortDate},
	{Q: "irritable bowel syndrome fodmap", Facets: true, ExcludeRetracted: true},
}

// BenchmarkSearch runs a mix of queries with facets from one client and from
// 32 concurrent clients, and reports latency percentiles.
func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b)
	for _, clients := range []int{1, 32} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			var (
				mu  sync.Mutex
				all []time.Duration
			)
			b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
			if clients == 1 {
				b.SetParallelism(1)
			}
			run := func(pb *testing.PB) {
				var mine []time.Duration
				for i := 0; pb.Next(); i++ {
					req := benchRequests[i%len(benchRequests)]
					start := time.Now()
					if _, err := ix.Search(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}
			b.ResetTimer()
			if clients == 1 {
				var mine []time.Duration
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if _, err := ix.Search(context.Background(), benchRequests[i%len(benchRequests)]); err != nil {
						b.Fatal(err)
					}
					mine = append(mine, time.Since(start))
				}
				all = mine
			} else {
				b.RunParallel(run)
			}
			b.StopTimer()
			if len(all) == 0 {
				return
			}
			slices.Sort(all)
			pct := func(p float64) float64 {
				return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "searches/s")
		})
	}
}

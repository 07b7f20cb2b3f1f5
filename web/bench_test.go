package web

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"villi/library"
)

// benchQueries are what a practitioner types, with and without filters;
// every one asks for facets, as the API and the results page do.
var benchQueries = []string{
	"q=gluten",
	"q=zonulin+OR+%22intestinal+permeability%22&condition=celiac",
	"q=probiotic*&evidence=rct&evidence=meta-analysis&sort=evidence",
	"condition=ibd&topic=rebalance&sort=date",
	"q=diet+AND+crohn*&from=2010&to=2016&species=human",
	"q=inflammation&size=50",
}

// benchLibrary is VILLI_BENCH_DATA (a data directory built with villi
// import, e.g. of a 100k villi-corpus) or the shared test library.
func benchLibrary(b *testing.B) *library.Library {
	b.Helper()
	dir := os.Getenv("VILLI_BENCH_DATA")
	if dir == "" {
		return testLibrary(b)
	}
	lib, err := library.Open(context.Background(), dir, library.Options{})
	if err != nil {
		b.Fatalf("open VILLI_BENCH_DATA=%s: %v", dir, err)
	}
	b.Cleanup(func() { lib.Close() })
	return lib
}

// BenchmarkAPISearch compares /api/v1/search with the same searches made in
// process, under 32 concurrent clients (b.SetParallelism on GOMAXPROCS):
//
//	inprocess: library.Search, the floor
//	handler:   the whole handler (middleware, parsing, JSON), no network
//	http:      a real loopback server and keep-alive client
//
// Each reports p50 and p99 latency; the ratio http/inprocess (ns/op) is
// what the ≤ 1.3 bar of issue 5 is about. Run:
//
//	go test ./web -run '^$' -bench APISearch -benchtime 2000x
//	VILLI_BENCH_DATA=/path/to/100k-data go test ./web -run '^$' -bench APISearch -benchtime 5000x
func BenchmarkAPISearch(b *testing.B) {
	lib := benchLibrary(b)
	h, err := New(Options{Library: lib, Public: true})
	if err != nil {
		b.Fatal(err)
	}
	srv := newServer(b, lib, Options{})
	s := &server{tax: lib.Taxonomy()}
	if s.tax == nil {
		b.Fatal("library has no taxonomy")
	}
	reqs := make([]searchParams, len(benchQueries))
	for i, q := range benchQueries {
		if reqs[i], err = s.parseSearch(q, true); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	clients := max(1, 32/max(1, runtime.GOMAXPROCS(0)))

	b.Run("inprocess", func(b *testing.B) {
		parallelLatency(b, clients, func(i int) error {
			_, err := lib.Search(context.Background(), reqs[i%len(reqs)].request(true))
			return err
		})
	})
	b.Run("handler", func(b *testing.B) {
		parallelLatency(b, clients, func(i int) error {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/search?"+benchQueries[i%len(benchQueries)], nil))
			if rec.Code != 200 {
				return fmt.Errorf("status %d: %s", rec.Code, rec.Body)
			}
			return nil
		})
	})
	b.Run("http", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		parallelLatency(b, clients, func(i int) error {
			resp, err := client.Get(srv.URL + "/api/v1/search?" + benchQueries[i%len(benchQueries)])
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return err
		})
	})
}

// BenchmarkSearchPage measures the HTML results page through the handler.
func BenchmarkSearchPage(b *testing.B) {
	lib := benchLibrary(b)
	h, err := New(Options{Library: lib, Public: true})
	if err != nil {
		b.Fatal(err)
	}
	clients := max(1, 32/max(1, runtime.GOMAXPROCS(0)))
	parallelLatency(b, clients, func(i int) error {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/search?"+benchQueries[i%len(benchQueries)], nil))
		if rec.Code != 200 {
			return fmt.Errorf("status %d", rec.Code)
		}
		return nil
	})
}

// parallelLatency runs op from parallelism×GOMAXPROCS goroutines and reports
// the p50 and p99 of its latency.
func parallelLatency(b *testing.B, parallelism int, op func(i int) error) {
	b.Helper()
	var (
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, b.N)
		next     atomic.Int64
		firstErr error
	)
	// Warm caches first: every query once or twice.
	for i := range 2 * len(benchQueries) {
		if err := op(i); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 64)
		for pb.Next() {
			i := int(next.Add(1))
			start := time.Now()
			if err := op(i); err != nil {
				mu.Lock()
				firstErr = cmp.Or(firstErr, err)
				mu.Unlock()
			}
			local = append(local, time.Since(start))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

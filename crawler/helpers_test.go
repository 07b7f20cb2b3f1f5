package crawler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// topical holds the topical fixture's records, decoded once per test binary.
var topical struct {
	once  sync.Once
	items []pubmed.Item
}

func topicalItems(t testing.TB) []pubmed.Item {
	t.Helper()
	topical.once.Do(func() {
		topical.items = pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))
	})
	return topical.items
}

// matching holds the topical records that any test query matches: tests
// serve these rather than all 8,600, since the fake tokenizes what it holds.
var matching struct {
	once  sync.Once
	items []pubmed.Item
}

// testItems returns the topical records matched by any of the test queries.
func testItems(t testing.TB) []pubmed.Item {
	t.Helper()
	items := topicalItems(t)
	matching.once.Do(func() {
		srv := fakeeutils.New(fakeeutils.Config{})
		srv.Add(items...)
		keep := map[uint64]bool{}
		for _, q := range []Query{qCeliacProbiotic, qZonulin, qCrohnDiet, qColitisFood} {
			for _, id := range srv.Match(q.Term, "", "", "") {
				keep[id] = true
			}
		}
		for _, it := range items {
			if it.Article != nil && keep[it.Article.PMID] {
				matching.items = append(matching.items, it)
			}
		}
	})
	return matching.items
}

// Queries over the topical fixture (celiac, IBD and diet records) that
// match sets of different sizes.
var (
	qCeliacProbiotic = Query{Name: "probiotics/celiac", Term: `(probiotic* OR "Probiotics"[mh]) AND (celiac OR coeliac)`}
	qZonulin         = Query{Name: "zonulin/any", Term: `zonulin OR "intestinal permeability"`}
	qCrohnDiet       = Query{Name: "diet/crohn", Term: `crohn* AND (diet[tiab] OR "Diet"[mh])`}
	qColitisFood     = Query{Name: "food/colitis", Term: `"ulcerative colitis" AND food*`}
)

// fake starts a fake E-utilities server holding items on a loopback
// listener and returns it with its base URL.
func fake(t testing.TB, cfg fakeeutils.Config, items []pubmed.Item) (*fakeeutils.Server, string) {
	t.Helper()
	srv := fakeeutils.New(cfg)
	srv.Add(items...)
	return srv, serve(t, srv)
}

// serve serves srv on a loopback listener until the test ends and returns
// its E-utilities base URL.
func serve(t testing.TB, srv *fakeeutils.Server) string {
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL + "/entrez/eutils/"
}

func openLib(t testing.TB, dir string) *library.Library {
	t.Helper()
	lib, err := library.Open(context.Background(), dir, library.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open library: %v", err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib
}

// fastConfig talks to a local fake: faster than NCBI allows, short backoffs.
func fastConfig(base string, qs ...Query) Config {
	return Config{
		BaseURL: base, Email: "crawler-test@example.org",
		Rate: 40, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		Timeout: 10 * time.Second, BatchSize: 100, MaxRetries: 12, Queries: qs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newCrawler(t testing.TB, cfg Config, lib *library.Library) *Crawler {
	t.Helper()
	c, err := New(cfg, lib)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// storedPMIDs returns every PMID in the store, ascending.
func storedPMIDs(t testing.TB, s *store.Store) []uint64 {
	t.Helper()
	var ids []uint64
	if err := s.ForEach(context.Background(), func(r store.Record) error {
		ids = append(ids, r.Article.PMID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// want returns the PMIDs the server holds for any of qs, ascending.
func want(srv *fakeeutils.Server, qs ...Query) []uint64 {
	var ids []uint64
	for _, q := range qs {
		ids = append(ids, srv.Match(q.Term, "", "", "")...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// assertHolds checks that store and index hold exactly want: none lost,
// none extra, each once.
func assertHolds(t testing.TB, lib *library.Library, want []uint64) {
	t.Helper()
	got := storedPMIDs(t, lib.DB())
	if !slices.Equal(got, want) {
		lost, extra := diff(want, got), diff(got, want)
		t.Errorf("store holds %d PMIDs, want %d: %d lost (e.g. %v), %d extra (e.g. %v)",
			len(got), len(want), len(lost), head(lost), len(extra), head(extra))
	}
	n, err := lib.IndexCount()
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != len(want) {
		t.Errorf("index holds %d documents, want %d", n, len(want))
	}
}

// diff returns the ids of a not in b (both ascending).
func diff(a, b []uint64) []uint64 {
	var out []uint64
	for _, id := range a {
		if _, ok := slices.BinarySearch(b, id); !ok {
			out = append(out, id)
		}
	}
	return out
}

func head(ids []uint64) []uint64 { return ids[:min(len(ids), 5)] }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func testLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

package digest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// Fixture files the digest tests read in place.
const (
	fixMultiple = "PathwayCommons__ncbiutils/tests__data__multiple.xml" // 100 records 1990–92: RA, MS, lupus, one retracted
	fixTricky   = "alexmasselot__medlineGeoBackend/test__resources__pubmed_tricky.xml"
	fixMetapub  = "metapub__metapub/tests__fixtures__pmid_xml__38329942.xml"
)

// readFixture decodes the articles of a fixture file.
func readFixture(t testing.TB, rel string) []*pubmed.Article {
	t.Helper()
	var out []*pubmed.Article
	for _, a := range pubmedtest.Articles(t, fixture.Path(t, rel)) {
		if a.PMID != 0 {
			out = append(out, a)
		}
	}
	return out
}

// entrez is an article's entrez date as a time.
func entrez(t testing.TB, a *pubmed.Article) time.Time {
	t.Helper()
	e, ok := a.EntrezDate()
	if !ok {
		t.Fatalf("PMID %d has no entrez date", a.PMID)
	}
	return e.Sort()
}

// stored is a record to put into a test library, added at a given time.
type stored struct {
	article *pubmed.Article
	added   time.Time
}

// openLib opens a library in a fresh directory holding recs, each ingested
// at its own Added time.
func openLib(t testing.TB, recs []stored) *library.Library {
	t.Helper()
	return openLibAt(t, t.TempDir(), recs)
}

// openLibAt is openLib in the data directory dir. The library is closed at
// the test's end; a test may close it earlier (to hand dir to a subprocess).
func openLibAt(t testing.TB, dir string, recs []stored) *library.Library {
	t.Helper()
	clock := &ingestClock{}
	lib, err := library.Open(context.Background(), dir, library.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	clocks.Store(lib, clock)
	t.Cleanup(func() { clocks.Delete(lib); lib.Close() })
	addRecords(t, lib, recs)
	return lib
}

// ingestClock is a test library's clock: the Added time of what it ingests next.
type ingestClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *ingestClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *ingestClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// clocks maps each library openLib opened to its clock.
var clocks sync.Map

// addRecords ingests recs through the library's one ingest path, each
// record in its own batch at its own Added time.
func addRecords(t testing.TB, lib *library.Library, recs []stored) {
	t.Helper()
	c, ok := clocks.Load(lib)
	if !ok {
		t.Fatal("addRecords: library not opened by openLib")
	}
	clock := c.(*ingestClock)
	for _, r := range recs {
		clock.set(r.added)
		if _, err := lib.Ingest(context.Background(), []pubmed.Item{{Article: r.article}}); err != nil {
			t.Fatal(err)
		}
	}
}

// testConfig is a Config for tests: a fixed clock, short backoff.
func testConfig(now time.Time) Config {
	return Config{
		From:     "villi digest <digest@villi.example.org>",
		BaseURL:  "https://villi.example.org",
		Location: time.UTC,
		Secret:   []byte("0123456789abcdef0123456789abcdef"),
		Backoff:  time.Millisecond,
		GroupCap: 1000,
		Timeout:  5 * time.Second,
		Logger:   slog.New(slog.DiscardHandler),
		Clock:    func() time.Time { return now },
	}
}

func newService(t testing.TB, lib *library.Library, cfg Config) *Service {
	t.Helper()
	s, err := New(lib, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addSub stores a confirmed subscription whose digests start at since.
func addSub(t testing.TB, st *store.Store, sub store.Subscription, since time.Time) store.Subscription {
	t.Helper()
	sub.Confirmed, sub.Created, sub.ConfirmedAt, sub.LastSent = true, since, since, since
	if sub.EmptyWeek == "" {
		sub.EmptyWeek = store.EmptyWeekSend
	}
	if err := st.PutSubscription(&sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

func pmidsOf(gs []Group) map[string][]uint64 {
	out := map[string][]uint64{}
	for _, g := range gs {
		for _, it := range g.Items {
			out[g.Condition] = append(out[g.Condition], it.PMID)
		}
	}
	return out
}

package crawler

import (
	"context"
	"testing"

	"villi/internal/fakeeutils"
)

// windowGroup is the requests one window cost: its esearch (and retries)
// and the efetches after it, up to the next window's esearch.
type windowGroup struct {
	term, datetype, mindate, maxdate string
	requests, faulted                int
	efetches                         int
}

// groupByWindow splits a sequential client's request log into windows.
func groupByWindow(log []fakeeutils.Request) []*windowGroup {
	var out []*windowGroup
	var cur *windowGroup
	for _, r := range log {
		if r.Endpoint == "esearch" {
			p := r.Params
			key := windowGroup{term: p.Get("term"), datetype: p.Get("datetype"), mindate: p.Get("mindate"), maxdate: p.Get("maxdate")}
			if cur == nil || cur.term != key.term || cur.datetype != key.datetype || cur.mindate != key.mindate || cur.maxdate != key.maxdate || cur.efetches > 0 {
				cur = &key
				out = append(out, cur)
			}
		}
		if cur == nil {
			continue
		}
		cur.requests++
		if r.Endpoint == "efetch" {
			cur.efetches++
		}
		if r.Fault != "" || r.Status != 200 {
			cur.faulted++
		}
	}
	return out
}

func TestRun_FetchesExactlyTheServersRecordsWithBoundedRequests(t *testing.T) {
	items := testItems(t)
	srv, base := fake(t, fakeeutils.Config{Seed: 1}, items)
	qs := []Query{qCeliacProbiotic, qZonulin, qCrohnDiet}
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qs...)
	c := newCrawler(t, cfg, lib)

	run, err := c.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	all := want(srv, qs...)
	assertHolds(t, lib, all)
	log := srv.Requests()
	t.Logf("first crawl: %d records, %d requests, %d windows", len(all), len(log), run.Windows)

	if run.Added != len(all) || run.Requests != len(log) || run.Retries != 0 || run.Err != "" || run.Ended.IsZero() {
		t.Errorf("run = %+v, want %d added, %d requests, no retries, ended without error", run, len(all), len(log))
	}
	runs, err := lib.DB().Runs("crawl", 5)
	if err != nil || len(runs) != 1 || runs[0].ID != run.ID || runs[0].Added != run.Added {
		t.Errorf("stored runs = %+v (%v), want the one run", runs, err)
	}
	for _, r := range log {
		if r.Params.Get("tool") != "villi" || r.Params.Get("email") != cfg.Email {
			t.Fatalf("request %s %v lacks tool/email", r.Endpoint, r.Params)
		}
		if r.Endpoint == "efetch" && r.Params.Get("retmode") != "xml" {
			t.Errorf("efetch without retmode=xml: %v", r.Params)
		}
	}
	for _, g := range groupByWindow(log) {
		n := srv.Count(g.term, g.datetype, g.mindate, g.maxdate)
		bound := 1 + ceilDiv(n, cfg.BatchSize)
		if n > cfg.MaxIDs && g.efetches == 0 {
			bound = 1 // a window halved: its search only
		}
		if g.requests != bound {
			t.Errorf("window %s %s-%s of %.30q: %d requests for %d records, want 1 + ceil(%d/%d) = %d",
				g.datetype, g.mindate, g.maxdate, g.term, g.requests, n, n, cfg.BatchSize, bound)
		}
	}

	// The next crawl re-searches only the overlap days and the mdat days.
	srv.ResetRequests()
	run2, err := c.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if got, want := len(srv.Requests()), 2*len(qs); got != want {
		t.Errorf("second crawl made %d requests, want %d (edat overlap and mdat search per query)", got, want)
	}
	for _, r := range srv.Requests() {
		if r.Endpoint != "esearch" {
			t.Errorf("second crawl fetched: %v", r.Params)
		}
	}
	if run2.Added != 0 || run2.Windows != 2*len(qs) {
		t.Errorf("second run = %+v, want nothing added over %d windows", run2, 2*len(qs))
	}
	assertHolds(t, lib, all)
}

func TestRun_DryRunCountsWithoutFetching(t *testing.T) {
	items := testItems(t)
	srv, base := fake(t, fakeeutils.Config{Seed: 1}, items)
	lib := openLib(t, t.TempDir())
	c := newCrawler(t, fastConfig(base, qCeliacProbiotic, qZonulin), lib)
	counts := map[string]int{}
	_, err := c.Run(context.Background(), RunOptions{DryRun: true, Progress: func(p Progress) {
		if p.Event == EventWindow {
			counts[p.Query] += p.Count
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{qCeliacProbiotic, qZonulin} {
		if got, want := counts[q.Name], len(srv.Match(q.Term, "", "", "")); got != want {
			t.Errorf("dry run counted %d for %s, want %d", got, q.Name, want)
		}
	}
	for _, r := range srv.Requests() {
		if r.Endpoint != "esearch" || r.Params.Get("retmax") != "0" || r.Params.Get("usehistory") != "" {
			t.Errorf("dry run request %s %v, want count-only esearch", r.Endpoint, r.Params)
		}
	}
	if n, _ := lib.DB().Count(); n != 0 {
		t.Errorf("dry run stored %d records", n)
	}
	if cs, _ := lib.DB().Cursors(); len(cs) != 0 {
		t.Errorf("dry run wrote cursors: %+v", cs)
	}
	if runs, _ := lib.DB().Runs("", 10); len(runs) != 0 {
		t.Errorf("dry run stored runs: %+v", runs)
	}
}

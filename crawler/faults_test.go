package crawler

import (
	"context"
	"testing"
	"time"

	"villi/internal/fakeeutils"
)

func TestRun_UnderEveryFaultEndsWithExactlyTheServersRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out Retry-After and slow answers; skipped in -short")
	}
	items := testItems(t)
	faults := fakeeutils.Faults{
		Rate429: 0.04, Rate500: 0.03, Rate502: 0.03, Rate503: 0.03,
		RateReset: 0.06, RateTruncate: 0.08, RateErrorIn200: 0.06, RateSlow: 0.03,
		SlowDelay: 3 * time.Second, RetryAfter: 1,
		// The first requests get one fault of each kind, whatever the draws.
		Script: []fakeeutils.Fault{fakeeutils.Fault429, fakeeutils.Fault500, "", fakeeutils.Fault502,
			fakeeutils.Fault503, fakeeutils.FaultReset, fakeeutils.FaultResetMidBody, fakeeutils.FaultTruncate,
			fakeeutils.FaultCut, fakeeutils.FaultErrorIn200, "", fakeeutils.FaultSlow, fakeeutils.FaultErrorIn200},
	}
	srv, base := fake(t, fakeeutils.Config{Seed: 42, Faults: faults}, items)
	qs := []Query{qCeliacProbiotic, qZonulin, qCrohnDiet, qColitisFood}
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qs...)
	cfg.Timeout = 1500 * time.Millisecond // below SlowDelay: slow answers time out
	c := newCrawler(t, cfg, lib)

	start := time.Now()
	run, err := c.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatalf("Run under faults: %v", err)
	}
	all := want(srv, qs...)
	assertHolds(t, lib, all)

	log := srv.Requests()
	seen := map[fakeeutils.Fault]int{}
	faulted := 0
	for _, r := range log {
		if r.Fault != "" {
			seen[r.Fault]++
			faulted++
		}
	}
	t.Logf("%d records, %d requests, %d faulted (%v), %d retries, %v", len(all), len(log), faulted, seen, run.Retries, time.Since(start).Round(time.Millisecond))
	for _, f := range []fakeeutils.Fault{fakeeutils.Fault429, fakeeutils.Fault500, fakeeutils.Fault502, fakeeutils.Fault503,
		fakeeutils.FaultReset, fakeeutils.FaultResetMidBody, fakeeutils.FaultTruncate, fakeeutils.FaultCut,
		fakeeutils.FaultErrorIn200, fakeeutils.FaultSlow} {
		if seen[f] == 0 {
			t.Errorf("fault %s never injected", f)
		}
	}
	// 429 comes with Retry-After: 1; the retry waits it out.
	for i, r := range log[:len(log)-1] {
		if r.Fault == fakeeutils.Fault429 {
			if gap := log[i+1].Time.Sub(r.Time); gap < time.Second {
				t.Errorf("request after a 429 came %v later, before its Retry-After of 1s", gap)
			}
		}
	}
	// Each faulted answer costs exactly one retry: no more, no fewer.
	if run.Retries != faulted || run.Requests != len(log) {
		t.Errorf("run counted %d retries and %d requests; the server saw %d faulted of %d", run.Retries, run.Requests, faulted, len(log))
	}
	if run.Added != len(all) || run.Err != "" {
		t.Errorf("run = %+v, want %d added and no error", run, len(all))
	}
	for _, g := range groupByWindow(log) {
		n := srv.Count(g.term, g.datetype, g.mindate, g.maxdate)
		if bound := 1 + ceilDiv(n, cfg.BatchSize) + g.faulted; g.requests > bound {
			t.Errorf("window %s %s-%s: %d requests for %d records with %d faults, want at most %d",
				g.datetype, g.mindate, g.maxdate, g.requests, n, g.faulted, bound)
		}
	}
}

func TestRun_GivesUpAfterMaxRetriesNamingQueryAndWindow(t *testing.T) {
	items := testItems(t)
	_, base := fake(t, fakeeutils.Config{Seed: 3, Faults: fakeeutils.Faults{Rate503: 1}}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qZonulin, qCeliacProbiotic)
	cfg.MaxRetries = 2
	c := newCrawler(t, cfg, lib)
	run, err := c.Run(context.Background(), RunOptions{})
	if err == nil {
		t.Fatal("Run against a server answering only 503 succeeded")
	}
	for _, part := range []string{"query zonulin/any", "edat window 1800/01/01-", "failed after 3 attempts", "HTTP 503"} {
		if !contains(err.Error(), part) {
			t.Errorf("error %q does not say %q", err, part)
		}
	}
	if len(run.Failing) != 2 || run.Err == "" || run.Requests != 6 || run.Retries != 4 {
		t.Errorf("run = %+v, want both queries failing after 3 requests each", run)
	}
}

func TestRun_UnreachableServerSaysSo(t *testing.T) {
	lib := openLib(t, t.TempDir())
	cfg := fastConfig("http://127.0.0.1:1/entrez/eutils/", qZonulin, qCeliacProbiotic)
	cfg.MaxRetries = 1
	c := newCrawler(t, cfg, lib)
	run, err := c.Run(context.Background(), RunOptions{})
	if !errorsIs(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if len(run.Failing) != 1 {
		t.Errorf("failing = %v, want the run to stop at the first query", run.Failing)
	}
}

func TestRun_RateStaysWithinNCBILimits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs at NCBI's real rates for several seconds; skipped in -short")
	}
	items := testItems(t)
	for _, tc := range []struct {
		name   string
		apiKey string
		limit  int
		qs     []Query
	}{
		{"without key", "", LimitWithoutKey, []Query{qZonulin}},
		{"with key", "test-key-123", LimitWithKey, []Query{qZonulin, qCeliacProbiotic, qCrohnDiet}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := fake(t, fakeeutils.Config{Seed: 5, Faults: fakeeutils.Faults{EnforceRate: true}}, items)
			lib := openLib(t, t.TempDir())
			cfg := fastConfig(base, tc.qs...)
			cfg.Rate, cfg.APIKey, cfg.BatchSize = 0, tc.apiKey, 20 // production limits
			c := newCrawler(t, cfg, lib)
			if _, err := c.Run(context.Background(), RunOptions{}); err != nil {
				t.Fatal(err)
			}
			assertHolds(t, lib, want(srv, tc.qs...))
			log := srv.Requests()
			worst := 0
			for i := range log {
				n := 0
				for j := i; j < len(log) && log[j].Time.Sub(log[i].Time) < time.Second; j++ {
					n++
				}
				worst = max(worst, n)
			}
			t.Logf("%d requests, at most %d in any one second (limit %d)", len(log), worst, tc.limit)
			if worst > tc.limit {
				t.Errorf("%d requests within one second, limit %d", worst, tc.limit)
			}
			if len(log) <= tc.limit {
				t.Errorf("only %d requests: too few to test the limit", len(log))
			}
			for _, r := range log {
				if r.Fault == fakeeutils.FaultRateLimit {
					t.Errorf("server refused a request for exceeding the rate: %v", r.Time)
				}
				if r.Params.Get("api_key") != tc.apiKey || r.Params.Get("tool") == "" || r.Params.Get("email") == "" {
					t.Errorf("request without tool/email/api_key: %v", r.Params)
				}
			}
		})
	}
}

func TestNew_DefaultRateIsNCBIsLimit(t *testing.T) {
	lib := openLib(t, t.TempDir())
	for _, tc := range []struct {
		key  string
		want float64
	}{{"", 3}, {"secret", 10}} {
		c := newCrawler(t, Config{APIKey: tc.key}, lib)
		if got := c.cfg.Rate; got != tc.want {
			t.Errorf("key %q: rate %v, want %v", tc.key, got, tc.want)
		}
		if c.api.pace.window != int(tc.want) {
			t.Errorf("key %q: at most %d requests in a second, want %v", tc.key, c.api.pace.window, tc.want)
		}
		l := c.api.pace.limiter
		if l.Burst() != 1 {
			t.Errorf("key %q: burst %d, want 1", tc.key, l.Burst())
		}
		// Spacing of at least 1/limit: no second holds more than the limit.
		if gap := time.Duration(float64(time.Second) / float64(l.Limit())); gap < time.Duration(float64(time.Second)/tc.want) {
			t.Errorf("key %q: requests %v apart, want at least %v", tc.key, gap, time.Second/time.Duration(tc.want))
		}
	}
}

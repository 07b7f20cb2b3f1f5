package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"villi/store"
)

func TestMetrics_RequestsLatencyAndRuns(t *testing.T) {
	lib := newLibrary(t, 25)
	srv := newServer(t, lib, Options{})
	end := time.Now()
	putRun(t, lib.DB(), store.Run{Kind: "crawl", Ended: end, Added: 20, Updated: 5, Deleted: 1, Requests: 7, Retries: 2})
	putRun(t, lib.DB(), store.Run{Kind: "crawl", Ended: end, Added: 3, Err: "efetch: truncated body", Failing: []string{"ibd: truncated"}})
	putRun(t, lib.DB(), store.Run{Kind: "digest", Ended: end, Added: 4})

	get(t, srv.URL+"/api/v1/search?q=diet")
	get(t, srv.URL+"/api/v1/search?q=diet")
	get(t, srv.URL+"/api/v1/articles/1")
	resp, body := get(t, srv.URL+"/metrics")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := []string{
		`villi_http_requests_total{code="200",route="GET /api/v1/search"} 2`,
		`villi_http_requests_total{code="404",route="GET /api/v1/articles/{pmid}"} 1`,
		`villi_http_request_duration_seconds_count{route="GET /api/v1/search"} 2`,
		`villi_records 25`,
		`villi_runs_total{kind="crawl"} 2`,
		`villi_run_failures_total{kind="crawl"} 1`,
		`villi_run_records_total{change="added",kind="crawl"} 23`,
		`villi_run_records_total{change="deleted",kind="crawl"} 1`,
		`villi_run_requests_total{kind="crawl"} 7`,
		`villi_run_retries_total{kind="crawl"} 2`,
		`villi_run_failing_total{kind="crawl"} 1`,
		`villi_runs_total{kind="digest"} 1`,
		`villi_run_records_total{change="added",kind="digest"} 4`,
		`villi_run_in_progress{kind="crawl"} 0`,
		`villi_runs_total{kind="import"} 0`,
		"# TYPE villi_http_request_duration_seconds histogram",
		"# TYPE villi_runs_total counter",
		"process_resident_memory_bytes",
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
	if !regexp.MustCompile(`villi_run_last_success_timestamp_seconds\{kind="crawl"\} [0-9.e+]+`).MatchString(body) {
		t.Error("no last-success timestamp for crawls")
	}
	// Every sample line is "name{labels} value" or "name value".
	sample := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? ([-+0-9.eE]+|NaN|[+-]Inf)$`)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !sample.MatchString(line) {
			t.Errorf("not a Prometheus sample line: %q", line)
		}
	}
}

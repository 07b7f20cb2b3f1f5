package web

import (
	"net/http"
	"net/http/httptest"
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

// /metrics shows a library's record and run counts: who may read them.
func TestMetrics_WhoMayScrape(t *testing.T) {
	lib := testLibrary(t)
	handler := func(public bool, token string) http.Handler {
		t.Helper()
		h, err := New(Options{Library: lib, Public: public, MetricsToken: token})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const loopback, remote = "127.0.0.1:40000", "203.0.113.7:40000"
	tests := []struct {
		name          string
		public        bool
		token, remote string
		auth          string
		want          int
	}{
		{"public library, no token: anyone", true, "", remote, "", http.StatusOK},
		{"private library, no token: this machine", false, "", loopback, "", http.StatusOK},
		{"private library, no token: not from elsewhere", false, "", remote, "", http.StatusUnauthorized},
		{"token: the right one from anywhere", false, "scrape-me", remote, "Bearer scrape-me", http.StatusOK},
		{"token: a wrong one", false, "scrape-me", remote, "Bearer scrape-you", http.StatusUnauthorized},
		{"token: none, even from this machine", false, "scrape-me", loopback, "", http.StatusUnauthorized},
		{"token: also on a public library", true, "scrape-me", remote, "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.RemoteAddr = tt.remote
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			handler(tt.public, tt.token).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if got := strings.Contains(rec.Body.String(), "villi_records "); got != (tt.want == http.StatusOK) {
				t.Errorf("body shows villi_records: %v, want %v", got, tt.want == http.StatusOK)
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/library"
	"villi/store"
)

// syncBuffer is a buffer that serve's logger and the test read concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `villi serve` on a free port until the returned cancel;
// wait returns its exit code.
func startServe(t *testing.T, data string, env map[string]string, args ...string) (base string, logs *syncBuffer, cancel func(), wait func() int) {
	t.Helper()
	logs = &syncBuffer{}
	ctx, stop := context.WithCancel(context.Background())
	e := Env{
		Getenv: func(k string) string {
			if k == "VILLI_DATA" {
				return data
			}
			if v, ok := env[k]; ok || k != "VILLI_EUTILS_URL" {
				return v
			}
			// Tests never reach the real NCBI: a port nothing listens on.
			return "http://127.0.0.1:9/entrez/eutils/"
		},
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs,
	}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), e) }()
	ready := regexp.MustCompile(`villi serve: ready" addr=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := ready.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before it was ready:\n%s", code, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if base == "" {
		stop()
		t.Fatalf("serve not ready within 30 s:\n%s", logs.String())
	}
	var once sync.Once
	code := -1
	wait = func() int {
		once.Do(func() {
			select {
			case code = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("serve did not stop within 20 s of cancellation:\n%s", logs.String())
			}
		})
		return code
	}
	t.Cleanup(func() { stop(); wait() })
	return base, logs, stop, wait
}

func TestServe_ServesTheLibraryThenShutsDownCleanly(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	base, logs, cancel, wait := startServe(t, data, map[string]string{"VILLI_PUBLIC": "true", "VILLI_BASE_URL": "https://villi.example.org"})

	for _, path := range []string{"/healthz", "/", "/api/v1/search?q=cancer", "/api/v1/status"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("GET %s: no HSTS although VILLI_BASE_URL is https", path)
		}
	}
	if !strings.Contains(logs.String(), "public=true") {
		t.Errorf("ready line does not report VILLI_PUBLIC:\n%s", logs.String())
	}

	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d after SIGINT-like cancel:\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "villi serve: stopped") {
		t.Errorf("no stop line:\n%s", logs.String())
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	// The data directory is free again: another command can open it.
	if _, errs, code := run(t, data, "search", "cancer"); code != 0 {
		t.Errorf("search after serve stopped: exit %d: %s", code, errs)
	}
}

func TestServe_PrivateByDefault(t *testing.T) {
	base, _, _, _ := startServe(t, t.TempDir(), nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/search?q=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("private library: GET /search answered %d %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestServe_BadConfigurationIsAUsageError(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"bad VILLI_PUBLIC", map[string]string{"VILLI_PUBLIC": "sometimes"}, nil, 2, "VILLI_PUBLIC"},
		{"relative base URL", nil, []string{"--base-url", "villi.example.org"}, 1, "villi.example.org"},
		{"bad address", nil, []string{"--addr", "nowhere:notaport"}, 1, "nowhere:notaport"},
		{"bad VILLI_RETRAIN_AFTER", map[string]string{"VILLI_RETRAIN_AFTER": "lots"}, nil, 2, "VILLI_RETRAIN_AFTER"},
		{"negative --retrain-after", nil, []string{"--retrain-after", "-1"}, 2, "--retrain-after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb bytes.Buffer
			e := Env{Getenv: func(k string) string {
				if k == "VILLI_DATA" {
					return t.TempDir()
				}
				return tt.env[k]
			}, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
			code := Run(context.Background(), append([]string{"serve"}, tt.args...), e)
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d naming %q", code, errb.String(), tt.code, tt.want)
			}
		})
	}
}

func TestServe_AddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, errs, code := run(t, t.TempDir(), "serve", "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(errs, ln.Addr().String()) {
		t.Errorf("exit %d, stderr %q; want 1 naming the address", code, errs)
	}
}

func TestJobs_ShutdownCancelsAndWaits(t *testing.T) {
	var logs syncBuffer
	j := newJobs(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	var stopped atomic.Int32
	started := make(chan struct{}, 2)
	for range 2 {
		j.Go("wait", func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // a batch boundary
			stopped.Add(1)
			return ctx.Err()
		})
	}
	j.Go("fail", func(ctx context.Context) error { return errors.New("crawl: PubMed unreachable") })
	<-started
	<-started
	j.Shutdown()
	j.Shutdown() // again: a no-op
	if n := stopped.Load(); n != 2 {
		t.Errorf("%d jobs finished before Shutdown returned, want 2", n)
	}
	if l := logs.String(); !strings.Contains(l, "PubMed unreachable") || strings.Contains(l, "context canceled") {
		t.Errorf("logs %q: want the failure logged once and cancellation not logged", l)
	}
}

// statusOf reads /api/v1/status.
func statusOf(t *testing.T, base string) library.Status {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st library.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("status is not JSON: %v", err)
	}
	return st
}

// waitForCrawl polls the status API until a crawl has ended.
func waitForCrawl(t *testing.T, base string, logs *syncBuffer) *store.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st := statusOf(t, base); st.LastCrawl != nil {
			return st.LastCrawl
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no crawl ended within 60 s:\n%s", logs.String())
	return nil
}

func TestServe_EmptyLibraryCrawlsAtOnce(t *testing.T) {
	fake := fakeeutils.New(fakeeutils.Config{})
	if err := fake.LoadFile(fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); err != nil {
		t.Fatal(err)
	}
	want := fake.Match("cancer", "", "", "")
	if len(want) == 0 {
		t.Fatal("fixture has no record matching the test query")
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("cancer: cancer\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	base, logs, _, _ := startServe(t, t.TempDir(), map[string]string{
		"VILLI_PUBLIC":     "true",
		"VILLI_EUTILS_URL": srv.URL + "/entrez/eutils/",
		"VILLI_NCBI_EMAIL": "test@example.org",
		"VILLI_QUERIES":    queries,
	})
	run := waitForCrawl(t, base, logs)
	if run.Err != "" || run.Added != len(want) {
		t.Fatalf("first crawl: added %d, error %q; want %d added and no error", run.Added, run.Err, len(want))
	}
	st := statusOf(t, base)
	if st.Records != len(want) || st.NextCrawl == nil || !st.NextCrawl.After(time.Now()) {
		t.Errorf("status: %d records, next crawl %v; want %d records and a next crawl ahead", st.Records, st.NextCrawl, len(want))
	}
}

func TestServe_UnreachablePubMedIsSaidPlainly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there any more: connections are refused

	base, logs, _, _ := startServe(t, t.TempDir(), map[string]string{
		"VILLI_PUBLIC":     "true",
		"VILLI_EUTILS_URL": "http://" + dead + "/entrez/eutils/",
	})
	run := waitForCrawl(t, base, logs)
	if !strings.Contains(run.Err, "cannot reach") {
		t.Errorf("crawl error = %q, want it to say PubMed cannot be reached", run.Err)
	}
	if !strings.Contains(logs.String(), "villi import") {
		t.Errorf("serve's log does not say how to import files instead:\n%s", logs.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), "cannot reach") {
		t.Errorf("home page does not show the crawl error plainly")
	}
}

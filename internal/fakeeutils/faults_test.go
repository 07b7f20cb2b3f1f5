package fakeeutils

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plainClient is a fresh client without connection reuse, so every fault
// reaches the caller instead of being retried by the transport.
func plainClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

const fetchQuery = "/entrez/eutils/efetch.fcgi?db=pubmed&retmode=xml&id="

func someIDs(t *testing.T, s *Server, n int) string {
	t.Helper()
	ids := s.Match("1000:3000[dp]", "", "", "") // every dated record
	if len(ids) < n {
		t.Fatalf("need %d records, have %d", n, len(ids))
	}
	return fmtIDs(ids[:n])
}

func TestFaults_429HasNCBIBodyAndRetryAfter(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{Fault429, Fault429}, RetryAfter: 7}})
	c := plainClient(5 * time.Second)
	for _, tt := range []struct{ key, wantKey, wantLimit string }{{"", "127.0.0.1", "3"}, {"k123", "k123", "10"}} {
		resp, err := c.Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human&api_key=" + tt.key)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
			t.Errorf("status %d Retry-After %q, want 429 and 7", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		var got map[string]string
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("429 body is not JSON: %s", body)
		}
		if got["error"] != "API rate limit exceeded" || got["api-key"] != tt.wantKey || got["limit"] != tt.wantLimit || got["count"] == "" {
			t.Errorf("429 body = %s, want api-key %s and limit %s", body, tt.wantKey, tt.wantLimit)
		}
	}
	if log := s.Requests(); len(log) != 2 || log[0].Fault != Fault429 || log[0].Status != 429 {
		t.Errorf("request log = %+v", log)
	}
}

func TestFaults_5xxAreHTMLErrors(t *testing.T) {
	_, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{Fault500, Fault502, Fault503}}})
	c := plainClient(5 * time.Second)
	for _, code := range []int{500, 502, 503} {
		resp, err := c.Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != code || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), http.StatusText(code)) {
			t.Errorf("got %d %q %q, want %d with an HTML body", resp.StatusCode, resp.Header.Get("Content-Type"), body, code)
		}
	}
}

func TestFaults_ResetIsATCPReset(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{FaultReset, FaultResetMidBody}}})
	c := plainClient(5 * time.Second)
	ids := someIDs(t, s, 50)

	_, err := c.Get(hs.URL + fetchQuery + ids)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset before the response: error %v, want ECONNRESET", err)
	}

	// Mid-body: the client may or may not have read the head when the RST lands.
	resp, err := c.Get(hs.URL + fetchQuery + ids)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset mid-body: error %v, want ECONNRESET", err)
	}
	log := s.Requests()
	if len(log) != 2 || log[0].Fault != FaultReset || log[0].Status != 0 || log[1].Fault != FaultResetMidBody || log[1].Bytes == 0 {
		t.Errorf("request log = %+v", log)
	}
}

func TestFaults_TruncatedBodyIsReallyTruncated(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{"", FaultTruncate, FaultCut}}})
	c := plainClient(5 * time.Second)
	ids := someIDs(t, s, 20)
	resp, err := c.Get(hs.URL + fetchQuery + ids)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	// With Content-Length: the client knows the body is short.
	resp, err = c.Get(hs.URL + fetchQuery + ids)
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ContentLength != int64(len(whole)) || !errors.Is(err, io.ErrUnexpectedEOF) || len(part) >= len(whole) || len(part) == 0 {
		t.Errorf("truncate: Content-Length %d, read %d of %d bytes, err %v; want the whole length declared, fewer bytes, ErrUnexpectedEOF",
			resp.ContentLength, len(part), len(whole), err)
	}
	if !bytes.HasPrefix(whole, part) {
		t.Errorf("truncate: the bytes sent are not a prefix of the real body")
	}

	// Without Content-Length: HTTP looks fine, the XML stops inside a record.
	resp, err = c.Get(hs.URL + fetchQuery + ids)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.ContentLength != -1 || resp.StatusCode != 200 || len(cut) >= len(whole) || !bytes.HasPrefix(whole, cut) {
		t.Fatalf("cut: status %d, Content-Length %d, %d of %d bytes, err %v; want a clean 200 that ends early",
			resp.StatusCode, resp.ContentLength, len(cut), len(whole), err)
	}
	if items, err := decodeBytes(cut); err == nil || len(items) >= 20 {
		t.Errorf("cut body decoded to %d records without error; want a decoding error", len(items))
	}
	if got := s.Requests(); got[1].Fault != FaultTruncate || got[2].Fault != FaultCut || got[2].Bytes != len(cut) {
		t.Errorf("request log = %+v", got[1:])
	}
}

func TestFaults_ErrorInside200(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{"", FaultErrorIn200, FaultErrorIn200, FaultErrorIn200}}})
	r := esearch(t, hs.URL, url.Values{"term": {"human"}, "usehistory": {"y"}})
	if r.Error != "" || r.WebEnv == "" {
		t.Fatalf("first search: %+v", r)
	}
	if r := esearch(t, hs.URL, url.Values{"term": {"human"}}); !strings.HasPrefix(r.Error, "Search Backend failed") {
		t.Errorf("esearch ERROR = %q, want a Search Backend failure", r.Error)
	}
	resp, body := get(t, hs.URL, "efetch", url.Values{"WebEnv": {r.WebEnv}, "query_key": {"1"}, "retmax": {"5"}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ERROR>Unable to obtain query #1</ERROR>") {
		t.Errorf("efetch: %d %s", resp.StatusCode, body)
	}
	_, body = get(t, hs.URL, "efetch", url.Values{"id": {someIDs(t, s, 2)}})
	if !strings.Contains(string(body), "<eFetchResult>") || !strings.Contains(string(body), "<ERROR>") {
		t.Errorf("efetch by id: %s", body)
	}
}

func TestFaults_SlowHonoursTheClientDeadline(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Script: []Fault{FaultSlow, FaultSlow}, SlowDelay: 300 * time.Millisecond}})
	start := time.Now()
	if _, err := plainClient(5 * time.Second).Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("slow answer took %v, want at least 300ms", d)
	}
	_, err := plainClient(50 * time.Millisecond).Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human")
	if err == nil {
		t.Fatal("a 50ms client got a 300ms answer")
	}
	// The handler stops when the client leaves, well before the delay ends.
	deadline := time.Now().Add(250 * time.Millisecond)
	for {
		log := s.Requests()
		if log[1].Duration > 0 {
			if log[1].Status != 0 || log[1].Fault != FaultSlow {
				t.Errorf("abandoned slow request logged as %+v", log[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow handler kept running after its client left")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaults_SeededDrawsReplayAndFollowRates(t *testing.T) {
	mix := Faults{Rate429: 0.1, Rate500: 0.1, Rate502: 0.05, Rate503: 0.05, RateErrorIn200: 0.2}
	run := func(seed uint64) []Fault {
		s, hs := smallServer(t, Config{Seed: seed, Faults: mix})
		c := plainClient(5 * time.Second)
		for range 200 {
			resp, err := c.Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human&retmax=1")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		var out []Fault
		for _, r := range s.Requests() {
			out = append(out, r.Fault)
		}
		return out
	}
	a, b, other := run(42), run(42), run(43)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave different faults")
	}
	if slices.Equal(a, other) {
		t.Errorf("different seeds gave the same faults")
	}
	count := map[Fault]int{}
	for _, f := range a {
		count[f]++
	}
	// 200 draws: expected 20/20/10/10/40/100; allow wide binomial slack.
	if count[""] < 70 || count[""] > 130 || count[FaultErrorIn200] < 20 || count[FaultErrorIn200] > 60 || count[Fault429] < 7 || count[Fault429] > 35 {
		t.Errorf("fault counts %v do not follow the rates", count)
	}
}

func TestFaults_EndpointFilterAndSetFaults(t *testing.T) {
	s, hs := smallServer(t, Config{Faults: Faults{Rate503: 1, Endpoint: "efetch"}})
	c := plainClient(5 * time.Second)
	status := func(path string) int {
		resp, err := c.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	ids := someIDs(t, s, 2)
	if got := status("/entrez/eutils/esearch.fcgi?term=human"); got != 200 {
		t.Errorf("esearch with efetch-only faults: %d", got)
	}
	if got := status(fetchQuery + ids); got != 503 {
		t.Errorf("efetch with Rate503 1: %d", got)
	}
	s.SetFaults(Faults{})
	if got := status(fetchQuery + ids); got != 200 {
		t.Errorf("efetch after SetFaults(off): %d", got)
	}
	if got := status("/entrez/eutils/einfo.fcgi"); got != 404 {
		t.Errorf("unknown endpoint: %d, want 404", got)
	}
}

func TestFaults_RateCheckRefusesBurstsLikeNCBI(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s, hs := smallServer(t, Config{Now: func() time.Time { return now }, Faults: Faults{EnforceRate: true}})
	c := plainClient(5 * time.Second)
	status := func(key string) int {
		resp, err := c.Get(hs.URL + "/entrez/eutils/esearch.fcgi?term=human&retmax=0&api_key=" + key)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 3 {
		if got := status(""); got != 200 {
			t.Fatalf("request %d of 3 in one second: %d", i+1, got)
		}
	}
	if got := status(""); got != 429 {
		t.Errorf("4th request in one second without a key: %d, want 429", got)
	}
	for i := range 10 {
		if got := status("k"); got != 200 {
			t.Fatalf("request %d of 10 with a key: %d", i+1, got)
		}
	}
	if got := status("k"); got != 429 {
		t.Errorf("11th request in one second with a key: %d, want 429", got)
	}
	now = now.Add(1001 * time.Millisecond)
	if got := status(""); got != 200 {
		t.Errorf("a second later: %d, want 200", got)
	}
	var refused int
	for _, r := range s.Requests() {
		if r.Fault == FaultRateLimit {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d requests logged as ratelimit, want 2", refused)
	}
}

func TestRequests_RecordTimeEndpointParamsAndOutcome(t *testing.T) {
	at := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	var observed []Request
	s, hs := smallServer(t, Config{Now: func() time.Time { return at }, Faults: Faults{Script: []Fault{"", Fault503}},
		Observe: func(r Request) { observed = append(observed, r) }})
	get(t, hs.URL, "esearch", url.Values{"db": {"pubmed"}, "term": {"human"}, "tool": {"villi"}, "email": {"x@example.org"}})
	resp, err := http.PostForm(hs.URL+"/entrez/eutils/efetch.fcgi", url.Values{"db": {"pubmed"}, "id": {"1,2"}, "api_key": {"secret"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("%d requests logged, want 2", len(log))
	}
	e, f := log[0], log[1]
	if !e.Time.Equal(at) || e.Endpoint != "esearch" || e.Method != "GET" || e.Status != 200 || e.Fault != "" ||
		e.Params.Get("tool") != "villi" || e.Params.Get("email") != "x@example.org" || e.Client != "127.0.0.1" || e.Bytes == 0 {
		t.Errorf("esearch logged as %+v", e)
	}
	if f.Endpoint != "efetch" || f.Method != "POST" || f.Status != 503 || f.Fault != Fault503 ||
		f.Params.Get("id") != "1,2" || f.Client != "secret" {
		t.Errorf("POSTed efetch logged as %+v (POST form must be in Params)", f)
	}
	if len(observed) != 2 || observed[1].Status != 503 {
		t.Errorf("Observe saw %+v", observed)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Errorf("ResetRequests left entries")
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("429=0.05, 500=0.1,502=0.01,503=0.02,reset=0.03,truncate=0.04,error200=0.06,slow=0.07")
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{Rate429: 0.05, Rate500: 0.1, Rate502: 0.01, Rate503: 0.02, RateReset: 0.03, RateTruncate: 0.04, RateErrorIn200: 0.06, RateSlow: 0.07}
	if f.Rate429 != want.Rate429 || f.Rate500 != want.Rate500 || f.Rate502 != want.Rate502 || f.Rate503 != want.Rate503 ||
		f.RateReset != want.RateReset || f.RateTruncate != want.RateTruncate || f.RateErrorIn200 != want.RateErrorIn200 || f.RateSlow != want.RateSlow {
		t.Errorf("ParseFaults = %+v, want %+v", f, want)
	}
	for _, bad := range []string{"429", "429=x", "429=1.5", "teapot=0.1", "500=0.6,503=0.6"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	if f, err := ParseFaults(""); err != nil || f.Rate500 != 0 {
		t.Errorf("ParseFaults(\"\") = %+v, %v", f, err)
	}
}

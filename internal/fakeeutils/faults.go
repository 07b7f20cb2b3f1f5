package fakeeutils

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault names a fault injected into one response.
type Fault string

const (
	Fault429 Fault = "429" // NCBI's rate-limit JSON body with Retry-After
	Fault500 Fault = "500"
	Fault502 Fault = "502"
	Fault503 Fault = "503"
	// FaultReset closes the connection with a TCP reset before any response byte.
	FaultReset Fault = "reset"
	// FaultResetMidBody sends the headers and part of the body, then resets.
	FaultResetMidBody Fault = "reset-midbody"
	// FaultTruncate declares the whole body's Content-Length, sends part of
	// it and closes: the client sees an unexpected EOF.
	FaultTruncate Fault = "truncate"
	// FaultCut sends no Content-Length and ends the body early by closing
	// the connection: the HTTP exchange looks complete, the XML is cut in
	// the middle of a record.
	FaultCut Fault = "cut"
	// FaultErrorIn200 answers 200 with an <ERROR> element (a JSON "ERROR"
	// for esearch retmode=json), as NCBI's backends do when they fail.
	FaultErrorIn200 Fault = "error200"
	// FaultSlow waits Faults.SlowDelay (or until the client gives up), then
	// answers normally.
	FaultSlow Fault = "slow"
	// FaultRateLimit is the rate check's 429 (Faults.EnforceRate), not a
	// random fault.
	FaultRateLimit Fault = "ratelimit"
)

// DefaultSlowDelay is the delay of FaultSlow when Faults.SlowDelay is 0.
const DefaultSlowDelay = 5 * time.Second

// Faults says which faults to inject into esearch and efetch answers. The
// rates are probabilities per request, drawn from the Config.Seed stream;
// together they should not exceed 1 (the excess is never drawn).
type Faults struct {
	Rate429, Rate500, Rate502, Rate503 float64
	RateReset                          float64 // split evenly between FaultReset and FaultResetMidBody
	RateTruncate                       float64 // split evenly between FaultTruncate and FaultCut
	RateErrorIn200, RateSlow           float64

	SlowDelay time.Duration // 0 means DefaultSlowDelay
	// RetryAfter is the Retry-After header (seconds) sent with 429: 0 means
	// 1, a negative value leaves the header out.
	RetryAfter int

	// Script gives the faults of the next requests, one each and in order,
	// before any random fault ("" for a request without one). Tests use it
	// to put a given fault on a given request.
	Script []Fault
	// Endpoint limits random faults to "esearch" or "efetch"; "" means both.
	Endpoint string
	// EnforceRate answers 429 (FaultRateLimit) when a client (its api_key,
	// else its IP) has sent more than 3 requests within the last second, or
	// more than 10 with an api_key, as NCBI does. Every request counts,
	// answered or refused.
	EnforceRate bool
}

// SetFaults replaces the fault configuration, e.g. to switch faults off
// once a test has seen them. A new Script starts from its first entry.
func (s *Server) SetFaults(f Faults) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f.Script = append([]Fault(nil), f.Script...)
	s.faults = f
	s.script = f.Script
}

// ParseFaults reads a fault list such as "429=0.05,500=0.05,reset=0.02":
// keys 429, 500, 502, 503, reset, truncate, error200 (or error) and slow,
// each with a probability.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want NAME=PROBABILITY", item)
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || p < 0 || p > 1 {
			return f, fmt.Errorf("fault %q: probability must be a number from 0 to 1", item)
		}
		var dst *float64
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "429":
			dst = &f.Rate429
		case "500":
			dst = &f.Rate500
		case "502":
			dst = &f.Rate502
		case "503":
			dst = &f.Rate503
		case "reset":
			dst = &f.RateReset
		case "truncate":
			dst = &f.RateTruncate
		case "error200", "error":
			dst = &f.RateErrorIn200
		case "slow":
			dst = &f.RateSlow
		default:
			return f, fmt.Errorf("fault %q: unknown name (want 429, 500, 502, 503, reset, truncate, error200 or slow)", item)
		}
		*dst = p
	}
	if sum := f.Rate429 + f.Rate500 + f.Rate502 + f.Rate503 + f.RateReset + f.RateTruncate + f.RateErrorIn200 + f.RateSlow; sum > 1 {
		return f, fmt.Errorf("fault probabilities add up to %.3g, more than 1", sum)
	}
	return f, nil
}

// pick is the fault chosen for one request, with the settings it needs,
// taken under one lock so a concurrent SetFaults cannot mix two configs.
type pick struct {
	fault      Fault
	count      int // the client's requests within the last second, this one included
	limit      int // NCBI's limit for the client: 3, or 10 with an api_key
	retryAfter int
	slow       time.Duration
}

func (s *Server) pickFault(ep, client string, hasKey bool, now time.Time) pick {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults
	p := pick{limit: 3, retryAfter: f.RetryAfter, slow: f.SlowDelay}
	if hasKey {
		p.limit = 10
	}
	times := s.recent[client]
	i := 0
	for i < len(times) && !times[i].After(now.Add(-time.Second)) {
		i++
	}
	times = append(times[i:], now)
	s.recent[client] = times
	p.count = len(times)
	if f.EnforceRate && p.count > p.limit {
		p.fault = FaultRateLimit
		return p
	}
	if len(s.script) > 0 {
		p.fault, s.script = s.script[0], s.script[1:]
		return p
	}
	u := s.rng.Float64() // drawn for every request, so a seed replays exactly
	if f.Endpoint != "" && f.Endpoint != ep {
		return p
	}
	for _, c := range []struct {
		rate float64
		a, b Fault
	}{
		{f.Rate429, Fault429, Fault429},
		{f.Rate500, Fault500, Fault500},
		{f.Rate502, Fault502, Fault502},
		{f.Rate503, Fault503, Fault503},
		{f.RateReset, FaultReset, FaultResetMidBody},
		{f.RateTruncate, FaultTruncate, FaultCut},
		{f.RateErrorIn200, FaultErrorIn200, FaultErrorIn200},
		{f.RateSlow, FaultSlow, FaultSlow},
	} {
		if u < c.rate {
			p.fault = c.a
			if u >= c.rate/2 {
				p.fault = c.b
			}
			return p
		}
		u -= c.rate
	}
	return p
}

// cutPoint picks where a truncated body stops: somewhere in its middle
// half, so an efetch body is cut inside a record.
func (s *Server) cutPoint(n int) int {
	if n < 2 {
		return 0
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return max(1, n/4+s.rng.IntN(n/2+1))
}

// tooMany is NCBI's 429. The body's "count" is the client's requests in
// the last second, at least limit+1 so that a random 429 reads like a real one.
func tooMany(client string, p pick) response {
	body := fmt.Sprintf(`{"error":"API rate limit exceeded","api-key":%s,"count":"%d","limit":"%d"}`+"\n",
		strconv.Quote(client), max(p.count, p.limit+1), p.limit)
	res := response{status: http.StatusTooManyRequests, contentType: "application/json", body: []byte(body)}
	if p.retryAfter >= 0 {
		res.header = http.Header{"Retry-After": {strconv.Itoa(max(1, p.retryAfter))}}
	}
	return res
}

func serverError(f Fault) response {
	code, _ := strconv.Atoi(string(f))
	text := http.StatusText(code)
	msg := map[int]string{
		500: "The server encountered an internal error or misconfiguration and was unable to complete your request.",
		502: "The proxy server received an invalid response from an upstream server.",
		503: "The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.",
	}[code]
	body := fmt.Sprintf("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n<p>%s</p>\n</body></html>\n",
		code, text, text, msg)
	return response{status: code, contentType: "text/html; charset=iso-8859-1", body: []byte(body)}
}

// backendFailed is a transient error NCBI's esearch really returns in a 200.
const backendFailed = "Search Backend failed: Unable to open connection to #PMQuerySrv?dbaf=pubmed"

func errorIn200(ep string, p map[string][]string) response {
	if ep == "esearch" {
		return esearchError(p, backendFailed)
	}
	key := 1
	if v := first(p, "query_key"); v != "" {
		key, _ = strconv.Atoi(v)
	}
	if first(p, "WebEnv") != "" {
		// NCBI's history server answers this intermittently for live WebEnvs.
		return efetchError(fmt.Sprintf("Unable to obtain query #%d", key))
	}
	return efetchError(backendFailed)
}

func first(p map[string][]string, k string) string {
	if v := p[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// sleep waits d, or until the client goes away; it reports whether the
// whole delay passed.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		d = DefaultSlowDelay
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// delivery writes a response, whole or mangled. It calls commit with the
// status and the body bytes it is about to send just before sending them.
type delivery struct {
	w      http.ResponseWriter
	commit func(status, n int)
}

func (d delivery) send(res response) {
	h := d.w.Header()
	for k, v := range res.header {
		h[k] = v
	}
	h.Set("Content-Type", res.contentType)
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	d.commit(res.status, len(res.body))
	d.w.WriteHeader(res.status)
	d.w.Write(res.body)
}

// errNoHijack: the connection cannot be taken over (HTTP/2, or a recorder).
var errNoHijack = errors.New("fakeeutils: connection cannot be hijacked")

// raw takes the connection over and writes a response head by hand, so the
// body can lie about its length or stop short.
func (d delivery) raw(res response, withLength bool) (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := d.w.(http.Hijacker)
	if !ok {
		return nil, nil, errNoHijack
	}
	conn, bw, err := hj.Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errNoHijack, err)
	}
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", res.status, http.StatusText(res.status))
	fmt.Fprintf(bw, "Content-Type: %s\r\n", res.contentType)
	fmt.Fprintf(bw, "Date: %s\r\n", time.Now().UTC().Format(http.TimeFormat))
	if withLength {
		fmt.Fprintf(bw, "Content-Length: %d\r\n", len(res.body))
	}
	bw.WriteString("Connection: close\r\n\r\n")
	return conn, bw, nil
}

// truncate sends the first cut bytes of the body and closes the connection.
func (d delivery) truncate(res response, cut int, withLength bool) {
	conn, bw, err := d.raw(res, withLength)
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the stream: still a broken body
	}
	defer conn.Close()
	d.commit(res.status, cut)
	bw.Write(res.body[:cut])
	bw.Flush()
}

// reset closes the connection with SO_LINGER 0, so the client gets a TCP
// RST: before any byte when res is nil, else after the head and half the body.
func (d delivery) reset(res *response) {
	hj, ok := d.w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	var conn net.Conn
	if res == nil {
		c, _, err := hj.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		conn = c
		d.commit(0, 0)
	} else {
		c, bw, err := d.raw(*res, true)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		conn = c
		half := res.body[:len(res.body)/2]
		d.commit(res.status, len(half))
		bw.Write(half)
		bw.Flush()
	}
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

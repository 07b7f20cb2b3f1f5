package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/time/rate"
)

// ErrUnreachable is wrapped by the error of a call that could not connect
// to the E-utilities server at all (DNS, refused or unreachable network).
var ErrUnreachable = errors.New("cannot reach the PubMed E-utilities server")

// rateMargin widens the spacing between requests so that scheduling and
// network jitter never put more than the limit into one second at NCBI's end.
const rateMargin = 1.1

// client makes E-utilities calls: one colly collector, one pacer (and so
// one limiter) for every request, retries with backoff.
type client struct {
	cfg  Config
	base *colly.Collector
	pace *pacer
	log  *slog.Logger

	requests atomic.Int64
	retries  atomic.Int64
}

func newClient(cfg Config) *client {
	c := colly.NewCollector(
		colly.AllowURLRevisit(),
		colly.ParseHTTPErrorResponse(),
		colly.MaxBodySize(MaxBodySize),
		colly.IgnoreRobotsTxt(),
		colly.UserAgent("villi (+https://www.ncbi.nlm.nih.gov/books/NBK25497/; tool="+cfg.Tool+")"),
	)
	c.SetRequestTimeout(cfg.Timeout)
	c.DisableCookies()
	return &client{cfg: cfg, base: c, pace: newPacer(cfg.Rate), log: cfg.Logger}
}

// pacer keeps every E-utilities request within NCBI's limit as NCBI counts
// it: by when each request reaches NCBI, which the client cannot see. Two
// rules together make that safe:
//   - one rate.Limiter, burst 1, spaces sends at least 1/limit (plus a
//     margin) apart, so requests go out evenly;
//   - a request is not sent until a second has passed since the request
//     `limit` places before it was answered. NCBI saw that one before its
//     answer left, and sees this one after it is sent, so no second at
//     NCBI's end can hold more than `limit` — however late a slow network
//     or a busy machine delivers a request.
//
// Requests go one at a time: the pacer holds a lock from acquire to release.
type pacer struct {
	mu      sync.Mutex
	limiter *rate.Limiter
	window  int         // requests allowed in any one second
	ends    []time.Time // when the last `window` requests were answered, oldest first
}

func newPacer(perSecond float64) *pacer {
	gap := time.Duration(float64(time.Second) / perSecond * rateMargin)
	return &pacer{
		limiter: rate.NewLimiter(rate.Every(gap), 1),
		window:  max(1, int(perSecond)),
	}
}

// acquire waits until a request may be sent, and holds the pacer until release.
func (p *pacer) acquire(ctx context.Context) error {
	p.mu.Lock()
	if len(p.ends) == p.window {
		if wait := time.Until(p.ends[0].Add(time.Second)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				p.mu.Unlock()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	if err := p.limiter.Wait(ctx); err != nil {
		p.mu.Unlock()
		return err
	}
	return nil
}

// release records that the request was answered (or failed) now.
func (p *pacer) release() {
	if len(p.ends) == p.window {
		p.ends = p.ends[1:]
	}
	p.ends = append(p.ends, time.Now())
	p.mu.Unlock()
}

// call is one E-utilities request to make and check.
type call struct {
	what     string // names the query and window, for errors and logs
	endpoint string // "esearch.fcgi" or "efetch.fcgi"
	params   url.Values
	// tally, when set, counts this call's requests and retries too: a
	// fetch runs beside a crawl on the same client, whose totals mix both.
	tally *tally
}

// tally counts the requests and retries of the calls that carry it.
type tally struct {
	requests, retries atomic.Int64
}

// statusError is an HTTP 429 or 5xx answer: PubMed's servers refusing or
// failing, as opposed to a connection that could not be made.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// unreadableError is an answer that came whole over HTTP but could not be
// read: cut XML, garbage, a record the decoder refuses.
type unreadableError struct{ err error }

func (e *unreadableError) Error() string { return e.err.Error() }
func (e *unreadableError) Unwrap() error { return e.err }

// retryable marks a failure worth another try, with the wait the server asked for.
type retryable struct {
	err        error
	retryAfter time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func retry(format string, args ...any) error {
	return &retryable{err: fmt.Errorf(format, args...)}
}

// do makes the call until check accepts the body, retrying what can be
// retried up to MaxRetries times. check returns a *retryable error for a
// body worth asking again for (an <ERROR> inside a 200, a cut body), any
// other error to fail at once.
func (c *client) do(ctx context.Context, k call, check func(body []byte) error) error {
	p := url.Values{}
	for key, v := range k.params {
		p[key] = v
	}
	p.Set("tool", c.cfg.Tool)
	if c.cfg.Email != "" {
		p.Set("email", c.cfg.Email)
	}
	if c.cfg.APIKey != "" {
		p.Set("api_key", c.cfg.APIKey)
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, k, p, check)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var r *retryable
		if !errors.As(err, &r) {
			return fmt.Errorf("%s: %w", k.what, err)
		}
		if attempt >= c.cfg.MaxRetries {
			err = fmt.Errorf("%s: failed after %d attempts: %w", k.what, attempt+1, r.err)
			if unreachable(r.err) {
				err = fmt.Errorf("%w: %w", ErrUnreachable, err)
			}
			return err
		}
		wait := c.backoff(attempt)
		if r.retryAfter > wait {
			wait = r.retryAfter
		}
		c.retries.Add(1)
		if k.tally != nil {
			k.tally.retries.Add(1)
		}
		c.log.Info("e-utilities request failed; retrying", "call", k.what, "attempt", attempt+1, "wait", wait.Round(time.Millisecond), "error", r.err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the wait before retry attempt+1: exponential, capped, with
// "equal jitter" (between half and all of the step) so clients that failed
// together do not retry together.
func (c *client) backoff(attempt int) time.Duration {
	step := c.cfg.RetryBase << min(attempt, 30)
	if step > c.cfg.RetryMax || step <= 0 {
		step = c.cfg.RetryMax
	}
	return step/2 + rand.N(step/2+1)
}

// once makes one request through the limiter and classifies its outcome.
func (c *client) once(ctx context.Context, k call, p url.Values, check func([]byte) error) error {
	if err := c.pace.acquire(ctx); err != nil {
		return err
	}
	defer c.pace.release()
	c.requests.Add(1)
	if k.tally != nil {
		k.tally.requests.Add(1)
	}
	col := c.base.Clone()
	col.Context = ctx
	var resp *colly.Response
	col.OnResponse(func(r *colly.Response) { resp = r })
	// Every call is a POST: net/http silently re-sends a GET whose reused
	// connection was reset, and that second request would bypass the
	// limiter and the retry count. E-utilities take POST for all calls.
	err := col.Request(http.MethodPost, c.cfg.BaseURL+k.endpoint, strings.NewReader(p.Encode()), nil, nil)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Transport failures (resets, timeouts, cut bodies, refused
		// connections) are all worth another try. The request URL, which
		// carries the API key, is dropped from the error.
		return &retryable{err: redact(err, k.endpoint)}
	}
	if resp == nil {
		return retry("%s: no response", k.endpoint)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return &retryable{err: &statusError{code: s, msg: fmt.Sprintf("%s: HTTP 429 (rate limit): %s", k.endpoint, clip(resp.Body))},
			retryAfter: retryAfter(resp.Headers)}
	case s >= 500:
		return &retryable{err: &statusError{code: s, msg: fmt.Sprintf("%s: HTTP %d", k.endpoint, s)}, retryAfter: retryAfter(resp.Headers)}
	case s != http.StatusOK:
		return fmt.Errorf("%s: HTTP %d: %s", k.endpoint, s, clip(resp.Body))
	}
	if len(resp.Body) >= MaxBodySize {
		return fmt.Errorf("%s: response reached the %d MiB body limit and was cut; use a smaller batch size", k.endpoint, MaxBodySize>>20)
	}
	return check(resp.Body)
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h *http.Header) time.Duration {
	if h == nil {
		return 0
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// redact replaces a *url.Error (which quotes the URL, API key and all) with
// its method, the endpoint and the cause.
func redact(err error, endpoint string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, endpoint, ue.Err)
	}
	return fmt.Errorf("%s: %w", endpoint, err)
}

// unreachable reports whether err means no connection could be made.
func unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// clip shortens a response body for an error message.
func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

package web

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Digest sign-ups per client address: each one sends a mail, so a script
// must not turn the form into a way to mail strangers. A household or an
// office behind one address still gets a few at once.
const (
	signUpBurst      = 5
	signUpEvery      = 2 * time.Minute
	signUpMaxTracked = 10_000
)

// throttle is a bounded set of token buckets keyed by client address.
// Memory stays bounded by max: buckets idle long enough to be full again are
// forgotten first (they are indistinguishable from new ones), then the
// fullest, which limits least.
type throttle struct {
	every time.Duration
	burst int
	max   int
	now   func() time.Time

	mu    sync.Mutex
	m     map[string]*ipBucket
	swept time.Time
}

type ipBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newThrottle(every time.Duration, burst, max int, now func() time.Time) *throttle {
	if now == nil {
		now = time.Now
	}
	return &throttle{every: every, burst: burst, max: max, now: now, m: make(map[string]*ipBucket)}
}

// idle is how long a bucket takes to refill completely.
func (t *throttle) idle() time.Duration { return t.every * time.Duration(t.burst) }

// allow takes a token from key's bucket and returns 0, or refuses and
// returns how long until one is there (whole seconds, for Retry-After).
func (t *throttle) allow(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b := t.get(key, now)
	b.seen = now
	if tok := b.lim.TokensAt(now); tok < 1 {
		wait := time.Duration((1 - tok) / float64(b.lim.Limit()) * float64(time.Second))
		return (wait + time.Second - 1).Truncate(time.Second)
	}
	b.lim.AllowN(now, 1)
	return 0
}

func (t *throttle) get(key string, now time.Time) *ipBucket {
	if now.Sub(t.swept) >= t.idle() {
		t.sweep(now)
	}
	if b, ok := t.m[key]; ok {
		return b
	}
	if len(t.m) >= t.max {
		t.sweep(now)
	}
	for len(t.m) >= t.max {
		var fullest string
		most := -1.0
		for k, b := range t.m {
			if tok := b.lim.TokensAt(now); tok > most {
				fullest, most = k, tok
			}
		}
		delete(t.m, fullest)
	}
	b := &ipBucket{lim: rate.NewLimiter(rate.Every(t.every), t.burst), seen: now}
	t.m[key] = b
	return b
}

func (t *throttle) sweep(now time.Time) {
	t.swept = now
	for k, b := range t.m {
		if now.Sub(b.seen) >= t.idle() {
			delete(t.m, k)
		}
	}
}

// size is how many addresses the throttle remembers (for tests).
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// remoteIP names a request's client by its connection's address, with an
// IPv6 address cut to its /64, which one client usually holds whole.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

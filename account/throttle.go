package account

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: Burst attempts at once, then one every Every.
type Limit struct {
	Every time.Duration
	Burst int
}

// idle is how long a bucket takes to refill completely: a bucket unused for
// that long is indistinguishable from a new one, so forgetting it loses
// nothing.
func (l Limit) idle() time.Duration { return l.Every * time.Duration(l.Burst) }

// buckets is a bounded set of rate limiters keyed by email or client address.
type buckets struct {
	limit Limit
	max   int
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newBuckets(l Limit, max int) *buckets {
	return &buckets{limit: l, max: max, m: make(map[string]*bucket)}
}

// get returns key's bucket, creating it. Memory stays bounded by max: idle
// buckets are forgotten first, then the fullest one, which limits least.
func (bs *buckets) get(key string, now time.Time) *bucket {
	if now.Sub(bs.swept) >= bs.limit.idle() {
		bs.sweep(now)
	}
	if b, ok := bs.m[key]; ok {
		return b
	}
	if len(bs.m) >= bs.max {
		bs.sweep(now)
	}
	for len(bs.m) >= bs.max {
		var fullest string
		most := -1.0
		for k, b := range bs.m {
			if tok := b.lim.TokensAt(now); tok > most {
				fullest, most = k, tok
			}
		}
		delete(bs.m, fullest)
	}
	b := &bucket{lim: rate.NewLimiter(rate.Every(bs.limit.Every), bs.limit.Burst), seen: now}
	bs.m[key] = b
	return b
}

func (bs *buckets) sweep(now time.Time) {
	bs.swept = now
	for k, b := range bs.m {
		if now.Sub(b.seen) >= bs.limit.idle() {
			delete(bs.m, k)
		}
	}
}

// wait is how long until b holds a whole token (0 if it does now).
func (b *bucket) wait(now time.Time) time.Duration {
	tok := b.lim.TokensAt(now)
	if tok >= 1 {
		return 0
	}
	return time.Duration((1 - tok) / float64(b.lim.Limit()) * float64(time.Second))
}

// throttle limits login attempts per email and per client address. An
// attempt takes a token from both buckets, or from neither when either is
// empty, so a refused attempt costs no bcrypt work and no token.
type throttle struct {
	mu      sync.Mutex
	byEmail *buckets
	byIP    *buckets
}

func newThrottle(email, ip Limit, max int) *throttle {
	return &throttle{byEmail: newBuckets(email, max), byIP: newBuckets(ip, max)}
}

// attempt records a login attempt and returns 0, or refuses it and returns
// how long until one would be allowed.
func (t *throttle) attempt(email, ip string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byEmail.get(email, now)
	a := t.byIP.get(ip, now)
	if wait := max(e.wait(now), a.wait(now)); wait > 0 {
		return (wait + time.Second - 1).Truncate(time.Second) // whole seconds, for Retry-After
	}
	e.lim.AllowN(now, 1)
	a.lim.AllowN(now, 1)
	e.seen, a.seen = now, now
	return 0
}

// size returns how many buckets each set holds (for tests).
func (t *throttle) size() (emails, ips int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byEmail.m), len(t.byIP.m)
}

// remoteIP is the default ClientIP: the host of the connection's address,
// with an IPv6 address cut to its /64, which one client usually holds whole.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return ipKey(host)
}

func ipKey(host string) string {
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

package account

import (
	"sync"
	"time"

	"villi/ratelimit"
)

// Limit is a token bucket: Burst attempts at once, then one every Every.
type Limit struct {
	Every time.Duration
	Burst int
}

// throttle limits login attempts per email and per client address. An
// attempt takes a token from both buckets, or from neither when either is
// empty, so a refused attempt costs no bcrypt work and no token.
type throttle struct {
	mu      sync.Mutex
	byEmail *ratelimit.Buckets
	byIP    *ratelimit.Buckets
}

func newThrottle(email, ip Limit, max int) *throttle {
	return &throttle{
		byEmail: ratelimit.NewBuckets(email.Every, email.Burst, max),
		byIP:    ratelimit.NewBuckets(ip.Every, ip.Burst, max),
	}
}

// attempt records a login attempt and returns 0, or refuses it and returns
// how long until one would be allowed (whole seconds, for Retry-After).
func (t *throttle) attempt(email, ip string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byEmail.Get(email, now)
	a := t.byIP.Get(ip, now)
	if wait := max(e.Wait(now), a.Wait(now)); wait > 0 {
		return wait
	}
	e.Take(now)
	a.Take(now)
	return 0
}

// size returns how many buckets each set holds (for tests).
func (t *throttle) size() (emails, ips int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byEmail.Len(), t.byIP.Len()
}

// Package ratelimit owns villi's per-key token buckets: how many attempts a
// key (an email, a client address) may make at once and how fast they come
// back, in memory that stays bounded however many keys arrive. account
// throttles logins with it and web throttles digest sign-ups and share links.
//
// It decides and counts; it must not sleep, log or write a response.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Buckets is a bounded set of token buckets keyed by string: burst attempts
// at once, then one every every. Memory stays bounded by max: buckets idle
// long enough to be full again are forgotten first (they are
// indistinguishable from new ones), then the fullest, which limits least.
//
// Buckets is not safe for concurrent use: its owner locks around it, so that
// an attempt may check and take from several sets as one step.
type Buckets struct {
	every time.Duration
	burst int
	max   int
	m     map[string]*Bucket
	swept time.Time
}

// Bucket is one key's token bucket.
type Bucket struct {
	lim  *rate.Limiter
	seen time.Time // when a token was last taken, or the bucket made
}

// NewBuckets returns an empty set of buckets holding burst tokens each,
// refilled one every every, remembering at most max keys.
func NewBuckets(every time.Duration, burst, max int) *Buckets {
	return &Buckets{every: every, burst: burst, max: max, m: make(map[string]*Bucket)}
}

// idle is how long a bucket takes to refill completely.
func (bs *Buckets) idle() time.Duration { return bs.every * time.Duration(bs.burst) }

// Get returns key's bucket, creating it (full) if the set does not hold it.
func (bs *Buckets) Get(key string, now time.Time) *Bucket {
	if now.Sub(bs.swept) >= bs.idle() {
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
	b := &Bucket{lim: rate.NewLimiter(rate.Every(bs.every), bs.burst), seen: now}
	bs.m[key] = b
	return b
}

func (bs *Buckets) sweep(now time.Time) {
	bs.swept = now
	for k, b := range bs.m {
		if now.Sub(b.seen) >= bs.idle() {
			delete(bs.m, k)
		}
	}
}

// Len is how many keys the set remembers.
func (bs *Buckets) Len() int { return len(bs.m) }

// Wait is how long until b holds a whole token, rounded up to whole seconds
// for Retry-After; 0 if it holds one now.
func (b *Bucket) Wait(now time.Time) time.Duration {
	tok := b.lim.TokensAt(now)
	if tok >= 1 {
		return 0
	}
	wait := time.Duration((1 - tok) / float64(b.lim.Limit()) * float64(time.Second))
	return (wait + time.Second - 1).Truncate(time.Second)
}

// Take takes a token from b (check Wait first: taking from an empty bucket
// takes nothing).
func (b *Bucket) Take(now time.Time) {
	b.lim.AllowN(now, 1)
	b.seen = now
}

// Limiter is one set of buckets, safe for concurrent use, where each allowed
// attempt takes a token from its key's bucket.
type Limiter struct {
	mu      sync.Mutex
	buckets *Buckets
}

// New returns a Limiter allowing each key burst attempts at once, then one
// every every, and remembering at most max keys.
func New(every time.Duration, burst, max int) *Limiter {
	return &Limiter{buckets: NewBuckets(every, burst, max)}
}

// Allow takes a token from key's bucket and returns 0, or refuses, taking
// nothing, and returns how long until a token is there (whole seconds, for
// Retry-After).
func (l *Limiter) Allow(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets.Get(key, now)
	if wait := b.Wait(now); wait > 0 {
		return wait
	}
	b.Take(now)
	return 0
}

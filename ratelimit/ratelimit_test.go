package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestLimiter_RefillsAndStaysBounded(t *testing.T) {
	l := New(time.Minute, 2, 3)
	now := start
	// Waits are rounded up to whole seconds; float arithmetic may add one.
	steps := []struct {
		key     string
		advance time.Duration
		want    time.Duration
	}{
		{"a", 0, 0},
		{"a", 0, 0},
		{"a", 0, time.Minute}, // empty: a whole minute to wait
		{"a", 20 * time.Second, 40 * time.Second}, // refilling
		{"a", 41 * time.Second, 0},                // one token back
		{"b", 0, 0},                               // another key has its own bucket
		{"a", 0, 59 * time.Second},                // a is empty again (it refilled a second)
		{"c", 0, 0},
		{"d", 0, 0},                // a fourth key evicts the fullest (b or c), never the empty a
		{"a", 0, 59 * time.Second}, // so a is still held back
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		got := l.Allow(s.key, now)
		if got < s.want || got > s.want+time.Second || (s.want == 0) != (got == 0) {
			t.Errorf("step %d (%s): wait %v, want %v", i, s.key, got, s.want)
		}
		if n := l.buckets.Len(); n > 3 {
			t.Fatalf("step %d: %d buckets kept, want at most 3", i, n)
		}
	}
	// Buckets idle long enough to be full are forgotten.
	l.Allow("e", now.Add(3*time.Minute))
	if n := l.buckets.Len(); n != 1 {
		t.Errorf("after a long pause %d buckets kept, want 1", n)
	}
}

func TestBuckets_KeepALimitedKeyWhileOthersComeAndGo(t *testing.T) {
	bs := NewBuckets(time.Minute, 3, 50)
	target := bs.Get("target", start)
	for range 3 {
		target.Take(start)
	}
	later := start.Add(30 * time.Second)
	for i := range 1000 {
		bs.Get(fmt.Sprintf("other%d", i), later).Take(later)
		if n := bs.Len(); n > 50 {
			t.Fatalf("after %d other keys: %d buckets, want ≤ 50", i+1, n)
		}
	}
	if got := bs.Get("target", later); got != target {
		t.Fatal("the emptied bucket was evicted before full ones")
	}
	if w := target.Wait(later); w != 30*time.Second {
		t.Errorf("target's wait = %v, want 30s", w)
	}
	// Once every bucket has refilled, all but the one asked for are forgotten.
	bs.Get("new", later.Add(3*time.Minute))
	if n := bs.Len(); n != 1 {
		t.Errorf("after every bucket refilled: %d buckets, want 1", n)
	}
}

func TestBucket_WaitAndTake(t *testing.T) {
	b := NewBuckets(10*time.Second, 1, 10).Get("k", start)
	if w := b.Wait(start); w != 0 {
		t.Fatalf("full bucket: wait %v, want 0", w)
	}
	b.Take(start)
	tests := []struct {
		after time.Duration
		want  time.Duration
	}{
		{0, 10 * time.Second},
		{2500 * time.Millisecond, 8 * time.Second}, // 7.5 s rounds up
		{9 * time.Second, time.Second},
		{10 * time.Second, 0},
	}
	for _, tt := range tests {
		if got := b.Wait(start.Add(tt.after)); got != tt.want {
			t.Errorf("%v after the take: wait %v, want %v", tt.after, got, tt.want)
		}
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:51234", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::/64"},
		{"[2001:db8::ffff:1]:443", "2001:db8::/64"}, // same /64, same client
		{"[2001:db8:0:1::1]:443", "2001:db8:0:1::/64"},
		{"[::ffff:192.0.2.9]:80", "192.0.2.9"}, // IPv4-mapped counts as IPv4
		{"192.0.2.1", "192.0.2.1"},             // no port
		{"@unix", "@unix"},                     // not an address: kept as is
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := ClientKey(r); got != tt.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

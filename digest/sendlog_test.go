package digest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"villi/store"
)

// The send-log's clock in these tests: an entry seeded at started and last
// updated at earlier; every transition runs at now.
var (
	slSince   = time.Date(2026, 2, 23, 8, 0, 0, 0, time.UTC)
	slUntil   = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	slStarted = time.Date(2026, 3, 2, 8, 1, 0, 0, time.UTC)
	slEarlier = time.Date(2026, 3, 2, 8, 2, 0, 0, time.UTC)
	slNow     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

const (
	slWeek = "2026-W10"
	slMsg  = "digest.2026-W10.1.0123456789ab@villi.example.org"
)

// sendLogFixture is a store holding one subscription per case.
type sendLogFixture struct {
	t  *testing.T
	st *store.Store
	n  int
}

func newSendLogFixture(t *testing.T) *sendLogFixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &sendLogFixture{t: t, st: st}
}

// sub stores a confirmed subscription whose digests reach up to lastSent,
// and, unless from is "none", its entry for slWeek in state from: two
// attempts, an earlier error, three items, the window (slSince, slUntil].
func (f *sendLogFixture) sub(from store.SendState, lastSent time.Time) (*sendLog, store.SendEntry) {
	f.t.Helper()
	f.n++
	sub := store.Subscription{Email: fmt.Sprintf("s%d@example.org", f.n), Confirmed: true,
		Created: slSince, ConfirmedAt: slSince, LastSent: lastSent, Told: []string{"old"}}
	if err := f.st.PutSubscription(&sub); err != nil {
		f.t.Fatal(err)
	}
	seed := store.SendEntry{Subscription: sub.ID, Week: slWeek, State: from, Attempts: 2,
		LastError: "earlier error", MessageID: slMsg, Since: slSince, Until: slUntil, Items: 3,
		Started: slStarted, Updated: slEarlier}
	switch from {
	case "":
		seed = store.SendEntry{}
	case store.SendSent:
		seed.Sent, seed.LastError = slEarlier, ""
	case store.SendSuperseded:
		seed.SupersededBy = "2026-W11"
	}
	if from != "" {
		if _, err := f.st.UpdateSend(sub.ID, slWeek, func(e *store.SendEntry, _ *store.Subscription) error {
			*e = seed
			return nil
		}); err != nil {
			f.t.Fatal(err)
		}
	}
	return &sendLog{st: f.st, clock: func() time.Time { return slNow }, sub: sub.ID, week: slWeek,
		messageID: slMsg, since: slSince, until: slUntil}, seed
}

// entry is what the store holds for l's week; ok is false when it holds
// none.
func (f *sendLogFixture) entry(l *sendLog) (e store.SendEntry, ok bool) {
	f.t.Helper()
	e, err := f.st.SendEntry(l.sub, l.week)
	if errors.Is(err, store.ErrNotFound) {
		return e, false
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return e, true
}

func sameEntry(a, b store.SendEntry) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

var allStates = []store.SendState{"", store.SendSending, store.SendCommitting, store.SendSent,
	store.SendFailed, store.SendUncertain, store.SendSkipped, store.SendSuperseded}

// Every transition from every state: which are allowed, and what the entry
// and the subscription look like after; every other one is refused with an
// error naming both states and writes nothing.
func TestSendLog_TransitionsFromEveryState(t *testing.T) {
	f := newSendLogFixture(t)
	// fresh is the entry a transition from none starts from: the window, the
	// Message-ID and the start are recorded, nothing else.
	fresh := func(id uint64) store.SendEntry {
		return store.SendEntry{Subscription: id, Week: slWeek, MessageID: slMsg, Since: slSince, Until: slUntil, Started: slNow}
	}
	told := []string{"flag-1"}
	for _, c := range []struct {
		name string
		to   store.SendState
		from []store.SendState // the states it may leave
		// covered: the subscription's LastSent is already at the end of
		// the window (a later digest covered it).
		covered bool
		do      func(l *sendLog) (store.SendEntry, error)
		// want is the entry after the transition from before (whose
		// Subscription is set even from none).
		want func(before store.SendEntry) store.SendEntry
		// moves: the subscription's LastSent moves to the end of the
		// window; tells: its Told becomes told.
		moves, tells bool
		busy         bool // a refusal also means errBusy
	}{
		{
			name: "claim", to: store.SendSending, from: []store.SendState{"", store.SendFailed}, busy: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.claim(7, false) },
			want: func(b store.SendEntry) store.SendEntry {
				if b.State == "" {
					b = fresh(b.Subscription)
				}
				b.State, b.Attempts, b.Items, b.Updated = store.SendSending, b.Attempts+1, 7, slNow
				return b
			},
		},
		{
			name: "claim with --resend-uncertain", to: store.SendSending, from: []store.SendState{"", store.SendFailed, store.SendUncertain}, busy: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.claim(7, true) },
			want: func(b store.SendEntry) store.SendEntry {
				if b.State == "" {
					b = fresh(b.Subscription)
				}
				b.State, b.Attempts, b.Items, b.Updated = store.SendSending, b.Attempts+1, 7, slNow
				return b
			},
		},
		{
			name: "commit", to: store.SendCommitting, from: []store.SendState{store.SendSending},
			do: func(l *sendLog) (store.SendEntry, error) { return l.commit() },
			want: func(b store.SendEntry) store.SendEntry {
				b.State, b.Updated = store.SendCommitting, slNow
				return b
			},
		},
		{
			name: "sent", to: store.SendSent, from: []store.SendState{store.SendCommitting}, moves: true, tells: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.sent(told) },
			want: func(b store.SendEntry) store.SendEntry {
				b.State, b.Sent, b.Updated, b.LastError = store.SendSent, slNow, slNow, ""
				return b
			},
		},
		{
			name: "fail", to: store.SendFailed, from: []store.SendState{"", store.SendSending, store.SendCommitting, store.SendFailed},
			do: func(l *sendLog) (store.SendEntry, error) { return l.fail("451 try later") },
			want: func(b store.SendEntry) store.SendEntry {
				if b.State == "" {
					b = fresh(b.Subscription)
				}
				b.State, b.LastError, b.Updated = store.SendFailed, "451 try later", slNow
				return b
			},
		},
		{
			name: "uncertain", to: store.SendUncertain, from: []store.SendState{store.SendCommitting},
			do: func(l *sendLog) (store.SendEntry, error) { return l.uncertain("no reply") },
			want: func(b store.SendEntry) store.SendEntry {
				b.State, b.LastError, b.Updated = store.SendUncertain, "no reply", slNow
				return b
			},
		},
		{
			name: "skip", to: store.SendSkipped, from: []store.SendState{"", store.SendFailed}, moves: true, busy: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.skip(0, false) },
			want: func(b store.SendEntry) store.SendEntry {
				if b.State == "" {
					b = fresh(b.Subscription)
				}
				b.State, b.Items, b.Updated = store.SendSkipped, 0, slNow
				return b
			},
		},
		{
			name: "skip with --resend-uncertain", to: store.SendSkipped, from: []store.SendState{"", store.SendFailed, store.SendUncertain}, moves: true, busy: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.skip(0, true) },
			want: func(b store.SendEntry) store.SendEntry {
				if b.State == "" {
					b = fresh(b.Subscription)
				}
				b.State, b.Items, b.Updated = store.SendSkipped, 0, slNow
				return b
			},
		},
		{
			name: "supersede", to: store.SendSuperseded, from: []store.SendState{store.SendFailed, store.SendUncertain}, covered: true,
			do: func(l *sendLog) (store.SendEntry, error) { return l.supersede("2026-W11") },
			want: func(b store.SendEntry) store.SendEntry {
				b.State, b.SupersededBy, b.Updated = store.SendSuperseded, "2026-W11", slNow
				return b
			},
		},
	} {
		for _, from := range allStates {
			t.Run(c.name+"/from "+stateName(from), func(t *testing.T) {
				lastSent := slSince
				if c.covered {
					lastSent = slUntil
				}
				l, before := f.sub(from, lastSent)
				got, err := c.do(l)
				stored, ok := f.entry(l)
				sub, serr := f.st.Subscription(l.sub)
				if serr != nil {
					t.Fatal(serr)
				}
				if !slices.Contains(c.from, from) {
					var te *transitionError
					if !errors.As(err, &te) || te.from != from || te.to != c.to {
						t.Fatalf("err = %v, want a transitionError from %s to %s", err, stateName(from), c.to)
					}
					if msg := err.Error(); !strings.Contains(msg, "from "+stateName(from)+" to "+string(c.to)) {
						t.Errorf("error %q does not name both states", msg)
					}
					if errors.Is(err, errBusy) != c.busy {
						t.Errorf("errors.Is(%v, errBusy) = %v, want %v", err, !c.busy, c.busy)
					}
					if ok != (from != "") || (ok && !sameEntry(stored, before)) {
						t.Errorf("refused, but the store holds %+v (found %v), want %+v", stored, ok, before)
					}
					if !sub.LastSent.Equal(lastSent) || !slices.Equal(sub.Told, []string{"old"}) {
						t.Errorf("refused, but the subscription moved: last sent %v, told %q", sub.LastSent, sub.Told)
					}
					return
				}
				if err != nil {
					t.Fatalf("from %s: %v", stateName(from), err)
				}
				before.Subscription, before.Week = l.sub, slWeek
				want := c.want(before)
				if !sameEntry(got, want) {
					t.Errorf("returned\n%+v\nwant\n%+v", got, want)
				}
				if !ok || !sameEntry(stored, want) {
					t.Errorf("stored\n%+v\nwant\n%+v", stored, want)
				}
				if got.MessageID != slMsg {
					t.Errorf("Message-ID %q, want the stable %q", got.MessageID, slMsg)
				}
				wantLast, wantTold := lastSent, []string{"old"}
				if c.moves {
					wantLast = slUntil
				}
				if c.tells {
					wantTold = told
				}
				if !sub.LastSent.Equal(wantLast) || !slices.Equal(sub.Told, wantTold) {
					t.Errorf("subscription: last sent %v, told %q; want %v, %q", sub.LastSent, sub.Told, wantLast, wantTold)
				}
			})
		}
	}
}

// A whole delivery, the doc's sequence: claim, commit, sent; and a crash's
// two cases read by the next run.
func TestSendLog_Sequences(t *testing.T) {
	f := newSendLogFixture(t)
	step := func(t *testing.T, e store.SendEntry, err error, want store.SendState) store.SendEntry {
		t.Helper()
		if err != nil || e.State != want {
			t.Fatalf("got %s, %v; want %s", e.State, err, want)
		}
		return e
	}
	t.Run("claim, commit, sent", func(t *testing.T) {
		l, _ := f.sub("", slSince)
		e, err := l.claim(5, false)
		step(t, e, err, store.SendSending)
		e, err = l.commit()
		step(t, e, err, store.SendCommitting)
		e, err = l.sent(nil)
		e = step(t, e, err, store.SendSent)
		if e.Attempts != 1 || e.MessageID != slMsg || !e.Sent.Equal(slNow) || e.LastError != "" {
			t.Errorf("sent entry %+v", e)
		}
		if _, err := l.claim(5, true); !errors.Is(err, errBusy) {
			t.Errorf("claim after sent: %v, want errBusy", err)
		}
	})
	t.Run("a refusal, then a retry", func(t *testing.T) {
		l, _ := f.sub("", slSince)
		for range 2 {
			e, err := l.claim(5, false)
			step(t, e, err, store.SendSending)
			e, err = l.fail("451")
			step(t, e, err, store.SendFailed)
		}
		e, err := l.claim(5, false)
		e = step(t, e, err, store.SendSending)
		if e.Attempts != 3 || e.LastError != "451" {
			t.Errorf("third claim: %d attempts, error %q; want 3 and the last error kept", e.Attempts, e.LastError)
		}
	})
	t.Run("an uncertain delivery waits for a person", func(t *testing.T) {
		l, _ := f.sub("", slSince)
		l.claim(5, false)
		l.commit()
		e, err := l.uncertain("no reply")
		step(t, e, err, store.SendUncertain)
		if _, err := l.claim(5, false); !errors.Is(err, errBusy) || !strings.Contains(err.Error(), "--resend-uncertain") {
			t.Errorf("claim of an uncertain entry without --resend-uncertain: %v", err)
		}
		e, err = l.claim(5, true)
		e = step(t, e, err, store.SendSending)
		if e.Attempts != 2 || e.MessageID != slMsg {
			t.Errorf("resend: %d attempts, Message-ID %q; want 2 and the same ID", e.Attempts, e.MessageID)
		}
	})
}

// What stops a claim, a skip or a commit besides the state: the
// subscription gone or unconfirmed, a window a later digest covered; and
// what keeps an entry from being superseded.
func TestSendLog_Guards(t *testing.T) {
	f := newSendLogFixture(t)
	gone := func(l *sendLog) {
		if err := f.st.DeleteSubscription(l.sub); err != nil {
			t.Fatal(err)
		}
	}
	unconfirm := func(l *sendLog) {
		sub, _ := f.st.Subscription(l.sub)
		sub.Confirmed = false
		if err := f.st.PutSubscription(&sub); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name     string
		from     store.SendState
		lastSent time.Time
		before   func(l *sendLog)
		do       func(l *sendLog) (store.SendEntry, error)
		want     error
	}{
		{"claim, subscription removed", store.SendFailed, slSince, gone, func(l *sendLog) (store.SendEntry, error) { return l.claim(1, false) }, errGone},
		{"claim, subscription unconfirmed", "", slSince, unconfirm, func(l *sendLog) (store.SendEntry, error) { return l.claim(1, false) }, errGone},
		{"claim, window covered", store.SendFailed, slUntil, nil, func(l *sendLog) (store.SendEntry, error) { return l.claim(1, false) }, errCovered},
		{"skip, subscription removed", "", slSince, gone, func(l *sendLog) (store.SendEntry, error) { return l.skip(0, false) }, errGone},
		{"skip, window covered", "", slUntil, nil, func(l *sendLog) (store.SendEntry, error) { return l.skip(0, false) }, errCovered},
		{"commit, subscription removed", store.SendSending, slSince, gone, func(l *sendLog) (store.SendEntry, error) { return l.commit() }, errGone},
		{"supersede, window not covered", store.SendFailed, slSince, nil, func(l *sendLog) (store.SendEntry, error) { return l.supersede("2026-W11") }, errNotCovered},
		{"supersede, subscription removed", store.SendUncertain, slUntil, gone, func(l *sendLog) (store.SendEntry, error) { return l.supersede("2026-W11") }, errNotCovered},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, before := f.sub(c.from, c.lastSent)
			if c.before != nil {
				c.before(l)
			}
			if _, err := c.do(l); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if stored, ok := f.entry(l); ok != (c.from != "") || (ok && !sameEntry(stored, before)) {
				t.Errorf("stopped, but the store holds %+v (found %v)", stored, ok)
			}
		})
	}

	// The server accepted the message: sent is recorded even when the
	// subscription went away meanwhile.
	l, _ := f.sub(store.SendCommitting, slSince)
	gone(l)
	if e, err := l.sent(nil); err != nil || e.State != store.SendSent {
		t.Errorf("sent after the subscription was removed: %s, %v; want sent", e.State, err)
	}
}

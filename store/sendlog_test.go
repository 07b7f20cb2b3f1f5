package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSendLog_UpdateSendIsAtomicWithTheSubscription(t *testing.T) {
	s := openTest(t)
	sub := Subscription{Email: "anna@example.org", Confirmed: true}
	if err := s.PutSubscription(&sub); err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)

	e, err := s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, sp *Subscription) error {
		if e.State != "" || sp == nil || sp.Email != sub.Email {
			t.Errorf("new entry = %+v, sub = %+v; want an empty entry and the subscription", e, sp)
		}
		e.State, e.Attempts, e.Until = SendSending, 1, until
		return nil
	})
	if err != nil || e.State != SendSending {
		t.Fatalf("UpdateSend = %+v, %v", e, err)
	}

	errLeave := errors.New("leave it")
	_, err = s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, sp *Subscription) error {
		e.State = SendSent
		sp.LastSent = until
		return errLeave
	})
	if !errors.Is(err, errLeave) {
		t.Fatalf("err = %v, want fn's error unchanged", err)
	}
	got, _ := s.SendEntry(sub.ID, "2026-W50")
	gotSub, _ := s.Subscription(sub.ID)
	if got.State != SendSending || !gotSub.LastSent.IsZero() {
		t.Errorf("after a refused update: state %s, last sent %v; want sending and zero", got.State, gotSub.LastSent)
	}

	if _, err := s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, sp *Subscription) error {
		e.State = SendSent
		sp.LastSent = until
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SendEntry(sub.ID, "2026-W50")
	gotSub, _ = s.Subscription(sub.ID)
	if got.State != SendSent || !gotSub.LastSent.Equal(until) {
		t.Errorf("after sent: state %s, last sent %v; want sent and %v", got.State, gotSub.LastSent, until)
	}
}

func TestSendLog_OrderedBySubscriptionThenWeek(t *testing.T) {
	s := openTest(t)
	var ids []uint64
	for _, mail := range []string{"a@example.org", "b@example.org"} {
		sub := Subscription{Email: mail}
		if err := s.PutSubscription(&sub); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.ID)
	}
	for _, k := range []struct {
		sub  uint64
		week string
	}{{ids[1], "2026-W49"}, {ids[0], "2027-W01"}, {ids[0], "2026-W52"}, {ids[1], "2026-W48"}} {
		if _, err := s.UpdateSend(k.sub, k.week, func(e *SendEntry, _ *Subscription) error { e.State = SendFailed; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	keys := func(es []SendEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, string(rune('a'+e.Subscription-ids[0]))+" "+e.Week)
		}
		return out
	}
	all, _ := s.SendLog(0)
	if got, want := keys(all), []string{"a 2026-W52", "a 2027-W01", "b 2026-W48", "b 2026-W49"}; !slices.Equal(got, want) {
		t.Errorf("SendLog(0) = %v, want %v", got, want)
	}
	one, _ := s.SendLog(ids[0])
	if got, want := keys(one), []string{"a 2026-W52", "a 2027-W01"}; !slices.Equal(got, want) {
		t.Errorf("SendLog(a) = %v, want %v", got, want)
	}
	if _, err := s.SendEntry(ids[0], "2026-W49"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing entry: err = %v, want ErrNotFound", err)
	}
}

func TestSendLog_EntryOfDeletedSubscriptionStillUpdatable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := Subscription{Email: "gone@example.org"}
	if err := s.PutSubscription(&sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, _ *Subscription) error { e.State = SendCommitting; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSubscription(sub.ID); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, sp *Subscription) error {
		if sp != nil {
			t.Errorf("sub = %+v, want nil for a deleted subscription", sp)
		}
		if e.State != SendCommitting {
			t.Errorf("state after reopen = %s, want committing", e.State)
		}
		e.State = SendUncertain
		return nil
	})
	if err != nil || e.State != SendUncertain || !e.Final() {
		t.Errorf("UpdateSend = %+v, %v; want a final uncertain entry", e, err)
	}
	if _, err := s.Subscription(sub.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateSend brought the deleted subscription back: %v", err)
	}
}

package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSubscriptions_PutGetListDelete(t *testing.T) {
	s := openTest(t)
	created := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	a := Subscription{Email: "Anna@Example.org", Conditions: []string{"celiac", "hashimoto"}, Mechanisms: []string{"repair"},
		Query: "zonulin", MinEvidence: "rct", HumansOnly: true, EmptyWeek: EmptyWeekSkip, Created: created}
	if err := s.PutSubscription(&a); err != nil {
		t.Fatal(err)
	}
	b := Subscription{Email: "ben@example.org", EmptyWeek: EmptyWeekSend, Created: created}
	if err := s.PutSubscription(&b); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || b.ID <= a.ID {
		t.Fatalf("ids = %d, %d, want increasing from 1", a.ID, b.ID)
	}

	got, err := s.Subscription(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != a.Email || got.Query != "zonulin" || !got.HumansOnly || len(got.Conditions) != 2 || !got.Created.Equal(created) {
		t.Errorf("Subscription(%d) = %+v, want %+v", a.ID, got, a)
	}
	byMail, err := s.SubscriptionByEmail("  anna@example.ORG ")
	if err != nil || byMail.ID != a.ID {
		t.Errorf("SubscriptionByEmail = %d, %v, want %d", byMail.ID, err, a.ID)
	}

	dup := Subscription{Email: "ANNA@example.org"}
	if err := s.PutSubscription(&dup); !errors.Is(err, ErrExists) {
		t.Errorf("second subscription for the same address: err = %v, want ErrExists", err)
	}
	if _, err := s.UpdateSubscription(b.ID, func(sub *Subscription) error { sub.Email = "anna@example.org"; return nil }); !errors.Is(err, ErrExists) {
		t.Errorf("renaming onto a taken address: err = %v, want ErrExists", err)
	}

	upd, err := s.UpdateSubscription(b.ID, func(sub *Subscription) error { sub.Confirmed = true; return nil })
	if err != nil || !upd.Confirmed {
		t.Fatalf("UpdateSubscription = %+v, %v", upd, err)
	}
	if _, err := s.UpdateSubscription(b.ID, func(sub *Subscription) error { sub.HumansOnly = true; return errors.New("refused") }); err == nil {
		t.Error("UpdateSubscription: fn error not returned")
	}
	if got, _ := s.Subscription(b.ID); got.HumansOnly || !got.Confirmed {
		t.Errorf("after a refused update: %+v, want the confirmed, unchanged subscription", got)
	}

	all, err := s.Subscriptions()
	if err != nil || len(all) != 2 || all[0].ID != a.ID || all[1].ID != b.ID {
		t.Fatalf("Subscriptions = %+v, %v", all, err)
	}
	if err := s.DeleteSubscription(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscription(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSubscription(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	again := Subscription{Email: "anna@example.org"}
	if err := s.PutSubscription(&again); err != nil || again.ID <= b.ID {
		t.Errorf("re-subscribing after delete: id %d, err %v; want a new id above %d", again.ID, err, b.ID)
	}
}

func TestSubscriptions_RefuseEmptyAddress(t *testing.T) {
	s := openTest(t)
	if err := s.PutSubscription(&Subscription{Email: "  "}); err == nil {
		t.Error("empty address accepted")
	}
}

func TestSecret_CreatedOnceAndKeptAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Secret("digest")
	if err != nil || len(first) != 32 {
		t.Fatalf("Secret = %d bytes, %v", len(first), err)
	}
	second, _ := s.Secret("digest")
	other, _ := s.Secret("csrf")
	s.Close()
	if !bytes.Equal(first, second) {
		t.Error("second call returned another secret")
	}
	if bytes.Equal(first, other) {
		t.Error("two names share one secret")
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reopened, _ := s.Secret("digest")
	if !bytes.Equal(first, reopened) {
		t.Error("secret changed across reopen")
	}
}

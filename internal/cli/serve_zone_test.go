package cli

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"villi/library"
	"villi/schedule"
	"villi/store"
)

// serve's digest service reckons weeks in the scheduler's zone: with
// VILLI_TZ unset that is the host's local zone (README), not UTC, so the
// hourly overdue check does not send a digest hours before the cron entry
// would.
func TestDigestService_UsesTheSchedulersZone(t *testing.T) {
	lib := libWithLongConfirmedSub(t)
	env := map[string]string{"VILLI_SMTP_URL": "smtp://127.0.0.1:25", "VILLI_MAIL_FROM": "villi@example.org", "VILLI_TZ": "America/New_York"}
	e := Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	set, err := schedule.FromEnv(e.Getenv) // as serve reads it
	if err != nil {
		t.Fatal(err)
	}
	ny := set.Location
	svc, err := digestService(e, lib, "http://villi.example.org", set, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Monday 2026-03-02 08:00 UTC is 03:00 in New York: the digest, due at
	// Monday 07:00 there, is not due yet.
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	due, err := svc.Overdue(now)
	if err != nil {
		t.Fatal(err)
	}
	if due {
		t.Errorf("Overdue(%s) = true; the scheduler's 07:00 %s is hours away", now, ny)
	}
	if due, _ := svc.Overdue(now.Add(5 * time.Hour)); !due {
		t.Errorf("Overdue(%s) = false after 07:00 in New York", now.Add(5*time.Hour))
	}
}

// VILLI_DIGEST_SPEC moves the digest's due time for the overdue check as it
// moves the cron entry: the digest gets the spec serve read, not a default.
func TestDigestService_UsesTheSchedulersSpec(t *testing.T) {
	lib := libWithLongConfirmedSub(t)
	env := map[string]string{"VILLI_SMTP_URL": "smtp://127.0.0.1:25", "VILLI_MAIL_FROM": "villi@example.org",
		"VILLI_TZ": "America/New_York", "VILLI_DIGEST_SPEC": "0 2 * * 1"}
	e := Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	set, err := schedule.FromEnv(e.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := digestService(e, lib, "http://villi.example.org", set, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// 08:00 UTC is 03:00 in New York: an hour after Monday 02:00 there.
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if due, err := svc.Overdue(now); err != nil || !due {
		t.Errorf("Overdue(%s) = %v, %v; want true an hour after the 02:00 of VILLI_DIGEST_SPEC", now, due, err)
	}
	// Monday 03:00 UTC is still Sunday in New York: the week is the one whose
	// Monday 02:00 has long passed, though in UTC a new week has begun.
	sunday := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	if due, err := svc.Overdue(sunday); err != nil || !due {
		t.Errorf("Overdue(%s) = %v, %v; want true: weeks are New York's", sunday, due, err)
	}
}

// libWithLongConfirmedSub opens a library holding one subscription,
// confirmed and last sent long ago, that wants a digest even when empty.
func libWithLongConfirmedSub(t *testing.T) *library.Library {
	t.Helper()
	lib, err := library.Open(context.Background(), t.TempDir(), library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	long := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := lib.DB().PutSubscription(&store.Subscription{Email: "a@example.org", EmptyWeek: store.EmptyWeekSend,
		Confirmed: true, Created: long, ConfirmedAt: long, LastSent: long}); err != nil {
		t.Fatal(err)
	}
	return lib
}

package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The store masks secrets in every error text it keeps: a run's error and
// failures, a send-log entry's last error.
func TestStore_RedactsStoredErrorText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	mask := func(s string) string { return strings.ReplaceAll(s, "hunter2", "[redacted]") }
	s, err := Open(path, Options{Redact: mask})
	if err != nil {
		t.Fatal(err)
	}
	run := Run{Kind: RunCrawl, Err: "429 api-key hunter2", Failing: []string{"celiac: 429 api-key hunter2"}}
	if err := s.PutRun(&run); err != nil {
		t.Fatal(err)
	}
	sub := Subscription{Email: "anna@example.org"}
	if err := s.PutSubscription(&sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSend(sub.ID, "2026-W50", func(e *SendEntry, _ *Subscription) error {
		e.State, e.LastError = SendFailed, "smtp://anna:hunter2@mail: refused"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Runs(RunCrawl, 1)
	e, _ := s.SendEntry(sub.ID, "2026-W50")
	got := []string{runs[0].Err, runs[0].Failing[0], e.LastError}
	want := []string{"429 api-key [redacted]", "celiac: 429 api-key [redacted]", "smtp://anna:[redacted]@mail: refused"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stored %q, want %q", got[i], want[i])
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hunter2") {
		t.Error("the store file holds the secret")
	}
}

package digest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"villi/library"
	"villi/store"
)

// TestKillHelperProcess is the child of the kill tests: it runs one digest
// run against a data directory and an SMTP server named in its environment,
// and is killed with SIGKILL somewhere inside it.
func TestKillHelperProcess(t *testing.T) {
	dir := os.Getenv("VILLI_DIGEST_KILL_DIR")
	if dir == "" {
		return
	}
	now, err := time.Parse(time.RFC3339, os.Getenv("VILLI_DIGEST_KILL_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(context.Background(), dir, library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(now)
	cfg.SMTPURL = os.Getenv("VILLI_DIGEST_KILL_SMTP")
	s := newService(t, lib, cfg)
	s.Run(context.Background(), now, RunOptions{})
	t.Fatal("the run finished: the parent should have killed this process")
}

// The crash windows of the send-log, with a real SIGKILL: a process killed
// before the message is complete is retried and sent once; one killed after
// the final "." but before the server's reply reached it is never resent
// blindly. Either way the subscriber gets the week's digest exactly once.
func TestKill_DigestSentAtMostOnceAcrossSIGKILL(t *testing.T) {
	for _, c := range []struct {
		name      string
		at        string // "mail": the server holds MAIL FROM; "data": the server has the whole message
		wantState store.SendState
	}{
		{"killed before the message was complete", "mail", store.SendSent},
		{"killed while the server's reply was on its way", "data", store.SendUncertain},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			w := newTwoWeeks(t, dir)
			sub := addSub(t, w.lib.DB(), store.Subscription{Email: "a@example.org"}, longAgo)
			w.lib.Close()

			hit, release := make(chan struct{}), make(chan struct{})
			var once bool
			trap := func() {
				if !once {
					once = true
					close(hit)
					<-release
				}
			}
			srv := startSMTP(t, nil)
			srv.mu.Lock()
			if c.at == "mail" {
				srv.onMail = trap
			} else {
				srv.afterData = trap
			}
			srv.mu.Unlock()

			child := exec.Command(os.Args[0], "-test.run=^TestKillHelperProcess$", "-test.count=1")
			child.Env = append(os.Environ(), "VILLI_DIGEST_KILL_DIR="+dir, "VILLI_DIGEST_KILL_SMTP="+srv.url(),
				"VILLI_DIGEST_KILL_NOW="+w.now1.Format(time.RFC3339))
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-hit:
			case <-time.After(60 * time.Second):
				child.Process.Kill()
				t.Fatal("the child never reached the server")
			}
			if err := child.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			child.Wait()
			close(release)
			srv.mu.Lock()
			srv.onMail, srv.afterData = nil, nil
			srv.mu.Unlock()

			lib, err := library.Open(context.Background(), dir, library.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer lib.Close()
			cfg := testConfig(w.now1)
			cfg.SMTPURL = srv.url()
			s := newService(t, lib, cfg)
			for i := range 2 {
				mustRun(t, s, w.now1.Add(time.Duration(i+1)*time.Hour), RunOptions{})
			}
			e := entryOf(t, lib.DB(), sub.ID, WeekKey(w.now1, time.UTC))
			if n := len(srv.messages()); n != 1 || e.State != c.wantState {
				t.Errorf("server holds %d messages, entry %s (%q); want 1 and %s", n, e.State, e.LastError, c.wantState)
			}
			if e.MessageID != s.messageID(sub.ID, e.Week) {
				t.Errorf("Message-ID %q changed across the crash", e.MessageID)
			}
		})
	}
}

package digest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"villi/store"
)

// aiosmtpd is a real SMTP server process (Debian's python3-aiosmtpd) that
// writes every accepted message into a Maildir.
type aiosmtpd struct {
	t       *testing.T
	addr    string
	maildir string
	cmd     *exec.Cmd
}

// startAiosmtpd runs the server, or skips the test when it is not installed
// and VILLI_SMTP_E2E is unset (CI sets it, so there a missing server fails).
func startAiosmtpd(t *testing.T) *aiosmtpd {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err != nil {
		if os.Getenv("VILLI_SMTP_E2E") != "" {
			t.Fatalf("VILLI_SMTP_E2E is set but %s cannot import aiosmtpd (apt-get install -y python3-aiosmtpd): %v", py, err)
		}
		t.Skip("python3-aiosmtpd not installed; set VILLI_SMTP_E2E=1 to require it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a := &aiosmtpd{t: t, addr: addr, maildir: filepath.Join(t.TempDir(), "Maildir")}
	a.start()
	t.Cleanup(a.stop)
	return a
}

func (a *aiosmtpd) start() {
	a.t.Helper()
	a.cmd = exec.Command("/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", a.addr, "-c", "aiosmtpd.handlers.Mailbox", a.maildir)
	a.cmd.Stderr = os.Stderr
	if err := a.cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", a.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("aiosmtpd did not listen on %s: %v", a.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (a *aiosmtpd) stop() {
	if a.cmd != nil && a.cmd.Process != nil {
		a.cmd.Process.Kill()
		a.cmd.Wait()
		a.cmd = nil
	}
}

// messages reads the Maildir's delivered messages.
func (a *aiosmtpd) messages() [][]byte {
	a.t.Helper()
	ents, err := os.ReadDir(filepath.Join(a.maildir, "new"))
	if err != nil && !os.IsNotExist(err) {
		a.t.Fatal(err)
	}
	var out [][]byte
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(a.maildir, "new", e.Name()))
		if err != nil {
			a.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestE2E_RealSMTPServerOutageAndRecovery(t *testing.T) {
	srv := startAiosmtpd(t)
	w := newTwoWeeks(t, "")
	cfg := testConfig(w.now1)
	cfg.SMTPURL = "smtp://" + srv.addr
	cfg.From = "Łukasz Müller <digest@villi.example.org>"
	cfg.Attempts = 2
	s := newService(t, w.lib, cfg)
	subs := []store.Subscription{
		addSub(t, w.lib.DB(), store.Subscription{Email: "anna@example.org"}, longAgo),
		addSub(t, w.lib.DB(), store.Subscription{Email: "ben@example.org", Conditions: []string{"hashimoto"}}, longAgo),
	}
	ctx := context.Background()
	if _, err := s.Run(ctx, w.now1, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("Maildir holds %d messages after week 1, want 2", len(msgs))
	}
	for _, raw := range msgs {
		p := parseMail(t, raw)
		if p.contentType != "multipart/alternative" || len(p.partTypes) != 2 || p.from != "Łukasz Müller" {
			t.Errorf("delivered message: %s, parts %v, from %q", p.contentType, p.partTypes, p.from)
		}
		if p.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", p.header.Get("List-Unsubscribe-Post"))
		}
		if strings.Contains(p.header.Get("X-RcptTo"), "anna") && !slices.Equal(p.pmids, w.week1) {
			t.Errorf("anna's digest links %d articles, want %d", len(p.pmids), len(w.week1))
		}
	}

	// The server process dies; week 2 fails and is kept.
	srv.stop()
	rep, err := s.Run(ctx, w.now2, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 2 {
		t.Fatalf("week 2 with the server down: %+v, want 2 failed", rep)
	}
	srv.start()
	for range 2 {
		if _, err := s.Run(ctx, w.now2.Add(time.Hour), RunOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.messages()); n != 4 {
		t.Fatalf("Maildir holds %d messages, want 4: each week exactly once", n)
	}
	for _, sub := range subs {
		for _, wk := range []time.Time{w.now1, w.now2} {
			e, err := w.lib.DB().SendEntry(sub.ID, WeekKey(wk, time.UTC))
			if err != nil || e.State != store.SendSent {
				t.Errorf("%s %s: %+v, %v; want sent", sub.Email, WeekKey(wk, time.UTC), e, err)
			}
		}
	}
}

package digest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitIdle waits until no confirmation mail is queued or being sent.
func waitIdle(t testing.TB, s *Service) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.confirms.mu.Lock()
		n := len(s.confirms.pending)
		s.confirms.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d confirmation mails still pending after 10s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logBuffer collects a service's log lines; the workers write from their
// own goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// hungService is a service over a fresh library whose mail server accepts
// TCP and says nothing until srv.answer().
func hungService(t *testing.T, timeout time.Duration) (*Service, *testSMTP, *logBuffer) {
	t.Helper()
	// No records: a sign-up needs none.
	lib := openLib(t, nil)
	srv := startSMTP(t, func(s *testSMTP) { s.hung = true })
	cfg := testConfig(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	cfg.SMTPURL = srv.url()
	cfg.Timeout = timeout
	logs := &logBuffer{}
	cfg.Logger = logs.logger()
	s := newService(t, lib, cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, srv, logs
}

// A mail server that accepts and never answers must not hold the sign-up:
// Subscribe returns with the mail queued, signing up again meanwhile queues
// nothing more, and when the server answers the mail arrives once.
func TestSubscribe_HungMailServerDoesNotHoldTheSignUp(t *testing.T) {
	s, srv, _ := hungService(t, 30*time.Second)
	ctx := context.Background()
	if err := s.Subscribe(ctx, SignUp{Email: "hung@example.org"}); err != nil {
		t.Fatalf("Subscribe while the mail server hangs: %v, want the mail queued", err)
	}
	// The send is under way, waiting for a greeting that does not come.
	srv.gate.waitAccepted(t, 1)
	if err := s.Subscribe(ctx, SignUp{Email: "hung@example.org", Conditions: []string{"celiac"}}); err != nil {
		t.Fatalf("second sign-up while the first mail waits: %v", err)
	}
	srv.answer()
	waitIdle(t, s)

	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails once the server answered, want exactly 1", len(msgs))
	}
	if conf := parseMail(t, msgs[0].Data); conf.subject != "Please confirm your villi weekly digest" {
		t.Errorf("mail %q, want the confirmation", conf.subject)
	}
	sub, err := s.st.SubscriptionByEmail("hung@example.org")
	if err != nil || sub.Confirmed || sub.ConfirmSent.IsZero() {
		t.Errorf("subscription %+v, %v; want unconfirmed with ConfirmSent recorded", sub, err)
	}
	if err := s.Subscribe(ctx, SignUp{Email: "hung@example.org"}); !errors.Is(err, ErrTooSoon) {
		t.Errorf("sign-up right after the mail went: %v, want ErrTooSoon", err)
	}
}

// A server that hangs for one attempt and then answers gets the mail on a
// later attempt, once.
func TestSubscribe_RetriesAfterAnAttemptTimesOut(t *testing.T) {
	s, srv, logs := hungService(t, time.Second)
	if err := s.Subscribe(context.Background(), SignUp{Email: "retry@example.org"}); err != nil {
		t.Fatal(err)
	}
	// The first connection timed out and the second attempt is waiting.
	srv.gate.waitAccepted(t, 2)
	srv.answer()
	waitIdle(t, s)
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d mails, want exactly 1\nlog:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "smtp attempt failed, retrying") {
		t.Errorf("log:\n%s\nwant the timed-out attempt logged before the retry", logs.String())
	}
}

// Shutting down while a mail waits on a hung server ends at the deadline:
// the connection is closed, the unsent mail logged, the sign-up kept for
// a later one to resend, and sign-ups after it refused.
func TestShutdown_CutsOffASendWaitingOnAHungServer(t *testing.T) {
	s, srv, logs := hungService(t, 30*time.Second)
	if err := s.Subscribe(context.Background(), SignUp{Email: "pending@example.org"}); err != nil {
		t.Fatal(err)
	}
	conns := srv.gate.waitAccepted(t, 1)

	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		s.Shutdown(ctx)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown still waiting 10s after its 100ms deadline: the send on the hung server was not cut off")
	}
	// villi hung up: the server reads end-of-file, not silence.
	conns[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conns[0].Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		var ne net.Error
		t.Errorf("server side read after Shutdown: %v (timeout %v), want EOF: the client left the connection open", err, errors.As(err, &ne) && ne.Timeout())
	}
	if got := logs.String(); !strings.Contains(got, "confirmation mail not sent: villi is shutting down") || !strings.Contains(got, "pending@example.org") {
		t.Errorf("log:\n%s\nwant the unsent confirmation named", got)
	}
	sub, err := s.st.SubscriptionByEmail("pending@example.org")
	if err != nil || !sub.ConfirmSent.IsZero() {
		t.Errorf("subscription %+v, %v; want it kept with no ConfirmSent, so a new sign-up resends", sub, err)
	}
	if err := s.Subscribe(context.Background(), SignUp{Email: "late@example.org"}); !errors.Is(err, errShutDown) {
		t.Errorf("Subscribe after Shutdown: %v, want %v", err, errShutDown)
	}
}

// Shutdown with time to spare sends what is queued before it returns, so
// a restart loses no mail a page promised.
func TestShutdown_SendsTheQueueFirst(t *testing.T) {
	srv := startSMTP(t, nil)
	cfg := testConfig(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	cfg.SMTPURL = srv.url()
	s := newService(t, openLib(t, nil), cfg)
	emails := []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"}
	for _, e := range emails {
		if err := s.Subscribe(context.Background(), SignUp{Email: e}); err != nil {
			t.Fatal(err)
		}
	}
	s.Shutdown(context.Background())
	got := map[string]int{}
	for _, m := range srv.messages() {
		got[strings.Join(m.To, ",")]++
	}
	for _, e := range emails {
		if got[e] != 1 {
			t.Errorf("%d mails to %s after Shutdown, want 1 (all: %v)", got[e], e, got)
		}
	}
}

// The admin's `villi subscription add` waits for its mail, but not for a
// hung server's every attempt: the whole send is bounded by Config.Timeout.
func TestAdd_HungMailServerIsBounded(t *testing.T) {
	s, _, _ := hungService(t, 500*time.Millisecond)
	_, err := s.Add(context.Background(), SignUp{Email: "admin-added@example.org"}, false)
	if err == nil || !strings.Contains(err.Error(), "no answer within 500ms") {
		t.Errorf("Add against a hung server: %v, want an error saying it had no answer within 500ms", err)
	}
	if sub, err := s.st.SubscriptionByEmail("admin-added@example.org"); err != nil || sub.Confirmed {
		t.Errorf("subscription %+v, %v; want it kept unconfirmed for another try", sub, err)
	}
}

package web

import (
	"bytes"
	"context"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"villi/digest"
	"villi/library"
)

// mailSink is a real SMTP server (emersion/go-smtp) on a loopback port that
// keeps every message it accepts. Recipients containing "bounce" are
// refused with a permanent 550, as a mailbox that does not exist.
type mailSink struct {
	addr string
	mu   sync.Mutex
	msgs []sunkMail
	// answer ends the silence of a sink started hung; nil otherwise.
	answer func()
}

// sunkMail is one accepted message: its recipients and decoded parts.
type sunkMail struct {
	To      []string
	Subject string
	Header  mail.Header
	Text    string
	HTML    string
}

func startMailSink(t testing.TB) *mailSink { return startSink(t, false) }

// startHungSink starts a sink that accepts TCP and says nothing, as a mail
// server that hangs, until its answer is called; then the connections it
// held get their greeting.
func startHungSink(t testing.TB) *mailSink { return startSink(t, true) }

func startSink(t testing.TB, hung bool) *mailSink {
	t.Helper()
	sink := &mailSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: sink, t: t}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	sink.addr = ln.Addr().String()
	if hung {
		h := &heldListener{Listener: ln, opened: make(chan struct{})}
		sink.answer = func() { h.once.Do(func() { close(h.opened) }) }
		ln = h
		t.Cleanup(sink.answer)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink
}

// heldListener accepts connections (the kernel does) but hands none to the
// SMTP server before opened is closed.
type heldListener struct {
	net.Listener
	opened chan struct{}
	once   sync.Once
}

func (h *heldListener) Accept() (net.Conn, error) {
	<-h.opened
	return h.Listener.Accept()
}

func (s *mailSink) url() string { return "smtp://" + s.addr }

func (s *mailSink) messages() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

// nth waits for the nth mail to addr (1 is the first) and returns it,
// failing the test when it has not come within 10 s: sign-ups queue their
// mail and return.
func (s *mailSink) nth(t testing.TB, addr string, n int) sunkMail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var to []sunkMail
		for _, m := range s.messages() {
			if slices.ContainsFunc(m.To, func(a string) bool { return strings.EqualFold(a, addr) }) {
				to = append(to, m)
			}
		}
		if len(to) >= n {
			return to[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails to %s after 10 s, want %d", len(to), addr, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type sinkSession struct {
	sink *mailSink
	t    testing.TB
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string             { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Reset()                               { ss.to = nil }
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.Contains(to, "bounce") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseSunk(raw)
	if err != nil {
		ss.t.Errorf("smtp sink: unreadable message: %v\n%s", err, raw)
		return err
	}
	m.To = ss.to
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, m)
	ss.sink.mu.Unlock()
	return nil
}

// parseSunk decodes a message's subject and its text and HTML parts
// (multipart/alternative, quoted-printable or 8bit, as go-mail writes them).
func parseSunk(raw []byte) (sunkMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return sunkMail{}, err
	}
	out := sunkMail{Header: msg.Header}
	if out.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return out, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return out, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(msg.Body)
		out.Text = string(b)
		return out, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		b, err := io.ReadAll(part) // quoted-printable is decoded by the reader
		if err != nil {
			return out, err
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			out.Text = string(b)
		case "text/html":
			out.HTML = string(b)
		}
	}
}

// mailLink finds the link to path in a mail's text part and returns it as a
// path with its query, to be requested from the test server (the mails link
// to the configured base URL).
var mailLinkRE = regexp.MustCompile(`https://villi\.example\.org(/[a-z/]+)\?token=([A-Za-z0-9_%.\-]+)`)

func mailLink(t testing.TB, m sunkMail, path string) (string, string) {
	t.Helper()
	for _, l := range mailLinkRE.FindAllStringSubmatch(m.Text, -1) {
		if l[1] == path {
			tok, err := url.QueryUnescape(l[2])
			if err != nil {
				t.Fatal(err)
			}
			return path + "?token=" + url.QueryEscape(tok), tok
		}
	}
	t.Fatalf("no %s link in the mail %q:\n%s", path, m.Subject, m.Text)
	return "", ""
}

// testClock is a settable clock for the digest service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) add(d time.Duration) { c.set(c.now().Add(d)) }

// testDigestBase is the base URL the test digests link to.
const testDigestBase = "https://villi.example.org"

// newDigest returns a digest service over lib that mails the sink (nil: no
// mail server configured), on the clock (nil: the real time).
func newDigest(t testing.TB, lib *library.Library, sink *mailSink, clock *testClock) *digest.Service {
	t.Helper()
	cfg := digest.Config{
		From:     "villi digest <digest@villi.example.org>",
		BaseURL:  testDigestBase,
		Location: time.UTC,
		Secret:   []byte("web-test-secret-0123456789abcdef"),
		Backoff:  time.Millisecond,
		Timeout:  5 * time.Second,
	}
	if sink != nil {
		cfg.SMTPURL = sink.url()
	}
	if clock != nil {
		cfg.Clock = clock.now
	}
	svc, err := digest.New(lib, cfg)
	if err != nil {
		t.Fatalf("digest.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		svc.Shutdown(ctx)
	})
	return svc
}

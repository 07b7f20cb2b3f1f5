package digest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// sendError is a failed delivery attempt, classified.
type sendError struct {
	err error
	// temporary: a 4xx reply or a network failure; worth retrying.
	temporary bool
	// uncertain: the message was complete and the server was asked to
	// accept it, but no reply said whether it did.
	uncertain bool
	// unreachable: no SMTP session could be opened at all.
	unreachable bool
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// classify wraps err from an SMTP step that the server answered or the
// network broke.
func classify(step string, err error) *sendError {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &sendError{err: fmt.Errorf("%s: server replied %d %s", step, tp.Code, tp.Msg), temporary: tp.Code >= 400 && tp.Code < 500}
	}
	return &sendError{err: fmt.Errorf("%s: %w", step, err), temporary: true}
}

// session is one SMTP connection, opened on first use and reused for the
// messages of a run.
type session struct {
	svc    *Service
	client *gomail.Client
	conn   *smtp.Client

	// go-mail honours a context only while dialling, and its client holds
	// a lock while it waits for a reply, so abort closes the TCP connection
	// underneath to end a wait on a server that never answers.
	mu      sync.Mutex
	raw     net.Conn
	aborted bool
}

func (s *Service) newSession() (*session, error) {
	if s.smtp == nil {
		return nil, errors.New("no SMTP server configured (set VILLI_SMTP_URL, e.g. smtp://user:pass@mail.example.org:587)")
	}
	if s.from == nil {
		return nil, errors.New("no sender configured (set VILLI_MAIL_FROM, e.g. \"villi <digest@example.org>\")")
	}
	t := s.smtp
	se := &session{svc: s}
	opts := []gomail.Option{gomail.WithPort(t.port), gomail.WithTimeout(s.cfg.Timeout), gomail.WithHELO(s.mailDomain())}
	tlsCfg := s.cfg.TLSConfig
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: t.host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, gomail.WithTLSConfig(tlsCfg))
	switch {
	case t.implicitTLS:
		opts = append(opts, gomail.WithSSL())
	case t.requireTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if !t.implicitTLS {
		// With a dial function of its own go-mail skips its implicit-TLS
		// dial and treats the line as unencrypted when picking the login
		// mechanism, so smtps keeps go-mail's dial and can only be
		// aborted until its handshake is done.
		opts = append(opts, gomail.WithDialContextFunc(se.dial))
	}
	if t.user != "" {
		// Off this machine the strongest mechanism the server offers over
		// TLS; on it (a local relay) PLAIN, even without TLS.
		mech := gomail.SMTPAuthAutoDiscover
		if !t.implicitTLS && !t.requireTLS {
			mech = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(t.user), gomail.WithPassword(t.pass))
	}
	c, err := gomail.NewClient(t.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client for %s: %w", t.redacted, err)
	}
	se.client = c
	return se, nil
}

// dial opens the TCP connection and keeps it for abort.
func (se *session) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.aborted {
		c.Close()
		return nil, errors.New("sending was stopped")
	}
	se.raw = c
	return c, nil
}

// abort ends whatever the session is waiting for, now and for good: the
// connection is closed under go-mail and no new one is opened. It may be
// called from another goroutine (context.AfterFunc).
func (se *session) abort() {
	se.mu.Lock()
	defer se.mu.Unlock()
	se.aborted = true
	if se.raw != nil {
		se.raw.Close()
	}
}

// connect opens the SMTP session if it is not open.
func (se *session) connect(ctx context.Context) *sendError {
	if se.conn != nil && se.conn.HasConnection() {
		return nil
	}
	c, err := se.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			// The server answered (a refused login, say): not a network outage.
			return &sendError{err: fmt.Errorf("SMTP %s: %d %s", se.svc.smtp.redacted, tp.Code, tp.Msg), temporary: tp.Code < 500}
		}
		return &sendError{err: fmt.Errorf("SMTP %s: %w", se.svc.smtp.redacted, redactErr(err, se.svc.smtp.pass)), temporary: true, unreachable: true}
	}
	se.conn = c
	return nil
}

// drop closes the connection without QUIT, e.g. to abandon a message.
func (se *session) drop() {
	if se.conn != nil {
		_ = se.conn.Close()
		se.conn = nil
	}
}

// close ends the session politely.
func (se *session) close() {
	if se.conn != nil && se.conn.HasConnection() {
		_ = se.conn.Quit()
	}
	se.drop()
}

// deliver sends one message. commit runs after the whole message has been
// written and before the final "." asks the server to accept it; if commit
// fails the connection is dropped and the server discards the message.
func (se *session) deliver(ctx context.Context, msg *gomail.Msg, commit func() error) *sendError {
	var body bytes.Buffer
	if _, err := msg.WriteTo(&body); err != nil {
		return &sendError{err: fmt.Errorf("compose mail: %w", err)}
	}
	from, err := msg.GetSender(false)
	if err != nil {
		return &sendError{err: fmt.Errorf("sender: %w", err)}
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return &sendError{err: fmt.Errorf("recipients: %w", err)}
	}
	if e := se.connect(ctx); e != nil {
		return e
	}
	c := se.conn
	if err := c.UpdateDeadline(se.svc.cfg.Timeout); err != nil {
		se.drop()
		return &sendError{err: err, temporary: true}
	}
	fail := func(e *sendError) *sendError {
		if e.temporary && !isReply(e.err) {
			se.drop()
		} else if c.Reset() != nil {
			se.drop()
		}
		return e
	}
	if err := c.Mail(from); err != nil {
		return fail(classify("MAIL FROM", err))
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return fail(classify("RCPT TO "+r, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail(classify("DATA", err))
	}
	if _, err := w.Write(body.Bytes()); err != nil {
		se.drop()
		return &sendError{err: fmt.Errorf("write message: %w", err), temporary: true}
	}
	if err := commit(); err != nil {
		se.drop()
		return &sendError{err: err}
	}
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			// A reply, even a refusal, means the server did not take it.
			return fail(classify("end of DATA", err))
		}
		se.drop()
		return &sendError{err: fmt.Errorf("end of DATA: no reply from the server (%w); it may have accepted the message", err), uncertain: true}
	}
	return nil
}

func isReply(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}

// redactErr keeps a password out of an error message, whatever wrapped it.
func redactErr(err error, pass string) error {
	if pass == "" || !strings.Contains(err.Error(), pass) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pass, "xxxxx"))
}

// mailMsg turns a rendered message into a MIME mail: multipart/alternative
// with the text part first and the HTML part preferred.
func (s *Service) mailMsg(m *Message, date time.Time, list bool) (*gomail.Msg, error) {
	if s.from == nil {
		return nil, errors.New("no sender configured (set VILLI_MAIL_FROM, e.g. \"villi <digest@example.org>\")")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(date)
	msg.SetUserAgent("villi")
	if list {
		msg.SetBulk()
		msg.SetGenHeaderPreformatted("List-Id", "villi weekly digest <digest."+s.mailDomain()+">")
		if strings.HasPrefix(m.UnsubscribeURL, "https://") {
			if err := msg.SetListUnsubscribeOneClick(m.UnsubscribeURL); err != nil {
				return nil, err
			}
		} else {
			// RFC 8058 one-click needs HTTPS; without it, only the link.
			msg.SetListUnsubscribe(m.UnsubscribeURL)
		}
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

// hooks let a caller record each delivery attempt; nil hooks do nothing.
type hooks struct {
	before func() error // before each attempt; an error stops without sending
	commit func() error // before the final "."; an error abandons the message
	// failed is told of every failed attempt that was not uncertain, before
	// any retry.
	failed func(e *sendError)
	// attempts overrides Config.Attempts when > 0.
	attempts int
}

// deliverWithRetry sends msg, retrying temporary failures (4xx, network) up
// to Config.Attempts times with doubling backoff. It stops at once on a
// permanent refusal and on an uncertain outcome, which must never be retried
// blindly.
func (s *Service) deliverWithRetry(ctx context.Context, se *session, msg *gomail.Msg, h hooks) *sendError {
	commit := h.commit
	if commit == nil {
		commit = func() error { return nil }
	}
	backoff, attempts := s.cfg.Backoff, s.cfg.Attempts
	if h.attempts > 0 {
		attempts = h.attempts
	}
	for attempt := 1; ; attempt++ {
		if h.before != nil {
			if err := h.before(); err != nil {
				return &sendError{err: err}
			}
		}
		e := se.deliver(ctx, msg, commit)
		if e == nil {
			return nil
		}
		if !e.uncertain && h.failed != nil {
			h.failed(e)
		}
		if e.uncertain || !e.temporary || attempt >= attempts || ctx.Err() != nil {
			return e
		}
		s.cfg.Logger.Warn("smtp attempt failed, retrying", "attempt", attempt, "wait", backoff, "error", e.err)
		if err := s.sleep(ctx, backoff); err != nil {
			return e
		}
		backoff *= 2
	}
}

package digest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Schedule tells when a job runs next; cron.Schedule (schedule.Parse)
// satisfies it.
type Schedule interface {
	Next(time.Time) time.Time
}

// Config is what a Service needs besides the library. Zero values take the
// documented defaults.
type Config struct {
	// SMTPURL is where mail goes (VILLI_SMTP_URL): smtp://user:pass@host:587
	// (STARTTLS; required unless the host is a loopback address, where it is
	// used when offered), smtps://user:pass@host:465 (implicit TLS), or
	// smtp://localhost:25. Authentication is used when a user is given.
	SMTPURL string
	// From is the sender (VILLI_MAIL_FROM), "Name <addr>" or a bare address.
	From string
	// BaseURL is where villi's web UI is reached (VILLI_BASE_URL), for links.
	BaseURL string
	// Location is the time zone weeks and schedules are reckoned in: the
	// scheduler's (schedule.Settings), so that Overdue agrees with it; nil
	// means UTC.
	Location *time.Location
	// Secret signs links (VILLI_SECRET); nil uses a random secret kept in the
	// store.
	Secret []byte
	// Schedule is when the weekly run is due, as the scheduler runs it; nil
	// means schedule.DefaultDigestSpec in Location.
	Schedule Schedule
	// Handouts feeds the "check your handouts" section; nil reads the
	// collections in the library's store (collection.Watch).
	Handouts HandoutSource

	GroupCap   int           // items per condition group; 0 means 10
	Attempts   int           // SMTP attempts per message in one run; 0 means 4
	Backoff    time.Duration // wait before the first retry, doubling; 0 means 2s
	Timeout    time.Duration // SMTP connection and command timeout; 0 means 30s
	MaxScan    int           // most search hits examined per digest; 0 means 10000
	TLSConfig  *tls.Config   // nil: system roots, server name from the URL
	Logger     *slog.Logger  // nil: discard
	Clock      func() time.Time
	ConfirmTTL time.Duration // confirmation link lifetime; 0 means 7 days
	LinkTTL    time.Duration // manage/unsubscribe link lifetime; 0 means 400 days
}

func (c *Config) fill() {
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.GroupCap <= 0 {
		c.GroupCap = 10
	}
	if c.Attempts <= 0 {
		c.Attempts = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxScan <= 0 {
		c.MaxScan = 10000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.ConfirmTTL <= 0 {
		c.ConfirmTTL = 7 * 24 * time.Hour
	}
	if c.LinkTTL <= 0 {
		c.LinkTTL = 400 * 24 * time.Hour
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
}

// smtpTarget is a parsed SMTP URL.
type smtpTarget struct {
	host        string
	port        int
	implicitTLS bool
	requireTLS  bool // STARTTLS mandatory
	user, pass  string
	redacted    string
}

// parseSMTPURL reads VILLI_SMTP_URL. Its errors show the URL redacted.
func parseSMTPURL(raw string) (smtpTarget, error) {
	if raw == "" {
		return smtpTarget{}, errors.New("no SMTP server configured (set VILLI_SMTP_URL, e.g. smtp://user:pass@mail.example.org:587)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return smtpTarget{}, errors.New("VILLI_SMTP_URL is not a URL (want smtp://user:pass@host:587 or smtps://...)")
	}
	t := smtpTarget{host: u.Hostname(), redacted: u.Redacted()}
	switch u.Scheme {
	case "smtp":
		t.port = 587
	case "smtps":
		t.port, t.implicitTLS = 465, true
	default:
		return smtpTarget{}, fmt.Errorf("VILLI_SMTP_URL %s: scheme %q, want smtp or smtps", t.redacted, u.Scheme)
	}
	if t.host == "" {
		return smtpTarget{}, fmt.Errorf("VILLI_SMTP_URL %s: no host", t.redacted)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return smtpTarget{}, fmt.Errorf("VILLI_SMTP_URL %s: bad port %q", t.redacted, p)
		}
		t.port = n
	}
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	// Over the network a password must not travel in the clear; on the
	// machine itself (a local relay, a test sink) plain SMTP is fine.
	t.requireTLS = !t.implicitTLS && !isLoopback(t.host)
	return t, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseFrom reads VILLI_MAIL_FROM.
func parseFrom(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no sender configured (set VILLI_MAIL_FROM, e.g. \"villi <digest@example.org>\")")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("VILLI_MAIL_FROM %q: %w", s, err)
	}
	return a, nil
}

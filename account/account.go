// Package account owns villi's logins: users with bcrypt password hashes,
// password rules, authentication that costs the same for unknown users,
// login throttling per email and per client address, session cookies, and
// the HTTP middleware that puts the current user on a request and guards
// pages and API routes (reading public or login-only, writing login-only).
//
// It stores through package store and must not render pages, log, or let a
// password or session token reach an error message or a log line.
package account

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"villi/ratelimit"
	"villi/store"
)

// Password rules. bcrypt reads at most 72 bytes, so a longer password would
// silently match any password sharing its first 72 bytes: refuse it.
const (
	MinPasswordChars = 10
	MaxPasswordBytes = 72
)

// DefaultBcryptCost is about a quarter of a second on a small server: slow
// for a guesser, still quick for a person logging in.
const DefaultBcryptCost = 12

var (
	// ErrInvalidCredentials is the one answer to a wrong email or a wrong
	// password, so a login form does not reveal which accounts exist.
	ErrInvalidCredentials = errors.New("wrong email or password")
	// ErrPassword wraps every password-rule violation.
	ErrPassword = errors.New("password not accepted")
	// ErrEmail wraps a malformed email address.
	ErrEmail = errors.New("email address not accepted")
	// ErrThrottled is wrapped by *ThrottledError.
	ErrThrottled = errors.New("too many login attempts")
)

// ThrottledError refuses a login attempt; RetryAfter says when to try again
// (a Retry-After header, a message on the login page).
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v; try again in %v", ErrThrottled, e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Config configures New. The zero value is usable: private reading, 30-day
// sessions, cost-12 bcrypt, default throttles, plain-HTTP cookies.
type Config struct {
	// BaseURL is VILLI_BASE_URL; an https URL makes session cookies Secure
	// (named with the __Host- prefix).
	BaseURL string
	// Public is VILLI_PUBLIC: anyone may read (search, articles); writing
	// always needs a login.
	Public bool
	// SessionTTL is how long a login lasts; 0 means 30 days.
	SessionTTL time.Duration
	// BcryptCost for new hashes; 0 means DefaultBcryptCost. Stored hashes
	// of a lower cost are upgraded at the next successful login.
	BcryptCost int
	// LoginPath is where RequireLogin sends a browser; "" means "/login".
	LoginPath string
	// EmailLimit and IPLimit throttle login attempts; zero values mean
	// 5 at once then 1 a minute per email, 20 at once then 1 every 6 s per
	// client address.
	EmailLimit, IPLimit Limit
	// MaxTracked bounds the emails and addresses the throttle remembers
	// (each); 0 means 10,000.
	MaxTracked int
	// ClientIP names the client of a request for throttling; nil means the
	// connection's address (IPv6 cut to /64). Behind a reverse proxy, pass a
	// function that reads the proxy's header.
	ClientIP func(*http.Request) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service manages users and sessions over a store. Safe for concurrent use.
type Service struct {
	st       *store.Store
	cfg      Config
	secure   bool
	cookie   string
	throttle *throttle

	dummyOnce sync.Once
	dummy     []byte // a hash to compare against for unknown users
}

// New returns a Service over st.
func New(st *store.Store, cfg Config) (*Service, error) {
	if st == nil {
		return nil, errors.New("account: no store")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.SessionTTL < 0 {
		return nil, fmt.Errorf("account: session lifetime %v is negative", cfg.SessionTTL)
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = DefaultBcryptCost
	}
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("account: bcrypt cost %d outside %d..%d", cfg.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.LoginPath == "" {
		cfg.LoginPath = "/login"
	}
	if cfg.EmailLimit == (Limit{}) {
		cfg.EmailLimit = Limit{Every: time.Minute, Burst: 5}
	}
	if cfg.IPLimit == (Limit{}) {
		cfg.IPLimit = Limit{Every: 6 * time.Second, Burst: 20}
	}
	for _, l := range []Limit{cfg.EmailLimit, cfg.IPLimit} {
		if l.Every <= 0 || l.Burst <= 0 {
			return nil, fmt.Errorf("account: login limit %+v needs a positive interval and burst", l)
		}
	}
	if cfg.MaxTracked == 0 {
		cfg.MaxTracked = 10_000
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = ratelimit.ClientKey
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	secure := false
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("account: base URL %q is not an http(s) URL", cfg.BaseURL)
		}
		secure = u.Scheme == "https"
	}
	cookie := "villi_session"
	if secure {
		// __Host- makes browsers insist on Secure, Path=/ and no Domain.
		cookie = "__Host-villi_session"
	}
	return &Service{
		st: st, cfg: cfg, secure: secure, cookie: cookie,
		throttle: newThrottle(cfg.EmailLimit, cfg.IPLimit, cfg.MaxTracked),
	}, nil
}

// Public reports whether reading is open to visitors without a login.
func (s *Service) Public() bool { return s.cfg.Public }

// CookieName is the session cookie's name.
func (s *Service) CookieName() string { return s.cookie }

// CheckEmail returns the normalised form of email, or an error wrapping
// ErrEmail saying what is wrong with it.
func CheckEmail(email string) (string, error) {
	e := store.NormalizeEmail(email)
	switch {
	case e == "":
		return "", fmt.Errorf("%w: it is empty", ErrEmail)
	case len(e) > 254:
		return "", fmt.Errorf("%w: longer than 254 characters", ErrEmail)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", fmt.Errorf("%w: %q is not a plain address like name@example.org", ErrEmail, e)
	}
	return e, nil
}

// CheckPassword applies the password rules for email's account; the error
// wraps ErrPassword and says which rule failed, never the password.
func CheckPassword(email, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: it is not valid UTF-8 text", ErrPassword)
	case n < MinPasswordChars:
		return fmt.Errorf("%w: %d characters is too short, use at least %d", ErrPassword, n, MinPasswordChars)
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("%w: %d bytes is too long, bcrypt uses at most %d (fewer for non-ASCII letters)", ErrPassword, len(password), MaxPasswordBytes)
	case strings.TrimSpace(password) == "":
		return fmt.Errorf("%w: it is only spaces", ErrPassword)
	case store.NormalizeEmail(password) == store.NormalizeEmail(email):
		return fmt.Errorf("%w: it is the email address", ErrPassword)
	}
	return nil
}

func (s *Service) hash(password string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// AddUser creates a user. A malformed email, a password breaking the rules
// or an existing user (store.ErrExists) is an error and stores nothing.
func (s *Service) AddUser(ctx context.Context, email, password string, admin bool) (store.User, error) {
	e, err := CheckEmail(email)
	if err != nil {
		return store.User{}, err
	}
	if err := CheckPassword(e, password); err != nil {
		return store.User{}, err
	}
	if _, err := s.st.User(e); err == nil {
		return store.User{}, fmt.Errorf("user %s: %w", e, store.ErrExists)
	}
	if err := ctx.Err(); err != nil {
		return store.User{}, err
	}
	h, err := s.hash(password)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{Email: e, PasswordHash: h, Created: s.cfg.Now().UTC(), Admin: admin}
	if err := s.st.CreateUser(u); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// SetPassword gives an existing user a new password and ends all their
// sessions, so a leaked session dies with the old password.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	u, err := s.st.User(email)
	if err != nil {
		return err
	}
	if err := CheckPassword(u.Email, password); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if u.PasswordHash, err = s.hash(password); err != nil {
		return err
	}
	if err := s.st.PutUser(u); err != nil {
		return err
	}
	_, err = s.st.DeleteUserSessions(u.Email)
	return err
}

// SetAdmin grants or withdraws the admin flag.
func (s *Service) SetAdmin(ctx context.Context, email string, admin bool) error {
	u, err := s.st.User(email)
	if err != nil {
		return err
	}
	u.Admin = admin
	return s.st.PutUser(u)
}

// RemoveUser deletes a user and their sessions; their collections stay.
func (s *Service) RemoveUser(ctx context.Context, email string) error {
	return s.st.DeleteUser(email)
}

// Users lists every user, ordered by email.
func (s *Service) Users(ctx context.Context) ([]store.User, error) {
	return s.st.Users()
}

// dummyHash is compared against when the email is unknown, so that answer
// takes as long as a wrong password. Made on first use: start-up stays fast.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("villi: no such user, same work"), s.cfg.BcryptCost)
		if err == nil {
			s.dummy = h
		}
	})
	return s.dummy
}

// Authenticate checks email and password. A wrong password and an unknown
// email both give ErrInvalidCredentials after the same bcrypt work. It does
// not throttle: Login does. A hash of a lower cost than configured is
// upgraded on success.
func (s *Service) Authenticate(ctx context.Context, email, password string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, err
	}
	u, err := s.st.User(email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		return store.User{}, ErrInvalidCredentials
	case err != nil:
		return store.User{}, fmt.Errorf("authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil || len(password) > MaxPasswordBytes {
		return store.User{}, ErrInvalidCredentials
	}
	if cost, err := bcrypt.Cost(u.PasswordHash); err == nil && cost < s.cfg.BcryptCost {
		if h, err := s.hash(password); err == nil {
			u.PasswordHash = h
			if err := s.st.PutUser(u); err != nil {
				return store.User{}, fmt.Errorf("authenticate: upgrade hash: %w", err)
			}
		}
	}
	return u, nil
}

// ExpireSessions removes expired sessions; the scheduler calls it now and
// then (logins also sweep).
func (s *Service) ExpireSessions(ctx context.Context) (int, error) {
	return s.st.ExpireSessions(s.cfg.Now())
}

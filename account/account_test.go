package account

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"villi/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newService returns a Service with cheap bcrypt and a test clock.
func newService(t *testing.T, cfg Config) (*Service, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.MinCost
	}
	cfg.Now = clk.Now
	s, err := New(openStore(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

const goodPassword = "correct horse battery"

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		password string
		wantErr  string // substring; "" means accepted
	}{
		{"correct horse battery", ""},
		{"0123456789", ""},
		{"012345678", "9 characters is too short"},
		{"", "0 characters is too short"},
		{"äöüäöüäöüä", ""},                                // 10 characters, 20 bytes
		{strings.Repeat("a", 72), ""},                     // the most bcrypt reads
		{strings.Repeat("a", 73), "73 bytes is too long"}, // bcrypt would ignore the tail
		{strings.Repeat("ü", 37), "74 bytes is too long"},
		{"            ", "only spaces"},
		{"Ada@Example.org", "is the email address"},
		{"abc\xffdefghijk", "not valid UTF-8"},
	}
	for _, tt := range tests {
		err := CheckPassword("ada@example.org", tt.password)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("CheckPassword(%q) = %v, want accepted", tt.password, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrPassword)):
			t.Errorf("CheckPassword(%q) = %v, want ErrPassword saying %q", tt.password, err, tt.wantErr)
		case err != nil && tt.password != "" && strings.Contains(err.Error(), tt.password):
			t.Errorf("CheckPassword error %q repeats the password", err)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Ada@Example.ORG ", "ada@example.org", true},
		{"a.b+tag@sub.example.org", "a.b+tag@sub.example.org", true},
		{"", "", false},
		{"ada", "", false},
		{"Ada <ada@example.org>", "", false},
		{"ada@example.org, bob@example.org", "", false},
		{strings.Repeat("a", 250) + "@x.org", "", false},
	}
	for _, tt := range tests {
		got, err := CheckEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CheckEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrEmail) {
			t.Errorf("CheckEmail(%q) error %v does not wrap ErrEmail", tt.in, err)
		}
	}
}

func TestNew_DefaultsAndBadConfig(t *testing.T) {
	st := openStore(t)
	s, err := New(st, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.BcryptCost != DefaultBcryptCost || s.cfg.SessionTTL != 30*24*time.Hour || s.Public() || s.CookieName() != "villi_session" {
		t.Errorf("defaults: cost %d, ttl %v, public %v, cookie %q", s.cfg.BcryptCost, s.cfg.SessionTTL, s.Public(), s.CookieName())
	}
	if s.dummy != nil {
		t.Error("New computed the dummy hash: start-up pays a bcrypt")
	}
	for _, cfg := range []Config{
		{BaseURL: "ftp://example.org"},
		{BaseURL: "example.org"},
		{BcryptCost: 40},
		{SessionTTL: -time.Hour},
		{EmailLimit: Limit{Every: time.Minute}},
	} {
		if _, err := New(st, cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}

func TestAddUser(t *testing.T) {
	s, _ := newService(t, Config{BcryptCost: 5})
	ctx := context.Background()
	u, err := s.AddUser(ctx, " Ada@Example.org", goodPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.st.User("ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Email != "ada@example.org" || !stored.Admin || !stored.Created.Equal(u.Created) {
		t.Errorf("stored user %+v", stored)
	}
	if cost, err := bcrypt.Cost(stored.PasswordHash); err != nil || cost != 5 {
		t.Errorf("hash cost = %d, %v; want 5", cost, err)
	}
	if strings.Contains(string(stored.PasswordHash), goodPassword) {
		t.Error("stored hash contains the password")
	}

	tests := []struct {
		email, password string
		want            error
	}{
		{"ada@example.org", goodPassword, store.ErrExists},
		{"bob@example.org", "short", ErrPassword},
		{"not an email", goodPassword, ErrEmail},
	}
	for _, tt := range tests {
		if _, err := s.AddUser(ctx, tt.email, tt.password, false); !errors.Is(err, tt.want) {
			t.Errorf("AddUser(%q) error = %v, want %v", tt.email, err, tt.want)
		}
	}
	if users, _ := s.Users(ctx); len(users) != 1 {
		t.Errorf("refused AddUser calls stored users: %+v", users)
	}
}

func TestAuthenticate(t *testing.T) {
	s, _ := newService(t, Config{})
	ctx := context.Background()
	long := strings.Repeat("p", MaxPasswordBytes)
	if _, err := s.AddUser(ctx, "ada@example.org", goodPassword, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, "max@example.org", long, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password string
		want                  error
	}{
		{"right", "ada@example.org", goodPassword, nil},
		{"email in another case", "ADA@example.org ", goodPassword, nil},
		{"wrong password", "ada@example.org", goodPassword + "!", ErrInvalidCredentials},
		{"unknown email", "eve@example.org", goodPassword, ErrInvalidCredentials},
		{"empty", "", "", ErrInvalidCredentials},
		{"72 bytes", "max@example.org", long, nil},
		{"73 bytes sharing the first 72", "max@example.org", long + "x", ErrInvalidCredentials},
	}
	for _, tt := range tests {
		u, err := s.Authenticate(ctx, tt.email, tt.password)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
		if err == nil && u.Email != store.NormalizeEmail(tt.email) {
			t.Errorf("%s: user %q", tt.name, u.Email)
		}
	}
	if s.dummy == nil {
		t.Fatal("unknown email did not compare against the dummy hash")
	}
	if c, _ := bcrypt.Cost(s.dummy); c != s.cfg.BcryptCost {
		t.Errorf("dummy hash cost %d, want the configured %d (same work as a real user)", c, s.cfg.BcryptCost)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Authenticate(cancelled, "ada@example.org", goodPassword); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error = %v", err)
	}
}

func TestAuthenticate_UnknownUserCostsLikeAWrongPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	// Cost 6 is ~4 ms: plenty against a store lookup's microseconds, and
	// bearable under -race.
	s, _ := newService(t, Config{BcryptCost: 6})
	ctx := context.Background()
	if _, err := s.AddUser(ctx, "ada@example.org", goodPassword, false); err != nil {
		t.Fatal(err)
	}
	fastest := func(email string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			s.Authenticate(ctx, email, "wrong password!")
			best = min(best, time.Since(start))
		}
		return best
	}
	fastest("eve@example.org") // makes the dummy hash
	known, unknown := fastest("ada@example.org"), fastest("eve@example.org")
	if unknown < known/4 {
		t.Errorf("unknown email answered in %v, wrong password in %v: timing reveals which accounts exist", unknown, known)
	}
}

func TestAuthenticate_UpgradesALowCostHash(t *testing.T) {
	s, _ := newService(t, Config{BcryptCost: 6})
	h, _ := bcrypt.GenerateFromPassword([]byte(goodPassword), bcrypt.MinCost)
	if err := s.st.CreateUser(store.User{Email: "old@example.org", PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(context.Background(), "old@example.org", goodPassword); err != nil {
		t.Fatal(err)
	}
	u, _ := s.st.User("old@example.org")
	if c, _ := bcrypt.Cost(u.PasswordHash); c != 6 {
		t.Errorf("hash cost after login = %d, want upgraded to 6", c)
	}
	if _, err := s.Authenticate(context.Background(), "old@example.org", goodPassword); err != nil {
		t.Errorf("login with the upgraded hash: %v", err)
	}
}

func TestSetPassword_EndsSessions(t *testing.T) {
	s, clk := newService(t, Config{})
	ctx := context.Background()
	s.AddUser(ctx, "ada@example.org", goodPassword, false)
	token, _, err := s.st.CreateSession("ada@example.org", clk.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "ada@example.org", "short"); !errors.Is(err, ErrPassword) {
		t.Errorf("short new password: error = %v", err)
	}
	if err := s.SetPassword(ctx, "ada@example.org", "a new long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.Session(token, clk.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session survived a password change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ada@example.org", goodPassword); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ada@example.org", "a new long passphrase"); err != nil {
		t.Errorf("new password refused: %v", err)
	}
	if err := s.SetPassword(ctx, "nobody@example.org", goodPassword); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: error = %v", err)
	}
}

func TestThrottle_PerEmailAndPerIP(t *testing.T) {
	s, clk := newService(t, Config{
		EmailLimit: Limit{Every: time.Minute, Burst: 3},
		IPLimit:    Limit{Every: 10 * time.Second, Burst: 5},
	})
	ctx := context.Background()
	s.AddUser(ctx, "ada@example.org", goodPassword, false)
	login := func(email, password, ip string) error {
		r := newRequest("POST", "/login", ip)
		_, err := s.Login(ctx, httptest.NewRecorder(), r, email, password)
		return err
	}

	for i := range 3 {
		if err := login("ada@example.org", "wrong password", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v, want ErrInvalidCredentials", i+1, err)
		}
	}
	// The email's bucket is empty: even the right password from another
	// address waits, and says how long.
	err := login("ADA@example.org", goodPassword, "198.51.100.7")
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) {
		t.Fatalf("4th attempt: %v, want *ThrottledError", err)
	}
	if te.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v, want 1m0s", te.RetryAfter)
	}
	if strings.Contains(err.Error(), goodPassword) {
		t.Error("throttle error repeats the password")
	}
	clk.Add(time.Minute)
	if err := login("ada@example.org", goodPassword, "198.51.100.7"); err != nil {
		t.Errorf("after waiting a minute: %v", err)
	}

	// One address trying many emails: 5 at once, then refused; a refused
	// attempt did no bcrypt work and took no email token.
	for i := range 5 {
		if err := login(fmt.Sprintf("guess%d@example.org", i), "whatever123", "203.0.113.9"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("spray attempt %d: %v", i+1, err)
		}
	}
	if err := login("guess9@example.org", "whatever123", "203.0.113.9"); !errors.Is(err, ErrThrottled) {
		t.Errorf("6th attempt from one address: %v, want ErrThrottled", err)
	}
	if err := login("guess9@example.org", "whatever123", "203.0.113.10"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("same email from another address: %v, want an ordinary attempt", err)
	}
	// IPv6 clients are throttled by /64: a new address in the same /64 is
	// the same client.
	for i := range 5 {
		login("v6@example.org"+fmt.Sprint(i), "whatever123", fmt.Sprintf("2001:db8::%x", i+1))
	}
	if err := login("v6other@example.org", "whatever123", "2001:db8::ffff"); !errors.Is(err, ErrThrottled) {
		t.Errorf("6th attempt from the same /64: %v, want ErrThrottled", err)
	}
}

func TestThrottle_BoundedMemory(t *testing.T) {
	th := newThrottle(Limit{Every: time.Minute, Burst: 3}, Limit{Every: time.Second, Burst: 1000}, 50)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		th.attempt(fmt.Sprintf("user%d@example.org", i), "192.0.2.1", now)
	}
	if e, ip := th.size(); e > 50 || ip != 1 {
		t.Errorf("after 1000 emails: %d email buckets, %d address buckets; want ≤ 50 and 1", e, ip)
	}
	// Later every bucket has refilled and is forgotten; a user being
	// limited is kept while others come and go.
	t1 := now.Add(10 * time.Minute)
	for range 3 {
		th.attempt("target@example.org", "192.0.2.2", t1)
	}
	if e, _ := th.size(); e != 1 {
		t.Errorf("idle buckets kept after they refilled: %d email buckets, want 1", e)
	}
	t2 := t1.Add(30 * time.Second)
	for i := range 200 {
		th.attempt(fmt.Sprintf("other%d@example.org", i), "192.0.2.3", t2)
	}
	if w := th.attempt("target@example.org", "192.0.2.2", t2); w != 30*time.Second {
		t.Errorf("target's wait after 200 other emails = %v, want 30s (its bucket kept)", w)
	}
	if e, _ := th.size(); e > 50 {
		t.Errorf("%d email buckets, want ≤ 50", e)
	}
}

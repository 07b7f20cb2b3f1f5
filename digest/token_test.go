package digest

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
	"villi/schedule"
)

func TestToken_RoundTripAndRefusals(t *testing.T) {
	s := signer{secret: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	tok := s.sign(purposeUnsubscribe, 42, exp)

	if id, err := s.verify(tok, purposeUnsubscribe, now); err != nil || id != 42 {
		t.Fatalf("verify = %d, %v; want 42", id, err)
	}
	tampered := []byte(tok)
	tampered[3] ^= 1
	other := signer{secret: []byte("another secret of enough length!")}
	cases := []struct {
		name  string
		token string
		p     purpose
		at    time.Time
		want  error
	}{
		{"other purpose", tok, purposeManage, now, ErrBadToken},
		{"expired", tok, purposeUnsubscribe, exp.Add(time.Second), ErrExpiredToken},
		{"tampered", string(tampered), purposeUnsubscribe, now, ErrBadToken},
		{"other secret", other.sign(purposeUnsubscribe, 42, exp), purposeUnsubscribe, now, ErrBadToken},
		{"id swapped", s.sign(purposeUnsubscribe, 43, exp)[:23] + tok[23:], purposeUnsubscribe, now, ErrBadToken},
		{"empty", "", purposeUnsubscribe, now, ErrBadToken},
		{"no dot", strings.ReplaceAll(tok, ".", ""), purposeUnsubscribe, now, ErrBadToken},
		{"garbage", "%%%.!!!", purposeUnsubscribe, now, ErrBadToken},
	}
	for _, c := range cases {
		if _, err := s.verify(c.token, c.p, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestWeekKeyAndSchedule(t *testing.T) {
	// The test binary embeds time/tzdata (as cmd/villi does), so a host
	// without zone files cannot turn this test into a skip.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC), time.UTC, "2026-W50"},
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2026-W53"},
		{time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), time.UTC, "2026-W49"},
		// Sunday 23:30 UTC is already Monday in Berlin.
		{time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), berlin, "2026-W50"},
	}
	for _, c := range cases {
		if got := WeekKey(c.at, c.loc); got != c.want {
			t.Errorf("WeekKey(%v, %v) = %s, want %s", c.at, c.loc, got, c.want)
		}
	}
	sch, err := schedule.Parse(schedule.DefaultDigestSpec, berlin)
	if err != nil {
		t.Fatal(err)
	}
	at, ok := scheduledAt(sch, time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC), berlin)
	if want := time.Date(2026, 12, 7, 7, 0, 0, 0, berlin); !ok || !at.Equal(want) {
		t.Errorf("scheduledAt = %v, %v; want %v (Monday 07:00 Berlin)", at, ok, want)
	}
	if _, err := schedule.Parse("every monday", berlin); err == nil {
		t.Error("bad spec accepted")
	}
}

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		raw                    string
		host                   string
		port                   int
		implicit, require      bool
		user, pass, errContain string
	}{
		{raw: "smtp://u:s3cret@mail.example.org:587", host: "mail.example.org", port: 587, require: true, user: "u", pass: "s3cret"},
		{raw: "smtp://mail.example.org", host: "mail.example.org", port: 587, require: true},
		{raw: "smtps://u:p@mail.example.org", host: "mail.example.org", port: 465, implicit: true, user: "u", pass: "p"},
		{raw: "smtp://localhost:25", host: "localhost", port: 25},
		{raw: "smtp://127.0.0.1:2525", host: "127.0.0.1", port: 2525},
		{raw: "http://u:s3cret@mail.example.org", errContain: "scheme"},
		{raw: "smtp://u:s3cret@mail.example.org:99999", errContain: "port"},
		{raw: "", errContain: "VILLI_SMTP_URL"},
	}
	for _, c := range cases {
		got, err := parseSMTPURL(c.raw)
		if c.errContain != "" {
			if err == nil || !strings.Contains(err.Error(), c.errContain) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%q: err = %v, want one about %q without the password", c.raw, err, c.errContain)
			}
			continue
		}
		if err != nil || got.host != c.host || got.port != c.port || got.implicitTLS != c.implicit || got.requireTLS != c.require || got.user != c.user || got.pass != c.pass {
			t.Errorf("%q: got %+v, %v", c.raw, got, err)
		}
		if strings.Contains(got.redacted, "s3cret") {
			t.Errorf("%q: redacted form %q shows the password", c.raw, got.redacted)
		}
	}
}

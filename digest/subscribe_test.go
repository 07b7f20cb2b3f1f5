package digest

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"villi/store"
)

var tokenLink = regexp.MustCompile(`https://villi\.example\.org(/[a-z/]+)\?token=([A-Za-z0-9_%.\-]+)`)

// linkIn returns the token of the first link to path in a mail's text.
func linkIn(t *testing.T, text, path string) string {
	t.Helper()
	for _, m := range tokenLink.FindAllStringSubmatch(text, -1) {
		if m[1] == path {
			tok, err := url.QueryUnescape(m[2])
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	t.Fatalf("no %s link in:\n%s", path, text)
	return ""
}

func TestSubscribe_DoubleOptIn(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	now := w.now1.Add(-48 * time.Hour)
	cfg := testConfig(now)
	cfg.SMTPURL = srv.url()
	clock := now
	cfg.Clock = func() time.Time { return clock }
	s := newService(t, w.lib, cfg)
	ctx := context.Background()
	st := w.lib.DB()

	if err := s.Subscribe(ctx, SignUp{Email: " Anna@Example.org ", Conditions: []string{"lupus"}, MinEvidence: "rct"}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	sub, err := st.SubscriptionByEmail("anna@example.org")
	if err != nil || sub.Confirmed || sub.MinEvidence != "rct" {
		t.Fatalf("after sign-up: %+v, %v; want an unconfirmed subscription", sub, err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails after sign-up, want the confirmation only", len(msgs))
	}
	conf := parseMail(t, msgs[0].Data)
	if conf.subject != "Please confirm your villi weekly digest" || conf.header.Get("List-Unsubscribe") != "" {
		t.Errorf("confirmation: subject %q, List-Unsubscribe %q", conf.subject, conf.header.Get("List-Unsubscribe"))
	}
	confirmTok := linkIn(t, conf.text, PathConfirm)
	if !strings.Contains(conf.html, "Confirm subscription") {
		t.Error("HTML part lacks the confirm button")
	}

	// Nothing but the confirmation goes to an unconfirmed address.
	mustRun(t, s, w.now1, RunOptions{})
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d mails after a run, want still 1: the address is unconfirmed", n)
	}
	if err := s.Subscribe(ctx, SignUp{Email: "anna@example.org"}); !errors.Is(err, ErrTooSoon) {
		t.Errorf("immediate second sign-up: %v, want ErrTooSoon", err)
	}
	if err := s.Unsubscribe(ctx, confirmTok); !errors.Is(err, ErrBadToken) {
		t.Errorf("unsubscribe with a confirm token: %v, want ErrBadToken", err)
	}

	clock = clock.Add(time.Hour)
	got, err := s.Confirm(ctx, confirmTok)
	if err != nil || !got.Confirmed || !got.LastSent.Equal(clock) {
		t.Fatalf("Confirm = %+v, %v", got, err)
	}
	if again, err := s.Confirm(ctx, confirmTok); err != nil || !again.ConfirmedAt.Equal(got.ConfirmedAt) {
		t.Errorf("confirming twice: %+v, %v; want no change", again, err)
	}

	// A sign-up for a confirmed address changes nothing and says so.
	clock = clock.Add(time.Hour)
	if err := s.Subscribe(ctx, SignUp{Email: "anna@example.org", Conditions: []string{"ibd"}}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	msgs = srv.messages()
	already := parseMail(t, msgs[len(msgs)-1].Data)
	if !strings.Contains(already.text, "already subscribed") {
		t.Errorf("second sign-up mail:\n%s", already.text)
	}
	if cur, _ := st.Subscription(sub.ID); len(cur.Conditions) != 1 || cur.Conditions[0] != "lupus" {
		t.Errorf("conditions = %v, want unchanged [lupus]", cur.Conditions)
	}
	manageTok := linkIn(t, already.text, PathManage)

	upd, err := s.Update(ctx, manageTok, SignUp{Email: "mallory@example.org", Conditions: []string{"ibd", "celiac"}, HumansOnly: true, EmptyWeek: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Email != "anna@example.org" || strings.Join(upd.Conditions, ",") != "celiac,ibd" || !upd.HumansOnly || upd.EmptyWeek != store.EmptyWeekSkip {
		t.Errorf("Update = %+v, want the address kept and the filters changed (table order)", upd)
	}
	if err := s.Unsubscribe(ctx, manageTok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Manage(ctx, manageTok); !errors.Is(err, ErrUnsubscribed) {
		t.Errorf("manage after unsubscribe: %v, want ErrUnsubscribed", err)
	}
	if _, err := s.Confirm(ctx, confirmTok); !errors.Is(err, ErrUnsubscribed) {
		t.Errorf("confirm after unsubscribe: %v, want ErrUnsubscribed", err)
	}
}

func TestSubscribe_ConfirmLinkExpires(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	now := w.now1
	cfg := testConfig(now)
	cfg.SMTPURL = srv.url()
	clock := now
	cfg.Clock = func() time.Time { return clock }
	s := newService(t, w.lib, cfg)
	if err := s.Subscribe(context.Background(), SignUp{Email: "late@example.org"}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	tok := linkIn(t, parseMail(t, srv.messages()[0].Data).text, PathConfirm)
	if err := s.CheckConfirm(tok); err != nil {
		t.Errorf("check of a fresh confirm link: %v", err)
	}
	if err := s.CheckUnsubscribe(tok); !errors.Is(err, ErrBadToken) {
		t.Errorf("confirm token checked as an unsubscribe link: %v, want ErrBadToken", err)
	}
	clock = now.Add(8 * 24 * time.Hour)
	if err := s.CheckConfirm(tok); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("check after 8 days: %v, want ErrExpiredToken", err)
	}
	if sub, _ := w.lib.DB().SubscriptionByEmail("late@example.org"); sub.Confirmed {
		t.Error("CheckConfirm confirmed the subscription")
	}
	if _, err := s.Confirm(context.Background(), tok); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("confirm after 8 days: %v, want ErrExpiredToken", err)
	}
	// The unconfirmed sign-up is forgotten once its link is long dead.
	mustRun(t, s, now.Add(15*24*time.Hour), RunOptions{})
	if _, err := w.lib.DB().SubscriptionByEmail("late@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stale unconfirmed sign-up kept: %v", err)
	}
}

func TestValidate_FieldErrors(t *testing.T) {
	w := newTwoWeeks(t, "")
	s := newService(t, w.lib, testConfig(w.now1))
	cases := []struct {
		in    SignUp
		field string
	}{
		{SignUp{Email: "not an address"}, "email"},
		{SignUp{Email: "Anna <anna@example.org>"}, "email"},
		{SignUp{Email: "a@example.org", Conditions: []string{"leaky-gut"}}, "condition"},
		{SignUp{Email: "a@example.org", Mechanisms: []string{"hashimoto"}}, "mechanism"},
		{SignUp{Email: "a@example.org", Query: "zonulin AND ("}, "query"},
		// A tag the taxonomy lacks parses as a word shape but every
		// digest's search would refuse it: refused now, not each Monday.
		{SignUp{Email: "a@example.org", Query: "zonulin AND condition:leaky-gut"}, "query"},
		{SignUp{Email: "a@example.org", MinEvidence: "anecdote"}, "min_evidence"},
		{SignUp{Email: "a@example.org", EmptyWeek: "sometimes"}, "empty_week"},
	}
	for _, c := range cases {
		_, err := s.Validate(c.in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("Validate(%+v) = %v, want a FieldError on %s", c.in, err, c.field)
		}
	}
	ok, err := s.Validate(SignUp{Email: "a@example.org", Conditions: []string{"ibd", "celiac", "ibd"}, Query: "zonulin AND condition:celiac"})
	if err != nil || strings.Join(ok.Conditions, ",") != "celiac,ibd" || ok.EmptyWeek != store.EmptyWeekSend {
		t.Errorf("Validate = %+v, %v", ok, err)
	}
}

// A mail that cannot be sent is logged, the sign-up is kept, and signing up
// again sends it (no "too soon": nothing was sent).
func TestSubscribe_MailServerDownKeepsTheSignUpAndAllowsARetry(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	srv.stop()
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	var logs logBuffer
	cfg.Logger = logs.logger()
	s := newService(t, w.lib, cfg)
	ctx := context.Background()
	if err := s.Subscribe(ctx, SignUp{Email: "a@example.org"}); err != nil {
		t.Fatalf("Subscribe with the server down: %v, want the sign-up taken and its mail queued", err)
	}
	waitIdle(t, s)
	if got := logs.String(); !strings.Contains(got, "confirmation mail not sent") || !strings.Contains(got, "confirmation mail to a@example.org") {
		t.Errorf("log after the mail failed for good:\n%s\nwant an error naming the confirmation mail and its address", got)
	}
	srv.start()
	s.smtp.port = portOf(t, srv.addr)
	if err := s.Subscribe(ctx, SignUp{Email: "a@example.org"}); err != nil {
		t.Fatalf("retry right after the outage: %v", err)
	}
	waitIdle(t, s)
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d confirmation mails, want 1", n)
	}
	subs, _ := w.lib.DB().Subscriptions()
	if len(subs) != 1 || subs[0].Confirmed {
		t.Errorf("subscriptions = %+v, want one unconfirmed", subs)
	}
}

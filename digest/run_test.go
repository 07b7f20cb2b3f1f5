package digest

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"villi/library"
	"villi/schedule"
	"villi/store"
)

func mustRun(t *testing.T, s *Service, now time.Time, opts RunOptions) *Report {
	t.Helper()
	rep, err := s.Run(context.Background(), now, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func entryOf(t *testing.T, st *store.Store, sub uint64, week string) store.SendEntry {
	t.Helper()
	e, err := st.SendEntry(sub, week)
	if err != nil {
		t.Fatalf("send-log %d/%s: %v", sub, week, err)
	}
	return e
}

func TestRun_SendsOnceAndASecondRunSendsNothing(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	s := newService(t, w.lib, cfg)
	st := w.lib.DB()
	all := addSub(t, st, store.Subscription{Email: "all@example.org"}, longAgo)
	// Nobody's conditions match "hashimoto" in these records: empty weeks.
	quietSend := addSub(t, st, store.Subscription{Email: "quiet-send@example.org", Conditions: []string{"hashimoto"}}, longAgo)
	quietSkip := addSub(t, st, store.Subscription{Email: "quiet-skip@example.org", Conditions: []string{"hashimoto"}, EmptyWeek: store.EmptyWeekSkip}, longAgo)
	unconfirmed := store.Subscription{Email: "unconfirmed@example.org", Created: longAgo, EmptyWeek: store.EmptyWeekSend}
	if err := st.PutSubscription(&unconfirmed); err != nil {
		t.Fatal(err)
	}
	// Confirmed after this week's Monday 07:00: first digest next week.
	late := addSub(t, st, store.Subscription{Email: "late@example.org"}, w.now1.Add(time.Hour))

	after := w.now1.Add(2 * time.Hour)
	rep := mustRun(t, s, after, RunOptions{})
	if rep.Sent != 2 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Errorf("report sent %d skipped %d failed %d, want 2, 1, 0", rep.Sent, rep.Skipped, rep.Failed)
	}
	msgs := srv.messages()
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	slices.Sort(to)
	if want := []string{"all@example.org", "quiet-send@example.org"}; !slices.Equal(to, want) {
		t.Fatalf("mail went to %v, want %v", to, want)
	}
	week := WeekKey(after, time.UTC)
	for _, c := range []struct {
		sub   store.Subscription
		state store.SendState
	}{{all, store.SendSent}, {quietSend, store.SendSent}, {quietSkip, store.SendSkipped}} {
		e := entryOf(t, st, c.sub.ID, week)
		got, _ := st.Subscription(c.sub.ID)
		if e.State != c.state || !got.LastSent.Equal(after) || !e.Until.Equal(after) || !e.Since.Equal(longAgo) {
			t.Errorf("%s: entry %s (%v, %v], last sent %v; want %s up to %v", c.sub.Email, e.State, e.Since, e.Until, got.LastSent, c.state, after)
		}
	}
	for _, sub := range []store.Subscription{unconfirmed, late} {
		if _, err := st.SendEntry(sub.ID, week); err == nil {
			t.Errorf("%s got a send-log entry this week", sub.Email)
		}
	}
	for _, m := range msgs {
		p := parseMail(t, m.Data)
		if m.To[0] == "quiet-send@example.org" && (p.subject != "villi weekly: nothing new this week" || len(p.pmids) != 0) {
			t.Errorf("empty week mail: subject %q, %d articles", p.subject, len(p.pmids))
		}
	}
	runs, _ := st.Runs("digest", 5)
	if len(runs) != 1 || runs[0].Added != 2 || runs[0].Running() || runs[0].Err != "" {
		t.Errorf("digest runs = %+v, want one ended run with 2 sent", runs)
	}

	again := mustRun(t, s, after.Add(3*time.Hour), RunOptions{})
	if n := len(srv.messages()); n != 2 || again.Sent != 0 {
		t.Errorf("second run sent %d (server holds %d), want nothing more", again.Sent, n)
	}
	if over, err := s.Overdue(after.Add(4 * time.Hour)); err != nil || over {
		t.Errorf("Overdue after sending = %v, %v; want false", over, err)
	}
}

// The bar of the issue: SMTP down during a run loses nothing and, after it
// comes back and after a restart, sends each week exactly once.
func TestRun_SMTPOutageThenRestart_EachWeekExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	w := newTwoWeeks(t, dir)
	srv := startSMTP(t, nil)
	srv.stop() // down before the run starts
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	cfg.Attempts = 3
	s := newService(t, w.lib, cfg)
	a := addSub(t, w.lib.DB(), store.Subscription{Email: "a@example.org"}, longAgo)
	b := addSub(t, w.lib.DB(), store.Subscription{Email: "b@example.org", Conditions: []string{"rheumatoid-arthritis", "lupus", "multiple-sclerosis"}}, longAgo)
	week1, week2 := WeekKey(w.now1, time.UTC), WeekKey(w.now2, time.UTC)

	rep := mustRun(t, s, w.now1, RunOptions{})
	if rep.Failed != 2 || rep.Sent != 0 {
		t.Fatalf("run with SMTP down: %+v, want 2 failed", rep)
	}
	for _, sub := range []store.Subscription{a, b} {
		e := entryOf(t, w.lib.DB(), sub.ID, week1)
		if e.State != store.SendFailed || e.LastError == "" || !e.Until.Equal(w.now1) {
			t.Errorf("%s: %+v, want failed with an error and the window fixed", sub.Email, e)
		}
		got, _ := w.lib.DB().Subscription(sub.ID)
		if !got.LastSent.Equal(longAgo) {
			t.Errorf("%s: LastSent moved to %v although nothing was sent", sub.Email, got.LastSent)
		}
	}
	if e := entryOf(t, w.lib.DB(), a.ID, week1); e.Attempts != 3 {
		t.Errorf("attempts = %d, want 3 (retried with backoff)", e.Attempts)
	}
	runs, _ := w.lib.DB().Runs("digest", 1)
	if len(runs) != 1 || len(runs[0].Failing) != 2 || runs[0].Err == "" {
		t.Errorf("digest run = %+v, want both addresses failing", runs)
	}
	if over, _ := s.Overdue(w.now1.Add(time.Hour)); !over {
		t.Error("Overdue = false with failed digests this week")
	}

	// Restart: close everything, reopen the data directory, SMTP back.
	w.lib.Close()
	lib, err := library.Open(context.Background(), dir, library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	srv.start()
	cfg.SMTPURL = srv.url()
	s = newService(t, lib, cfg)
	later := w.now1.Add(3 * time.Hour)
	if over, _ := s.Overdue(later); !over {
		t.Error("Overdue = false after restart")
	}
	mustRun(t, s, later, RunOptions{})
	mustRun(t, s, later.Add(time.Hour), RunOptions{})
	counts := map[string]int{}
	for _, m := range srv.messages() {
		counts[m.To[0]]++
		p := parseMail(t, m.Data)
		if m.To[0] == "a@example.org" && !slices.Equal(p.pmids, w.week1) {
			t.Errorf("a's week-1 digest links %v, want %v", p.pmids, w.week1)
		}
	}
	if counts["a@example.org"] != 1 || counts["b@example.org"] != 1 {
		t.Fatalf("after recovery: %v, want one each", counts)
	}
	if e := entryOf(t, lib.DB(), a.ID, week1); e.State != store.SendSent || !e.Until.Equal(w.now1) {
		t.Errorf("week 1 entry = %+v, want sent with the window fixed at the first attempt", e)
	}

	// Next week: only what arrived since, once.
	mustRun(t, s, w.now2, RunOptions{})
	mustRun(t, s, w.now2.Add(time.Minute), RunOptions{})
	var week2Mail []received
	for _, m := range srv.messages() {
		if strings.Contains(string(m.Data), week2+"."+"1") || m.To[0] == "a@example.org" {
			week2Mail = append(week2Mail, m)
		}
	}
	if n := len(srv.messages()); n != 4 {
		t.Fatalf("server holds %d messages after week 2, want 4", n)
	}
	last := parseMail(t, week2Mail[len(week2Mail)-1].Data)
	if !slices.Equal(last.pmids, w.week2) {
		t.Errorf("a's week-2 digest links %v, want %v (nothing from week 1 again)", last.pmids, w.week2)
	}
}

func TestRun_TemporaryRefusalRetriedPermanentNot(t *testing.T) {
	w := newTwoWeeks(t, "")
	for _, c := range []struct {
		name     string
		replies  []int
		state    store.SendState
		attempts int
		messages int
	}{
		{"451 then accepted", []int{451}, store.SendSent, 2, 1},
		{"550 refused", []int{550}, store.SendFailed, 1, 0},
		{"451 every time", []int{451, 451, 451, 451}, store.SendFailed, 4, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startSMTP(t, func(s *testSMTP) { s.dataReplies = c.replies })
			cfg := testConfig(w.now1)
			cfg.SMTPURL = srv.url()
			s := newService(t, w.lib, cfg)
			email := strings.ReplaceAll(c.name, " ", "-") + "@example.org"
			sub := addSub(t, w.lib.DB(), store.Subscription{Email: email}, longAgo)
			mustRun(t, s, w.now1, RunOptions{To: email})
			e := entryOf(t, w.lib.DB(), sub.ID, WeekKey(w.now1, time.UTC))
			if e.State != c.state || e.Attempts != c.attempts || len(srv.messages()) != c.messages {
				t.Errorf("state %s after %d attempts, %d delivered; want %s, %d, %d (error %q)", e.State, e.Attempts, len(srv.messages()), c.state, c.attempts, c.messages, e.LastError)
			}
			if c.state == store.SendFailed && !strings.Contains(e.LastError, "scripted refusal") {
				t.Errorf("last error %q does not quote the server", e.LastError)
			}
		})
	}
}

func TestRun_NoReplyAfterDataIsUncertainAndNotResent(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, func(s *testSMTP) { s.dropAfterData = 1 })
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	s := newService(t, w.lib, cfg)
	sub := addSub(t, w.lib.DB(), store.Subscription{Email: "u@example.org"}, longAgo)
	week := WeekKey(w.now1, time.UTC)

	rep := mustRun(t, s, w.now1, RunOptions{})
	e := entryOf(t, w.lib.DB(), sub.ID, week)
	if e.State != store.SendUncertain || rep.Uncertain != 1 || e.Attempts != 1 {
		t.Fatalf("entry %+v, report %+v: want uncertain after one attempt", e, rep)
	}
	mustRun(t, s, w.now1.Add(time.Hour), RunOptions{})
	if n := len(srv.messages()); n != 1 {
		t.Errorf("server holds %d messages, want 1: an uncertain digest must not be resent by a run", n)
	}
	if over, _ := s.Overdue(w.now1.Add(time.Hour)); over {
		t.Error("Overdue = true for an uncertain digest: serve would loop")
	}
	runs, _ := w.lib.DB().Runs("digest", 1)
	if len(runs[0].Failing) != 1 || !strings.Contains(runs[0].Failing[0], "uncertain") {
		t.Errorf("last run failing = %q, want the uncertain address listed", runs[0].Failing)
	}

	// A person checked and asks for the resend: same Message-ID.
	mustRun(t, s, w.now1.Add(2*time.Hour), RunOptions{ResendUncertain: true})
	msgs := srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("after resend: %d messages, want 2", len(msgs))
	}
	id1, id2 := parseMail(t, msgs[0].Data).header.Get("Message-Id"), parseMail(t, msgs[1].Data).header.Get("Message-Id")
	if id1 != id2 || id1 == "" {
		t.Errorf("Message-IDs %q and %q, want the same stable ID", id1, id2)
	}
	if e := entryOf(t, w.lib.DB(), sub.ID, week); e.State != store.SendSent {
		t.Errorf("after resend: %s, want sent", e.State)
	}
}

func TestRun_StatesLeftByACrashAreReadSafely(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	s := newService(t, w.lib, cfg)
	st := w.lib.DB()
	week := WeekKey(w.now1, time.UTC)
	sending := addSub(t, st, store.Subscription{Email: "sending@example.org"}, longAgo)
	committing := addSub(t, st, store.Subscription{Email: "committing@example.org"}, longAgo)
	for _, c := range []struct {
		sub   store.Subscription
		state store.SendState
	}{{sending, store.SendSending}, {committing, store.SendCommitting}} {
		if _, err := st.UpdateSend(c.sub.ID, week, func(e *store.SendEntry, _ *store.Subscription) error {
			e.State, e.Attempts, e.Since, e.Until = c.state, 1, longAgo, w.now1
			e.MessageID = s.messageID(c.sub.ID, week)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if over, _ := s.Overdue(w.now1.Add(time.Minute)); !over {
		t.Error("Overdue = false with an interrupted 'sending' entry")
	}
	mustRun(t, s, w.now1.Add(time.Hour), RunOptions{})
	msgs := srv.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "sending@example.org" {
		t.Fatalf("delivered to %v, want only the digest that never reached the final dot", msgs)
	}
	if e := entryOf(t, st, sending.ID, week); e.State != store.SendSent || e.Attempts != 2 {
		t.Errorf("sending → %s after %d attempts, want sent after 2", e.State, e.Attempts)
	}
	if e := entryOf(t, st, committing.ID, week); e.State != store.SendUncertain || !strings.Contains(e.LastError, "may have been delivered") {
		t.Errorf("committing → %s (%q), want uncertain", e.State, e.LastError)
	}
}

func TestRun_FailedWeekIsCoveredByTheNextAndMarkedSuperseded(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	srv.stop()
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	cfg.Attempts = 1
	s := newService(t, w.lib, cfg)
	sub := addSub(t, w.lib.DB(), store.Subscription{Email: "a@example.org"}, longAgo)
	mustRun(t, s, w.now1, RunOptions{})

	srv.start()
	s.smtp.port = portOf(t, srv.addr)
	mustRun(t, s, w.now2, RunOptions{})
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want one digest covering both weeks", len(msgs))
	}
	both := append(slices.Clone(w.week1), w.week2...)
	slices.Sort(both)
	if got := parseMail(t, msgs[0].Data).pmids; !slices.Equal(got, both) {
		t.Errorf("week-2 digest links %d articles, want both weeks' %d", len(got), len(both))
	}
	e1 := entryOf(t, w.lib.DB(), sub.ID, WeekKey(w.now1, time.UTC))
	if e1.State != store.SendSuperseded || e1.SupersededBy != WeekKey(w.now2, time.UTC) {
		t.Errorf("week 1 = %s by %q, want superseded by week 2", e1.State, e1.SupersededBy)
	}
	// Nothing brings week 1 back.
	mustRun(t, s, w.now2.Add(time.Hour), RunOptions{})
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d messages after another run, want 1", n)
	}
}

func TestRun_UnsubscribedMidSendIsNotSent(t *testing.T) {
	w := newTwoWeeks(t, "")
	var s *Service
	var subID uint64
	srv := startSMTP(t, nil)
	srv.onMail = func() { s.st.DeleteSubscription(subID) }
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	s = newService(t, w.lib, cfg)
	subID = addSub(t, w.lib.DB(), store.Subscription{Email: "leaving@example.org"}, longAgo).ID
	rep := mustRun(t, s, w.now1, RunOptions{})
	if n := len(srv.messages()); n != 0 || rep.Sent != 0 {
		t.Errorf("delivered %d (report %+v), want nothing to an address that unsubscribed during the run", n, rep)
	}
	e := entryOf(t, w.lib.DB(), subID, WeekKey(w.now1, time.UTC))
	if e.State != store.SendFailed || !strings.Contains(e.LastError, "removed") {
		t.Errorf("entry = %s %q, want failed naming the removal", e.State, e.LastError)
	}
}

func TestRun_DryRunWritesNothing(t *testing.T) {
	w := newTwoWeeks(t, "")
	s := newService(t, w.lib, testConfig(w.now1)) // no SMTP configured at all
	sub := addSub(t, w.lib.DB(), store.Subscription{Email: "a@example.org"}, longAgo)
	rep := mustRun(t, s, w.now1, RunOptions{DryRun: true})
	if len(rep.Outcomes) != 1 || rep.Outcomes[0].Message == nil || rep.Outcomes[0].Items != len(w.week1) {
		t.Fatalf("dry run = %+v, want one rendered digest of %d items", rep.Outcomes, len(w.week1))
	}
	if log, _ := w.lib.DB().SendLog(0); len(log) != 0 {
		t.Errorf("dry run wrote send-log %+v", log)
	}
	if runs, _ := w.lib.DB().Runs("digest", 5); len(runs) != 0 {
		t.Errorf("dry run saved runs %+v", runs)
	}
	// Preview shows exactly what the dry run rendered.
	s.cfg.Clock = func() time.Time { return w.now1 }
	p, err := s.Preview(context.Background(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.HTML != rep.Outcomes[0].Message.HTML || p.Text != rep.Outcomes[0].Message.Text {
		t.Error("Preview differs from the digest the run would send")
	}
	// Without SMTP a real run fails visibly, naming what to set.
	real := mustRun(t, s, w.now1, RunOptions{})
	if real.Failed != 1 || !strings.Contains(real.Outcomes[0].Err, "VILLI_SMTP_URL") {
		t.Errorf("run without SMTP = %+v, want a failure naming VILLI_SMTP_URL", real.Outcomes)
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	var p int
	for _, c := range addr[i+1:] {
		p = p*10 + int(c-'0')
	}
	return p
}

var _ = filepath.Join

func TestOverdue_OnlyAfterTheScheduledTimeAndUntilSent(t *testing.T) {
	w := newTwoWeeks(t, "")
	srv := startSMTP(t, nil)
	cfg := testConfig(w.now1)
	cfg.SMTPURL = srv.url()
	sch, err := schedule.Parse("30 6 * * 1", time.UTC) // Monday 06:30
	if err != nil {
		t.Fatal(err)
	}
	cfg.Schedule = sch
	s := newService(t, w.lib, cfg)
	monday := weekStart(w.now1, time.UTC)
	addSub(t, w.lib.DB(), store.Subscription{Email: "a@example.org"}, longAgo)
	// Confirmed after 06:30: not due this week.
	addSub(t, w.lib.DB(), store.Subscription{Email: "b@example.org"}, monday.Add(7*time.Hour))
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{monday.Add(6 * time.Hour), false}, // before the schedule
		{monday.Add(6*time.Hour + 31*time.Minute), true},
		{monday.AddDate(0, 0, 6).Add(23 * time.Hour), true}, // Sunday night, still missed
	} {
		if got, err := s.Overdue(c.at); err != nil || got != c.want {
			t.Errorf("Overdue(%v) = %v, %v; want %v", c.at, got, err, c.want)
		}
	}
	mustRun(t, s, monday.Add(8*time.Hour), RunOptions{})
	if got, _ := s.Overdue(monday.Add(9 * time.Hour)); got {
		t.Error("Overdue after the run sent this week's digests")
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d sent, want 1: b confirmed after this week's digest time", n)
	}
}

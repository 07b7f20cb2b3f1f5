package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"villi/store"
)

// RunOptions narrow or soften a run.
type RunOptions struct {
	// DryRun builds every due digest and sends nothing, writing nothing.
	DryRun bool
	// To limits the run to the subscription of this address.
	To string
	// ResendUncertain resends digests whose delivery is uncertain (the
	// connection broke after the message was complete), with the same
	// Message-ID. A person decides this; runs never do it by themselves.
	ResendUncertain bool
}

// Outcome is what a run did for one subscription.
type Outcome struct {
	Subscription uint64
	Email        string
	// State is the send-log state after the run; "" when nothing was due.
	State store.SendState
	Note  string // why nothing was sent, or what a dry run would do
	Items int
	Err   string
	// Message is the rendered digest (dry runs only).
	Message *Message
}

// Report is the result of one run.
type Report struct {
	Week                             string
	Run                              store.Run // as saved (a dry run saves none)
	Outcomes                         []Outcome
	Sent, Skipped, Failed, Uncertain int
}

// maxWeekAttempts bounds the SMTP attempts for one week's digest over all
// runs: past it the entry stays failed, visible, and the next week's digest
// covers its window.
const maxWeekAttempts = 12

// errCovered, errGone and errBusy stop an attempt inside a send-log
// transaction (see sendLog.claim).
var (
	errCovered = errors.New("a later digest already covered this window")
	errGone    = errors.New("the subscription was removed or unconfirmed meanwhile")
	errBusy    = errors.New("the digest is no longer waiting to be sent")
)

// Run sends this week's digest (the ISO week of now in Config.Location) to
// every confirmed subscription that has not had it. It is safe to call again
// and again: a week sent, skipped or uncertain is left alone, a failed one is
// retried. Subscriptions confirmed after this week's scheduled time get their
// first digest next week. The run is saved as a store.Run of kind "digest"
// (Added counts digests sent, Unchanged those skipped or already done,
// Failing names each failed address with its error).
func (s *Service) Run(ctx context.Context, now time.Time, opts RunOptions) (*Report, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	week := WeekKey(now, s.cfg.Location)
	rep := &Report{Week: week, Run: store.Run{Kind: store.RunDigest, Started: now}}
	if !opts.DryRun {
		if err := s.recoverInterrupted(); err != nil {
			return nil, err
		}
		if err := s.purgeUnconfirmed(now); err != nil {
			return nil, err
		}
		if err := s.lib.SaveRun(&rep.Run); err != nil {
			return nil, fmt.Errorf("digest run: %w", err)
		}
	}
	subs, err := s.st.Subscriptions()
	if err != nil {
		return nil, err
	}
	boundary := s.boundary(now)
	r := &digestRun{s: s, week: week, now: now, opts: opts}
	defer r.close()
	for i := range subs {
		sub := &subs[i]
		if opts.To != "" && !strings.EqualFold(strings.TrimSpace(sub.Email), strings.TrimSpace(opts.To)) {
			continue
		}
		if err := ctx.Err(); err != nil {
			rep.Run.Err = err.Error()
			break
		}
		out := Outcome{Subscription: sub.ID, Email: sub.Email}
		switch {
		case !sub.Confirmed:
			continue
		case sub.ConfirmedAt.After(boundary):
			out.Note = "confirmed after this week's digest time; first digest next week"
		case opts.DryRun:
			s.dryRun(ctx, sub, week, now, &out)
		default:
			var sendErr *sendError
			out, sendErr = r.send(ctx, sub)
			if sendErr != nil && sendErr.unreachable {
				r.down = sendErr // the rest of the run is not attempted
			}
		}
		rep.add(out)
	}
	if !opts.DryRun {
		if err := s.sweepSuperseded(week); err != nil {
			rep.Run.Err = err.Error()
		}
		rep.Run.Ended = s.cfg.Clock()
		if rep.Run.Ended.Before(rep.Run.Started) {
			rep.Run.Ended = rep.Run.Started
		}
		if rep.Failed > 0 && rep.Run.Err == "" {
			rep.Run.Err = fmt.Sprintf("%d of %d digests failed; they are retried by the next run", rep.Failed, rep.Sent+rep.Failed)
		}
		if err := s.lib.SaveRun(&rep.Run); err != nil {
			return rep, fmt.Errorf("digest run: %w", err)
		}
	}
	return rep, nil
}

func (r *Report) add(o Outcome) {
	switch o.State {
	case store.SendSent:
		if o.Note == "" {
			r.Sent++
			r.Run.Added++
		} else {
			r.Run.Unchanged++
		}
	case store.SendSkipped, store.SendSuperseded:
		r.Skipped++
		r.Run.Unchanged++
	case store.SendFailed:
		r.Failed++
		r.Run.Failing = append(r.Run.Failing, o.Email+": "+o.Err)
	case store.SendUncertain:
		r.Uncertain++
		r.Run.Failing = append(r.Run.Failing, o.Email+": delivery uncertain, not resent: "+o.Err)
	}
	r.Outcomes = append(r.Outcomes, o)
}

// boundary is the moment up to which a confirmation makes a subscription due
// this week: this week's scheduled time, or now when that is still ahead.
func (s *Service) boundary(now time.Time) time.Time {
	if at, ok := scheduledAt(s.cfg.Schedule, now, s.cfg.Location); ok && at.Before(now) {
		return at
	}
	return now
}

// window returns the (since, until] a subscription's digest for week covers:
// the one fixed at its first attempt, or from LastSent to now.
func window(sub *store.Subscription, e *store.SendEntry, now time.Time) (since, until time.Time) {
	if e != nil && !e.Until.IsZero() {
		return e.Since, e.Until
	}
	since = sub.LastSent
	if since.IsZero() {
		since = sub.ConfirmedAt
	}
	return since, now
}

func (s *Service) dryRun(ctx context.Context, sub *store.Subscription, week string, now time.Time, out *Outcome) {
	var cur *store.SendEntry
	if e, err := s.st.SendEntry(sub.ID, week); err == nil {
		if e.Final() && e.State != store.SendUncertain {
			out.State, out.Note = e.State, "already done this week"
			return
		}
		cur = &e
	}
	since, until := window(sub, cur, now)
	m, err := s.build(ctx, sub, week, since, until)
	if err != nil {
		out.Err = err.Error()
		return
	}
	out.Message, out.Items = m, m.Items
	if m.Skip {
		out.Note = "dry run: nothing new, would skip"
	} else {
		out.Note = "dry run: would send"
	}
}

// digestRun is what the digests of one Run share: the week, the run's time
// and options, and one SMTP session.
type digestRun struct {
	s    *Service
	week string
	now  time.Time
	opts RunOptions
	se   *session   // opened for the first digest due
	down *sendError // why no session could be opened or the server could not be reached
}

// smtp opens the run's SMTP session if it is not open, and returns why the
// server cannot be reached, if it cannot.
func (r *digestRun) smtp() *sendError {
	if r.se == nil && r.down == nil {
		se, err := r.s.newSession()
		if err != nil {
			r.down = &sendError{err: err}
		}
		r.se = se
	}
	return r.down
}

func (r *digestRun) close() {
	if r.se != nil {
		r.se.close()
	}
}

// send takes sub's digest for the week through its send-log entry, as the
// package doc tells: claim, commit and sent around the SMTP transaction;
// fail, uncertain or skip otherwise. It returns what happened and the
// delivery error, if an attempt failed.
func (r *digestRun) send(ctx context.Context, sub *store.Subscription) (Outcome, *sendError) {
	out := Outcome{Subscription: sub.ID, Email: sub.Email}
	l, cur, err := r.s.openSendLog(sub, r.week, r.now)
	if err != nil {
		out.State, out.Err = store.SendFailed, err.Error()
		return out, nil
	}
	if cur != nil && !r.waiting(cur, &out) {
		return out, nil
	}
	if down := r.smtp(); down != nil {
		out.settle(l.fail("not attempted: " + down.Error()))
		return out, nil
	}
	m, err := r.s.build(ctx, sub, r.week, l.since, l.until)
	if err != nil {
		out.settle(l.fail(err.Error()))
		return out, nil
	}
	out.Items = m.Items
	if m.Skip {
		out.settle(l.skip(m.Items, r.opts.ResendUncertain))
		return out, nil
	}
	msg, err := r.s.mailMsg(m, r.s.cfg.Clock(), true)
	if err != nil {
		out.settle(l.fail(err.Error()))
		return out, nil
	}
	sendErr := r.s.deliverWithRetry(ctx, r.se, msg, hooks{
		before: func() error {
			_, err := l.claim(m.Items, r.opts.ResendUncertain)
			return err
		},
		commit: func() error {
			_, err := l.commit()
			return err
		},
		// The server refused the message or never got all of it: the entry
		// goes back to failed, so a retry is safe.
		failed: func(e *sendError) { _, _ = l.fail(e.Error()) },
	})
	switch {
	case sendErr == nil:
		out.settle(l.sent(m.told))
	case errors.Is(sendErr, errCovered), errors.Is(sendErr, errBusy), errors.Is(sendErr, errGone):
		// Nothing was sent and nothing is owed: claim wrote nothing, or the
		// failed hook already released the claimed entry.
		out.settle(store.SendEntry{}, sendErr.err)
	case sendErr.uncertain:
		out.settle(l.uncertain(sendErr.Error()))
	default:
		out.settle(l.fail(sendErr.Error()))
	}
	return out, sendErr
}

// waiting reports whether this run is to send the digest of entry e; if it
// is not, out says why.
func (r *digestRun) waiting(e *store.SendEntry, out *Outcome) bool {
	switch {
	case e.State == store.SendUncertain && r.opts.ResendUncertain:
		return true
	case e.Final():
		out.State, out.Items, out.Err = e.State, e.Items, e.LastError
		out.Note = "already done this week"
		if e.State == store.SendUncertain {
			out.Note = "delivery uncertain; resend with --resend-uncertain after checking"
		}
		return false
	case e.Attempts >= maxWeekAttempts:
		out.State, out.Err = e.State, e.LastError
		out.Note = fmt.Sprintf("gave up after %d attempts this week; next week's digest covers it", e.Attempts)
		return false
	}
	return true
}

// settle reports a send-log transition in the outcome.
func (o *Outcome) settle(e store.SendEntry, err error) {
	switch {
	case errors.Is(err, errCovered):
		o.State, o.Note = store.SendSuperseded, errCovered.Error()
	case errors.Is(err, errGone):
		o.State, o.Note = "", errGone.Error()
	case errors.Is(err, errBusy):
		o.State, o.Note = "", err.Error()
	case err != nil:
		o.State, o.Err = store.SendFailed, err.Error()
	default:
		o.State, o.Err = e.State, e.LastError
	}
}

// recoverInterrupted reads what a crash left: "sending" never reached the
// final "." and becomes failed (retried); "committing" may have been accepted
// and becomes uncertain (never resent blindly).
func (s *Service) recoverInterrupted() error {
	log, err := s.st.SendLog(0)
	if err != nil {
		return err
	}
	for _, e := range log {
		l := s.sendLog(e.Subscription, e.Week, e.Since, e.Until)
		switch e.State {
		case store.SendSending:
			_, err = l.fail("interrupted before the message was complete; the server discarded it")
		case store.SendCommitting:
			_, err = l.uncertain("interrupted after the message was complete, before the server's reply; it may have been delivered")
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("recover send-log %d/%s: %w", e.Subscription, e.Week, err)
		}
	}
	return nil
}

// sweepSuperseded marks failed and uncertain entries of earlier weeks whose
// window a later digest covered.
func (s *Service) sweepSuperseded(week string) error {
	log, err := s.st.SendLog(0)
	if err != nil {
		return err
	}
	for _, e := range log {
		if e.Week >= week || (e.State != store.SendFailed && e.State != store.SendUncertain) {
			continue
		}
		_, err := s.sendLog(e.Subscription, e.Week, e.Since, e.Until).supersede(coveringWeek(log, &e))
		if err != nil && !errors.Is(err, errNotCovered) {
			return err
		}
	}
	return nil
}

// coveringWeek names the first later week sent or skipped for the same
// subscription.
func coveringWeek(log []store.SendEntry, e *store.SendEntry) string {
	for _, o := range log {
		if o.Subscription == e.Subscription && o.Week > e.Week && (o.State == store.SendSent || o.State == store.SendSkipped) {
			return o.Week
		}
	}
	return ""
}

// purgeUnconfirmed forgets sign-ups never confirmed whose link has long
// expired.
func (s *Service) purgeUnconfirmed(now time.Time) error {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if !sub.Confirmed && now.Sub(sub.Created) > 2*s.cfg.ConfirmTTL {
			if err := s.st.DeleteSubscription(sub.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// Overdue reports whether this week's scheduled digest time (in
// Config.Location) has passed while some confirmed subscription has not had
// its digest and can still get it: cron does not catch up missed runs, so
// serve calls Overdue at start-up (and may call it periodically to retry
// failures) and then Run.
func (s *Service) Overdue(now time.Time) (bool, error) {
	at, ok := scheduledAt(s.cfg.Schedule, now, s.cfg.Location)
	if !ok || now.Before(at) {
		return false, nil
	}
	week := WeekKey(now, s.cfg.Location)
	subs, err := s.st.Subscriptions()
	if err != nil {
		return false, err
	}
	for _, sub := range subs {
		if !sub.Confirmed || sub.ConfirmedAt.After(at) {
			continue
		}
		e, err := s.st.SendEntry(sub.ID, week)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if (e.State == store.SendFailed || e.State == store.SendSending) && e.Attempts < maxWeekAttempts {
			return true, nil
		}
	}
	return false, nil
}

// Preview renders the digest a subscription would get next, exactly as it
// would be sent, without sending or recording anything: this week's digest if
// it is not done yet (with its fixed window if an attempt was made), else
// next week's so far.
func (s *Service) Preview(ctx context.Context, subID uint64) (*Message, error) {
	sub, err := s.st.Subscription(subID)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock()
	week := WeekKey(now, s.cfg.Location)
	var cur *store.SendEntry
	if e, err := s.st.SendEntry(sub.ID, week); err == nil {
		if e.Final() && e.State != store.SendUncertain {
			week = WeekKey(now.AddDate(0, 0, 7), s.cfg.Location)
		} else {
			cur = &e
		}
	}
	since, until := window(&sub, cur, now)
	if since.IsZero() {
		since = sub.Created
	}
	return s.build(ctx, &sub, week, since, until)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

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

// errCovered and errGone stop an attempt inside a send-log transaction.
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
	var se *session
	var unreachable *sendError
	defer func() {
		if se != nil {
			se.close()
		}
	}()
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
			if se == nil && unreachable == nil {
				if se, err = s.newSession(); err != nil {
					unreachable = &sendError{err: err}
				}
			}
			s.runOne(ctx, se, sub, week, now, opts, &unreachable, &out)
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

// runOne sends one subscription's digest for week, keeping the send-log
// state machine (see the package doc).
func (s *Service) runOne(ctx context.Context, se *session, sub *store.Subscription, week string, now time.Time, opts RunOptions, unreachable **sendError, out *Outcome) {
	var cur *store.SendEntry
	if e, err := s.st.SendEntry(sub.ID, week); err == nil {
		cur = &e
		switch {
		case e.State == store.SendUncertain && opts.ResendUncertain:
		case e.Final():
			out.State, out.Items, out.Err = e.State, e.Items, e.LastError
			out.Note = "already done this week"
			if e.State == store.SendUncertain {
				out.Note = "delivery uncertain; resend with --resend-uncertain after checking"
			}
			return
		case e.Attempts >= maxWeekAttempts:
			out.State, out.Err = e.State, e.LastError
			out.Note = fmt.Sprintf("gave up after %d attempts this week; next week's digest covers it", e.Attempts)
			return
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		out.State, out.Err = store.SendFailed, err.Error()
		return
	}
	since, until := window(sub, cur, now)
	if *unreachable != nil {
		s.markFailed(sub.ID, week, since, until, "not attempted: "+(*unreachable).Error(), out)
		return
	}
	m, err := s.build(ctx, sub, week, since, until)
	if err != nil {
		s.markFailed(sub.ID, week, since, until, err.Error(), out)
		return
	}
	out.Items = m.Items
	if m.Skip {
		e, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, sp *store.Subscription) error {
			if err := s.claimable(e, sp, since, opts); err != nil {
				return err
			}
			s.fill(e, m, since, until)
			e.State, e.Updated = store.SendSkipped, s.cfg.Clock()
			sp.LastSent = laterOf(sp.LastSent, until)
			return nil
		})
		s.settle(e, err, out)
		return
	}
	msg, err := s.mailMsg(m, s.cfg.Clock(), true)
	if err != nil {
		s.markFailed(sub.ID, week, since, until, err.Error(), out)
		return
	}
	sendErr := s.deliverWithRetry(ctx, se, msg, hooks{
		before: func() error {
			_, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, sp *store.Subscription) error {
				if err := s.claimable(e, sp, since, opts); err != nil {
					return err
				}
				s.fill(e, m, since, until)
				e.State, e.Attempts, e.Updated = store.SendSending, e.Attempts+1, s.cfg.Clock()
				return nil
			})
			return err
		},
		commit: func() error {
			_, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, sp *store.Subscription) error {
				if sp == nil || !sp.Confirmed {
					return errGone
				}
				if e.State != store.SendSending {
					return fmt.Errorf("send-log %d/%s is %s, not sending", sub.ID, week, e.State)
				}
				e.State, e.Updated = store.SendCommitting, s.cfg.Clock()
				return nil
			})
			return err
		},
		failed: func(e *sendError) {
			// Back from sending or committing: the server refused the
			// message or never got all of it, so a retry is safe.
			_, _ = s.st.UpdateSend(sub.ID, week, func(x *store.SendEntry, _ *store.Subscription) error {
				if x.State != store.SendSending && x.State != store.SendCommitting {
					return errCovered // nothing claimed: leave it
				}
				x.State, x.LastError, x.Updated = store.SendFailed, e.Error(), s.cfg.Clock()
				return nil
			})
		},
	})
	clock := s.cfg.Clock()
	switch {
	case sendErr == nil:
		e, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, sp *store.Subscription) error {
			e.State, e.Sent, e.Updated, e.LastError = store.SendSent, clock, clock, ""
			if sp != nil {
				sp.LastSent = laterOf(sp.LastSent, until)
				sp.Told = m.told
			}
			return nil
		})
		s.settle(e, err, out)
	case errors.Is(sendErr, errCovered), errors.Is(sendErr, errBusy), errors.Is(sendErr, errGone):
		// Nothing was sent and nothing is owed: the failed hook already
		// released a claimed entry.
		s.settle(store.SendEntry{}, sendErr.err, out)
	case sendErr.uncertain:
		e, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, _ *store.Subscription) error {
			e.State, e.LastError, e.Updated = store.SendUncertain, sendErr.Error(), clock
			return nil
		})
		s.settle(e, err, out)
	default:
		if sendErr.unreachable {
			*unreachable = sendErr
		}
		e, err := s.st.UpdateSend(sub.ID, week, func(e *store.SendEntry, _ *store.Subscription) error {
			if e.State == "" {
				s.fill(e, m, since, until)
			}
			e.State, e.LastError, e.Updated = store.SendFailed, sendErr.Error(), clock
			return nil
		})
		s.settle(e, err, out)
	}
}

// claimable checks, inside the send-log transaction, that an attempt may
// start: the subscription is still confirmed, the week is not done, and no
// later digest has covered the window meanwhile.
func (s *Service) claimable(e *store.SendEntry, sp *store.Subscription, since time.Time, opts RunOptions) error {
	if sp == nil || !sp.Confirmed {
		return errGone
	}
	switch e.State {
	case "", store.SendFailed:
	case store.SendUncertain:
		if !opts.ResendUncertain {
			return fmt.Errorf("%w: send-log %d/%s: delivery uncertain", errBusy, e.Subscription, e.Week)
		}
	default:
		return fmt.Errorf("%w: send-log %d/%s is %s", errBusy, e.Subscription, e.Week, e.State)
	}
	if sp.LastSent.After(since) {
		return errCovered
	}
	return nil
}

func (s *Service) fill(e *store.SendEntry, m *Message, since, until time.Time) {
	e.Since, e.Until, e.MessageID, e.Items = since, until, m.MessageID, m.Items
	if e.Started.IsZero() {
		e.Started = s.cfg.Clock()
	}
}

// settle reports a send-log write in the outcome.
func (s *Service) settle(e store.SendEntry, err error, out *Outcome) {
	switch {
	case errors.Is(err, errCovered):
		out.State, out.Note = store.SendSuperseded, errCovered.Error()
	case errors.Is(err, errGone):
		out.State, out.Note = "", errGone.Error()
	case errors.Is(err, errBusy):
		out.State, out.Note = "", err.Error()
	case err != nil:
		out.State, out.Err = store.SendFailed, err.Error()
	default:
		out.State, out.Err = e.State, e.LastError
	}
}

// markFailed records a digest that could not even be attempted.
func (s *Service) markFailed(subID uint64, week string, since, until time.Time, reason string, out *Outcome) {
	e, err := s.st.UpdateSend(subID, week, func(e *store.SendEntry, sp *store.Subscription) error {
		if e.State != "" && e.State != store.SendFailed {
			return fmt.Errorf("send-log %d/%s is already %s", subID, week, e.State)
		}
		if e.State == "" {
			e.Since, e.Until, e.Started = since, until, s.cfg.Clock()
			e.MessageID = s.messageID(subID, week)
		}
		e.State, e.LastError, e.Updated = store.SendFailed, reason, s.cfg.Clock()
		return nil
	})
	s.settle(e, err, out)
	if out.Err == "" {
		out.Err = reason
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
		if e.State != store.SendSending && e.State != store.SendCommitting {
			continue
		}
		_, err := s.st.UpdateSend(e.Subscription, e.Week, func(x *store.SendEntry, _ *store.Subscription) error {
			switch x.State {
			case store.SendSending:
				x.State, x.LastError = store.SendFailed, "interrupted before the message was complete; the server discarded it"
			case store.SendCommitting:
				x.State, x.LastError = store.SendUncertain, "interrupted after the message was complete, before the server's reply; it may have been delivered"
			}
			x.Updated = s.cfg.Clock()
			return nil
		})
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
		_, err := s.st.UpdateSend(e.Subscription, e.Week, func(x *store.SendEntry, sp *store.Subscription) error {
			if sp == nil || sp.LastSent.Before(x.Until) {
				return errCovered // not covered: leave it
			}
			x.State, x.SupersededBy, x.Updated = store.SendSuperseded, coveringWeek(log, x), s.cfg.Clock()
			return nil
		})
		if err != nil && !errors.Is(err, errCovered) {
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

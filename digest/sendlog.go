package digest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"villi/store"
)

// sendLog is the send-log entry of one subscription's digest for one ISO
// week, with the state machine of the package doc as methods. Each method is
// one transition: it checks, inside one store.UpdateSend write transaction,
// that the entry is in a state the transition may leave, changes it, and
// stores it (with the subscription, when the transition moves LastSent). An
// entry in any other state is left as it was and the method returns a
// *transitionError naming both states.
//
//	claim      none, failed (uncertain with --resend-uncertain) → sending, one attempt more
//	commit     sending → committing
//	sent       committing → sent; LastSent moves to the end of the window
//	fail       none, sending, committing, failed → failed, with the error
//	uncertain  committing → uncertain, with the error
//	skip       none, failed (uncertain with --resend-uncertain) → skipped; LastSent moves
//	supersede  failed, uncertain → superseded, once LastSent covers the window
//
// "none" is a week without an entry yet; a transition from it creates the
// entry with the window and the stable Message-ID. Sent, skipped and
// superseded are final: no transition leaves them.
type sendLog struct {
	st    *store.Store
	clock func() time.Time
	sub   uint64
	week  string
	// messageID, since and until are what a new entry records: the
	// digest's stable Message-ID and the window (since, until] of Added
	// times it covers, fixed at the first attempt.
	messageID    string
	since, until time.Time
}

// transitionError is an attempt at a transition the state machine does not
// have from the entry's state.
type transitionError struct {
	sub      uint64
	week     string
	from, to store.SendState
	hint     string
}

func (e *transitionError) Error() string {
	s := fmt.Sprintf("send-log %d/%s: no transition from %s to %s", e.sub, e.week, stateName(e.from), e.to)
	if e.hint != "" {
		s += " (" + e.hint + ")"
	}
	return s
}

func stateName(s store.SendState) string {
	if s == "" {
		return "none"
	}
	return string(s)
}

// errNotCovered tells supersede to leave an entry whose window no later
// digest has covered yet.
var errNotCovered = errors.New("no later digest covers this window yet")

// sendLog returns the send-log of sub's digest for week, whose entry, if it
// is new, gets the window (since, until].
func (s *Service) sendLog(sub uint64, week string, since, until time.Time) *sendLog {
	return &sendLog{st: s.st, clock: s.cfg.Clock, sub: sub, week: week,
		messageID: s.messageID(sub, week), since: since, until: until}
}

// openSendLog reads sub's send-log entry for week (nil before the first
// attempt) and returns it with its sendLog, whose window is the entry's or,
// for a new entry, the one from LastSent to now.
func (s *Service) openSendLog(sub *store.Subscription, week string, now time.Time) (*sendLog, *store.SendEntry, error) {
	var cur *store.SendEntry
	e, err := s.st.SendEntry(sub.ID, week)
	switch {
	case err == nil:
		cur = &e
	case !errors.Is(err, store.ErrNotFound):
		return nil, nil, err
	}
	since, until := window(sub, cur, now)
	return s.sendLog(sub.ID, week, since, until), cur, nil
}

// update runs fn on the entry and the subscription (nil when it is gone) in
// one store transaction; an error from fn writes nothing.
func (l *sendLog) update(fn func(e *store.SendEntry, sp *store.Subscription, now time.Time) error) (store.SendEntry, error) {
	return l.st.UpdateSend(l.sub, l.week, func(e *store.SendEntry, sp *store.Subscription) error {
		return fn(e, sp, l.clock())
	})
}

// leaving checks that e may go to state to: its state is one of from.
func leaving(e *store.SendEntry, to store.SendState, from ...store.SendState) error {
	if slices.Contains(from, e.State) {
		return nil
	}
	return illegal(e, to)
}

func illegal(e *store.SendEntry, to store.SendState) *transitionError {
	return &transitionError{sub: e.Subscription, week: e.Week, from: e.State, to: to}
}

// fill records the window and the Message-ID, and the start the first time.
func (l *sendLog) fill(e *store.SendEntry, now time.Time) {
	e.Since, e.Until, e.MessageID = l.since, l.until, l.messageID
	if e.Started.IsZero() {
		e.Started = now
	}
}

// claim opens an attempt: the entry goes to sending, before the SMTP
// transaction opens, with one attempt more. It may start only while the
// subscription is confirmed (else errGone), the entry waits to be sent (else
// errBusy wrapping the transitionError) and no later digest has covered the
// window (else errCovered). items is the digest's item count.
func (l *sendLog) claim(items int, resend bool) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, sp *store.Subscription, now time.Time) error {
		if err := l.claimable(e, sp, store.SendSending, resend); err != nil {
			return err
		}
		l.fill(e, now)
		e.Items = items
		e.State, e.Attempts, e.Updated = store.SendSending, e.Attempts+1, now
		return nil
	})
}

// claimable checks that the entry may go to state to, sending or skipped.
func (l *sendLog) claimable(e *store.SendEntry, sp *store.Subscription, to store.SendState, resend bool) error {
	if sp == nil || !sp.Confirmed {
		return errGone
	}
	from := []store.SendState{"", store.SendFailed}
	if resend {
		from = append(from, store.SendUncertain)
	}
	if !slices.Contains(from, e.State) {
		err := illegal(e, to)
		if e.State == store.SendUncertain {
			err.hint = "delivery uncertain; only --resend-uncertain sends it again"
		}
		return fmt.Errorf("%w: %w", errBusy, err)
	}
	if sp.LastSent.After(l.since) {
		return errCovered
	}
	return nil
}

// commit marks the whole message written: the entry goes from sending to
// committing, just before the final "." asks the server to accept it. A
// subscription removed or unconfirmed meanwhile stops it (errGone), and the
// message is abandoned.
func (l *sendLog) commit() (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, sp *store.Subscription, now time.Time) error {
		if sp == nil || !sp.Confirmed {
			return errGone
		}
		if err := leaving(e, store.SendCommitting, store.SendSending); err != nil {
			return err
		}
		e.State, e.Updated = store.SendCommitting, now
		return nil
	})
}

// sent records the server's 250: the entry goes from committing to sent and,
// in the same transaction, the subscription's LastSent moves to the end of
// the window and its Told to told.
func (l *sendLog) sent(told []string) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, sp *store.Subscription, now time.Time) error {
		if err := leaving(e, store.SendSent, store.SendCommitting); err != nil {
			return err
		}
		e.State, e.Sent, e.Updated, e.LastError = store.SendSent, now, now, ""
		if sp != nil {
			sp.LastSent = laterOf(sp.LastSent, e.Until)
			sp.Told = told
		}
		return nil
	})
}

// fail records why the digest was not delivered: the server refused it or
// never got all of it (from sending or committing), an attempt failed again
// (from failed), or it could not even be attempted (no entry yet). A failed
// entry is retried by later runs of the week.
func (l *sendLog) fail(reason string) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, _ *store.Subscription, now time.Time) error {
		if err := leaving(e, store.SendFailed, "", store.SendSending, store.SendCommitting, store.SendFailed); err != nil {
			return err
		}
		if e.State == "" {
			l.fill(e, now)
		}
		e.State, e.LastError, e.Updated = store.SendFailed, reason, now
		return nil
	})
}

// uncertain records that the message was complete and the server was asked
// to accept it, but no reply said whether it did: the entry goes from
// committing to uncertain and waits for a person.
func (l *sendLog) uncertain(reason string) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, _ *store.Subscription, now time.Time) error {
		if err := leaving(e, store.SendUncertain, store.SendCommitting); err != nil {
			return err
		}
		e.State, e.LastError, e.Updated = store.SendUncertain, reason, now
		return nil
	})
}

// skip records a week with nothing to send to a subscriber who wants no
// mail for empty weeks: the entry goes to skipped, under the same conditions
// as claim, and LastSent moves to the end of the window.
func (l *sendLog) skip(items int, resend bool) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, sp *store.Subscription, now time.Time) error {
		if err := l.claimable(e, sp, store.SendSkipped, resend); err != nil {
			return err
		}
		l.fill(e, now)
		e.Items = items
		e.State, e.Updated = store.SendSkipped, now
		sp.LastSent = laterOf(sp.LastSent, e.Until)
		return nil
	})
}

// supersede records that a later digest, of week by, covered the window of
// a failed or uncertain entry. While none has (LastSent is before the end of
// the window, or the subscription is gone) it returns errNotCovered.
func (l *sendLog) supersede(by string) (store.SendEntry, error) {
	return l.update(func(e *store.SendEntry, sp *store.Subscription, now time.Time) error {
		if err := leaving(e, store.SendSuperseded, store.SendFailed, store.SendUncertain); err != nil {
			return err
		}
		if sp == nil || sp.LastSent.Before(e.Until) {
			return errNotCovered
		}
		e.State, e.SupersededBy, e.Updated = store.SendSuperseded, by, now
		return nil
	})
}

package digest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"villi/store"
)

// The confirmation queue: a sign-up page answers at once and a few workers
// send the mails, each with Config.Attempts tries and doubling backoff, so a
// mail server that accepts and never answers costs the page nothing.
const (
	confirmWorkers = 2
	confirmBacklog = 64 // sign-ups waiting for a worker; beyond, the page says "try again"
)

var (
	errQueueFull = errors.New("too many confirmation mails are waiting to be sent")
	errShutDown  = errors.New("the digest service is shutting down")
)

// confirmQueue holds the sign-ups whose mail is still to be sent. Kept in
// memory only: a mail lost to a restart or given up on leaves the
// subscription unconfirmed with no ConfirmSent, so signing up again sends it.
type confirmQueue struct {
	jobs   chan confirmJob
	ctx    context.Context // cancelled when Shutdown gives up waiting
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu      sync.Mutex
	started bool
	closed  bool
	pending map[uint64]bool // subscription IDs queued or being sent
}

type confirmJob struct{ id uint64 }

func newConfirmQueue() *confirmQueue {
	ctx, cancel := context.WithCancel(context.Background())
	return &confirmQueue{jobs: make(chan confirmJob, confirmBacklog), ctx: ctx, cancel: cancel, pending: map[uint64]bool{}}
}

// enqueue queues the confirmation of sub unless one is already on its way.
// The workers start with the first sign-up, so commands that never take one
// start none.
func (s *Service) enqueue(sub store.Subscription) error {
	q := s.confirms
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return fmt.Errorf("confirmation mail to %s: %w", sub.Email, errShutDown)
	case q.pending[sub.ID]:
		return nil // one mail, however often the form is sent meanwhile
	}
	if !q.started {
		q.started = true
		q.wg.Add(confirmWorkers)
		for range confirmWorkers {
			go s.confirmWorker()
		}
	}
	select {
	case q.jobs <- confirmJob{id: sub.ID}:
		q.pending[sub.ID] = true
		return nil
	default:
		return fmt.Errorf("confirmation mail to %s: %w", sub.Email, errQueueFull)
	}
}

func (s *Service) confirmWorker() {
	q := s.confirms
	defer q.wg.Done()
	for j := range q.jobs {
		err := s.sendConfirmation(q.ctx, j.id)
		switch {
		case err == nil:
		case q.ctx.Err() != nil:
			s.cfg.Logger.Warn("confirmation mail not sent: villi is shutting down; signing up again sends it",
				"subscription", j.id, "err", err)
		default:
			s.cfg.Logger.Error("confirmation mail not sent; signing up again sends it",
				"subscription", j.id, "err", err)
		}
		// Only now, with ConfirmSent stored, may the same address queue
		// another: a sign-up meanwhile finds it pending or just sent.
		q.mu.Lock()
		delete(q.pending, j.id)
		q.mu.Unlock()
	}
}

// Shutdown stops taking sign-ups and waits until the confirmations already
// queued are sent or given up; when ctx ends first, the sends still
// waiting on the mail server are cut off, and each unsent mail is logged.
// serve calls it after the HTTP server has stopped. Calling it again waits
// again.
func (s *Service) Shutdown(ctx context.Context) {
	q := s.confirms
	q.once.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		close(q.jobs) // enqueue checks closed under mu, so nothing sends after this
	})
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		q.cancel()
		<-done
	}
	q.cancel()
}

// sendConfirmation mails the confirmation link of subscription id, or for a
// confirmed one the manage link, and records when. It reads the
// subscription now, not at sign-up, so the mail shows the latest form and a
// subscription removed meanwhile gets nothing.
func (s *Service) sendConfirmation(ctx context.Context, id uint64) error {
	now := s.cfg.Clock()
	sub, err := s.st.Subscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("confirmation mail for subscription %d: %w", id, err)
	}
	if !sub.ConfirmSent.IsZero() && now.Sub(sub.ConfirmSent) < resendAfter {
		return nil // sent by a job that finished while this one waited
	}
	m, err := s.confirmation(&sub, now)
	if err != nil {
		return err
	}
	msg, err := s.mailMsg(m, now, false)
	if err != nil {
		return err
	}
	se, err := s.newSession()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, se.abort)
	defer stop()
	defer se.close() // before stop: a QUIT left unanswered is cut off too
	if e := s.deliverWithRetry(ctx, se, msg, hooks{}); e != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("confirmation mail to %s: stopped waiting for the mail server (%w): %w", sub.Email, context.Cause(ctx), e)
		}
		return fmt.Errorf("confirmation mail to %s: %w", sub.Email, e)
	}
	_, err = s.st.UpdateSubscription(sub.ID, func(x *store.Subscription) error { x.ConfirmSent = now; return nil })
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// sendConfirmationNow is sendConfirmation for a caller that waits (the
// admin's `villi subscription add`), bounded by Config.Timeout in all: a
// server that never answers costs one timeout, not one per attempt.
func (s *Service) sendConfirmationNow(ctx context.Context, id uint64) error {
	ctx, cancel := context.WithTimeoutCause(ctx, s.cfg.Timeout, fmt.Errorf("no answer within %s", s.cfg.Timeout))
	defer cancel()
	return s.sendConfirmation(ctx, id)
}

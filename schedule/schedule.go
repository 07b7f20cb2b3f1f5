// Package schedule runs villi's periodic jobs — the daily crawl and the
// weekly digest — on robfig/cron in a configured time zone. Every job gets
// Recover in its chain (cron does not recover panics by default); the crawl
// is skipped while the previous crawl still runs, digests wait for each other.
// Stop cancels the context the jobs run with and waits for them, so a crawl
// ends at a batch boundary on shutdown.
//
// It owns when jobs run, not what they do: it must not import the crawler,
// digest or store.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // VILLI_TZ works on hosts without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// Job names, for Next and RunNow.
const (
	Crawl  = "crawl"
	Digest = "digest"
)

// Default specs. The crawl runs at 04:30 local time, outside 01:00–03:00,
// where daylight-saving changes skip or repeat an hour.
const (
	DefaultCrawlSpec  = "30 4 * * *"
	DefaultDigestSpec = "0 7 * * 1" // Mondays 07:00
)

// Scheduler runs named jobs on cron specs.
type Scheduler struct {
	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	entries map[string]cron.EntryID
	stopped bool
	nowRuns sync.WaitGroup // RunNow invocations, which cron does not track
}

// New returns a Scheduler whose specs are read in loc (nil means UTC).
// logger may be nil.
func New(loc *time.Location, logger *slog.Logger) *Scheduler {
	if loc == nil {
		loc = time.UTC
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cron:    cron.New(cron.WithLocation(loc), cron.WithLogger(cronLogger{logger})),
		log:     logger,
		ctx:     ctx,
		cancel:  cancel,
		entries: make(map[string]cron.EntryID),
	}
}

// AddCrawl schedules the crawl job. An invocation due while the previous
// one still runs is skipped (and logged): the next one catches up.
func (s *Scheduler) AddCrawl(spec string, job func(ctx context.Context)) error {
	l := cronLogger{s.log}
	return s.add(Crawl, spec, job, cron.SkipIfStillRunning(l), cron.Recover(l))
}

// AddDigest schedules the digest job. An invocation due while the previous
// one still runs waits for it, so no week is missed.
func (s *Scheduler) AddDigest(spec string, job func(ctx context.Context)) error {
	l := cronLogger{s.log}
	return s.add(Digest, spec, job, cron.DelayIfStillRunning(l), cron.Recover(l))
}

// add schedules job wrapped in wrappers, outermost first. Recover must be
// innermost: SkipIfStillRunning hands its token back only when the job
// returns, so a panic unwinding past it would skip every later run.
func (s *Scheduler) add(name, spec string, job func(context.Context), wrappers ...cron.JobWrapper) error {
	if _, err := ParseSpec(spec); err != nil {
		return fmt.Errorf("%s schedule: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.entries[name]; dup {
		return fmt.Errorf("%s job already scheduled", name)
	}
	wrapped := cron.NewChain(wrappers...).Then(cron.FuncJob(func() {
		start := time.Now()
		s.log.Info("job started", "job", name)
		defer func() { s.log.Info("job finished", "job", name, "took", time.Since(start).Round(time.Millisecond)) }()
		job(s.ctx)
	}))
	id, err := s.cron.AddJob(spec, wrapped)
	if err != nil {
		return fmt.Errorf("%s schedule %q: %w", name, spec, err)
	}
	s.entries[name] = id
	return nil
}

// Next returns when the named job runs next; zero when it is not scheduled
// or the scheduler has not started.
func (s *Scheduler) Next(name string) time.Time {
	s.mu.Lock()
	id, ok := s.entries[name]
	s.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// RunNow starts the named job at once, through its chain (so a crawl
// already running makes this one a skip). It reports false for an
// unknown job or a stopped scheduler. Stop waits for it too.
func (s *Scheduler) RunNow(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.entries[name]
	if !ok || s.stopped {
		return false
	}
	job := s.cron.Entry(id).WrappedJob
	s.nowRuns.Add(1)
	go func() {
		defer s.nowRuns.Done()
		job.Run()
	}()
	return true
}

// Start starts running jobs on their schedules, in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels the context running jobs were given and
// waits for them to return, or for ctx to end (then it returns ctx's error).
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	done := s.cron.Stop()
	s.cancel()
	all := make(chan struct{})
	go func() {
		<-done.Done()
		s.nowRuns.Wait()
		close(all)
	}()
	select {
	case <-all:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: jobs still running: %w", ctx.Err())
	}
}

// cronLogger sends cron's log lines to slog: its chatter (wake, run) at
// debug, skips and delays at info, errors (recovered panics) at error.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	switch msg {
	case "skip":
		c.l.Info("scheduled job skipped: the previous run is still going")
	case "delay":
		c.l.Info("scheduled job delayed by the previous run", kv...)
	default:
		c.l.Debug("cron "+msg, kv...)
	}
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	if msg == "panic" {
		c.l.Error("scheduled job panicked", append([]any{"error", err}, kv...)...)
		return
	}
	c.l.Error("cron "+msg, append([]any{"error", err}, kv...)...)
}

// ParseSpec checks a cron spec: five fields (minute hour day-of-month
// month day-of-week) or a descriptor such as @daily or @every 6h.
func ParseSpec(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty schedule: want five cron fields such as %q, or @daily / @every 6h", DefaultCrawlSpec)
	}
	sch, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %v (want five cron fields: minute hour day-of-month month day-of-week, e.g. %q)", spec, err, DefaultCrawlSpec)
	}
	return sch, nil
}

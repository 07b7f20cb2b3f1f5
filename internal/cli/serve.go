package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"villi/account"
	"villi/control"
	"villi/crawler"
	"villi/digest"
	"villi/library"
	"villi/schedule"
	"villi/store"
	"villi/web"
)

// HTTP server timeouts: generous for a slow client on a search, short for
// one that never finishes its headers.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
	maxHeaderBytes    = 64 << 10
	// catchUpEvery is how often a degraded library (a full disk) retries
	// its writes: a failed try costs one small write that the disk refuses.
	catchUpEvery = 10 * time.Second
)

func runServe(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("serve"))
	addr := fs.String("addr", envOr(e, "VILLI_ADDR", "127.0.0.1:8080"), "address to listen on (env VILLI_ADDR)")
	baseURL := fs.String("base-url", e.Getenv("VILLI_BASE_URL"), "absolute URL the site is reached at, for feed links (env VILLI_BASE_URL)")
	public, err := envBool(e, "VILLI_PUBLIC")
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fs.BoolVar(&public, "public", public, "let anyone read without logging in (env VILLI_PUBLIC)")
	after, err := retrainAfter(e)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fs.IntVar(&after, "retrain-after", after, "retrain the learned tagger after a crawl that brought at least this many newly indexed records; 0: never (env VILLI_RETRAIN_AFTER)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if after < 0 {
		return fmt.Errorf("%w: --retrain-after %d: want a number of records, 0 to turn retraining off", errUsage, after)
	}
	log := cfg.logger(e)
	start := time.Now()
	sched, err := schedule.FromEnv(e.Getenv)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	queries, err := savedQueries(e)
	if err != nil {
		return err
	}

	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()

	accounts, err := account.New(lib.DB(), account.Config{BaseURL: *baseURL, Public: public})
	if err != nil {
		return err
	}
	if users, err := accounts.Users(ctx); err == nil && len(users) == 0 {
		if public {
			log.Warn("no users yet: add one with `villi user add EMAIL` to log in and keep collections")
		} else {
			log.Warn("reading needs a login and no user exists yet: add one with `villi user add EMAIL` (or serve with VILLI_PUBLIC=true)")
		}
	}
	crawl, err := crawler.New(crawlerConfig(e, queries, log), lib)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Mail links need an absolute URL: without VILLI_BASE_URL, the address served.
	mails, err := digestService(e, lib, cmp.Or(*baseURL, "http://"+*addr), sched, log)
	if err != nil {
		return err
	}
	sc := schedule.New(sched.Location, log)
	handler, err := web.New(web.Options{
		Library:      lib,
		Logger:       log,
		BaseURL:      *baseURL,
		Accounts:     accounts,
		Digest:       mails,
		Queries:      queries,
		Crawler:      crawl,
		MetricsToken: e.Getenv("VILLI_METRICS_TOKEN"),
		PracticeName: e.Getenv("VILLI_PRACTICE_NAME"),
		NextCrawl:    func() time.Time { return sc.Next(schedule.Crawl) },
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Background jobs: the scheduled crawl and digest, and the hourly check
	// for an overdue digest. They stop at jobs.Shutdown, after the HTTP server.
	jobs := newJobs(ctx, log)
	retrain := newRetrainer(lib, after, log)
	if err := startSchedule(jobs, sc, sched, lib, crawl, retrain, mails, log); err != nil {
		ln.Close()
		return err
	}
	// Retraining waits for crawls (its queue holds one) and stops with
	// the jobs, cutting a retrain short.
	jobs.Go("retrain", retrain.run)

	// The control socket lets `villi backup`, `fetch` and `user` work while
	// serve holds the data directory. Serving matters more: without the
	// socket those commands are refused as before, saying serve holds it.
	ctl, err := control.Start(lib.Dir(), control.NewService(lib, accounts).WithCrawler(crawl), log)
	if err != nil {
		log.Warn("no control socket: villi backup, fetch and user cannot reach this serve", "err", err)
	} else {
		log.Info("control socket for villi backup, fetch and user", "path", ctl.Addr())
	}
	// While the library is degraded (a full disk), try every so often
	// to catch up.
	jobs.Go("catch-up", func(ctx context.Context) error { return catchUp(ctx, lib, catchUpEvery, log) })

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("villi serve: ready", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/",
		"public", public, "startup_ms", time.Since(start).Milliseconds())

	select {
	case err = <-served:
		// Serve failed on its own; stop the jobs and report it.
	case <-ctx.Done():
		log.Info("villi serve: shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("shut down http server: %w", err)
		}
	}
	// The HTTP server and the control socket stop first, then the
	// background jobs and the confirmation mails its sign-ups queued (sent,
	// if the mail server answers in time); the library closes last
	// (deferred), when nothing uses it any more.
	if ctl != nil {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if cerr := ctl.Shutdown(sctx); cerr != nil {
			log.Warn("villi serve: control socket did not stop cleanly", "err", cerr)
		}
		cancel()
	}
	jobs.Shutdown()
	if mails != nil {
		mctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		mails.Shutdown(mctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err == nil {
		log.Info("villi serve: stopped")
	}
	return err
}

// startSchedule puts the daily crawl and the weekly digest on the cron
// schedule, starts the first crawl at once on an empty library (cron would
// wait for the next day), and checks every hour whether this week's digest is
// overdue (cron does not catch up runs missed while villi was down, and a
// failed send is retried within its week).
func startSchedule(j *jobs, sc *schedule.Scheduler, set schedule.Settings, lib *library.Library,
	crawl *crawler.Crawler, retrain *retrainer, mails *digest.Service, log *slog.Logger) error {
	err := sc.AddCrawl(set.CrawlSpec, func(ctx context.Context) {
		run, err := crawl.Run(ctx, crawler.RunOptions{})
		logCrawl(log, run, err)
		// A crawl that failed part-way still stored what it fetched.
		if ctx.Err() == nil {
			retrain.crawled(run)
		}
	})
	if err != nil {
		return fmt.Errorf("%w: VILLI_CRAWL_SPEC: %v", errUsage, err)
	}
	if mails != nil {
		err := sc.AddDigest(set.DigestSpec, func(ctx context.Context) {
			if _, err := mails.Run(ctx, time.Now(), digest.RunOptions{}); err != nil && ctx.Err() == nil {
				log.Error("digest run failed", "err", err)
			}
		})
		if err != nil {
			return fmt.Errorf("%w: VILLI_DIGEST_SPEC: %v", errUsage, err)
		}
	}
	sc.Start()
	j.Go("scheduler", func(ctx context.Context) error {
		<-ctx.Done()
		stop, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return sc.Stop(stop)
	})

	if n, err := lib.Count(); err == nil && n == 0 {
		log.Info("the library is empty: starting the first crawl now", "next_scheduled", sc.Next(schedule.Crawl))
		sc.RunNow(schedule.Crawl)
	}
	if mails != nil {
		j.Go("digest catch-up", func(ctx context.Context) error {
			tick := time.NewTicker(time.Hour)
			defer tick.Stop()
			for {
				if due, err := mails.Overdue(time.Now()); err != nil {
					log.Warn("digest: cannot tell whether this week's digest is overdue", "err", err)
				} else if due {
					log.Info("this week's digest is overdue: sending it now")
					sc.RunNow(schedule.Digest)
				}
				select {
				case <-ctx.Done():
					return nil
				case <-tick.C:
				}
			}
		})
	}
	log.Info("schedule", "crawl", set.CrawlSpec, "next_crawl", sc.Next(schedule.Crawl),
		"digest", digestState(mails, set.DigestSpec), "tz", set.Location.String())
	return nil
}

// catchUp retries the writes of a degraded library (see library.CatchUp)
// every interval until it is whole, and says when it is.
func catchUp(ctx context.Context, lib *library.Library, every time.Duration, log *slog.Logger) error {
	if d := lib.Degraded(); d != nil {
		log.Warn("the library is degraded: serving reads, retrying writes every "+every.String(), "reason", d.Reason, "since", d.Since)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if lib.Degraded() == nil {
			continue
		}
		if err := lib.CatchUp(ctx); err != nil {
			log.Debug("the library is still degraded", "err", err)
			continue
		}
		log.Info("the library caught up: its index is in line with the store and it writes again")
	}
}

func digestState(mails *digest.Service, spec string) string {
	if mails == nil {
		return "off (set VILLI_SMTP_URL and VILLI_MAIL_FROM)"
	}
	return spec
}

// logCrawl says how a scheduled crawl ended; an unreachable PubMed gets the
// way out (importing files) spelled out, as the home page does.
func logCrawl(log *slog.Logger, run store.Run, err error) {
	switch {
	case errors.Is(err, crawler.ErrUnreachable):
		log.Error("crawl: PubMed cannot be reached from this machine; "+
			"check the network or VILLI_EUTILS_URL, or import PubMed's baseline files on the admin page (/admin#import), "+
			"or with `villi import FILE.xml.gz` while serve is stopped", "err", err)
	case err != nil && !errors.Is(err, context.Canceled):
		log.Error("crawl failed", "err", err, "failing", run.Failing)
	default:
		log.Info("crawl done", "added", run.Added, "updated", run.Updated, "deleted", run.Deleted, "newly_indexed", run.NewlyIndexed,
			"requests", run.Requests, "retries", run.Retries, "took", run.Ended.Sub(run.Started).Round(time.Second))
	}
}

// digestService builds the digest service when mail is configured; without
// VILLI_SMTP_URL digests are off (nil) and the sign-up pages say so. Its
// weeks and its Overdue check are reckoned in set's zone and digest spec, the
// scheduler's, so the hourly catch-up agrees with the cron entry that fires
// the digest.
func digestService(e Env, lib *library.Library, baseURL string, set schedule.Settings, log *slog.Logger) (*digest.Service, error) {
	if e.Getenv("VILLI_SMTP_URL") == "" {
		log.Warn("digest e-mails are off: set VILLI_SMTP_URL (and VILLI_MAIL_FROM) to send them")
		return nil, nil
	}
	mc := &mailConfig{from: e.Getenv("VILLI_MAIL_FROM"), baseURL: baseURL}
	return mc.service(lib, e, set, log)
}

// jobs runs serve's background jobs under one context: Shutdown cancels it
// once and waits until every job has returned.
type jobs struct {
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	wg     sync.WaitGroup
	once   sync.Once
}

func newJobs(parent context.Context, log *slog.Logger) *jobs {
	ctx, cancel := context.WithCancel(parent)
	return &jobs{ctx: ctx, cancel: cancel, log: log}
}

// Go runs fn in its own goroutine with the jobs' context; its error, unless
// it is the cancellation, is logged once here.
func (j *jobs) Go(name string, fn func(ctx context.Context) error) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		if err := fn(j.ctx); err != nil && !errors.Is(err, context.Canceled) {
			j.log.Error("background job failed", "job", name, "err", err)
		}
	}()
}

// Shutdown cancels every job and waits for them; calling it again is a no-op.
func (j *jobs) Shutdown() {
	j.once.Do(func() {
		j.cancel()
		j.wg.Wait()
	})
}

// envBool reads a boolean environment variable; unset is false.
func envBool(e Env, key string) (bool, error) {
	v := e.Getenv(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", key, v)
	}
	return b, nil
}

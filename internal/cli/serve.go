package cli

import (
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
	if _, err := parse(fs, args); err != nil {
		return err
	}
	log := cfg.logger(e)
	start := time.Now()

	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()

	accounts, err := account.New(lib.Store, account.Config{BaseURL: *baseURL, Public: public})
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
	handler, err := web.New(web.Options{
		Library:  lib,
		Logger:   log,
		BaseURL:  *baseURL,
		Accounts: accounts,
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
	// Background jobs (the scheduled crawl and digest) start here, each with
	// jobs.Go; web.Options.NextCrawl tells the status page their schedule.
	// They stop at jobs.Shutdown, after the HTTP server.
	jobs := newJobs(ctx, log)

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
	// The HTTP server stops first, then the background jobs; the library
	// closes last (deferred), when nothing uses it any more.
	jobs.Shutdown()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err == nil {
		log.Info("villi serve: stopped")
	}
	return err
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

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"villi/crawler"
	"villi/library"
	"villi/store"
)

func runCrawl(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("crawl"))
	var (
		names       multi
		since       = fs.String("since", "", "search entrez dates from this day (YYYY-MM-DD) instead of each query's cursor")
		dryRun      = fs.Bool("dry-run", false, "print the record count per query and date window; fetch nothing")
		queriesFile = fs.String("queries", e.Getenv("VILLI_QUERIES"), "saved-query file (`name: PubMed query` lines) replacing the built-in set (env VILLI_QUERIES)")
		list        = fs.Bool("list", false, "list the saved queries and where each one's crawl stands, then exit")
		baseURL     = fs.String("eutils-url", envOr(e, "VILLI_EUTILS_URL", crawler.DefaultBaseURL), "E-utilities base URL (env VILLI_EUTILS_URL)")
		email       = fs.String("email", e.Getenv("VILLI_NCBI_EMAIL"), "contact address sent to NCBI with every request (env VILLI_NCBI_EMAIL)")
		batch       = fs.Int("batch", crawler.DefaultBatchSize, "records per efetch request")
		retries     = fs.Int("retries", crawler.DefaultMaxRetries, "retries of a failing request before its query fails")
	)
	fs.Var(&names, "query", "crawl only this saved query; repeatable, globs allowed (--query 'zonulin/*')")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q (saved queries are chosen with --query NAME)", errUsage, rest[0])
	}
	var from time.Time
	if *since != "" {
		if from, err = time.Parse(time.DateOnly, *since); err != nil {
			return fmt.Errorf("%w: --since %q: want a date as YYYY-MM-DD", errUsage, *since)
		}
	}
	queries, err := savedQueries(envWith(e, "VILLI_QUERIES", *queriesFile))
	if err != nil {
		return err
	}
	selected, err := crawler.Select(queries, names)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	if *list {
		return listQueries(e.Stdout, lib, queries)
	}

	tty := isTerminal(e.Stderr)
	logger := cfg.logger(e)
	if tty && !cfg.verbose {
		// Retries would tear through the progress bar; failures still show.
		logger = slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	maxRetries := *retries
	if maxRetries <= 0 {
		maxRetries = -1 // crawler.Config reads 0 as "the default"
	}
	cc := crawlerConfig(e, queries, logger)
	cc.BaseURL, cc.Email, cc.BatchSize, cc.MaxRetries = *baseURL, *email, *batch, maxRetries
	c, err := crawler.New(cc, lib)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *email == "" && !*dryRun {
		fmt.Fprintln(e.Stderr, "note: NCBI asks every client for a contact address; set VILLI_NCBI_EMAIL (or --email)")
	}

	var report func(crawler.Progress)
	var finish func()
	switch {
	case *dryRun:
		report, finish = dryRunReport(e.Stdout), func() {}
	case tty:
		report, finish = barReport(e.Stderr)
	default:
		report, finish = logReport(e.Stderr), func() {}
	}
	run, err := c.Run(ctx, crawler.RunOptions{Since: from, Queries: names, DryRun: *dryRun, Progress: report})
	finish()
	if !*dryRun && !run.Started.IsZero() {
		printRun(e.Stdout, run)
	}
	switch {
	case errors.Is(err, crawler.ErrUnreachable):
		return fmt.Errorf("PubMed could not be reached at %s. Check this machine's network (or VILLI_EUTILS_URL),\n"+
			"or load records without it: download PubMed's baseline and update files\n"+
			"(https://ftp.ncbi.nlm.nih.gov/pubmed/baseline/ and .../updatefiles/) and run\n"+
			"  villi import pubmed*.xml.gz", *baseURL)
	case err != nil && ctx.Err() == nil && len(run.Failing) > 0 && !*dryRun:
		return fmt.Errorf("%s of %d failed (listed above); the next crawl retries them", plural(len(run.Failing), "saved query"), len(selected))
	}
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// listQueries prints each saved query with where its crawl stands.
func listQueries(w io.Writer, lib *library.Library, qs []crawler.Query) error {
	for _, q := range qs {
		state := "never crawled"
		cur, err := lib.Cursor(q.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case cur.Term != q.Term:
			state = "term changed: next crawl starts over"
		case cur.Pass != nil:
			state = fmt.Sprintf("%s pass interrupted at %s", cur.Pass.DateType, cur.Pass.Next.Format(time.DateOnly))
		case !cur.EdatThrough.IsZero():
			state = "crawled through " + cur.EdatThrough.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "%-36s %s\n  %s\n", q.Name, state, q.Term)
	}
	return nil
}

// dryRunReport prints one line per searched window and a total per query.
func dryRunReport(w io.Writer) func(crawler.Progress) {
	total := 0
	return func(p crawler.Progress) {
		switch p.Event {
		case crawler.EventWindow:
			total += p.Count
			note := ""
			if len(p.NotFound) > 0 {
				note = "  (no match for " + strings.Join(p.NotFound, ", ") + ")"
			}
			fmt.Fprintf(w, "%-36s %s %s..%s %8d%s\n", p.Query, p.DateType, p.Min.Format(time.DateOnly), p.Max.Format(time.DateOnly), p.Count, note)
		case crawler.EventSplit:
			fmt.Fprintf(w, "%-36s %s %s..%s %8d  (more than one search pages through: halved)\n", p.Query, p.DateType, p.Min.Format(time.DateOnly), p.Max.Format(time.DateOnly), p.Count)
		case crawler.EventQueryDone:
			fmt.Fprintf(w, "%-36s total %d\n", p.Query, total)
			total = 0
		case crawler.EventQueryFailed:
			fmt.Fprintf(w, "%-36s FAILED: %v\n", p.Query, p.Err)
			total = 0
		}
	}
}

// barReport shows a progress bar per window on a terminal.
func barReport(w io.Writer) (func(crawler.Progress), func()) {
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
	)
	return func(p crawler.Progress) {
			desc := fmt.Sprintf("[%d/%d] %s %s %s..%s (+%d ~%d)", p.Index, p.Queries, p.Query, p.DateType,
				p.Min.Format(time.DateOnly), p.Max.Format(time.DateOnly), p.Run.Added, p.Run.Updated)
			switch p.Event {
			case crawler.EventWindow:
				bar.Reset()
				bar.ChangeMax(max(p.Count, 1))
				bar.Describe(desc)
			case crawler.EventBatch:
				bar.Describe(desc)
				_ = bar.Set(p.Done)
			case crawler.EventQueryFailed:
				_ = bar.Clear()
				fmt.Fprintf(w, "query %s failed: %v\n", p.Query, p.Err)
			}
		}, func() {
			_ = bar.Finish()
		}
}

// logReport writes plain progress lines: each window with records, each
// query's end, and batches at most every few seconds.
func logReport(w io.Writer) func(crawler.Progress) {
	var last time.Time
	return func(p crawler.Progress) {
		prefix := fmt.Sprintf("crawl [%d/%d] %s:", p.Index, p.Queries, p.Query)
		switch p.Event {
		case crawler.EventWindow:
			if p.Count > 0 {
				fmt.Fprintf(w, "%s %s %s..%s: %d records\n", prefix, p.DateType, p.Min.Format(time.DateOnly), p.Max.Format(time.DateOnly), p.Count)
			}
		case crawler.EventBatch:
			if time.Since(last) >= 5*time.Second || p.Done == p.Count {
				last = time.Now()
				fmt.Fprintf(w, "%s %d/%d fetched; run so far %d added, %d updated\n", prefix, p.Done, p.Count, p.Run.Added, p.Run.Updated)
			}
		case crawler.EventQueryDone:
			fmt.Fprintf(w, "%s done\n", prefix)
		case crawler.EventQueryFailed:
			fmt.Fprintf(w, "%s FAILED: %v\n", prefix, p.Err)
		}
	}
}

func printRun(w io.Writer, r store.Run) {
	took := r.Ended.Sub(r.Started).Round(time.Millisecond)
	fmt.Fprintf(w, "crawl: %s; %d added, %d updated, %d unchanged, %d deleted; %s, %s; took %v\n",
		plural(r.Windows, "window"), r.Added, r.Updated, r.Unchanged, r.Deleted,
		plural(r.Requests, "request"), plural(r.Retries, "retry"), took)
	for _, f := range r.Failing {
		fmt.Fprintf(w, "  failed: %s\n", f)
	}
}

// savedQueries returns the saved crawl queries: VILLI_QUERIES's file, or the
// built-in set.
func savedQueries(e Env) ([]crawler.Query, error) {
	file := e.Getenv("VILLI_QUERIES")
	if file == "" {
		return crawler.DefaultQueries(), nil
	}
	return crawler.LoadQueries(file)
}

// crawlerConfig is the crawler's configuration from the environment, as
// `villi serve` runs it (villi crawl's flags override the same settings).
func crawlerConfig(e Env, queries []crawler.Query, log *slog.Logger) crawler.Config {
	return crawler.Config{
		BaseURL: envOr(e, "VILLI_EUTILS_URL", crawler.DefaultBaseURL),
		APIKey:  e.Getenv("VILLI_NCBI_API_KEY"),
		Email:   e.Getenv("VILLI_NCBI_EMAIL"),
		Queries: queries,
		Logger:  log,
	}
}

// envWith returns e with key set to value (a flag overriding its env default).
func envWith(e Env, key, value string) Env {
	get := e.Getenv
	e.Getenv = func(k string) string {
		if k == key {
			return value
		}
		return get(k)
	}
	return e
}

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"villi/library"
)

func runImport(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("import"))
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: name at least one file (or - for standard input)", errUsage)
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()

	// The run is recorded from its start, so the home page and
	// /api/v1/status show an import while it runs and after it ends.
	run, err := lib.StartImport()
	if err != nil {
		return err
	}
	for _, name := range files {
		sum, err := importOne(ctx, e, run, name)
		printSummary(e.Stdout, name, sum)
		if err != nil && ctx.Err() != nil {
			break
		}
	}
	if len(files) > 1 {
		printSummary(e.Stdout, "total", run.Total())
	}
	merged, err := run.Finish(ctx)
	if merged {
		fmt.Fprintln(e.Stderr, "merged the search index's segments for faster searches")
	}
	if stale, _ := lib.TaxonomyStale(); stale {
		fmt.Fprintln(e.Stderr, "note: the taxonomy table changed since records were tagged; run `villi retag`")
	}
	return err
}

// importOne imports one file, showing progress on a terminal and plain log
// lines otherwise. Everything committed before an error stays imported.
func importOne(ctx context.Context, e Env, run *library.ImportRun, name string) (library.Summary, error) {
	var (
		r    io.Reader
		size int64 = -1
	)
	if name == "-" {
		r = e.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			run.Fail(err)
			return library.Summary{}, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r = f
	}
	cr := &countingReader{r: r}
	start := time.Now()
	report := progressFor(e, name, size, cr, start)
	sum, err := run.File(ctx, name, cr, func(p library.Progress) { report(p.Records, false) })
	report(sum.Records, true)
	return sum, err
}

// progressFor returns a function that reports import progress: a bar with
// records/s and ETA (by bytes read) on a terminal, a log line every few
// seconds otherwise.
func progressFor(e Env, name string, size int64, cr *countingReader, start time.Time) func(records int, done bool) {
	if isTerminal(e.Stderr) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(e.Stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return func(records int, done bool) {
			rate := float64(records) / max(time.Since(start).Seconds(), 1e-3)
			bar.Describe(fmt.Sprintf("%s: %d records, %.0f/s", name, records, rate))
			_ = bar.Set64(cr.n.Load())
			if done {
				_ = bar.Finish()
			}
		}
	}
	var last time.Time
	return func(records int, done bool) {
		if done || time.Since(last) < 5*time.Second {
			return
		}
		last = time.Now()
		rate := float64(records) / max(time.Since(start).Seconds(), 1e-3)
		msg := fmt.Sprintf("import %s: %d records, %.0f records/s", name, records, rate)
		if size > 0 {
			msg += fmt.Sprintf(", %.0f%% read", 100*float64(cr.n.Load())/float64(size))
		}
		fmt.Fprintln(e.Stderr, msg)
	}
}

func printSummary(w io.Writer, name string, s library.Summary) {
	fmt.Fprintf(w, "%s: %s read; %d added, %d updated, %d unchanged, %d older (kept newer), %d deleted, %d deletions of unknown PMIDs, %d skipped\n",
		name, plural(s.Records, "record"), s.Added, s.Updated, s.Unchanged, s.Older, s.Deleted, s.Missing, len(s.Skipped))
	for _, sk := range s.Skipped {
		fmt.Fprintf(w, "  skipped %s\n", sk)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

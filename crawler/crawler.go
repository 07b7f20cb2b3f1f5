package crawler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"villi/library"
	"villi/store"
)

// ErrRunning is returned by Run while another run of the same Crawler is going.
var ErrRunning = errors.New("a crawl is already running")

// Crawler crawls the saved queries into a library. Its methods are safe
// for concurrent use; one run goes at a time.
type Crawler struct {
	cfg Config
	lib *library.Library
	api *client

	mu      sync.Mutex
	active  bool
	current store.Run
}

// New returns a Crawler for lib. It checks cfg and fills in its defaults.
func New(cfg Config, lib *library.Library) (*Crawler, error) {
	if lib == nil {
		return nil, errors.New("crawler: no library")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("crawler: %w", err)
	}
	return &Crawler{cfg: cfg, lib: lib, api: newClient(cfg)}, nil
}

// Queries returns the saved queries the crawler runs.
func (c *Crawler) Queries() []Query { return slices.Clone(c.cfg.Queries) }

// RunOptions shape one run.
type RunOptions struct {
	// Since, when set, searches entrez dates from this day to today instead
	// of from each query's cursor.
	Since time.Time
	// Queries names the saved queries to crawl (exact names or globs such
	// as "zonulin/*"); none means all.
	Queries []string
	// DryRun searches and counts each window without fetching records or
	// writing cursors and runs.
	DryRun bool
	// Progress, if set, is told of every window and committed batch. It
	// runs on the crawl's goroutine: keep it quick.
	Progress func(Progress)
}

// Event says what a Progress report is about.
type Event int

const (
	EventWindow      Event = iota + 1 // a window was searched; Count ids will be fetched (counted, in a dry run)
	EventSplit                        // a window counted more than one search can page through and was halved
	EventBatch                        // an efetch batch was committed: Done of Count
	EventQueryDone                    // the query's passes all finished
	EventQueryFailed                  // the query failed with Err; the run goes on with the next
)

// Progress reports how a run advances.
type Progress struct {
	Event    Event
	Query    string
	Index    int // 1-based position of the query in the run
	Queries  int // queries in the run
	DateType string
	Min, Max time.Time // the window, inclusive days
	Count    int       // ids in the window (its true count for EventSplit)
	Done     int       // ids of the window committed so far
	// NotFound lists parts of the query PubMed did not recognise.
	NotFound []string
	Err      error
	Run      store.Run // the run's totals so far
}

// Running returns the run in progress, if any, as of its last batch.
func (c *Crawler) Running() (store.Run, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active {
		return store.Run{}, false
	}
	r := c.current
	r.Failing = slices.Clone(r.Failing)
	return r, true
}

// runState is one run's bookkeeping.
type runState struct {
	run          store.Run
	opts         RunOptions
	reqs0, rets0 int64
	query        string
	index, total int
}

// Run crawls the selected saved queries: for each, entrez-date windows from
// its cursor (less an overlap) or opts.Since up to today, then
// modification-date windows for revised records. A query that fails is
// recorded in the run's Failing list and the run goes on; when the server
// cannot be reached at all the run stops, wrapping ErrUnreachable. On
// cancellation Run stops at a batch boundary — what was committed stays,
// and the next run resumes from the cursors. The run is saved with
// library.SaveRun as it goes (not in a dry run) and returned.
func (c *Crawler) Run(ctx context.Context, opts RunOptions) (store.Run, error) {
	qs, err := Select(c.cfg.Queries, opts.Queries)
	if err != nil {
		return store.Run{}, err
	}
	st := &runState{
		run:   store.Run{Kind: store.RunCrawl, Started: c.cfg.Now().UTC()},
		opts:  opts,
		reqs0: c.api.requests.Load(),
		rets0: c.api.retries.Load(),
		total: len(qs),
	}
	if len(opts.Queries) > 0 {
		st.run.Query = strings.Join(opts.Queries, ",")
	}
	c.mu.Lock()
	if c.active {
		c.mu.Unlock()
		return store.Run{}, ErrRunning
	}
	c.active, c.current = true, st.run
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.active = false
		c.mu.Unlock()
	}()
	if err := c.save(st); err != nil {
		return st.run, err
	}

	var failed []error
	for i, q := range qs {
		st.query, st.index = q.Name, i+1
		err := c.crawlQuery(ctx, st, q)
		if err == nil {
			c.report(st, Progress{Event: EventQueryDone})
			continue
		}
		if ctx.Err() != nil {
			failed = append(failed, fmt.Errorf("crawl stopped at a batch boundary during query %s (the next crawl resumes there): %w", q.Name, ctx.Err()))
			break
		}
		failed = append(failed, err) // it names the query
		st.run.Failing = append(st.run.Failing, fmt.Sprintf("%s: %v", q.Name, err))
		c.report(st, Progress{Event: EventQueryFailed, Err: err})
		if errors.Is(err, ErrUnreachable) {
			break // every other query would fail the same way, slowly
		}
	}
	err = errors.Join(failed...)
	if err != nil {
		st.run.Err = failed[len(failed)-1].Error()
	}
	st.run.Ended = c.cfg.Now().UTC()
	if serr := c.save(st); serr != nil {
		err = errors.Join(err, serr)
	}
	return st.run, err
}

// pass is one run over consecutive date windows of one date type.
type pass struct {
	dateType string
	from     time.Time // the pass's first day (kept across resumes)
	next     time.Time // the first day still to do
	to       time.Time
	resume   *store.CursorWindow
}

// crawlQuery runs the edat and mdat passes of one query.
func (c *Crawler) crawlQuery(ctx context.Context, st *runState, q Query) error {
	cur, err := c.lib.Cursor(q.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur = store.Cursor{Query: q.Name, Term: q.Term}
	case err != nil:
		return err
	case cur.Term != q.Term:
		c.cfg.Logger.Info("saved query's term changed; crawling it from the start", "query", q.Name)
		cur = store.Cursor{Query: q.Name, Term: q.Term}
	}
	today := day(c.cfg.Now().UTC())
	back := func(t time.Time) time.Time {
		t = t.AddDate(0, 0, -c.cfg.OverlapDays)
		if t.After(today) {
			return today
		}
		return t
	}

	edat := &pass{dateType: "edat", to: today}
	switch {
	case !st.opts.Since.IsZero():
		edat.from = day(st.opts.Since)
	case cur.Pass != nil && cur.Pass.DateType == "edat":
		edat.from, edat.next, edat.resume = cur.Pass.From, cur.Pass.Next, cur.Pass.Window
	case cur.EdatThrough.IsZero():
		edat.from = c.cfg.Start
	default:
		edat.from = back(cur.EdatThrough)
	}
	var mdat *pass
	switch {
	case cur.Pass != nil && cur.Pass.DateType == "mdat":
		mdat = &pass{dateType: "mdat", from: cur.Pass.From, next: cur.Pass.Next, to: today, resume: cur.Pass.Window}
	case !cur.MdatThrough.IsZero():
		mdat = &pass{dateType: "mdat", from: back(cur.MdatThrough), to: today}
	default:
		// A first crawl fetches every record as it is now: revisions
		// matter from today on.
		cur.MdatThrough = today
	}
	passes := []*pass{edat, mdat}
	if cur.Pass != nil && cur.Pass.DateType == "mdat" {
		passes = []*pass{mdat, edat} // finish what was interrupted first
	}
	for _, p := range passes {
		if p == nil {
			continue
		}
		if p.next.IsZero() {
			p.next = p.from
		}
		if err := c.runPass(ctx, st, q, &cur, p); err != nil {
			return err
		}
	}
	return nil
}

// runPass searches the pass's windows in date order, halving any that
// counts more than one search can page through, and fetches each.
func (c *Crawler) runPass(ctx context.Context, st *runState, q Query, cur *store.Cursor, p *pass) error {
	dry := st.opts.DryRun
	if !dry {
		cur.Pass = &store.CursorPass{DateType: p.dateType, From: p.from, Next: p.next, Window: p.resume}
		if err := c.putCursor(cur); err != nil {
			return err
		}
	}
	// A stack, latest window at the bottom, so windows complete in date
	// order and the cursor can advance past each.
	var stack []window
	if !p.next.After(p.to) {
		stack = append(stack, window{p.next, p.to})
	}
	resume := p.resume
	if resume != nil {
		stack = stack[:0]
		if rest := resume.Max.AddDate(0, 0, 1); !rest.After(p.to) {
			stack = append(stack, window{rest, p.to})
		}
		stack = append(stack, window{resume.Min, resume.Max})
	}
	for len(stack) > 0 {
		w := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := ctx.Err(); err != nil {
			return err
		}
		what := fmt.Sprintf("query %s, %s window %s", q.Name, p.dateType, w)
		res, err := c.api.esearch(ctx, what, q.Term, p.dateType, w, !dry)
		if err != nil {
			return err
		}
		if res.Count > c.cfg.MaxIDs {
			if w.days() == 1 {
				return fmt.Errorf("%s: %d records in one day, more than the %d one PubMed search can page through; narrow the query",
					what, res.Count, c.cfg.MaxIDs)
			}
			a, b := w.halve()
			stack = append(stack, b, a)
			c.report(st, Progress{Event: EventSplit, DateType: p.dateType, Min: w.Min, Max: w.Max, Count: res.Count})
			continue
		}
		st.run.Windows++
		if len(res.NotFound) > 0 {
			c.cfg.Logger.Info("PubMed found no match for part of a saved query (a typo?)", "query", q.Name, "not_found", strings.Join(res.NotFound, "; "))
		}
		c.report(st, Progress{Event: EventWindow, DateType: p.dateType, Min: w.Min, Max: w.Max, Count: res.Count, NotFound: res.NotFound})
		if dry {
			continue
		}
		start := 0
		if resume != nil && resume.Min.Equal(w.Min) && resume.Max.Equal(w.Max) && resume.IDs == fingerprint(res.IDs) {
			start = min(resume.Done, len(res.IDs))
		}
		resume = nil
		if err := c.fetchWindow(ctx, st, q, cur, p.dateType, w, res, start); err != nil {
			return err
		}
		cur.Pass.Next, cur.Pass.Window = w.Max.AddDate(0, 0, 1), nil
		if err := c.putCursor(cur); err != nil {
			return err
		}
	}
	if dry {
		return nil
	}
	// The watermark only moves when this pass joined up with it; a pass
	// started later (--since) leaves the gap for the next regular crawl.
	mark := &cur.EdatThrough
	if p.dateType == "mdat" {
		mark = &cur.MdatThrough
	}
	if mark.IsZero() || !p.from.After(mark.AddDate(0, 0, 1)) {
		if p.to.After(*mark) {
			*mark = p.to
		}
	}
	cur.Pass = nil
	return c.putCursor(cur)
}

// fetchWindow fetches a searched window's ids from start in batches,
// ingesting and recording the cursor after each.
func (c *Crawler) fetchWindow(ctx context.Context, st *runState, q Query, cur *store.Cursor, dateType string, w window, res searchResult, start int) error {
	ids := res.IDs
	cur.Pass.Window = &store.CursorWindow{Min: w.Min, Max: w.Max, Count: len(ids), IDs: fingerprint(ids), Done: start}
	byIDs := false
	for off := start; off < len(ids); off += c.cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := ids[off:min(off+c.cfg.BatchSize, len(ids))]
		what := fmt.Sprintf("query %s, %s window %s, records %d-%d of %d", q.Name, dateType, w, off+1, off+len(want), len(ids))
		items, err := c.fetchBatch(ctx, what, res, off, want, &byIDs)
		if err != nil {
			return err
		}
		sum, err := c.lib.Ingest(ctx, items)
		st.run.Added += sum.Added
		st.run.Updated += sum.Updated
		st.run.Unchanged += sum.Unchanged + sum.Older
		st.run.Deleted += sum.Deleted
		st.run.NewlyIndexed += sum.NewlyIndexed
		if err != nil {
			return fmt.Errorf("%s: ingest: %w", what, err)
		}
		for _, sk := range sum.Skipped {
			c.cfg.Logger.Warn("record not stored", "query", q.Name, "pmid", sk.PMID, "reason", sk.Reason)
		}
		for _, n := range sum.Notes {
			c.cfg.Logger.Warn("record stored cut", "query", q.Name, "pmid", n.PMID, "reason", n.Reason)
		}
		cur.Pass.Window.Done = off + len(want)
		if err := c.putCursor(cur); err != nil {
			return err
		}
		if err := c.save(st); err != nil {
			return err
		}
		c.report(st, Progress{Event: EventBatch, DateType: dateType, Min: w.Min, Max: w.Max, Count: len(ids), Done: off + len(want)})
	}
	return nil
}

func (c *Crawler) putCursor(cur *store.Cursor) error {
	cur.Updated = c.cfg.Now().UTC()
	if err := c.lib.SaveCursor(*cur); err != nil {
		return fmt.Errorf("save cursor of query %s: %w", cur.Query, err)
	}
	return nil
}

// save publishes the run's totals for Running and, unless dry, stores them.
func (c *Crawler) save(st *runState) error {
	st.run.Requests = int(c.api.requests.Load() - st.reqs0)
	st.run.Retries = int(c.api.retries.Load() - st.rets0)
	var err error
	if !st.opts.DryRun {
		if err = c.lib.SaveRun(&st.run); err != nil {
			err = fmt.Errorf("save crawl run: %w", err)
		}
	}
	c.mu.Lock()
	c.current = st.run
	c.current.Failing = slices.Clone(st.run.Failing)
	c.mu.Unlock()
	return err
}

func (c *Crawler) report(st *runState, p Progress) {
	if st.opts.Progress == nil {
		return
	}
	st.run.Requests = int(c.api.requests.Load() - st.reqs0)
	st.run.Retries = int(c.api.retries.Load() - st.rets0)
	p.Query, p.Index, p.Queries = st.query, st.index, st.total
	p.Run = st.run
	p.Run.Failing = slices.Clone(st.run.Failing)
	st.opts.Progress(p)
}

package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"villi/index"
	"villi/learn"
	"villi/store"
	"villi/taxonomy"
)

// Options configure Open.
type Options struct {
	// LockTimeout is how long to wait for another process to release the
	// data directory before failing with store.ErrLocked.
	LockTimeout time.Duration
	// Taxonomy tags records at ingest; nil means taxonomy.Default().
	Taxonomy *taxonomy.Taxonomy
	// BatchSize is how many records go into one store transaction and one
	// index batch; 0 means DefaultBatchSize.
	BatchSize int
	// Progress, if set, is told how an index rebuild at open advances.
	Progress func(done int)
	// Redact masks configured secrets in error text before it is stored
	// (see package redact); nil stores error text as it is.
	Redact func(string) string
	// Now is the clock that stamps records' Added and Updated times; nil
	// means time.Now. Tests set it to place records in a digest's week.
	Now func() time.Time
}

// DefaultBatchSize balances one fsync per batch against memory held per batch.
const DefaultBatchSize = 500

// Library is an open data directory.
type Library struct {
	st  *store.Store
	ix  *index.Index
	tax *taxonomy.Taxonomy

	dir       string
	batchSize int
	now       func() time.Time

	// writeMu serialises writers (import, crawl, reparse, retag): the index
	// records the store sequence of its last batch, so batches must reach
	// it in store order.
	writeMu sync.Mutex

	evidence mapCache

	// model is the learned tagger (nil: rules alone); retag swaps it.
	model atomic.Pointer[learn.Model]
	// agreement caches Agreement until the store's log changes.
	agreement agreementCache

	// opened is when Open took the lock; runs started before it belong to
	// a process that is gone.
	opened time.Time
	health health
}

// Paths inside a data directory.
const (
	storeFile = "villi.db"
	indexDir  = "index.bleve"
)

// Open opens (creating if needed) the data directory dir, then reconciles the
// index with the store: an index of another mapping version is rebuilt, and
// changes the store committed but the index never saw (a kill between the
// two) are replayed. When those writes are refused for want of room (see
// store.NoSpace) it opens all the same, degraded (see Degraded).
func Open(ctx context.Context, dir string, opts Options) (*Library, error) {
	if dir == "" {
		return nil, errors.New("no data directory given (set VILLI_DATA or --data)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	s, err := store.Open(filepath.Join(dir, storeFile), store.Options{Timeout: timeout, Redact: opts.Redact})
	if err != nil {
		return nil, err
	}
	ix, err := index.Open(filepath.Join(dir, indexDir), index.Options{BoltTimeout: timeout, Taxonomy: opts.Taxonomy})
	if err != nil {
		s.Close()
		return nil, err
	}
	lib := &Library{st: s, ix: ix, tax: opts.Taxonomy, dir: dir, batchSize: opts.BatchSize, now: opts.Now,
		opened: time.Now().UTC()}
	if lib.tax == nil {
		lib.tax = taxonomy.Default()
	}
	if lib.now == nil {
		lib.now = time.Now
	}
	if lib.batchSize <= 0 {
		lib.batchSize = DefaultBatchSize
	}
	// Every command opens the library, and a full disk must not lock them
	// all out: the store reads fine and the index only lags it, so serve
	// and read degraded, and retry the writes in CatchUp.
	if err := lib.loadModel(); err != nil {
		lib.Close()
		return nil, fmt.Errorf("load learned model: %w", err)
	}
	if err := lib.settle(ctx, opts.Progress); err != nil {
		if !store.NoSpace(err) {
			lib.Close()
			return nil, err
		}
		lib.degrade(err)
	}
	return lib, nil
}

// markFreshTaxonomy records the taxonomy version on an empty store, so a
// library whose every tag comes from this table is not reported stale.
func (l *Library) markFreshTaxonomy() error {
	n, err := l.st.Count()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if err := l.st.SetMeta(metaTaxonomyVersion, l.tax.Version()); err != nil {
		return fmt.Errorf("record taxonomy version: %w", err)
	}
	return nil
}

// Dir returns the data directory.
func (l *Library) Dir() string { return l.dir }

// Taxonomy is the table records are tagged with.
func (l *Library) Taxonomy() *taxonomy.Taxonomy { return l.tax }

// DB is the store, for the packages that own buckets of their own in it:
// account (users, sessions), collection (collections) and digest
// (subscriptions, send-log, its signing secret). Records, runs, cursors
// and the index are read and written through the Library's methods only,
// so that every write keeps store and index in step.
func (l *Library) DB() *store.Store { return l.st }

// IndexCount returns how many records the search index holds; after Open
// it equals Count.
func (l *Library) IndexCount() (uint64, error) { return l.ix.DocCount() }

// Check reports whether the store and the index both answer (health checks),
// and then, wrapping ErrDegraded, why the library cannot write.
func (l *Library) Check() error {
	if _, err := l.st.Count(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := l.ix.DocCount(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if d := l.Degraded(); d != nil {
		return fmt.Errorf("%w: %s", ErrDegraded, d.Reason)
	}
	return nil
}

// Close closes the index, then the store. It waits for a batch being
// written to finish, so a job still running at shutdown ends cleanly at a
// batch boundary (its next write fails: the library is closed).
func (l *Library) Close() error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return errors.Join(l.ix.Close(), l.st.Close())
}

// Reindex rebuilds the whole index from the store.
func (l *Library) Reindex(ctx context.Context, progress func(done int)) error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return l.wrote(l.ix.Rebuild(ctx, l.st, progress))
}

// mergeAfter is how many changed records make MergeAfterImport merge the index.
const mergeAfter = 5000

// MergeAfterImport merges the index's segments when an import changed at
// least mergeAfter records, and reports whether it did. Each import batch
// leaves a bleve segment and every query term is looked up once per segment,
// so a large import leaves searches slower until merged (2.2 s at 100k
// records). Searches go on meanwhile.
func (l *Library) MergeAfterImport(ctx context.Context, s Summary) (bool, error) {
	if s.Added+s.Updated+s.Deleted < mergeAfter || ctx.Err() != nil {
		return false, nil
	}
	if err := l.ix.Optimize(ctx); err != nil {
		return true, l.wrote(fmt.Errorf("merge search index (searches still work, only slower): %w", err))
	}
	return true, nil
}

package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"

	"villi/query"
	"villi/store"
	"villi/taxonomy"
)

// ErrClosed is returned by every method after Close (or after a rebuild that
// could not reopen the index).
var ErrClosed = errors.New("index closed")

// Internal keys kept inside the index, beside the documents.
var (
	keyMappingVersion = []byte("villi_mapping_version")
	keyAppliedSeq     = []byte("villi_applied_seq")
	// keyTableGen is the doc table generation a batch brings the index to.
	keyTableGen = []byte("villi_table_gen")
)

// Options configure Open.
type Options struct {
	// BoltTimeout is how long to wait for another process's lock on the
	// index before failing; 0 means 1s.
	BoltTimeout time.Duration
	// CacheSize is how many search results to keep (see Search); 0 means
	// DefaultCacheSize, negative turns off both the result cache and the
	// query evaluation cache.
	CacheSize int
	// Taxonomy names the tags that search terms map to (condition:ibd);
	// nil means taxonomy.Default().
	Taxonomy *taxonomy.Taxonomy
}

// Index is an open bleve index. It is safe for concurrent use: searches run
// in parallel, writes are serialised.
type Index struct {
	dir     string
	timeout time.Duration

	// mu guards bi and docs: Search and Apply hold it shared; Close and the
	// swap at the end of Rebuild hold it exclusively.
	mu   sync.RWMutex
	bi   bleve.Index
	docs *docs // the doc table family of bi

	cache    *resultCache
	evals    *evalCache
	families atomic.Uint64 // numbers doc table families, for cache keys

	// wmu serialises writers (Apply, Rebuild, Reconcile), so a rebuild never
	// misses a batch applied while it ran.
	wmu sync.Mutex

	needsRebuild bool

	tags     *query.Tags  // the term mapping's names of the taxonomy's tags
	surnames surnameCache // the term mapping's author surnames
}

// Open opens or creates the index directory. If it holds another
// MappingVersion (or is unreadable as an index), it is removed and recreated
// empty and NeedsRebuild reports true. When another process holds the index
// it fails within BoltTimeout with an error wrapping store.ErrLocked.
func Open(dir string, opts Options) (*Index, error) {
	ix := &Index{dir: dir, timeout: opts.BoltTimeout, cache: newResultCache(opts.CacheSize)}
	if opts.CacheSize >= 0 {
		ix.evals = newEvalCache(DefaultEvalCacheBytes)
	}
	if ix.timeout <= 0 {
		ix.timeout = time.Second
	}
	tax := opts.Taxonomy
	if tax == nil {
		tax = taxonomy.Default()
	}
	tags, err := tagMapping(tax)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix.tags = tags
	bi, err := ix.openExisting(dir)
	switch {
	case err == nil:
		v, verr := bi.GetInternal(keyMappingVersion)
		if verr == nil && string(v) == stamp() {
			d, err := ix.loadDocs(bi)
			if err != nil {
				bi.Close()
				return nil, fmt.Errorf("open index %s: %w", dir, err)
			}
			ix.bi, ix.docs = bi, d
			break
		}
		if cerr := bi.Close(); cerr != nil {
			return nil, fmt.Errorf("close outdated index %s: %w", dir, cerr)
		}
		if bi, err = ix.create(dir); err != nil {
			return nil, err
		}
		ix.bi, ix.docs, ix.needsRebuild = bi, ix.newDocs(), true
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open index %s: %w (index still locked after %s)", dir, store.ErrLocked, ix.timeout)
	default:
		if !removable(dir) {
			return nil, fmt.Errorf("open index %s: %w; the directory holds other files, so it is left alone", dir, err)
		}
		if bi, err = ix.create(dir); err != nil {
			return nil, err
		}
		ix.bi, ix.docs, ix.needsRebuild = bi, ix.newDocs(), true
	}
	// A rebuild that died leaves its half-built side index; only the process
	// holding the index lock may remove it.
	if err := os.RemoveAll(dir + rebuildSuffix); err != nil {
		ix.bi.Close()
		return nil, fmt.Errorf("remove leftover rebuild: %w", err)
	}
	return ix, nil
}

// runtimeConfig is passed to scorch on every open: a second process fails
// after the timeout instead of hanging on the bolt file lock.
func (ix *Index) runtimeConfig() map[string]any {
	return map[string]any{"bolt_timeout": ix.timeout.String()}
}

func (ix *Index) openExisting(dir string) (bleve.Index, error) {
	return bleve.OpenUsing(dir, ix.runtimeConfig())
}

// create replaces dir with a new empty index stamped with stamp().
func (ix *Index) create(dir string) (bleve.Index, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove old index %s: %w", dir, err)
	}
	bi, err := bleve.NewUsing(dir, Mapping(), scorch.Name, scorch.Name, ix.runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	if err := bi.SetInternal(keyMappingVersion, []byte(stamp())); err != nil {
		bi.Close()
		return nil, fmt.Errorf("stamp index %s: %w", dir, err)
	}
	return bi, nil
}

// removable reports whether dir looks like a (possibly half-created) bleve
// index or is empty, so that deleting it cannot destroy anything else.
func removable(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return os.IsNotExist(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case "index_meta.json", "store":
		default:
			return false
		}
	}
	return true
}

// NeedsRebuild reports whether Open had to create the index empty (it was
// missing, unreadable or of another MappingVersion) and no Rebuild has run
// since.
func (ix *Index) NeedsRebuild() bool {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	return ix.needsRebuild
}

// Close closes the index. Searches in flight finish first.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	err := ix.bi.Close()
	ix.bi, ix.docs = nil, nil
	ix.clearCaches()
	return err
}

// acquire returns the current bleve index with mu held shared; call the
// returned release when done.
func (ix *Index) acquire() (bleve.Index, func(), error) {
	ix.mu.RLock()
	if ix.bi == nil {
		ix.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	return ix.bi, ix.mu.RUnlock, nil
}

// acquireDocs is acquire that also returns the doc table family.
func (ix *Index) acquireDocs() (bleve.Index, *docs, func(), error) {
	ix.mu.RLock()
	if ix.bi == nil {
		ix.mu.RUnlock()
		return nil, nil, nil, ErrClosed
	}
	return ix.bi, ix.docs, ix.mu.RUnlock, nil
}

// newDocs starts an empty doc table family.
func (ix *Index) newDocs() *docs {
	d := newDocs()
	d.id = ix.families.Add(1)
	return d
}

// loadDocs reads bi's doc table into memory (see tableload.go).
func (ix *Index) loadDocs(bi bleve.Index) (*docs, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("load doc table: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("load doc table: %w", err)
	}
	defer r.Close()
	v, err := r.GetInternal(keyTableGen)
	if err != nil {
		return nil, fmt.Errorf("load doc table: %w", err)
	}
	gen, err := decodeSeq(v)
	if err != nil {
		return nil, fmt.Errorf("load doc table: generation: %w", err)
	}
	d, err := loadDocs(r, gen)
	if err != nil {
		return nil, err
	}
	d.id = ix.families.Add(1)
	return d, nil
}

// Apply indexes puts and removes deletes in ONE bleve batch, and in the same
// batch records seq as the applied store sequence, so a crash leaves either
// both or neither. seq is the store sequence of the batch's newest change;
// batches are applied in store order (see the package doc).
func (ix *Index) Apply(ctx context.Context, puts []store.Record, deletes []uint64, seq uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	return ix.applyLocked(puts, deletes, seq)
}

// The batch also carries the next doc table generation, staged before the
// batch so that a search on the new bleve snapshot finds its table.
func (ix *Index) applyLocked(puts []store.Record, deletes []uint64, seq uint64) error {
	bi, d, release, err := ix.acquireDocs()
	if err != nil {
		return err
	}
	base := d.current()
	tb := d.begin(base)
	b := bi.NewBatch()
	for i := range puts {
		id := strconv.FormatUint(puts[i].Article.PMID, 10)
		terms := tableTerms(&puts[i])
		if err := b.Index(id, document(&puts[i], terms)); err != nil {
			release()
			return fmt.Errorf("index pmid %s: %w", id, err)
		}
		if _, err := tb.put(puts[i].Article.PMID, terms); err != nil {
			release()
			return fmt.Errorf("index pmid %s: %w", id, err)
		}
	}
	for _, pmid := range deletes {
		b.Delete(strconv.FormatUint(pmid, 10))
		tb.del(pmid)
	}
	next := tb.finish(base.gen + 1)
	b.SetInternal(keyAppliedSeq, encodeSeq(seq))
	b.SetInternal(keyTableGen, encodeSeq(next.gen))
	d.stage(next)
	err = bi.Batch(b)
	if err == nil {
		d.publish(next)
		release()
		ix.clearCaches()
		return nil
	}
	err = fmt.Errorf("index batch of %d puts, %d deletes: %w", len(puts), len(deletes), err)
	// A batch can fail after bleve made it visible: it could not write it
	// (a full disk). bleve then answers from a segment it retries writing
	// in a busy loop, and a search of that segment can crash the process.
	// Read the index back from disk instead: the batch is simply not
	// applied, and Reconcile replays it from the store.
	visible := false
	if v, gerr := bi.GetInternal(keyTableGen); gerr == nil && string(v) == string(encodeSeq(next.gen)) {
		visible = true
	} else {
		d.unstage(next)
	}
	release()
	ix.clearCaches()
	if visible {
		return errors.Join(err, ix.reopen())
	}
	return err
}

// reopen closes the index and opens it again from disk, dropping whatever
// bleve holds in memory only. Should the open fail, the index is closed
// (ErrClosed) rather than serving what it could not write.
func (ix *Index) reopen() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return ErrClosed
	}
	cerr := ix.bi.Close()
	ix.bi, ix.docs = nil, nil
	ix.clearCaches()
	bi, err := ix.openExisting(ix.dir)
	if err != nil {
		return errors.Join(cerr, fmt.Errorf("reopen index: %w", err))
	}
	d, err := ix.loadDocs(bi)
	if err != nil {
		bi.Close()
		return errors.Join(cerr, fmt.Errorf("reopen index: %w", err))
	}
	ix.bi, ix.docs = bi, d
	return nil
}

// AppliedSeq returns the store sequence the index has caught up with; 0 for
// a new index.
func (ix *Index) AppliedSeq() (uint64, error) {
	bi, release, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer release()
	return appliedSeq(bi)
}

func appliedSeq(bi bleve.Index) (uint64, error) {
	v, err := bi.GetInternal(keyAppliedSeq)
	if err != nil {
		return 0, fmt.Errorf("read applied seq: %w", err)
	}
	seq, err := decodeSeq(v)
	if err != nil {
		return 0, fmt.Errorf("read applied seq: %w", err)
	}
	return seq, nil
}

// decodeSeq reads an encodeSeq value; none is 0.
func decodeSeq(v []byte) (uint64, error) {
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("%d bytes, want 8", len(v))
}

func encodeSeq(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// DocCount returns the number of documents in the index.
func (ix *Index) DocCount() (uint64, error) {
	bi, release, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer release()
	return bi.DocCount()
}

// clearCaches forgets cached results and evaluations: after a write they
// are unreachable anyway (their keys name the old table generation), and
// this frees their memory.
func (ix *Index) clearCaches() {
	ix.cache.clear()
	ix.evals.clear()
}

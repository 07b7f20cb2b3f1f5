package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"villi/store"
)

// rebuildSuffix names the side index Rebuild fills while searches keep
// using the current one.
const rebuildSuffix = ".rebuild"

// Batch sizes, chosen by BenchmarkIndexBatch: past ~1,000 documents a batch
// the per-batch fsync no longer shows and memory per batch keeps growing.
const (
	rebuildBatch = 1000
	replayBatch  = 1000
)

// Rebuild empties the index and indexes every store record in batches, then
// sets AppliedSeq to the store's LastSeq. progress, if not nil, is told the
// number of records indexed so far after each batch.
//
// The new index is built beside the current one, which keeps answering
// searches, and swapped in when complete; a cancelled or failed rebuild
// leaves the current index as it was. Apply waits while Rebuild runs.
func (ix *Index) Rebuild(ctx context.Context, s *store.Store, progress func(done int)) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	_, err := ix.rebuildLocked(ctx, s, progress)
	return err
}

func (ix *Index) rebuildLocked(ctx context.Context, s *store.Store, progress func(done int)) (int, error) {
	_, release, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	release()
	// Writes the store commits while ForEach runs may or may not be in its
	// snapshot; starting AppliedSeq from before ForEach replays them again,
	// which is harmless, instead of missing them.
	seq0, err := s.LastSeq()
	if err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	side := ix.dir + rebuildSuffix
	nb, err := ix.create(side)
	if err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	nd := ix.newDocs()
	done, err := fill(ctx, nb, nd, s, progress)
	if err == nil {
		b := nb.NewBatch()
		b.SetInternal(keyAppliedSeq, encodeSeq(seq0))
		b.SetInternal(keyTableGen, encodeSeq(nd.cur.gen))
		err = nb.Batch(b)
	}
	if err == nil {
		err = forceMerge(ctx, nb)
	}
	if cerr := nb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return done, errors.Join(fmt.Errorf("rebuild: %w", err), os.RemoveAll(side))
	}
	if err := ix.swap(side, nd); err != nil {
		return done, fmt.Errorf("rebuild: %w", err)
	}
	ix.needsRebuild = false
	if _, err := ix.replayLocked(ctx, s, seq0); err != nil {
		return done, fmt.Errorf("rebuild: catch up: %w", err)
	}
	return done, nil
}

// fill indexes every store record into bi and its doc table into d, as
// generation 1.
func fill(ctx context.Context, bi bleve.Index, d *docs, s *store.Store, progress func(done int)) (int, error) {
	var done int
	tb := d.begin(d.cur)
	b := bi.NewBatch()
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		if err := bi.Batch(b); err != nil {
			return err
		}
		b.Reset()
		if progress != nil {
			progress(done)
		}
		return nil
	}
	err := s.ForEach(ctx, func(rec store.Record) error {
		terms := tableTerms(&rec)
		if err := b.Index(strconv.FormatUint(rec.Article.PMID, 10), document(&rec, terms)); err != nil {
			return fmt.Errorf("index pmid %d: %w", rec.Article.PMID, err)
		}
		if _, err := tb.put(rec.Article.PMID, terms); err != nil {
			return fmt.Errorf("index pmid %d: %w", rec.Article.PMID, err)
		}
		done++
		if b.Size() >= rebuildBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		t := tb.finish(1)
		d.cur, d.recent[0] = t, t
	}
	return done, err
}

// swap replaces the current index with the one built in side, whose doc
// table is d.
func (ix *Index) swap(side string, d *docs) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi != nil {
		if err := ix.bi.Close(); err != nil {
			return fmt.Errorf("close old index: %w", err)
		}
		ix.bi, ix.docs = nil, nil
	}
	ix.clearCaches()
	// From here until the rename there is no index at dir; a crash now makes
	// the next Open create one empty and ask for a rebuild.
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("remove old index: %w", err)
	}
	if err := os.Rename(side, ix.dir); err != nil {
		return fmt.Errorf("move rebuilt index in place: %w", err)
	}
	bi, err := ix.openExisting(ix.dir)
	if err != nil {
		return fmt.Errorf("open rebuilt index: %w", err)
	}
	ix.bi, ix.docs = bi, d
	// Map the reopened segments to rows now rather than in the first search.
	if err := warm(bi, d); err != nil {
		return fmt.Errorf("open rebuilt index: %w", err)
	}
	return nil
}

// Reconcile replays store.ChangesSince(AppliedSeq) into the index (puts and
// deletes), then compares DocCount with the store's Count and rebuilds when
// they differ. It is called at every start, so a kill -9 between a store
// commit and its index batch leaves no record missing and no ghost hit.
// replayed counts the changes replayed, or the records indexed when it had
// to rebuild.
func (ix *Index) Reconcile(ctx context.Context, s *store.Store) (replayed int, err error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	applied, err := ix.AppliedSeq()
	if err != nil {
		return 0, err
	}
	last, err := s.LastSeq()
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	// An index ahead of its store (a store restored from backup) cannot be
	// replayed back: only a rebuild knows what to drop.
	if applied > last {
		return ix.rebuildLocked(ctx, s, nil)
	}
	replayed, err = ix.replayLocked(ctx, s, applied)
	if err != nil {
		return replayed, fmt.Errorf("reconcile: %w", err)
	}
	docs, err := ix.DocCount()
	if err != nil {
		return replayed, fmt.Errorf("reconcile: %w", err)
	}
	n, err := s.Count()
	if err != nil {
		return replayed, fmt.Errorf("reconcile: %w", err)
	}
	if docs != uint64(n) {
		return ix.rebuildLocked(ctx, s, nil)
	}
	return replayed, nil
}

// replayLocked applies every store change after seq, in batches, each batch
// recording the sequence of its last change.
func (ix *Index) replayLocked(ctx context.Context, s *store.Store, after uint64) (int, error) {
	var (
		n       int
		puts    []store.Record
		deletes []uint64
		last    uint64
	)
	flush := func() error {
		if len(puts) == 0 && len(deletes) == 0 {
			return nil
		}
		if err := ix.applyLocked(puts, deletes, last); err != nil {
			return err
		}
		puts, deletes = puts[:0], deletes[:0]
		return nil
	}
	err := s.ChangesSince(ctx, after, func(seq, pmid uint64, rec *store.Record) error {
		if rec == nil {
			deletes = append(deletes, pmid)
		} else {
			puts = append(puts, *rec)
		}
		last = seq
		n++
		if len(puts)+len(deletes) >= replayBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

// warm computes the segment-to-row mappings of bi's current snapshot.
func warm(bi bleve.Index, d *docs) error {
	adv, err := bi.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = d.view(r)
	return err
}

// Optimize merges the index into one segment. Searches go on meanwhile and
// get faster after it: each query term is looked up once per segment, and
// a library built by many import batches holds a dozen segments at 100k
// records (BENCHMARKS.md). Rebuild ends with it; callers may run it after a
// large import.
func (ix *Index) Optimize(ctx context.Context) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	bi, release, err := ix.acquire()
	if err != nil {
		return err
	}
	defer release()
	return forceMerge(ctx, bi)
}

func forceMerge(ctx context.Context, bi bleve.Index) error {
	adv, err := bi.Advanced()
	if err != nil {
		return fmt.Errorf("merge segments: %w", err)
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	if err := s.ForceMerge(ctx, nil); err != nil {
		return fmt.Errorf("merge segments: %w", err)
	}
	return nil
}

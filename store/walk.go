package store

import (
	"context"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// walkChunk is how many records a walk reads per read transaction. Walks
// read in chunks and call back outside any transaction, because bbolt cannot
// grow its file mapping while a read transaction is open: one long walk
// (a reindex) would otherwise stall every import until it finished.
const walkChunk = 512

// rewriteChunk is how many records Rewrite reads and writes back per
// transaction.
const rewriteChunk = 1000

// ForEach visits every record in PMID order. It reads in short read
// transactions and calls fn outside them, so fn may take its time (and may
// even write to the store). Records written during the walk may or may not
// be seen; a caller that needs every change takes LastSeq before the walk
// and replays ChangesSince from it afterwards.
func (s *Store) ForEach(ctx context.Context, fn func(Record) error) error {
	var next uint64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs := make([]Record, 0, walkChunk)
		more := false
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketArticles).Cursor()
			for k, v := c.Seek(u64key(next)); k != nil; k, v = c.Next() {
				if len(recs) == walkChunk {
					next, more = keyU64(k), true
					return nil
				}
				recs = append(recs, Record{})
				if err := readRecord(tx, k, v, &recs[len(recs)-1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("for each: %w", err)
		}
		for i := range recs {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(recs[i]); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// change is one entry of the change log with the record it points at.
type change struct {
	seq, pmid uint64
	rec       *Record
}

// ChangesSince visits, in sequence order, the latest change of every PMID
// whose last write has seq > after: rec is nil when that PMID was deleted.
// Like ForEach it calls fn outside transactions; a PMID written again during
// the walk is visited again at its new seq.
func (s *Store) ChangesSince(ctx context.Context, after uint64, fn func(seq, pmid uint64, rec *Record) error) error {
	for after < math.MaxUint64 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := make([]change, 0, walkChunk)
		err := s.db.View(func(tx *bolt.Tx) error {
			arts := tx.Bucket(bucketArticles)
			c := tx.Bucket(bucketChanges).Cursor()
			for k, v := c.Seek(u64key(after + 1)); k != nil && len(chunk) < walkChunk; k, v = c.Next() {
				ch := change{seq: keyU64(k), pmid: keyU64(v)}
				if a := arts.Get(v); a != nil {
					ch.rec = new(Record)
					if err := readRecord(tx, v, a, ch.rec); err != nil {
						return err
					}
				}
				chunk = append(chunk, ch)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("changes since %d: %w", after, err)
		}
		if len(chunk) == 0 {
			return nil
		}
		for i, ch := range chunk {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(ch.seq, ch.pmid, ch.rec); err != nil {
				return err
			}
		}
		after = chunk[len(chunk)-1].seq
	}
	return nil
}

// Rewrite visits every record with its source and writes back those fn
// changed, about 1000 per transaction, each write taking a new seq and the
// current time as Updated (reparse and retag use it). fn must keep the PMID.
// A record that another writer replaced between the read and the write-back
// is left as that writer stored it: it already went through the ingest path.
// Rewrite returns how many records it wrote, also when it fails part-way
// (earlier transactions stay committed).
func (s *Store) Rewrite(ctx context.Context, fn func(rec *Record, source []byte) (changed bool, err error)) (int, error) {
	var (
		next    uint64
		written int
	)
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		type item struct {
			rec Record
			src []byte
		}
		items := make([]item, 0, rewriteChunk)
		more := false
		err := s.db.View(func(tx *bolt.Tx) error {
			srcs := tx.Bucket(bucketSources)
			c := tx.Bucket(bucketArticles).Cursor()
			for k, v := c.Seek(u64key(next)); k != nil; k, v = c.Next() {
				if len(items) == rewriteChunk {
					next, more = keyU64(k), true
					return nil
				}
				var it item
				if err := readRecord(tx, k, v, &it.rec); err != nil {
					return err
				}
				if z := srcs.Get(k); z != nil {
					var err error
					if it.src, err = s.decompress(z); err != nil {
						return fmt.Errorf("source of pmid %d: %w", keyU64(k), err)
					}
				}
				items = append(items, it)
			}
			return nil
		})
		if err != nil {
			return written, fmt.Errorf("rewrite: %w", err)
		}

		changed := make([]*Record, 0, len(items))
		readSeq := make(map[uint64]uint64)
		for i := range items {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return written, err
				}
			}
			rec := &items[i].rec
			pmid, seq := rec.Article.PMID, rec.Seq
			ok, err := fn(rec, items[i].src)
			if err != nil {
				return written, fmt.Errorf("rewrite pmid %d: %w", pmid, err)
			}
			if !ok {
				continue
			}
			if rec.Article.PMID != pmid {
				return written, fmt.Errorf("rewrite pmid %d: callback changed the PMID to %d", pmid, rec.Article.PMID)
			}
			readSeq[pmid] = seq
			changed = append(changed, rec)
		}
		n, err := s.writeBack(changed, readSeq)
		written += n
		if err != nil {
			return written, fmt.Errorf("rewrite: %w", err)
		}
		if !more {
			return written, nil
		}
	}
}

// writeBack stores the rewritten records whose stored seq is still the one
// they were read at.
func (s *Store) writeBack(recs []*Record, readSeq map[uint64]uint64) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	now := time.Now().UTC().Round(0)
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		w := newTxWriter(s, tx)
		for _, rec := range recs {
			key := u64key(rec.Article.PMID)
			old := w.articles.Get(key)
			if old == nil {
				continue // deleted meanwhile
			}
			h, err := decodeHead(rec.Article.PMID, old)
			if err != nil {
				return err
			}
			if h.Seq != readSeq[rec.Article.PMID] {
				continue
			}
			// A reparse may find MeSH in a stored source that an older
			// parser missed: NLM's indexing arriving, as far as the
			// record's tags go.
			if _, err := w.noteIndexing(old, rec, now); err != nil {
				return err
			}
			if err := w.rewrite(key, rec, h.Seq, now); err != nil {
				return err
			}
			n++
		}
		return w.finish()
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"villi/pubmed"
)

// Put is one record to store.
type Put struct {
	Record Record // Apply sets Added, Updated and Seq as stored (on error they mean nothing)
	Source []byte // the record's raw XML; kept zstd-compressed (nil: none kept)
}

// Batch is what Apply writes in one transaction.
type Batch struct {
	Puts    []Put
	Deletes []uint64  // DeleteCitation PMIDs
	Now     time.Time // timestamp for Added/Updated (zero: time.Now())
}

// Change says what Apply did with one put or delete.
type Change int

const (
	Added     Change = iota + 1 // a PMID the store did not hold
	Updated                     // replaced the stored version (Added kept)
	Unchanged                   // identical to the stored version; nothing written
	Older                       // older than the stored version; nothing written
	Deleted                     // a stored PMID was removed
	Missing                     // delete of a PMID the store does not hold
)

var changeNames = [...]string{Added: "added", Updated: "updated", Unchanged: "unchanged", Older: "older", Deleted: "deleted", Missing: "missing"}

func (c Change) String() string {
	if c >= Added && int(c) < len(changeNames) {
		return changeNames[c]
	}
	return "Change(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText lets results go into JSON and logs as words.
func (c Change) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Result is the outcome of one put or delete. Seq is the write's sequence
// number for Added, Updated and Deleted, the stored record's for Unchanged
// and Older, and 0 for Missing.
type Result struct {
	PMID   uint64
	Change Change
	Seq    uint64
	// NewlyIndexed marks a put, Added or Updated, whose record NLM has
	// indexed (it has MeSH) where the stored version was absent or not
	// indexed. An update of a stored version that was not indexed also
	// entered the agreement log (see Comparisons).
	NewlyIndexed bool
}

// ctxCheckEvery bounds how much work a cancelled Apply or walk still does.
const ctxCheckEvery = 64

// Apply writes the whole batch in one bbolt transaction (one fsync) and
// returns one Result per put, then per delete, in order; puts are applied
// before deletes. A put replaces the stored record only if it is not older
// (PMID Version first, then Article.DateRevised, a missing DateRevised being
// older than any); a put with the same version and revision, equal Article
// and Tags and a byte-identical Source is Unchanged and takes no seq. A PMID
// occurring twice is applied in order, so the later entry wins. Every write
// takes the next sequence number and replaces the PMID's change-log entry.
// On error (including ctx cancellation) nothing of the batch is written.
func (s *Store) Apply(ctx context.Context, b Batch) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(b.Puts)+len(b.Deletes) == 0 {
		return nil, nil
	}
	for i := range b.Puts {
		if b.Puts[i].Record.Article.PMID == 0 {
			return nil, fmt.Errorf("apply: put %d has no PMID", i)
		}
	}
	now := b.Now
	if now.IsZero() {
		now = time.Now()
	}
	// Round-tripped through JSON the monotonic reading and zone would be
	// lost; dropping them here keeps Records from Apply and Get equal.
	now = now.UTC().Round(0)

	results := make([]Result, 0, len(b.Puts)+len(b.Deletes))
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newTxWriter(s, tx)
		for i := range b.Puts {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := w.put(&b.Puts[i], now)
			if err != nil {
				return err
			}
			// The caller indexes the record it put: it must see the
			// notices a later read would attach.
			if err := attachNotices(tx, u64key(r.PMID), &b.Puts[i].Record); err != nil {
				return err
			}
			results = append(results, r)
		}
		for i, pmid := range b.Deletes {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := w.delete(pmid)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return w.finish()
	})
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return results, nil
}

// txWriter holds the buckets of one write transaction and the record count
// change it has made.
type txWriter struct {
	s                                 *Store
	tx                                *bolt.Tx
	articles, sources, changes, tombs *bolt.Bucket
	countDelta                        int64
	// The agreement log's buckets, looked up on its first entry.
	agreement, agreeLog, agreePMIDs *bolt.Bucket
}

func newTxWriter(s *Store, tx *bolt.Tx) *txWriter {
	w := &txWriter{
		s:        s,
		tx:       tx,
		articles: tx.Bucket(bucketArticles),
		sources:  tx.Bucket(bucketSources),
		changes:  tx.Bucket(bucketChanges),
		tombs:    tx.Bucket(bucketTombstones),
	}
	// Imports arrive mostly in PMID order and seqs only grow: full pages
	// cost nothing for appends and halve the pages a sequential load leaves.
	w.articles.FillPercent = 0.9
	w.sources.FillPercent = 0.9
	w.changes.FillPercent = 1.0
	return w
}

func (w *txWriter) put(p *Put, now time.Time) (Result, error) {
	// rec is the caller's record: Added, Updated and Seq are filled in so the
	// caller can index exactly what was stored without reading it back.
	rec := &p.Record
	pmid := rec.Article.PMID
	key := u64key(pmid)
	old := w.articles.Get(key)
	if old == nil {
		rec.Added, rec.Updated = now, now
		seq, err := w.write(key, rec, p.Source, 0)
		return Result{PMID: pmid, Change: Added, Seq: seq, NewlyIndexed: indexed(&rec.Article)}, err
	}
	h, err := decodeHead(pmid, old)
	if err != nil {
		return Result{}, err
	}
	switch compareVersion(&rec.Article, h.Version, h.Revised) {
	case -1:
		return Result{PMID: pmid, Change: Older, Seq: h.Seq}, nil
	case 0:
		// Encoding the put as if it were the stored record compares Article
		// and Tags in one step, exactly as they would be stored.
		if w.sameSource(key, p.Source) {
			rec.Added, rec.Updated, rec.Seq = h.Added, h.Updated, h.Seq
			js, err := encodeRecord(rec)
			if err != nil {
				return Result{}, err
			}
			if bytes.Equal(js, old) {
				return Result{PMID: pmid, Change: Unchanged, Seq: h.Seq}, nil
			}
		}
	}
	newly, err := w.noteIndexing(old, rec, now)
	if err != nil {
		return Result{}, err
	}
	rec.Added, rec.Updated = h.Added, now
	seq, err := w.write(key, rec, p.Source, h.Seq)
	return Result{PMID: pmid, Change: Updated, Seq: seq, NewlyIndexed: newly}, err
}

// sameSource reports whether the stored source equals src, without
// compressing src: the frame header's content size rules out most changes,
// and decompressing is several times faster than compressing.
func (w *txWriter) sameSource(key, src []byte) bool {
	stored := w.sources.Get(key)
	if stored == nil || len(src) == 0 {
		return stored == nil && len(src) == 0
	}
	var h zstd.Header
	if h.Decode(stored) == nil && h.HasFCS && h.FrameContentSize != uint64(len(src)) {
		return false
	}
	got, err := w.s.dec.DecodeAll(stored, make([]byte, 0, len(src)))
	return err == nil && bytes.Equal(got, src)
}

// write stores rec and src under key with the next seq. oldSeq is the
// stored record's seq, 0 for a PMID not stored now.
func (w *txWriter) write(key []byte, rec *Record, src []byte, oldSeq uint64) (uint64, error) {
	seq, err := w.putRecord(key, rec, oldSeq)
	if err != nil {
		return 0, err
	}
	// bbolt keeps the slices given to Put until commit, so each Put gets
	// fresh ones.
	if len(src) > 0 {
		return seq, w.sources.Put(key, w.s.enc.EncodeAll(src, nil))
	}
	return seq, w.sources.Delete(key)
}

// rewrite stores a rewritten rec under key with the next seq, keeping its
// source.
func (w *txWriter) rewrite(key []byte, rec *Record, oldSeq uint64, now time.Time) error {
	rec.Updated = now
	_, err := w.putRecord(key, rec, oldSeq)
	return err
}

// putRecord stores rec with the next seq and moves the PMID's change-log
// entry there.
func (w *txWriter) putRecord(key []byte, rec *Record, oldSeq uint64) (uint64, error) {
	seq, err := w.changes.NextSequence()
	if err != nil {
		return 0, err
	}
	rec.Seq = seq
	js, err := encodeRecord(rec)
	if err != nil {
		return 0, err
	}
	if err := w.articles.Put(key, js); err != nil {
		return 0, err
	}
	if oldSeq != 0 {
		if err := w.changes.Delete(u64key(oldSeq)); err != nil {
			return 0, err
		}
	} else {
		if err := w.dropTombstone(key); err != nil {
			return 0, err
		}
		w.countDelta++
	}
	return seq, w.changes.Put(u64key(seq), key)
}

// dropTombstone removes the change-log entry of an earlier delete of key,
// keeping the log at one entry per PMID.
func (w *txWriter) dropTombstone(key []byte) error {
	t := w.tombs.Get(key)
	if t == nil {
		return nil
	}
	if len(t) != 8 {
		return errors.New("bad tombstone value")
	}
	if err := w.changes.Delete(u64key(keyU64(t))); err != nil {
		return err
	}
	return w.tombs.Delete(key)
}

func (w *txWriter) delete(pmid uint64) (Result, error) {
	key := u64key(pmid)
	old := w.articles.Get(key)
	if old == nil {
		return Result{PMID: pmid, Change: Missing}, nil
	}
	h, err := decodeHead(pmid, old)
	if err != nil {
		return Result{}, err
	}
	seq, err := w.changes.NextSequence()
	if err != nil {
		return Result{}, err
	}
	seqKey := u64key(seq)
	if err := errors.Join(
		w.articles.Delete(key),
		w.sources.Delete(key),
		w.changes.Delete(u64key(h.Seq)),
		w.changes.Put(seqKey, key),
		w.tombs.Put(key, seqKey),
	); err != nil {
		return Result{}, err
	}
	w.countDelta--
	return Result{PMID: pmid, Change: Deleted, Seq: seq}, nil
}

// finish records the new record count in the articles bucket's sequence.
func (w *txWriter) finish() error {
	if w.countDelta == 0 {
		return nil
	}
	n := int64(w.articles.Sequence()) + w.countDelta
	if n < 0 {
		return fmt.Errorf("record count would go negative (%d)", n)
	}
	return w.articles.SetSequence(uint64(n))
}

// compareVersion orders a put against the stored version: PMID Version
// first (absent counts as 1), then DateRevised, where a missing one is older
// than any.
func compareVersion(a *pubmed.Article, version int, revised *pubmed.Date) int {
	if c := cmp.Compare(max(a.Version, 1), max(version, 1)); c != 0 {
		return c
	}
	x, y := a.DateRevised, revised
	switch xz, yz := x == nil || x.IsZero(), y == nil || y.IsZero(); {
	case xz && yz:
		return 0
	case xz:
		return -1
	case yz:
		return 1
	}
	if c := cmp.Compare(x.Year, y.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Month, y.Month); c != 0 {
		return c
	}
	return cmp.Compare(x.Day, y.Day)
}

package library

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"villi/pubmed"
	"villi/store"
)

// Summary counts what an ingest did. Skipped records are listed with the
// reason; Notes hold things worth knowing about records that were stored
// (duplicates, and records the decoder cut to its limits).
type Summary struct {
	Records   int `json:"records"` // articles and deletions read
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Older     int `json:"older"`   // not stored: the library already holds a newer version
	Deleted   int `json:"deleted"` // DeleteCitation of a stored record
	Missing   int `json:"missing"` // DeleteCitation of a record the library never held
	// NewlyIndexed counts the stored records NLM has indexed (they have
	// MeSH) whose earlier version was absent or not indexed.
	NewlyIndexed int    `json:"newly_indexed"`
	Skipped      []Skip `json:"skipped,omitempty"`
	Notes        []Skip `json:"notes,omitempty"`
}

// Skip names a record that was passed over, or noted, and why.
type Skip struct {
	Ordinal int    `json:"ordinal"` // 1-based position of the record in its input
	Line    int    `json:"line"`
	PMID    uint64 `json:"pmid,omitempty"`
	Reason  string `json:"reason"`
}

func (s Skip) String() string {
	if s.PMID != 0 {
		return fmt.Sprintf("record %d (line %d, PMID %d): %s", s.Ordinal, s.Line, s.PMID, s.Reason)
	}
	return fmt.Sprintf("record %d (line %d): %s", s.Ordinal, s.Line, s.Reason)
}

// Add folds o into s.
func (s *Summary) Add(o Summary) {
	s.Records += o.Records
	s.Added += o.Added
	s.Updated += o.Updated
	s.Unchanged += o.Unchanged
	s.Older += o.Older
	s.Deleted += o.Deleted
	s.Missing += o.Missing
	s.NewlyIndexed += o.NewlyIndexed
	s.Skipped = append(s.Skipped, o.Skipped...)
	s.Notes = append(s.Notes, o.Notes...)
}

// Progress reports how far an import has come.
type Progress struct {
	Records int
	Summary *Summary
}

// Import reads PubMed XML (plain or gzipped) from r and ingests every record,
// committing a batch at a time. On malformed input it returns the decoder's
// error — naming line and record — after committing every record before it,
// so a truncated file keeps what it held. progress may be nil.
func (l *Library) Import(ctx context.Context, r io.Reader, progress func(Progress)) (Summary, error) {
	var sum Summary
	dec := pubmed.NewDecoder(r)
	b := newBatcher(l)
	seen := make(map[uint64]int)
	for {
		if err := ctx.Err(); err != nil {
			return sum, errors.Join(err, b.flush(ctx, &sum))
		}
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, errors.Join(err, b.flush(ctx, &sum))
		}
		sum.Records++
		if it.Article != nil {
			a := it.Article
			if prev, ok := seen[a.PMID]; ok {
				sum.Notes = append(sum.Notes, Skip{Ordinal: it.Ordinal, Line: it.Line, PMID: a.PMID,
					Reason: fmt.Sprintf("PMID also at record %d of this input; the later one is kept", prev)})
			}
			seen[a.PMID] = it.Ordinal
		}
		if b.switchesKind(it) {
			if err := b.flush(ctx, &sum); err != nil {
				return sum, err
			}
		}
		b.add(it, &sum)
		if b.full() {
			if err := b.flush(ctx, &sum); err != nil {
				return sum, err
			}
			if progress != nil {
				progress(Progress{Records: sum.Records, Summary: &sum})
			}
		}
	}
	err := b.flush(ctx, &sum)
	if progress != nil {
		progress(Progress{Records: sum.Records, Summary: &sum})
	}
	return sum, err
}

// Ingest stores and indexes already-decoded items in one batch; the crawler
// calls it once per efetch response.
func (l *Library) Ingest(ctx context.Context, items []pubmed.Item) (Summary, error) {
	var sum Summary
	b := newBatcher(l)
	for _, it := range items {
		sum.Records++
		if b.switchesKind(it) {
			if err := b.flush(ctx, &sum); err != nil {
				return sum, err
			}
		}
		b.add(it, &sum)
	}
	return sum, b.flush(ctx, &sum)
}

// batcher collects decoded items into one store batch.
type batcher struct {
	lib   *Library
	batch store.Batch
}

func newBatcher(l *Library) *batcher {
	return &batcher{lib: l, batch: store.Batch{Puts: make([]store.Put, 0, l.batchSize)}}
}

func (b *batcher) full() bool { return len(b.batch.Puts)+len(b.batch.Deletes) >= b.lib.batchSize }

// switchesKind reports whether it would put a deletion after a record in
// the pending batch, or the reverse. The store applies a batch's puts before
// its deletes, so a batch holds one kind only and input order is kept.
func (b *batcher) switchesKind(it pubmed.Item) bool {
	if it.Article == nil {
		return len(b.batch.Puts) > 0
	}
	return len(b.batch.Deletes) > 0
}

// add queues an item, or lists it in sum.Skipped with the reason it cannot
// be stored. A record the decoder cut to its limits is stored as cut, with a
// note saying what was cut.
func (b *batcher) add(it pubmed.Item, sum *Summary) {
	if it.Article == nil {
		b.batch.Deletes = append(b.batch.Deletes, it.Deleted...)
		return
	}
	a := it.Article
	if reason := unusable(a); reason != "" {
		sum.Skipped = append(sum.Skipped, Skip{Ordinal: it.Ordinal, Line: it.Line, PMID: a.PMID, Reason: reason})
		return
	}
	if len(it.Cut) > 0 {
		sum.Notes = append(sum.Notes, Skip{Ordinal: it.Ordinal, Line: it.Line, PMID: a.PMID,
			Reason: "stored cut to villi's limits: " + strings.Join(it.Cut, "; ")})
	}
	b.batch.Puts = append(b.batch.Puts, store.Put{
		Record: store.Record{Article: *a, Tags: b.lib.tag(a)},
		Source: it.Source,
	})
}

// unusable says why a record cannot be kept, or "" when it can.
func unusable(a *pubmed.Article) string {
	switch {
	case a.PMID == 0:
		return "no PMID"
	case a.Title == "" && len(a.Abstract) == 0:
		return "no title and no abstract: nothing to search or cite"
	}
	return ""
}

// flush commits the batch to the store, then to the index. The store commit
// is the acknowledgement; should the process die before the index batch, the
// next Open replays the store's change log into the index.
func (b *batcher) flush(ctx context.Context, sum *Summary) error {
	if len(b.batch.Puts) == 0 && len(b.batch.Deletes) == 0 {
		return nil
	}
	// The index write must not be cut short once the store has committed:
	// finish it even when ctx is cancelled, so a clean stop leaves no replay.
	ctx = context.WithoutCancel(ctx)
	b.lib.writeMu.Lock()
	defer b.lib.writeMu.Unlock()
	err := b.flushLocked(ctx, sum)
	if err == nil && b.lib.Degraded() != nil {
		// Room is back, it seems: finish what the library owes. Should that
		// fail it stays degraded; this batch is stored either way.
		_ = b.lib.catchUpLocked(ctx)
	}
	return b.lib.wrote(err)
}

// flushLocked commits the batch; the caller holds writeMu.
func (b *batcher) flushLocked(ctx context.Context, sum *Summary) error {
	b.batch.Now = b.lib.now().UTC()
	// The index must have seen every store change before this batch: its
	// batch records the batch's newest seq, which would otherwise cover (and
	// so skip for good, even at the next Open) a change whose index write
	// failed earlier in this process.
	before, err := b.lib.st.LastSeq()
	if err != nil {
		return fmt.Errorf("store batch: %w", err)
	}
	res, err := b.lib.st.Apply(ctx, b.batch)
	if err != nil {
		return fmt.Errorf("store batch: %w", err)
	}
	var (
		puts    []store.Record
		deletes []uint64
		maxSeq  uint64
	)
	for i, r := range res {
		maxSeq = max(maxSeq, r.Seq)
		switch r.Change {
		case store.Added, store.Updated:
			sum.Added += boolInt(r.Change == store.Added)
			sum.Updated += boolInt(r.Change == store.Updated)
			sum.NewlyIndexed += boolInt(r.NewlyIndexed)
			if i < len(b.batch.Puts) {
				puts = append(puts, b.batch.Puts[i].Record)
			}
		case store.Unchanged:
			sum.Unchanged++
		case store.Older:
			sum.Older++
		case store.Deleted:
			sum.Deleted++
			deletes = append(deletes, r.PMID)
		case store.Missing:
			sum.Missing++
		}
	}
	b.batch.Puts = b.batch.Puts[:0]
	b.batch.Deletes = b.batch.Deletes[:0]
	if len(puts) == 0 && len(deletes) == 0 {
		return nil
	}
	if applied, err := b.lib.ix.AppliedSeq(); err != nil || applied != before {
		// Behind (or unreadable): replay the store's change log, which
		// holds this batch too.
		return b.lib.catchUp(ctx)
	}
	if err := b.lib.ix.Apply(ctx, puts, deletes, maxSeq); err != nil {
		return fmt.Errorf("index batch: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

type seen struct {
	pmid    uint64
	deleted bool
	title   string
}

func collectChanges(t *testing.T, s *Store, after uint64) []seen {
	t.Helper()
	var out []seen
	var last uint64
	err := s.ChangesSince(context.Background(), after, func(seq, pmid uint64, r *Record) error {
		if seq <= last || seq <= after {
			t.Errorf("seq %d after %d (after=%d): not increasing", seq, last, after)
		}
		last = seq
		c := seen{pmid: pmid, deleted: r == nil}
		if r != nil {
			c.title = r.Article.Title
			if r.Seq != seq {
				t.Errorf("pmid %d: record seq %d, change seq %d", pmid, r.Seq, seq)
			}
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatalf("ChangesSince(%d): %v", after, err)
	}
	return out
}

func TestChangesSince_ReplaysExactlyWhatChanged(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "one")), put(rec(2, 1, nil, "two")), put(rec(3, 1, nil, "three"))}})
	mark, _ := s.LastSeq()

	mustApply(t, s, Batch{
		Puts:    []Put{put(rec(4, 1, nil, "four")), put(rec(1, 1, nil, "one")), put(rec(2, 2, nil, "two v2"))},
		Deletes: []uint64{3, 99},
	})
	want := []seen{{pmid: 4, title: "four"}, {pmid: 2, title: "two v2"}, {pmid: 3, deleted: true}}
	if got := collectChanges(t, s, mark); !reflect.DeepEqual(got, want) {
		t.Errorf("ChangesSince(mark) = %+v, want %+v", got, want)
	}

	// The log keeps one entry per PMID ever seen, deleted ones included.
	want = []seen{{pmid: 1, title: "one"}, {pmid: 4, title: "four"}, {pmid: 2, title: "two v2"}, {pmid: 3, deleted: true}}
	if got := collectChanges(t, s, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("ChangesSince(0) = %+v, want %+v", got, want)
	}

	// Re-adding a deleted PMID replaces its delete entry.
	mustApply(t, s, Batch{Puts: []Put{put(rec(3, 1, nil, "three again"))}})
	want = []seen{{pmid: 1, title: "one"}, {pmid: 4, title: "four"}, {pmid: 2, title: "two v2"}, {pmid: 3, title: "three again"}}
	if got := collectChanges(t, s, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("ChangesSince(0) after re-adding 3 = %+v, want %+v", got, want)
	}
	last, _ := s.LastSeq()
	if got := collectChanges(t, s, last); len(got) != 0 {
		t.Errorf("ChangesSince(LastSeq) = %+v, want nothing", got)
	}
}

// loadShuffled stores n records with PMIDs 1..n, written in random order
// over several batches.
func loadShuffled(t testing.TB, s *Store, n int) {
	t.Helper()
	pmids := rand.New(rand.NewPCG(1, 2)).Perm(n)
	for len(pmids) > 0 {
		k := min(len(pmids), 300)
		var b Batch
		for _, p := range pmids[:k] {
			b.Puts = append(b.Puts, put(rec(uint64(p+1), 1, nil, "t")))
		}
		mustApply(t, s, b)
		pmids = pmids[k:]
	}
}

func TestForEach_VisitsEveryRecordInPMIDOrder(t *testing.T) {
	s := openTest(t)
	const n = 3*walkChunk + 17
	loadShuffled(t, s, n)
	var got []uint64
	err := s.ForEach(context.Background(), func(r Record) error {
		got = append(got, r.Article.PMID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEach: %v", err)
	}
	if len(got) != n {
		t.Fatalf("ForEach visited %d records, want %d", len(got), n)
	}
	for i, p := range got {
		if p != uint64(i+1) {
			t.Fatalf("visit %d is PMID %d, want %d", i, p, i+1)
		}
	}
	if seqs := collectChanges(t, s, 0); len(seqs) != n {
		t.Errorf("ChangesSince(0) over %d chunks saw %d entries, want %d", n/walkChunk+1, len(seqs), n)
	}
}

func TestForEach_StopsOnCancelAndCallbackError(t *testing.T) {
	s := openTest(t)
	loadShuffled(t, s, 2*walkChunk)

	ctx, cancel := context.WithCancel(context.Background())
	visited := 0
	err := s.ForEach(ctx, func(Record) error {
		visited++
		if visited == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || visited >= 2*walkChunk {
		t.Errorf("ForEach cancelled at 10: error = %v after %d visits, want context.Canceled early", err, visited)
	}

	boom := errors.New("boom")
	err = s.ChangesSince(context.Background(), 0, func(seq, pmid uint64, r *Record) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("ChangesSince with a failing callback: error = %v, want %v", err, boom)
	}
}

func TestForEach_CallbackMayWrite(t *testing.T) {
	s := openTest(t)
	loadShuffled(t, s, walkChunk+10)
	err := s.ForEach(context.Background(), func(r Record) error {
		if r.Article.PMID%100 != 0 {
			return nil
		}
		_, err := s.Apply(context.Background(), Batch{Deletes: []uint64{r.Article.PMID}})
		return err
	})
	if err != nil {
		t.Fatalf("ForEach with a writing callback: %v", err)
	}
	if n, _ := s.Count(); n != walkChunk+10-5 {
		t.Errorf("Count = %d, want %d", n, walkChunk+10-5)
	}
}

func TestRewrite_WritesBackOnlyChangedWithNewSeq(t *testing.T) {
	s := openTest(t)
	const n = 2*rewriteChunk + 5
	loadShuffled(t, s, n)
	mark, _ := s.LastSeq()
	before, _ := s.Get(2)

	calls := 0
	changed, err := s.Rewrite(context.Background(), func(r *Record, src []byte) (bool, error) {
		calls++
		if want := sourceFor(*r); string(src) != string(want) {
			t.Errorf("pmid %d: source %q, want %q", r.Article.PMID, src, want)
		}
		if r.Article.PMID%2 != 0 {
			return false, nil
		}
		r.Tags.Evidence = "meta-analysis"
		return true, nil
	})
	if err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	if calls != n || changed != n/2 {
		t.Errorf("Rewrite called fn %d times and changed %d, want %d and %d", calls, changed, n, n/2)
	}
	got := collectChanges(t, s, mark)
	if len(got) != n/2 {
		t.Errorf("ChangesSince(before rewrite) = %d entries, want %d", len(got), n/2)
	}
	after, _ := s.Get(2)
	if after.Tags.Evidence != "meta-analysis" || after.Seq <= mark || !after.Added.Equal(before.Added) || after.Updated.Before(before.Updated) {
		t.Errorf("rewritten record: %+v; before: %+v", after, before)
	}
	if odd, _ := s.Get(3); odd.Tags.Evidence != "rct" || odd.Seq > mark {
		t.Errorf("unchanged record was rewritten: %+v", odd)
	}
	if src, err := s.Source(2); err != nil || string(src) != string(sourceFor(after)) {
		t.Errorf("source after rewrite = %q, %v; want it kept", src, err)
	}
}

func TestRewrite_LeavesRecordsReplacedMeanwhile(t *testing.T) {
	s := openTest(t)
	loadShuffled(t, s, 10)
	changed, err := s.Rewrite(context.Background(), func(r *Record, _ []byte) (bool, error) {
		if r.Article.PMID == 5 {
			// A crawl stores a newer version while the rewrite is between
			// its read and its write-back.
			if _, err := s.Apply(context.Background(), Batch{Puts: []Put{put(rec(5, 2, nil, "newer"))}}); err != nil {
				return false, err
			}
		}
		r.Article.Title = "rewritten"
		return true, nil
	})
	if err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	if changed != 9 {
		t.Errorf("Rewrite changed %d, want 9", changed)
	}
	if got, _ := s.Get(5); got.Article.Title != "newer" {
		t.Errorf("PMID 5 title = %q, want the concurrent write's %q", got.Article.Title, "newer")
	}
}

func TestRewrite_RefusesAChangedPMID(t *testing.T) {
	s := openTest(t)
	loadShuffled(t, s, 3)
	_, err := s.Rewrite(context.Background(), func(r *Record, _ []byte) (bool, error) {
		r.Article.PMID++
		return true, nil
	})
	if err == nil {
		t.Fatal("Rewrite accepted a callback that changed the PMID")
	}
	if got, _ := s.Get(1); got.Article.PMID != 1 {
		t.Errorf("Get(1) = %+v", got)
	}
}

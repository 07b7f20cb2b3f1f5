package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestApply_Rules(t *testing.T) {
	base := rec(100, 1, revised(2020, 5, 1), "stored")
	edit := func(f func(*Put)) Put {
		p := put(base)
		f(&p)
		return p
	}
	tests := []struct {
		name      string
		stored    []Put // applied first, in their own batch
		batch     Batch
		want      []Change
		wantTitle string // title stored for PMID 100 afterwards; "" means none
	}{
		{
			name:      "new PMID is added",
			batch:     Batch{Puts: []Put{put(base)}},
			want:      []Change{Added},
			wantTitle: "stored",
		},
		{
			name:      "higher version replaces",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{put(rec(100, 2, revised(2019, 1, 1), "v2"))}},
			want:      []Change{Updated},
			wantTitle: "v2",
		},
		{
			name:      "lower version is older even when revised later",
			stored:    []Put{put(rec(100, 2, revised(2020, 5, 1), "v2"))},
			batch:     Batch{Puts: []Put{put(rec(100, 1, revised(2024, 1, 1), "v1"))}},
			want:      []Change{Older},
			wantTitle: "v2",
		},
		{
			name:      "later DateRevised replaces",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{put(rec(100, 1, revised(2020, 5, 2), "revised"))}},
			want:      []Change{Updated},
			wantTitle: "revised",
		},
		{
			name:      "earlier DateRevised is older",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{put(rec(100, 1, revised(2020, 4, 30), "earlier"))}},
			want:      []Change{Older},
			wantTitle: "stored",
		},
		{
			name:      "missing DateRevised is older than any",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{put(rec(100, 1, nil, "unrevised"))}},
			want:      []Change{Older},
			wantTitle: "stored",
		},
		{
			name:      "any DateRevised is newer than a missing one",
			stored:    []Put{put(rec(100, 1, nil, "unrevised"))},
			batch:     Batch{Puts: []Put{put(base)}},
			want:      []Change{Updated},
			wantTitle: "stored",
		},
		{
			name:      "identical put is unchanged",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{put(base)}},
			want:      []Change{Unchanged},
			wantTitle: "stored",
		},
		{
			name:      "same revision with other source bytes updates",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{edit(func(p *Put) { p.Source = append(p.Source, '\n') })}},
			want:      []Change{Updated},
			wantTitle: "stored",
		},
		{
			name:   "same revision with same-length source updates",
			stored: []Put{put(base)},
			batch: Batch{Puts: []Put{edit(func(p *Put) {
				p.Source = append([]byte(nil), p.Source...)
				p.Source[len(p.Source)-2] = 'X'
			})}},
			want:      []Change{Updated},
			wantTitle: "stored",
		},
		{
			name:      "same revision without a source updates",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{edit(func(p *Put) { p.Source = nil })}},
			want:      []Change{Updated},
			wantTitle: "stored",
		},
		{
			name:      "same revision with other tags updates",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{edit(func(p *Put) { p.Record.Tags.Evidence = "meta-analysis" })}},
			want:      []Change{Updated},
			wantTitle: "stored",
		},
		{
			name:      "same revision with another decoded article updates",
			stored:    []Put{put(base)},
			batch:     Batch{Puts: []Put{edit(func(p *Put) { p.Record.Article.Title = "reparsed" })}},
			want:      []Change{Updated},
			wantTitle: "reparsed",
		},
		{
			name:      "same PMID twice in a batch: the later older one loses",
			batch:     Batch{Puts: []Put{put(rec(100, 2, nil, "v2")), put(rec(100, 1, nil, "v1"))}},
			want:      []Change{Added, Older},
			wantTitle: "v2",
		},
		{
			name:      "same PMID twice in a batch: the later newer one wins",
			batch:     Batch{Puts: []Put{put(rec(100, 1, nil, "v1")), put(rec(100, 2, nil, "v2"))}},
			want:      []Change{Added, Updated},
			wantTitle: "v2",
		},
		{
			name:      "same PMID twice in a batch, identical",
			batch:     Batch{Puts: []Put{put(base), put(base)}},
			want:      []Change{Added, Unchanged},
			wantTitle: "stored",
		},
		{
			name:   "delete of a stored PMID",
			stored: []Put{put(base)},
			batch:  Batch{Deletes: []uint64{100}},
			want:   []Change{Deleted},
		},
		{
			name:  "delete of an unknown PMID",
			batch: Batch{Deletes: []uint64{100}},
			want:  []Change{Missing},
		},
		{
			name:   "puts come before deletes, deletes in order",
			stored: []Put{put(base)},
			batch:  Batch{Puts: []Put{put(rec(100, 3, nil, "v3"))}, Deletes: []uint64{100, 100}},
			want:   []Change{Updated, Deleted, Missing},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			if len(tt.stored) > 0 {
				mustApply(t, s, Batch{Puts: tt.stored, Now: testNow})
			}
			res := mustApply(t, s, tt.batch)
			if got := changesOf(res); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changes = %v, want %v", got, tt.want)
			}
			got, err := s.Get(100)
			switch {
			case tt.wantTitle == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("Get(100) = %q, %v; want ErrNotFound", got.Article.Title, err)
			case tt.wantTitle != "" && (err != nil || got.Article.Title != tt.wantTitle):
				t.Errorf("Get(100) title = %q, %v; want %q", got.Article.Title, err, tt.wantTitle)
			}
		})
	}
}

func TestApply_UpdateKeepsAddedAndUnchangedTakesNoSeq(t *testing.T) {
	s := openTest(t)
	first := mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "a"))}, Now: testNow})
	later := testNow.Add(48 * time.Hour)

	same := mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "a"))}, Now: later})
	if same[0].Change != Unchanged || same[0].Seq != first[0].Seq {
		t.Errorf("identical put = %+v, want Unchanged with the stored seq %d", same[0], first[0].Seq)
	}
	if seq, _ := s.LastSeq(); seq != first[0].Seq {
		t.Errorf("LastSeq after an unchanged put = %d, want %d", seq, first[0].Seq)
	}

	upd := mustApply(t, s, Batch{Puts: []Put{put(rec(1, 2, nil, "b"))}, Now: later})
	got, err := s.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Added.Equal(testNow) || !got.Updated.Equal(later) || got.Seq != upd[0].Seq || upd[0].Seq <= first[0].Seq {
		t.Errorf("after update Added=%v Updated=%v Seq=%d (result seq %d); want Added=%v Updated=%v and a new seq",
			got.Added, got.Updated, got.Seq, upd[0].Seq, testNow, later)
	}
}

func TestApply_CountAndSeqFollowWrites(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "a")), put(rec(2, 1, nil, "b")), put(rec(3, 1, nil, "c"))}})
	mustApply(t, s, Batch{Puts: []Put{put(rec(2, 2, nil, "b2"))}, Deletes: []uint64{3, 4}})
	if n, err := s.Count(); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
	// 3 adds, 1 update, 1 delete; the missing delete takes no seq.
	if seq, err := s.LastSeq(); err != nil || seq != 5 {
		t.Errorf("LastSeq = %d, %v; want 5", seq, err)
	}
	// Re-adding a deleted PMID counts it again.
	mustApply(t, s, Batch{Puts: []Put{put(rec(3, 1, nil, "c again"))}})
	if n, _ := s.Count(); n != 3 {
		t.Errorf("Count after re-adding = %d, want 3", n)
	}
}

func TestApply_CancelledContextWritesNothing(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Apply(ctx, Batch{Puts: []Put{put(rec(1, 1, nil, "a"))}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context: error = %v, want context.Canceled", err)
	}
	if n, _ := s.Count(); n != 0 {
		t.Errorf("Count after a cancelled Apply = %d, want 0", n)
	}
}

func TestApply_FailingBatchWritesNothing(t *testing.T) {
	s := openTest(t)
	_, err := s.Apply(context.Background(), Batch{Puts: []Put{put(rec(1, 1, nil, "a")), put(rec(0, 1, nil, "no pmid"))}})
	if err == nil {
		t.Fatal("Apply of a put without PMID succeeded")
	}
	if n, _ := s.Count(); n != 0 {
		t.Errorf("Count after a failed Apply = %d, want 0", n)
	}
}

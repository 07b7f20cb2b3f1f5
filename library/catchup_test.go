package library

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"

	"villi/index"
	"villi/pubmed"
	"villi/store"
)

// A store commit whose index batch did not happen (the index write failed,
// or a reparse stopped before catching the index up) must not be skipped
// for good when a later batch in the same process succeeds: that batch
// would record a store sequence past the missed change, so neither it nor
// the next Open would ever replay it.
func TestIngest_LaterBatchCatchesUpAChangeTheIndexMissed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lib := openLib(t, dir)
	if _, err := lib.Import(ctx, bytes.NewReader(readFixture(t, bigFixture)), nil); err != nil {
		t.Fatal(err)
	}
	var victim, donor store.Record
	if err := lib.st.ForEach(ctx, func(r store.Record) error {
		switch {
		case victim.Article.PMID == 0 && !r.Article.Retracted:
			victim = r
		case donor.Article.PMID == 0:
			donor = r
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The store learns that the victim was retracted; its index batch is lost.
	if _, err := lib.st.Rewrite(ctx, func(r *store.Record, _ []byte) (bool, error) {
		if r.Article.PMID != victim.Article.PMID {
			return false, nil
		}
		r.Article.Retracted = true
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	// The process goes on and ingests something else.
	a := donor.Article
	a.PMID = 990000001
	if _, err := lib.Ingest(ctx, []pubmed.Item{{Article: &a}}); err != nil {
		t.Fatal(err)
	}

	check := func(when string, lib *Library) {
		t.Helper()
		res, err := lib.Search(ctx, index.Request{
			Q:                strconv.FormatUint(victim.Article.PMID, 10) + "[pmid]",
			ExcludeRetracted: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			t.Errorf("%s: search excluding retracted studies returned PMID %d (retracted=%v)", when, h.PMID, h.Retracted)
		}
		applied, _ := lib.ix.AppliedSeq()
		last, _ := lib.st.LastSeq()
		if applied != last {
			t.Errorf("%s: index applied seq %d, store last seq %d", when, applied, last)
		}
	}
	check("same process", lib)
	lib.Close()
	check("after reopen", openLib(t, dir))
}

// A hit whose record left the store after the index answered (a delete
// racing the search) is dropped, and every other hit keeps its own record:
// hits are matched to records by PMID, never by position.
func TestSearch_HitDeletedFromStoreIsDroppedNotMisaligned(t *testing.T) {
	ctx := context.Background()
	lib := openLib(t, t.TempDir())
	if _, err := lib.Import(ctx, bytes.NewReader(readFixture(t, bigFixture)), nil); err != nil {
		t.Fatal(err)
	}
	req := index.Request{Sort: index.SortDate, Size: 10}
	before, err := lib.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Hits) < 3 {
		t.Fatalf("got %d hits, need 3", len(before.Hits))
	}
	gone := before.Hits[1].PMID
	// Store-only delete: the index still lists it, as in the race.
	if _, err := lib.st.Apply(ctx, store.Batch{Deletes: []uint64{gone}}); err != nil {
		t.Fatal(err)
	}
	after, err := lib.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Hits) != len(before.Hits)-1 {
		t.Errorf("got %d hits, want %d", len(after.Hits), len(before.Hits)-1)
	}
	for _, h := range after.Hits {
		if h.PMID == gone {
			t.Errorf("deleted PMID %d still a hit", gone)
		}
		if h.Record == nil || h.Record.Article.PMID != h.PMID {
			t.Fatalf("hit %d carries another record", h.PMID)
		}
		rec, err := lib.st.Get(h.PMID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Title != rec.Article.Title {
			t.Errorf("hit %d title = %q, want %q", h.PMID, h.Title, rec.Article.Title)
		}
	}
}

// Writers racing in one process (import, crawl-style ingest, reparse,
// retag, reindex) with searches alongside leave index and store in step.
func TestWriters_ConcurrentLeaveIndexInStep(t *testing.T) {
	ctx := context.Background()
	lib := openLib(t, t.TempDir())
	big := readFixture(t, bigFixture)
	upd := readFixture(t, updateFixture)
	var items []pubmed.Item
	dec := pubmed.NewDecoder(bytes.NewReader(upd))
	for {
		it, err := dec.Next()
		if err != nil {
			break
		}
		items = append(items, it)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errs <- err
			}
		}()
	}
	run(func() error { _, err := lib.Import(ctx, bytes.NewReader(big), nil); return err })
	run(func() error {
		for i := 0; i < len(items); i += 7 {
			if _, err := lib.Ingest(ctx, items[i:min(i+7, len(items))]); err != nil {
				return err
			}
		}
		return nil
	})
	run(func() error { _, err := lib.Reparse(ctx); return err })
	run(func() error { _, err := lib.Retag(ctx); return err })
	run(func() error { return lib.Reindex(ctx, nil) })
	run(func() error {
		for range 20 {
			if _, err := lib.Search(ctx, index.Request{Q: "inflammation", Facets: true}); err != nil {
				return err
			}
		}
		return nil
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	assertConsistent(t, lib)
	applied, _ := lib.ix.AppliedSeq()
	last, _ := lib.st.LastSeq()
	if applied != last {
		t.Errorf("index applied seq %d, store last seq %d", applied, last)
	}
	// Every stored record is found by its PMID, with its stored title.
	if err := lib.st.ForEach(ctx, func(r store.Record) error {
		res, err := lib.Search(ctx, index.Request{Q: strconv.FormatUint(r.Article.PMID, 10) + "[pmid]"})
		if err != nil {
			return err
		}
		if len(res.Hits) != 1 || res.Hits[0].Title != r.Article.Title {
			t.Errorf("PMID %d: search found %d hits", r.Article.PMID, len(res.Hits))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

package library

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"villi/internal/tmpfs"
	"villi/pubmed"
	"villi/store"
)

// copies returns n stored records as new articles, under PMIDs past any
// real one (base + the original PMID).
func copies(t *testing.T, lib *Library, base uint64, n int) []pubmed.Article {
	t.Helper()
	var out []pubmed.Article
	if err := lib.st.ForEach(context.Background(), func(r store.Record) error {
		if len(out) < n {
			a := r.Article
			a.PMID += base
			out = append(out, a)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func items(as []pubmed.Article) []pubmed.Item {
	out := make([]pubmed.Item, len(as))
	for i := range as {
		out[i] = pubmed.Item{Article: &as[i]}
	}
	return out
}

// findable fails unless a search for pmid finds it.
func findable(t *testing.T, lib *Library, pmid uint64) {
	t.Helper()
	res, err := lib.Search(context.Background(), Request{Q: strconv.FormatUint(pmid, 10) + "[pmid]"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].PMID != pmid {
		t.Errorf("search for PMID %d found %d hits, want it", pmid, len(res.Hits))
	}
}

// inLine fails unless the index holds exactly what the store does.
func inLine(t *testing.T, lib *Library) {
	t.Helper()
	assertConsistent(t, lib)
	applied, err := lib.ix.AppliedSeq()
	if err != nil {
		t.Fatal(err)
	}
	last, err := lib.st.LastSeq()
	if err != nil {
		t.Fatal(err)
	}
	if applied != last {
		t.Errorf("index applied seq %d, store last seq %d", applied, last)
	}
}

// importOneBatch opens a library in dir and imports the big fixture in one
// batch. One batch leaves one index segment, which bleve has no reason to
// merge: merged segments are removed in the background, even at the next
// open, and the room that frees would let a write through the full disk.
func importOneBatch(t *testing.T, dir string) *Library {
	t.Helper()
	lib, err := Open(context.Background(), dir, Options{BatchSize: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	if _, err := lib.Import(context.Background(), bytes.NewReader(readFixture(t, bigFixture)), nil); err != nil {
		t.Fatal(err)
	}
	return lib
}

// A full disk while the index lags the store (the store committed, the
// index never saw it) used to fail every Open, so no command ran at all.
// The library opens degraded: it reads the store and searches the index as
// it is, says why, refuses writes in words, and catches up once there is
// room again.
func TestOpen_FullDiskOpensDegradedAndCatchesUp(t *testing.T) {
	ctx := context.Background()
	mnt := tmpfs.Mount(t, "40m")
	dir := filepath.Join(mnt, "data")
	lib := importOneBatch(t, dir)
	lagging := copies(t, lib, 60_000_000, 50)
	later := copies(t, lib, 70_000_000, 20)
	lib.Close()
	// The store commits; the process dies before the index batch.
	st, err := store.Open(filepath.Join(dir, storeFile), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var puts []store.Put
	for _, a := range lagging {
		puts = append(puts, store.Put{Record: store.Record{Article: a}})
	}
	if _, err := st.Apply(ctx, store.Batch{Puts: puts}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	free := tmpfs.Fill(t, mnt)

	lib, err = Open(ctx, dir, Options{BatchSize: 100})
	if err != nil {
		t.Fatalf("Open on a full disk: %v", err)
	}
	t.Cleanup(func() { lib.Close() })
	d := lib.Degraded()
	if d == nil || !strings.Contains(d.Reason, "disk is full") || strings.Contains(d.Reason, dir) {
		t.Fatalf("Degraded() = %+v, want a reason naming the full disk and no path", d)
	}
	if err := lib.Check(); !errors.Is(err, ErrDegraded) {
		t.Errorf("Check() = %v, want ErrDegraded", err)
	}
	if st, err := lib.Status(); err != nil || st.Degraded == nil || st.Degraded.Reason != d.Reason {
		t.Errorf("Status() = %+v, %v; want Degraded %+v", st.Degraded, err, d)
	}
	if rec, err := lib.Record(lagging[0].PMID); err != nil || rec.Article.Title != lagging[0].Title {
		t.Errorf("Record(%d) = %q, %v; want the stored record", lagging[0].PMID, rec.Article.Title, err)
	}
	findable(t, lib, lagging[0].PMID-60_000_000)
	if n, err := lib.Backup(ctx, filepath.Join(t.TempDir(), "villi.db")); err != nil || n == 0 {
		t.Errorf("Backup to another disk = %d, %v; want a copy", n, err)
	}

	// A write says the disk is full, names the data directory, and the
	// library stays degraded.
	_, err = lib.Ingest(ctx, items(later))
	if err == nil || !strings.Contains(err.Error(), "disk is full") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Ingest on a full disk = %v, want an error naming the full disk and %s", err, dir)
	}
	if lib.Degraded() == nil {
		t.Error("a failed write cleared the degraded state")
	}
	if err := lib.CatchUp(ctx); err == nil || lib.Degraded() == nil {
		t.Errorf("CatchUp on a full disk = %v, degraded %v; want an error, still degraded", err, lib.Degraded())
	}

	free()
	if err := lib.CatchUp(ctx); err != nil {
		t.Fatalf("CatchUp with room again: %v", err)
	}
	if d := lib.Degraded(); d != nil {
		t.Errorf("after CatchUp still degraded: %+v", d)
	}
	if err := lib.Check(); err != nil {
		t.Errorf("Check() after CatchUp = %v", err)
	}
	inLine(t, lib)
	findable(t, lib, lagging[len(lagging)-1].PMID)
	if _, err := lib.Ingest(ctx, items(later)); err != nil {
		t.Fatalf("Ingest after CatchUp: %v", err)
	}
	findable(t, lib, later[0].PMID)
	lib.Close()
	if lib := openLib(t, dir); lib.Degraded() != nil {
		t.Errorf("reopened with room: degraded %+v", lib.Degraded())
	}
}

// A batch that finds the disk full while serving is reported and leaves
// nothing half done: once there is room, the next batch brings the index in
// line with whatever the store committed, and the warning goes.
func TestIngest_FullDiskMidServeIsReportedAndCaughtUpByTheNextWrite(t *testing.T) {
	ctx := context.Background()
	mnt := tmpfs.Mount(t, "40m")
	dir := filepath.Join(mnt, "data")
	lib := importOneBatch(t, dir)
	first := copies(t, lib, 60_000_000, 100)
	second := copies(t, lib, 70_000_000, 10)
	lib.Close()
	free := tmpfs.Fill(t, mnt)
	lib = openLib(t, dir)
	if d := lib.Degraded(); d != nil {
		t.Fatalf("opened degraded, with the index in line: %+v", d)
	}
	if _, err := lib.Ingest(ctx, items(first)); err == nil {
		t.Fatal("Ingest on a full disk succeeded")
	}
	if lib.Degraded() == nil {
		t.Fatal("a batch refused for want of room left the library not degraded")
	}
	free()
	if _, err := lib.Ingest(ctx, items(second)); err != nil {
		t.Fatalf("Ingest with room again: %v", err)
	}
	if d := lib.Degraded(); d != nil {
		t.Errorf("the next successful write left the library degraded: %+v", d)
	}
	inLine(t, lib)
	findable(t, lib, second[0].PMID)
	// Whatever the failed batch stored is searchable; the rest can be sent again.
	if _, err := lib.Ingest(ctx, items(first)); err != nil {
		t.Fatal(err)
	}
	inLine(t, lib)
	findable(t, lib, first[len(first)-1].PMID)
}

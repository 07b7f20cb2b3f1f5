package index

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"villi/store"
)

func TestOpen_NewIndexNeedsRebuildReopenedDoesNot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !ix.NeedsRebuild() {
		t.Error("new index: NeedsRebuild() = false, want true")
	}
	if err := ix.Apply(context.Background(), synthetic(3, 1, 1), nil, 3); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t, dir)
	if ix.NeedsRebuild() {
		t.Error("reopened index: NeedsRebuild() = true, want false")
	}
	if n, _ := ix.DocCount(); n != 3 {
		t.Errorf("DocCount after reopen = %d, want 3", n)
	}
}

func TestOpen_OtherMappingVersionIsRemovedAndNeedsRebuild(t *testing.T) {
	tests := []struct{ name, stamp string }{
		{"older villi", strconv.Itoa(MappingVersion - 1)},
		{"another synonym table", strconv.Itoa(MappingVersion) + "/000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index.bleve")
			ix := openIndex(t, dir)
			if err := ix.Apply(context.Background(), synthetic(5, 1, 1), nil, 5); err != nil {
				t.Fatal(err)
			}
			ix.Close()

			bi, err := bleve.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := bi.SetInternal(keyMappingVersion, []byte(tt.stamp)); err != nil {
				t.Fatal(err)
			}
			bi.Close()

			ix = openIndex(t, dir)
			if !ix.NeedsRebuild() {
				t.Errorf("NeedsRebuild() = false for an index stamped %q, want true", tt.stamp)
			}
			if n, _ := ix.DocCount(); n != 0 {
				t.Errorf("DocCount = %d, want 0: the old index must be removed", n)
			}
			if seq, _ := ix.AppliedSeq(); seq != 0 {
				t.Errorf("AppliedSeq = %d, want 0", seq)
			}
		})
	}
}

func TestOpen_UnreadableIndexIsRecreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index.bleve")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, dir)
	if !ix.NeedsRebuild() {
		t.Error("NeedsRebuild() = false for a recreated index, want true")
	}
	if err := ix.Apply(context.Background(), synthetic(2, 1, 1), nil, 2); err != nil {
		t.Fatalf("Apply on recreated index: %v", err)
	}
}

func TestOpen_ForeignDirectoryIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "thesis.docx")
	if err := os.WriteFile(keep, []byte("years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ix, err := Open(dir, Options{}); err == nil {
		ix.Close()
		t.Fatal("Open on a directory of other files succeeded, want an error")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("foreign file gone after Open: %v", err)
	}
}

func TestOpen_SecondOpenFailsFastWithErrLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index.bleve")
	openIndex(t, dir)
	start := time.Now()
	ix, err := Open(dir, Options{BoltTimeout: 200 * time.Millisecond})
	if err == nil {
		ix.Close()
		t.Fatal("second Open succeeded, want ErrLocked")
	}
	if !errors.Is(err, store.ErrLocked) {
		t.Errorf("second Open error = %v, want one wrapping store.ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %s, want about the 200ms timeout", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		t.Errorf("locked index was touched: %v", err)
	}
}

func TestApply_PutsDeletesAndSeqTogether(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	ctx := context.Background()
	recs := synthetic(10, 100, 1)
	if err := ix.Apply(ctx, recs, nil, 10); err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(ctx, nil, []uint64{100, 101, 999}, 13); err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.DocCount(); got != 8 {
		t.Errorf("DocCount = %d, want 8", got)
	}
	if got, _ := ix.AppliedSeq(); got != 13 {
		t.Errorf("AppliedSeq = %d, want 13", got)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ix.Apply(cancelled, synthetic(1, 500, 1), nil, 14); err == nil {
		t.Error("Apply with a cancelled context succeeded")
	}
	if got, _ := ix.AppliedSeq(); got != 13 {
		t.Errorf("AppliedSeq after a refused batch = %d, want 13", got)
	}
}

const crashChildEnv = "VILLI_INDEX_CRASH_CHILD"

// TestApply_KillDuringBatchesKeepsDocsAndSeqTogether kills -9 a process that
// applies batches (re-executing this test binary) and checks that the
// reopened index holds exactly the documents of the batches up to its
// AppliedSeq, and at least every batch that was acknowledged.
func TestApply_KillDuringBatchesKeepsDocsAndSeqTogether(t *testing.T) {
	const perBatch = 40
	if dir := os.Getenv(crashChildEnv); dir != "" {
		ix, err := Open(dir, Options{})
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(2)
		}
		for seq := uint64(1); ; seq++ {
			recs := synthetic(perBatch, (seq-1)*perBatch+1, seq)
			if err := ix.Apply(context.Background(), recs, nil, seq); err != nil {
				fmt.Println("apply:", err)
				os.Exit(2)
			}
			fmt.Printf("ack %d\n", seq)
		}
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for round, killAfter := range []int{1, 3, 6} {
		dir := filepath.Join(t.TempDir(), "ix")
		cmd := exec.Command(os.Args[0], "-test.run=^TestApply_KillDuringBatchesKeepsDocsAndSeqTogether$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		acked := 0
		for acked < killAfter && sc.Scan() {
			if n, err := fmt.Sscanf(sc.Text(), "ack %d", &acked); n != 1 || err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
		}
		// Let the next batch get under way before the kill.
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		ix := openIndex(t, dir)
		seq, err := ix.AppliedSeq()
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := ix.DocCount()
		if seq < uint64(acked) {
			t.Errorf("round %d: AppliedSeq = %d after %d acknowledged batches", round, seq, acked)
		}
		if docs != seq*perBatch {
			t.Errorf("round %d: DocCount = %d with AppliedSeq %d, want %d: documents and seq diverged", round, docs, seq, seq*perBatch)
		}
		ix.Close()
	}
}

func TestReconcile_ReplaysWhatTheIndexMissed(t *testing.T) {
	ctx := ctxTimeout(t)
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	ingest(t, s, ix, synthetic(200, 1, 1), nil)

	// The process dies after these store commits, before the index batch.
	added := synthetic(50, 1001, 2)
	updated := synthetic(20, 1, 3)
	for i := range updated {
		updated[i].Article.Title = "Quokka colonies and the gut barrier"
	}
	deleted := []uint64{101, 102, 103, 104, 105, 106, 107, 108, 109, 110}
	storeOnly(t, s, append(added, updated...), deleted)

	replayed, err := ix.Reconcile(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(added) + len(updated) + len(deleted); replayed != want {
		t.Errorf("Reconcile replayed %d changes, want %d", replayed, want)
	}
	assertInStep(t, ix, s)
	hits := searchAll(t, ix, Request{Q: "quokka"})
	if len(hits) != len(updated) {
		t.Errorf("search for the updated title found %d, want %d", len(hits), len(updated))
	}

	// Nothing left to replay: a second Reconcile is a no-op.
	if replayed, err = ix.Reconcile(ctx, s); err != nil || replayed != 0 {
		t.Errorf("second Reconcile = %d, %v; want 0, nil", replayed, err)
	}
}

func TestReconcile_GhostDocumentForcesRebuild(t *testing.T) {
	ctx := ctxTimeout(t)
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	ingest(t, s, ix, synthetic(100, 1, 1), nil)
	seq, _ := ix.AppliedSeq()
	// A document the store never had, at the current seq: no change log
	// entry will ever mention it.
	if err := ix.Apply(ctx, synthetic(1, 777777, 9), nil, seq); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Reconcile(ctx, s); err != nil {
		t.Fatal(err)
	}
	assertInStep(t, ix, s)
}

func TestReconcile_IndexAheadOfStoreRebuilds(t *testing.T) {
	ctx := ctxTimeout(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	if err := ix.Apply(ctx, synthetic(30, 1, 1), nil, 500); err != nil {
		t.Fatal(err)
	}
	s := openStore(t) // e.g. a store restored from an older backup
	storeOnly(t, s, synthetic(5, 40, 2), nil)
	if _, err := ix.Reconcile(ctx, s); err != nil {
		t.Fatal(err)
	}
	assertInStep(t, ix, s)
}

func TestRebuild_IndexesEveryRecordAndReportsProgress(t *testing.T) {
	ctx := ctxTimeout(t)
	s := openStore(t)
	storeOnly(t, s, synthetic(1500, 1, 1), nil)
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openIndex(t, dir)
	var progress []int
	if err := ix.Rebuild(ctx, s, func(done int) { progress = append(progress, done) }); err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(progress) || len(progress) < 2 || progress[len(progress)-1] != 1500 {
		t.Errorf("progress = %v, want increasing counts ending at 1500", progress)
	}
	if ix.NeedsRebuild() {
		t.Error("NeedsRebuild() = true after Rebuild")
	}
	assertInStep(t, ix, s)
	if _, err := os.Stat(dir + rebuildSuffix); !os.IsNotExist(err) {
		t.Errorf("side index left behind: %v", err)
	}
	// The swapped-in index is the one on disk.
	ix.Close()
	ix = openIndex(t, dir)
	assertInStep(t, ix, s)
}

func TestRebuild_CancelledKeepsTheCurrentIndex(t *testing.T) {
	s := openStore(t)
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openIndex(t, dir)
	ingest(t, s, ix, synthetic(50, 1, 1), nil)
	storeOnly(t, s, synthetic(2000, 100, 2), nil)

	ctx, cancel := context.WithCancel(context.Background())
	err := ix.Rebuild(ctx, s, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Rebuild error = %v, want context.Canceled", err)
	}
	if n, _ := ix.DocCount(); n != 50 {
		t.Errorf("DocCount after a cancelled rebuild = %d, want the old 50", n)
	}
	if _, err := os.Stat(dir + rebuildSuffix); !os.IsNotExist(err) {
		t.Errorf("side index left behind: %v", err)
	}
	if res, err := ix.Search(context.Background(), Request{}); err != nil || res.Total != 50 {
		t.Errorf("search after a cancelled rebuild: %v, %v", res, err)
	}
}

// assertInStep checks that the index holds exactly the store's PMIDs and
// has caught up with its sequence.
func assertInStep(t *testing.T, ix *Index, s *store.Store) {
	t.Helper()
	var want []uint64
	for _, r := range allRecords(t, s) {
		want = append(want, r.Article.PMID)
	}
	got := pmids(searchAll(t, ix, Request{Size: MaxSize}))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("index holds %d PMIDs, store %d; index-only %v, store-only %v",
			len(got), len(want), minus(got, want), minus(want, got))
	}
	last, _ := s.LastSeq()
	if seq, _ := ix.AppliedSeq(); seq != last {
		t.Errorf("AppliedSeq = %d, store LastSeq = %d", seq, last)
	}
}

func minus(a, b []uint64) []uint64 {
	var out []uint64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

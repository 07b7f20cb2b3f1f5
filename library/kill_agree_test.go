package library

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"villi/internal/corpus"
	"villi/learn"
	"villi/pubmed"
	"villi/store"
)

// An import of indexed versions over records stored without MeSH, killed
// at random: after every restart the agreement log holds exactly one
// comparison per record whose indexed version is stored, none lost with
// an acknowledged batch and none counted twice when the import runs again.
func TestImport_Kill9ComparesEachIndexedRecordOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses; skipped in -short")
	}
	const n = 1000
	buf := resampled(t, corpus.Options{N: n, Seed: 11})
	file := filepath.Join(t.TempDir(), "corpus.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")

	// The records as they were before NLM indexed them.
	var early []pubmed.Item
	indexed := 0
	dec := pubmed.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		it, err := dec.Next()
		if err != nil {
			break
		}
		if it.Article != nil && learn.Indexed(it.Article) {
			indexed++
			early = append(early, beforeIndexing(it))
		}
	}
	if indexed < n/2 {
		t.Fatalf("only %d of %d corpus records have MeSH", indexed, n)
	}
	lib := openLib(t, dir)
	if _, err := lib.Ingest(context.Background(), early); err != nil {
		t.Fatal(err)
	}
	lib.Close()

	check := func(round int) int {
		t.Helper()
		lib, err := Open(context.Background(), dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		defer lib.Close()
		stored := 0
		err = lib.st.ForEach(context.Background(), func(r store.Record) error {
			if learn.Indexed(&r.Article) {
				stored++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cs, _, err := lib.st.Comparisons()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint64]bool{}
		for _, c := range cs {
			if seen[c.PMID] {
				t.Errorf("round %d: PMID %d compared twice", round, c.PMID)
			}
			seen[c.PMID] = true
		}
		if len(cs) != stored {
			t.Errorf("round %d: %d comparisons, %d records stored indexed; want equal", round, len(cs), stored)
		}
		return len(cs)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for round := 0; round < 4; round++ {
		wait := time.Duration(100+rng.IntN(1500)) * time.Millisecond
		out, _ := importAndKill(t, dir, file, wait)
		got := check(round)
		t.Logf("round %d: killed after %v, %d acknowledged, %d compared", round, wait, lastAcked(out), got)
		if strings.Contains(out, "done") {
			break
		}
	}
	lib = openLib(t, dir)
	if _, err := lib.Import(context.Background(), bytes.NewReader(buf.Bytes()), nil); err != nil {
		t.Fatalf("final import: %v", err)
	}
	lib.Close()
	if got := check(99); got != indexed {
		t.Errorf("after the whole import: %d comparisons, want %d (every indexed record once)", got, indexed)
	}
}

package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"villi/pubmed"
	"villi/taxonomy"
)

// unindexed is rec as villi stores a record NLM has not indexed: no MeSH,
// tags guessed from text.
func unindexed(pmid uint64, rev *pubmed.Date, conds []string, ev string) Record {
	r := rec(pmid, 1, rev, "Guessed")
	r.Tags = taxonomy.Tags{Conditions: conds, Mechanisms: []string{"remove"}, Evidence: ev, Species: "human",
		Provisional: append(append([]string{}, conds...), "remove", ev)}
	return r
}

// indexedRec is the same record after NLM's indexing arrived.
func indexedRec(pmid uint64, rev *pubmed.Date, conds []string, ev string) Record {
	r := rec(pmid, 1, rev, "Indexed")
	r.Article.MeSH = []pubmed.MeshHeading{{DescriptorUI: "D002446", DescriptorName: "Celiac Disease", Major: true}}
	r.Tags = taxonomy.Tags{Conditions: conds, Mechanisms: []string{"repair"}, Evidence: ev, Species: "human"}
	return r
}

func comparisons(t *testing.T, s *Store) []Comparison {
	t.Helper()
	cs, _, err := s.Comparisons()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestApply_IndexingReplacingGuessIsCompared(t *testing.T) {
	s := openTest(t)
	res := mustApply(t, s, Batch{Puts: []Put{put(unindexed(1, revised(2024, 1, 1), []string{"celiac", "ibd"}, "rct"))}, Now: testNow})
	if res[0].NewlyIndexed {
		t.Errorf("a record without MeSH counted as newly indexed")
	}
	res = mustApply(t, s, Batch{Puts: []Put{put(indexedRec(1, revised(2024, 3, 1), []string{"celiac"}, "observational"))}, Now: testNow})
	if got := res[0]; got.Change != Updated || !got.NewlyIndexed {
		t.Errorf("indexed update = %+v, want updated and newly indexed", got)
	}
	want := []Comparison{{ID: 1, PMID: 1, At: testNow,
		Guessed: TagSet{Conditions: []string{"celiac", "ibd"}, Mechanisms: []string{"remove"}, Evidence: "rct"},
		NLM:     TagSet{Conditions: []string{"celiac"}, Mechanisms: []string{"repair"}, Evidence: "observational"}}}
	if got := comparisons(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("comparisons =\n%+v\nwant\n%+v", got, want)
	}

	// A later revision of the indexed record compares nothing again.
	res = mustApply(t, s, Batch{Puts: []Put{put(indexedRec(1, revised(2024, 5, 1), []string{"celiac", "lupus"}, "rct"))}})
	if res[0].NewlyIndexed {
		t.Errorf("a revision of an indexed record counted as newly indexed")
	}
	if got := comparisons(t, s); len(got) != 1 {
		t.Errorf("after a revision of the indexed record: %d comparisons, want 1", len(got))
	}
	// A record stored indexed from the start is newly indexed, with nothing to compare.
	res = mustApply(t, s, Batch{Puts: []Put{put(indexedRec(2, revised(2024, 3, 1), []string{"celiac"}, "rct"))}})
	if !res[0].NewlyIndexed {
		t.Errorf("an indexed record added: not counted as newly indexed")
	}
	if got := comparisons(t, s); len(got) != 1 {
		t.Errorf("after adding an indexed record: %d comparisons, want 1", len(got))
	}
}

// A record that loses its MeSH in a new version and is indexed again is in
// the log once, as last compared.
func TestApply_FlippingRecordComparedOnce(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(unindexed(7, revised(2024, 1, 1), []string{"ibd"}, "rct"))}})
	mustApply(t, s, Batch{Puts: []Put{put(indexedRec(7, revised(2024, 2, 1), []string{"ibd"}, "rct"))}})
	mustApply(t, s, Batch{Puts: []Put{put(unindexed(7, revised(2024, 3, 1), []string{"lupus"}, "review"))}})
	mustApply(t, s, Batch{Puts: []Put{put(indexedRec(7, revised(2024, 4, 1), []string{"celiac"}, "rct"))}})
	got := comparisons(t, s)
	if len(got) != 1 {
		t.Fatalf("%d comparisons of one record, want 1: %+v", len(got), got)
	}
	if got[0].ID != 2 || !reflect.DeepEqual(got[0].Guessed.Conditions, []string{"lupus"}) {
		t.Errorf("kept comparison %+v, want the second (guessed lupus)", got[0])
	}
}

func TestApply_AgreementLogKeepsTheLastMax(t *testing.T) {
	s := openTest(t)
	n := MaxComparisons + 3
	var first, second Batch
	for i := 1; i <= n; i++ {
		first.Puts = append(first.Puts, put(unindexed(uint64(i), revised(2024, 1, 1), []string{"ibd"}, "rct")))
		second.Puts = append(second.Puts, put(indexedRec(uint64(i), revised(2024, 2, 1), []string{"ibd"}, "rct")))
	}
	mustApply(t, s, first)
	mustApply(t, s, second)
	got := comparisons(t, s)
	if len(got) != MaxComparisons {
		t.Fatalf("%d comparisons, want %d", len(got), MaxComparisons)
	}
	if got[0].PMID != 4 || got[len(got)-1].PMID != uint64(n) {
		t.Errorf("kept PMIDs %d..%d, want 4..%d (the oldest dropped)", got[0].PMID, got[len(got)-1].PMID, n)
	}
	// A dropped PMID compared again comes back as a new entry; the count stays at the cap.
	mustApply(t, s, Batch{Puts: []Put{put(unindexed(1, revised(2024, 3, 1), nil, "other"))}})
	mustApply(t, s, Batch{Puts: []Put{put(indexedRec(1, revised(2024, 4, 1), []string{"ibd"}, "rct"))}})
	got = comparisons(t, s)
	if len(got) != MaxComparisons || got[len(got)-1].PMID != 1 || got[0].PMID != 5 {
		t.Errorf("after one more: %d comparisons, PMIDs %d..%d; want %d, 5..1", len(got), got[0].PMID, got[len(got)-1].PMID, MaxComparisons)
	}
}

// A reparse that finds MeSH in a stored source is NLM's indexing arriving too.
func TestRewrite_IndexingFoundIsCompared(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(unindexed(3, revised(2024, 1, 1), []string{"celiac"}, "rct"))}})
	_, err := s.Rewrite(context.Background(), func(r *Record, _ []byte) (bool, error) {
		ix := indexedRec(3, revised(2024, 1, 1), []string{"celiac"}, "review")
		r.Article.MeSH, r.Tags = ix.Article.MeSH, ix.Tags
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := comparisons(t, s)
	if len(got) != 1 || got[0].Guessed.Evidence != "rct" || got[0].NLM.Evidence != "review" {
		t.Errorf("comparisons after reparse = %+v, want one, rct guessed, review given", got)
	}
}

// A file written before the agreement log opens, migrates, and starts an
// empty log that the next indexing fills.
func TestMigration7_AgreementLogOnOldStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations[:6], testNow); err != nil {
		t.Fatal(err)
	}
	old := unindexed(9, revised(2024, 1, 1), []string{"celiac"}, "rct")
	old.Added, old.Updated, old.Seq = testNow, testNow, 1
	js, err := encodeRecord(&old)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketArticles).Put(u64key(9), js); err != nil {
			return err
		}
		if err := tx.Bucket(bucketArticles).SetSequence(1); err != nil {
			return err
		}
		if _, err := tx.Bucket(bucketChanges).NextSequence(); err != nil {
			return err
		}
		return tx.Bucket(bucketChanges).Put(u64key(1), u64key(9))
	})
	if err != nil {
		t.Fatal(err)
	}
	if tx, _ := db.Begin(false); tx.Bucket(bucketAgreement) != nil {
		t.Fatal("the agreement bucket exists before migration 7")
	} else {
		tx.Rollback()
	}
	db.Close()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := comparisons(t, s); len(got) != 0 {
		t.Errorf("migrated store has %d comparisons, want 0", len(got))
	}
	mustApply(t, s, Batch{Puts: []Put{put(indexedRec(9, revised(2024, 2, 1), []string{"celiac"}, "rct"))}})
	if got := comparisons(t, s); len(got) != 1 || got[0].PMID != 9 {
		t.Errorf("after indexing the old record: %+v, want one comparison of PMID 9", got)
	}
}

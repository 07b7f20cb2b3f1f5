package store

import (
	"bytes"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
)

// An update file from PubMed: records, then a DeleteCitation.
const updateFixture = "PathwayCommons__ncbiutils/tests__data__pubmed22n1313.xml"

// A deleted citation must take its XML with it: PubMed withdrew the record,
// and a source left behind would stay on disk and in every backup, still
// answered by Source, with no record left to reach it.
func TestApply_DeleteCitationRemovesTheStoredSource(t *testing.T) {
	items := pubmedtest.Items(t, fixture.Path(t, updateFixture))
	var (
		deleted []uint64
		puts    []Put
	)
	for _, it := range items {
		switch {
		case it.Article != nil && len(puts) < 3:
			puts = append(puts, Put{Record: Record{Article: *it.Article}, Source: it.Source})
		case len(it.Deleted) > 0 && deleted == nil:
			deleted = it.Deleted
		}
	}
	if len(puts) < 3 || len(deleted) == 0 {
		t.Fatalf("%s: want 3 records and a DeleteCitation, got %d and %v", updateFixture, len(puts), deleted)
	}
	// The first record stands under the deleted PMID, as if an earlier
	// baseline had brought it; the other two stay.
	gone := deleted[0]
	puts[0].Record.Article.PMID = gone
	s := openTest(t)
	mustApply(t, s, Batch{Puts: puts})
	if src, err := s.Source(gone); err != nil || !bytes.Equal(src, puts[0].Source) {
		t.Fatalf("before the delete: Source(%d) = %d bytes, %v; want the %d bytes stored", gone, len(src), err, len(puts[0].Source))
	}

	res := mustApply(t, s, Batch{Deletes: deleted})
	if res[0].PMID != gone || res[0].Change != Deleted {
		t.Fatalf("delete result = %+v, want PMID %d Deleted", res[0], gone)
	}
	if _, err := s.Source(gone); !errors.Is(err, ErrNotFound) {
		t.Errorf("Source(%d) after DeleteCitation: error = %v, want ErrNotFound", gone, err)
	}
	// Look in the bucket itself: the compressed bytes, not only the lookup.
	var keys int
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSources).Get(u64key(gone)) != nil {
			t.Errorf("sources bucket still holds PMID %d", gone)
		}
		keys = tx.Bucket(bucketSources).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if keys != len(puts)-1 {
		t.Errorf("sources bucket holds %d keys, want %d (the records not deleted)", keys, len(puts)-1)
	}
	for _, p := range puts[1:] {
		if src, err := s.Source(p.Record.Article.PMID); err != nil || !bytes.Equal(src, p.Source) {
			t.Errorf("Source(%d) of a record not deleted = %d bytes, %v; want it kept", p.Record.Article.PMID, len(src), err)
		}
	}
}

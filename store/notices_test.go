package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"villi/pubmed"
)

func TestMigration4_CreatesNoticesBucketKeepingRecords(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations[:3], testNow); err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db}
	if err := db.Update(func(tx *bolt.Tx) error {
		r := rec(7, 1, nil, "before notices")
		w := newTxWriter(s, tx)
		if _, err := w.write(u64key(7), &r, nil, 0); err != nil {
			return err
		}
		return w.finish()
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations[:4], testNow); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db); v != 4 {
		t.Errorf("schema_version = %d, want 4", v)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketNotices) == nil {
			t.Error("notices bucket missing after migration 4")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(7)
	if err != nil || got.Article.Title != "before notices" || got.Article.Notices != nil {
		t.Errorf("record after migration 4 = %q notices %v (err %v), want it unchanged without notices", got.Article.Title, got.Article.Notices, err)
	}
}

func watchNotice(nature pubmed.Nature, day int) pubmed.Notice {
	return pubmed.Notice{Source: pubmed.SourceRetractionWatch, Nature: nature,
		Date: time.Date(2024, 3, day, 0, 0, 0, 0, time.UTC), Reasons: []string{"Plagiarism"}, RecordID: "1"}
}

func TestReplaceNotices_AttachesRewritesAndIsIdempotent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "one")), put(rec(2, 1, nil, "two"))}})
	set := map[uint64][]pubmed.Notice{
		1:  {watchNotice(pubmed.NatureRetraction, 1)},
		99: {watchNotice(pubmed.NatureConcern, 2)}, // not stored (yet)
	}
	before, _ := s.LastSeq()
	res, err := s.ReplaceNotices(ctx, pubmed.SourceRetractionWatch, set)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Changed, []uint64{1, 99}) || res.Rewritten != 1 {
		t.Errorf("first replace = %+v, want changed [1 99], 1 rewritten", res)
	}
	got, _ := s.Get(1)
	if !reflect.DeepEqual(got.Article.Notices, set[1]) {
		t.Errorf("Get(1) notices = %+v, want %+v", got.Article.Notices, set[1])
	}
	if got.Seq != before+1 {
		t.Errorf("record 1 seq = %d, want %d (a new seq, so the index replays it)", got.Seq, before+1)
	}
	var seen []uint64
	if err := s.ChangesSince(ctx, before, func(_, pmid uint64, r *Record) error {
		seen = append(seen, pmid)
		if r == nil || !r.Article.IsRetracted() {
			t.Errorf("ChangesSince gave pmid %d without its retraction", pmid)
		}
		return nil
	}); err != nil || !reflect.DeepEqual(seen, []uint64{1}) {
		t.Errorf("ChangesSince(%d) = %v (err %v), want [1]", before, seen, err)
	}

	// The same set again writes nothing.
	seq, _ := s.LastSeq()
	res, err = s.ReplaceNotices(ctx, pubmed.SourceRetractionWatch, set)
	if err != nil || len(res.Changed) != 0 || res.Rewritten != 0 {
		t.Errorf("second replace = %+v (err %v), want nothing changed", res, err)
	}
	if again, _ := s.LastSeq(); again != seq {
		t.Errorf("LastSeq after identical replace = %d, want %d", again, seq)
	}

	// A record stored later arrives with its notices, from Apply as from Get.
	b := Batch{Puts: []Put{put(rec(99, 1, nil, "ninety-nine"))}}
	mustApply(t, s, b)
	if b.Puts[0].Record.Article.Concern() == nil {
		t.Error("Apply's record 99 has no expression of concern, want the stored notice")
	}

	// A newer set without PMID 1 lifts its notices.
	res, err = s.ReplaceNotices(ctx, pubmed.SourceRetractionWatch, map[uint64][]pubmed.Notice{99: set[99]})
	if err != nil || !reflect.DeepEqual(res.Changed, []uint64{1}) {
		t.Errorf("third replace = %+v (err %v), want changed [1]", res, err)
	}
	if got, _ := s.Get(1); got.Article.Notices != nil {
		t.Errorf("Get(1) notices after removal = %+v, want none", got.Article.Notices)
	}
	if pm, _ := s.NoticePMIDs(pubmed.SourceRetractionWatch); !reflect.DeepEqual(pm, []uint64{99}) {
		t.Errorf("NoticePMIDs = %v, want [99]", pm)
	}
}

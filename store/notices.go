package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"villi/pubmed"
)

// attachNotices sets rec.Article.Notices from the notices bucket, so every
// record the store hands out carries them (see pubmed.Notice).
func attachNotices(tx *bolt.Tx, key []byte, rec *Record) error {
	rec.Article.Notices = nil
	v := tx.Bucket(bucketNotices).Get(key)
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(v, &rec.Article.Notices); err != nil {
		return fmt.Errorf("decode notices of pmid %d: %w", keyU64(key), err)
	}
	return nil
}

// readRecord decodes a stored record and attaches its notices.
func readRecord(tx *bolt.Tx, key, v []byte, rec *Record) error {
	if err := decodeRecord(keyU64(key), v, rec); err != nil {
		return err
	}
	return attachNotices(tx, key, rec)
}

// NoticesResult says what ReplaceNotices changed.
type NoticesResult struct {
	// Changed are the PMIDs whose notices changed, stored or not.
	Changed []uint64
	// Rewritten are the stored records among them, each written again with
	// a new seq so the index replays it from the change log.
	Rewritten int
}

// ReplaceNotices makes byPMID the whole set of source's notices, in one
// transaction: notices of other sources stay, a PMID missing from byPMID
// loses source's notices. A PMID whose notices come out byte-identical is
// not touched, so replacing with the same set writes nothing. Each stored
// record whose notices changed takes a new seq (its Updated time is kept:
// the article itself did not change).
func (s *Store) ReplaceNotices(ctx context.Context, source string, byPMID map[uint64][]pubmed.Notice) (NoticesResult, error) {
	var res NoticesResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = NoticesResult{}
		b := tx.Bucket(bucketNotices)
		pmids := make(map[uint64]bool, len(byPMID))
		for pmid := range byPMID {
			pmids[pmid] = true
		}
		if err := b.ForEach(func(k, _ []byte) error {
			pmids[keyU64(k)] = true
			return nil
		}); err != nil {
			return err
		}
		keys := make([]uint64, 0, len(pmids))
		for pmid := range pmids {
			keys = append(keys, pmid)
		}
		slices.Sort(keys)
		w := newTxWriter(s, tx)
		for i, pmid := range keys {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			key := u64key(pmid)
			old := b.Get(key)
			var kept []pubmed.Notice
			if old != nil {
				if err := json.Unmarshal(old, &kept); err != nil {
					return fmt.Errorf("decode notices of pmid %d: %w", pmid, err)
				}
				kept = slices.DeleteFunc(kept, func(n pubmed.Notice) bool { return n.Source == source })
			}
			kept = append(kept, byPMID[pmid]...)
			var val []byte
			if len(kept) > 0 {
				var err error
				if val, err = json.Marshal(kept); err != nil {
					return fmt.Errorf("encode notices of pmid %d: %w", pmid, err)
				}
			}
			if bytes.Equal(val, old) {
				continue
			}
			var err error
			if val == nil {
				err = b.Delete(key)
			} else {
				err = b.Put(key, val)
			}
			if err != nil {
				return err
			}
			res.Changed = append(res.Changed, pmid)
			stored := w.articles.Get(key)
			if stored == nil {
				continue
			}
			var rec Record
			if err := decodeRecord(pmid, stored, &rec); err != nil {
				return err
			}
			if _, err := w.putRecord(key, &rec, rec.Seq); err != nil {
				return err
			}
			res.Rewritten++
		}
		return w.finish()
	})
	if err != nil {
		return NoticesResult{}, fmt.Errorf("replace %s notices: %w", source, err)
	}
	return res, nil
}

// NoticePMIDs returns the PMIDs that have notices of source, stored records
// or not, in PMID order.
func (s *Store) NoticePMIDs(source string) ([]uint64, error) {
	var out []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNotices).ForEach(func(k, v []byte) error {
			var ns []pubmed.Notice
			if err := json.Unmarshal(v, &ns); err != nil {
				return fmt.Errorf("decode notices of pmid %d: %w", keyU64(k), err)
			}
			if slices.ContainsFunc(ns, func(n pubmed.Notice) bool { return n.Source == source }) {
				out = append(out, keyU64(k))
			}
			return nil
		})
	})
	return out, err
}

// migrateCreateNotices adds the notices bucket (schema 4).
func migrateCreateNotices(tx *bolt.Tx, _ time.Time) error {
	_, err := tx.CreateBucketIfNotExists(bucketNotices)
	return err
}

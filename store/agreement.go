package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"villi/pubmed"
)

// The agreement log (migration 7): for the last MaxComparisons records whose
// stored version NLM had not indexed (no MeSH, so every tag was villi's
// guess) and which a version NLM has indexed replaced, the tags before and
// after. The parent bucket's sequence numbers the comparisons; log's
// sequence counts the entries it holds.
var (
	bucketAgreement      = []byte("agreement")
	bucketAgreementLog   = []byte("log")
	bucketAgreementPMIDs = []byte("pmids")
)

// MaxComparisons bounds the agreement log: the oldest comparison is dropped
// when a new one would exceed it.
const MaxComparisons = 2000

func migrateCreateAgreement(tx *bolt.Tx, _ time.Time) error {
	b, err := tx.CreateBucketIfNotExists(bucketAgreement)
	if err != nil {
		return err
	}
	if _, err := b.CreateBucketIfNotExists(bucketAgreementLog); err != nil {
		return err
	}
	_, err = b.CreateBucketIfNotExists(bucketAgreementPMIDs)
	return err
}

// TagSet is the part of a record's tags the agreement log keeps. Evidence is
// stored as tagged ("other" included); what counts as a tag is the reader's
// business.
type TagSet struct {
	Conditions []string `json:"conditions,omitempty"`
	Mechanisms []string `json:"mechanisms,omitempty"`
	Evidence   string   `json:"evidence,omitempty"`
}

// Comparison is one record's tags before and after NLM indexed it: Guessed
// are the tags of the stored version without MeSH (all of them villi's
// guesses), NLM those of the indexed version that replaced it.
type Comparison struct {
	ID      uint64    `json:"id"`
	PMID    uint64    `json:"pmid"`
	At      time.Time `json:"at"`
	Guessed TagSet    `json:"guessed"`
	NLM     TagSet    `json:"nlm"`
}

// indexed reports whether NLM has indexed a record: it has MeSH headings.
func indexed(a *pubmed.Article) bool { return len(a.MeSH) > 0 }

// meshKey is how a stored record's JSON holds MeSH headings. The article
// omits the key when it has none, no other key of a record is named so, and
// inside a JSON string the quotes would be escaped: the bytes hold it
// exactly when the stored version is indexed, which spares decoding the
// stored record on every update.
var meshKey = []byte(`"mesh":`)

func storedIndexed(v []byte) bool { return bytes.Contains(v, meshKey) }

// noteIndexing records the comparison when rec, NLM-indexed, replaces the
// stored version old that was not; it reports whether it did. It runs inside
// the transaction that writes rec, so the comparison is kept exactly when
// the new version is.
func (w *txWriter) noteIndexing(old []byte, rec *Record, now time.Time) (bool, error) {
	if !indexed(&rec.Article) || storedIndexed(old) {
		return false, nil
	}
	var before Record
	if err := decodeRecord(rec.Article.PMID, old, &before); err != nil {
		return false, err
	}
	c := Comparison{
		PMID: rec.Article.PMID, At: now,
		Guessed: tagSet(&before), NLM: tagSet(rec),
	}
	return true, w.addComparison(&c)
}

func tagSet(r *Record) TagSet {
	return TagSet{Conditions: r.Tags.Conditions, Mechanisms: r.Tags.Mechanisms, Evidence: r.Tags.Evidence}
}

// addComparison appends c to the log. A PMID is in the log once: its latest
// comparison replaces an earlier one (a record NLM indexed, that lost its
// MeSH in a later version and was indexed again), so a record that flips
// back and forth counts as one record, as it was last judged.
func (w *txWriter) addComparison(c *Comparison) error {
	if w.agreement == nil {
		ag := w.tx.Bucket(bucketAgreement)
		w.agreement, w.agreeLog, w.agreePMIDs = ag, ag.Bucket(bucketAgreementLog), ag.Bucket(bucketAgreementPMIDs)
	}
	id, err := w.agreement.NextSequence()
	if err != nil {
		return err
	}
	c.ID = id
	js, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode comparison of %d: %w", c.PMID, err)
	}
	pkey := u64key(c.PMID)
	n := w.agreeLog.Sequence()
	if prev := w.agreePMIDs.Get(pkey); prev != nil {
		if err := w.agreeLog.Delete(prev); err != nil {
			return err
		}
		n--
	}
	if err := w.agreeLog.Put(u64key(id), js); err != nil {
		return err
	}
	if err := w.agreePMIDs.Put(pkey, u64key(id)); err != nil {
		return err
	}
	n++
	cur := w.agreeLog.Cursor()
	for k, v := cur.First(); k != nil && n > MaxComparisons; k, v = cur.First() {
		var old struct {
			PMID uint64 `json:"pmid"`
		}
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode comparison %d: %w", keyU64(k), err)
		}
		if err := w.agreeLog.Delete(k); err != nil {
			return err
		}
		if p := w.agreePMIDs.Get(u64key(old.PMID)); p != nil && bytes.Equal(p, k) {
			if err := w.agreePMIDs.Delete(u64key(old.PMID)); err != nil {
				return err
			}
		}
		n--
	}
	return w.agreeLog.SetSequence(n)
}

// Comparisons returns the agreement log, oldest first, and the number of
// the newest comparison ever made (0: none yet), which changes with every
// comparison added.
func (s *Store) Comparisons() ([]Comparison, uint64, error) {
	var (
		out  []Comparison
		last uint64
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		ag := tx.Bucket(bucketAgreement)
		last = ag.Sequence()
		return ag.Bucket(bucketAgreementLog).ForEach(func(k, v []byte) error {
			var c Comparison
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode comparison %d: %w", keyU64(k), err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read the agreement log: %w", err)
	}
	return out, last, nil
}

// LastComparison returns the number of the newest comparison ever made;
// callers cache what they derive from Comparisons until it changes.
func (s *Store) LastComparison() (uint64, error) {
	var last uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		last = tx.Bucket(bucketAgreement).Sequence()
		return nil
	})
	return last, err
}

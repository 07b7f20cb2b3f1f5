package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Run is the record of one crawl, import or digest run, kept for the status
// page and /api/v1/status. A running job saves its Run as it goes (Ended
// zero), so a status reader sees progress and a killed run stays visible.
type Run struct {
	ID        uint64    `json:"id"`
	Kind      string    `json:"kind"`            // "crawl", "import", "digest"
	Query     string    `json:"query,omitempty"` // saved query name, "" for all
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	Windows   int       `json:"windows"`
	Added     int       `json:"added"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Deleted   int       `json:"deleted"`
	Requests  int       `json:"requests"`
	Retries   int       `json:"retries"`
	// Failing names the saved queries (or recipients, for a digest) that
	// failed, each with its error.
	Failing []string `json:"failing,omitempty"`
	Err     string   `json:"error,omitempty"` // the run's last error, "" if it succeeded
}

// Running reports whether the run has not ended (or was killed before it could).
func (r *Run) Running() bool { return r.Ended.IsZero() }

// maxRuns bounds the runs bucket: older runs are dropped on PutRun.
const maxRuns = 1000

// PutRun saves r. A zero ID takes the next run number, written back into r;
// a known ID replaces that run, so a job can save its progress repeatedly.
func (s *Store) PutRun(r *Run) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		if r.ID == 0 {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			r.ID = id
		}
		js, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode run %d: %w", r.ID, err)
		}
		if err := b.Put(u64key(r.ID), js); err != nil {
			return err
		}
		// Keep the newest maxRuns: ids are consecutive, so everything at or
		// below sequence-maxRuns is older than them.
		if seq := b.Sequence(); seq > maxRuns {
			var old [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && keyU64(k) <= seq-maxRuns; k, _ = c.Next() {
				old = append(old, k)
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Runs returns up to limit runs of kind ("" for every kind), newest first.
func (s *Store) Runs(kind string, limit int) ([]Run, error) {
	var runs []Run
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Last(); k != nil && len(runs) < limit; k, v = c.Prev() {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode run %d: %w", keyU64(k), err)
			}
			if kind == "" || r.Kind == kind {
				runs = append(runs, r)
			}
		}
		return nil
	})
	return runs, err
}

package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RunKind names what a run did. Its values are stored and shown in the
// JSON API and the metrics' labels: add kinds, never rename one.
type RunKind string

// The kinds of run.
const (
	RunCrawl  RunKind = "crawl"
	RunImport RunKind = "import"
	RunDigest RunKind = "digest"
	// RunFetch is an on-demand fetch of named PMIDs and DOIs (villi fetch,
	// the article page's button); its Query holds the identifiers asked for.
	RunFetch RunKind = "fetch"
)

// RunKinds lists every kind, in the order status pages and metrics show them.
func RunKinds() []RunKind { return []RunKind{RunCrawl, RunImport, RunDigest, RunFetch} }

// Run is the record of one crawl, import or digest run, kept for the status
// page and /api/v1/status. A running job saves its Run as it goes (Ended
// zero), so a status reader sees progress and a killed run stays visible.
type Run struct {
	ID   uint64  `json:"id"`
	Kind RunKind `json:"kind"`
	// Query is the saved query a crawl ran, "" for all of them; for a
	// fetch, the identifiers asked for, space separated.
	Query string `json:"query,omitempty"`
	// Files are the files an import read, in order ("-" for standard input).
	Files     []string  `json:"files,omitempty"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	Windows   int       `json:"windows"`
	Added     int       `json:"added"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Deleted   int       `json:"deleted"`
	// NewlyIndexed counts the records the run stored that NLM has indexed
	// and whose earlier version was absent or not indexed: what retraining
	// the learned tagger after a crawl waits for (VILLI_RETRAIN_AFTER).
	NewlyIndexed int `json:"newly_indexed"`
	Requests     int `json:"requests"`
	Retries      int `json:"retries"`
	// Failing names the saved queries (or recipients, for a digest) that
	// failed, each with its error.
	Failing []string `json:"failing,omitempty"`
	Err     string   `json:"error,omitempty"` // the run's last error, "" if it succeeded
	// Interrupted marks a run whose process died before it ended (a kill,
	// a crash, a power cut); Ended is then when that was noticed.
	Interrupted bool `json:"interrupted,omitempty"`
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
		r.Err = s.scrub(r.Err)
		for i := range r.Failing {
			r.Failing[i] = s.scrub(r.Failing[i])
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

// InterruptedError is the error of a run found unfinished by InterruptRuns.
const InterruptedError = "interrupted: villi stopped before this run ended; the next run picks up where it stopped"

// InterruptRuns marks every run that started before now and has not ended
// as interrupted, ended at now, and returns how many it marked. Only the
// process holding the store's lock writes runs, so at open every unfinished
// run belongs to a process that is gone; left alone it would read "running"
// forever. A run started after now is this process's own: an open that
// could not write (a full disk) retries later with the time it opened.
func (s *Store) InterruptRuns(now time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		n, err = rewriteRuns(tx, func(r *Run) bool {
			if !r.Running() || r.Started.After(now) {
				return false
			}
			r.Ended, r.Interrupted = now, true
			if r.Err == "" {
				r.Err = InterruptedError
			}
			return true
		})
		return err
	})
	return n, err
}

// rewriteRuns calls fn on every stored run and writes back the runs it
// changed (fn returns true), returning how many.
func rewriteRuns(tx *bolt.Tx, fn func(r *Run) (changed bool)) (int, error) {
	b := tx.Bucket(bucketRuns)
	type change struct{ k, v []byte }
	var changes []change
	err := b.ForEach(func(k, v []byte) error {
		var r Run
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode run %d: %w", keyU64(k), err)
		}
		if !fn(&r) {
			return nil
		}
		js, err := json.Marshal(&r)
		if err != nil {
			return fmt.Errorf("encode run %d: %w", r.ID, err)
		}
		changes = append(changes, change{slices.Clone(k), js})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, c := range changes {
		if err := b.Put(c.k, c.v); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

// Runs returns up to limit runs of kind ("" for every kind), newest first.
func (s *Store) Runs(kind RunKind, limit int) ([]Run, error) {
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

// migrateRunFiles moves the file names an import run kept in Query (joined
// with spaces) into Files, so Query means one thing: a crawl's saved query.
func migrateRunFiles(tx *bolt.Tx, _ time.Time) error {
	_, err := rewriteRuns(tx, func(r *Run) bool {
		if r.Kind != RunImport || r.Query == "" {
			return false
		}
		r.Files, r.Query = strings.Fields(r.Query), ""
		return true
	})
	return err
}

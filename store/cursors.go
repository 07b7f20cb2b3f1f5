package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cursor is where the crawl of one saved PubMed query stands, kept in the
// cursors bucket under the query's name. The crawler writes it after every
// committed efetch batch, so a killed crawl resumes where it stopped.
type Cursor struct {
	Query string `json:"query"` // the saved query's name (the key)
	// Term is the PubMed term the cursor was built for; a saved query whose
	// term has changed starts over.
	Term string `json:"term"`
	// EdatThrough and MdatThrough are the last days (inclusive) through
	// which every edat / mdat window of a finished pass is committed; zero
	// when no pass has finished.
	EdatThrough time.Time `json:"edat_through,omitzero"`
	MdatThrough time.Time `json:"mdat_through,omitzero"`
	// Pass is a pass that stopped before its end (killed, cancelled or
	// failed); the next crawl continues it without re-fetching.
	Pass    *CursorPass `json:"pass,omitempty"`
	Updated time.Time   `json:"updated"`
}

// CursorPass is an unfinished pass over consecutive date windows.
type CursorPass struct {
	DateType string    `json:"datetype"` // "edat" or "mdat"
	From     time.Time `json:"from"`     // the pass's first day
	Next     time.Time `json:"next"`     // the first day not yet committed
	// Window is the window being fetched when the pass stopped, if any.
	Window *CursorWindow `json:"window,omitempty"`
}

// CursorWindow is a date window part-way through its efetch batches.
type CursorWindow struct {
	Min   time.Time `json:"min"`
	Max   time.Time `json:"max"` // inclusive
	Count int       `json:"count"`
	// IDs fingerprints the id list esearch gave for the window; if a new
	// search lists other ids, the window is fetched again from its start.
	IDs  string `json:"ids"`
	Done int    `json:"done"` // ids of the list committed, from its start
}

// Cursor returns the cursor stored for the saved query name, or an error
// wrapping ErrNotFound when it has none.
func (s *Store) Cursor(name string) (Cursor, error) {
	var c Cursor
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCursors).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("cursor %q: %w", name, ErrNotFound)
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode cursor %q: %w", name, err)
		}
		return nil
	})
	return c, err
}

// PutCursor stores c under c.Query, replacing the query's previous cursor.
func (s *Store) PutCursor(c Cursor) error {
	if c.Query == "" {
		return errors.New("put cursor: empty query name")
	}
	js, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cursor %q: %w", c.Query, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).Put([]byte(c.Query), js)
	})
}

// Cursors returns every stored cursor, ordered by query name.
func (s *Store) Cursors() ([]Cursor, error) {
	var out []Cursor
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			var c Cursor
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode cursor %q: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

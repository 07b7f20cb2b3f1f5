package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SendState is where one digest mail (one subscription, one ISO week) stands.
// The digest package owns the transitions; the store keeps them durable.
type SendState string

// Send states. Sending and Committing are written before the SMTP step they
// name, so after a crash they tell what the server may have seen.
const (
	SendSending    SendState = "sending"    // SMTP transaction open; the message is not complete, the server cannot have accepted it
	SendCommitting SendState = "committing" // the message is complete and the server was asked to accept it
	SendSent       SendState = "sent"       // the server accepted it
	SendFailed     SendState = "failed"     // the server refused it or could not be reached; to be retried
	SendUncertain  SendState = "uncertain"  // interrupted while committing: may have been delivered; never resent blindly
	SendSkipped    SendState = "skipped"    // nothing new and the subscriber chose no mail for empty weeks
	SendSuperseded SendState = "superseded" // a later digest covered its window
)

// SendEntry is the send-log entry of one subscription's digest for one ISO
// week ("2026-W49").
type SendEntry struct {
	Subscription uint64    `json:"subscription"`
	Week         string    `json:"week"`
	State        SendState `json:"state"`
	Attempts     int       `json:"attempts"`
	LastError    string    `json:"last_error,omitempty"`
	MessageID    string    `json:"message_id"`
	// Since and Until bound the Added times of the records this digest
	// covers: (Since, Until]. They are fixed at the first attempt, so a retry
	// sends the same window.
	Since        time.Time `json:"since"`
	Until        time.Time `json:"until"`
	Items        int       `json:"items"`
	Started      time.Time `json:"started"`
	Updated      time.Time `json:"updated"`
	Sent         time.Time `json:"sent,omitzero"`
	SupersededBy string    `json:"superseded_by,omitempty"`
}

// Final reports whether nothing more will happen to the entry by itself:
// sent, skipped, superseded, or uncertain (which waits for a person).
func (e *SendEntry) Final() bool {
	switch e.State {
	case SendSent, SendSkipped, SendSuperseded, SendUncertain:
		return true
	}
	return false
}

func sendKey(sub uint64, week string) []byte {
	return append(u64key(sub), week...)
}

// SendEntry returns the entry for (sub, week), or an error wrapping
// ErrNotFound.
func (s *Store) SendEntry(sub uint64, week string) (SendEntry, error) {
	var e SendEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSendlog).Get(sendKey(sub, week))
		if v == nil {
			return fmt.Errorf("send-log %d/%s: %w", sub, week, ErrNotFound)
		}
		return json.Unmarshal(v, &e)
	})
	return e, err
}

// SendLog returns the entries of subscription sub (0: of every
// subscription), ordered by subscription and week.
func (s *Store) SendLog(sub uint64) ([]SendEntry, error) {
	var out []SendEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSendlog).Cursor()
		var k, v []byte
		if sub == 0 {
			k, v = c.First()
		} else {
			k, v = c.Seek(u64key(sub))
		}
		for ; k != nil; k, v = c.Next() {
			if sub != 0 && keyU64(k[:8]) != sub {
				break
			}
			var e SendEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode send-log %d/%s: %w", keyU64(k[:8]), k[8:], err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// UpdateSend runs fn, in one write transaction, on the entry for (sub, week)
// — a new entry with State "" when there is none — and on the subscription
// (nil when it no longer exists), then stores both. When fn returns an
// error, nothing is written and UpdateSend returns that error unchanged, so
// fn may return a sentinel to mean "leave it".
func (s *Store) UpdateSend(sub uint64, week string, fn func(e *SendEntry, sub *Subscription) error) (SendEntry, error) {
	var out SendEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
		log, subs := tx.Bucket(bucketSendlog), tx.Bucket(bucketSubscriptions)
		key := sendKey(sub, week)
		e := SendEntry{Subscription: sub, Week: week}
		if v := log.Get(key); v != nil {
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode send-log %d/%s: %w", sub, week, err)
			}
		}
		var sp *Subscription
		if got, err := getSub(subs, sub); err == nil {
			sp = &got
		}
		if err := fn(&e, sp); err != nil {
			return err
		}
		if e.Subscription != sub || e.Week != week {
			return fmt.Errorf("update send-log %d/%s: the key changed", sub, week)
		}
		e.LastError = s.scrub(e.LastError)
		js, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode send-log %d/%s: %w", sub, week, err)
		}
		if err := log.Put(key, js); err != nil {
			return err
		}
		out = e
		if sp == nil {
			return nil
		}
		if sp.ID != sub {
			return fmt.Errorf("update send-log %d/%s: the subscription id changed", sub, week)
		}
		return putSub(subs, sp)
	})
	return out, err
}

package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Empty-week choices of a subscription.
const (
	EmptyWeekSend = "send" // a short "nothing new this week" mail
	EmptyWeekSkip = "skip" // no mail at all
)

// Subscription is one digest subscriber: an e-mail address and what she
// follows. There is at most one subscription per address (compared without
// case).
type Subscription struct {
	ID          uint64   `json:"id"`
	Email       string   `json:"email"`
	Conditions  []string `json:"conditions,omitempty"`
	Mechanisms  []string `json:"mechanisms,omitempty"`
	Query       string   `json:"query,omitempty"`        // PubMed-style query, "" for none
	MinEvidence string   `json:"min_evidence,omitempty"` // weakest evidence level wanted, "" for all
	HumansOnly  bool     `json:"humans_only,omitempty"`
	EmptyWeek   string   `json:"empty_week"` // EmptyWeekSend or EmptyWeekSkip

	Confirmed   bool      `json:"confirmed"`
	Created     time.Time `json:"created"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	// ConfirmSent is when the last confirmation mail went out, so that
	// repeated sign-ups do not flood an address.
	ConfirmSent time.Time `json:"confirm_sent,omitzero"`
	// LastSent is the end of the window the last sent digest covered, or the
	// confirmation time before the first digest: the next digest starts there.
	LastSent time.Time `json:"last_sent,omitzero"`
	// Told holds the keys of the collection flags ("check your handouts")
	// that sent digests have told, so each is told once.
	Told []string `json:"told,omitempty"`
}

// subEmailKey is the form e-mail addresses are compared in.
func subEmailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// PutSubscription saves sub. A zero ID takes the next subscription number,
// written back into sub; a known ID replaces that subscription. Another
// subscription with the same address fails with ErrExists.
func (s *Store) PutSubscription(sub *Subscription) error {
	if strings.TrimSpace(sub.Email) == "" {
		return errors.New("put subscription: empty e-mail address")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		if other, err := findByEmail(b, sub.Email); err == nil && other.ID != sub.ID {
			return fmt.Errorf("subscription for %s: %w (id %d)", sub.Email, ErrExists, other.ID)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if sub.ID == 0 {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			sub.ID = id
		}
		return putSub(b, sub)
	})
}

// UpdateSubscription applies fn to the stored subscription id in one write
// transaction; nothing is written when fn fails. fn must keep the ID.
func (s *Store) UpdateSubscription(id uint64, fn func(*Subscription) error) (Subscription, error) {
	var out Subscription
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		sub, err := getSub(b, id)
		if err != nil {
			return err
		}
		if err := fn(&sub); err != nil {
			return err
		}
		if sub.ID != id {
			return fmt.Errorf("update subscription %d: the id changed to %d", id, sub.ID)
		}
		if other, err := findByEmail(b, sub.Email); err == nil && other.ID != id {
			return fmt.Errorf("subscription for %s: %w (id %d)", sub.Email, ErrExists, other.ID)
		}
		out = sub
		return putSub(b, &sub)
	})
	return out, err
}

// Subscription returns subscription id, or an error wrapping ErrNotFound.
func (s *Store) Subscription(id uint64) (Subscription, error) {
	var sub Subscription
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		sub, err = getSub(tx.Bucket(bucketSubscriptions), id)
		return err
	})
	return sub, err
}

// SubscriptionByEmail returns the subscription of an address (compared
// without case), or an error wrapping ErrNotFound.
func (s *Store) SubscriptionByEmail(email string) (Subscription, error) {
	var sub Subscription
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		sub, err = findByEmail(tx.Bucket(bucketSubscriptions), email)
		return err
	})
	return sub, err
}

// Subscriptions returns every subscription in ID order.
func (s *Store) Subscriptions() ([]Subscription, error) {
	var subs []Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscriptions).ForEach(func(k, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("decode subscription %d: %w", keyU64(k), err)
			}
			subs = append(subs, sub)
			return nil
		})
	})
	return subs, err
}

// DeleteSubscription removes subscription id; its send-log entries stay as
// history. A missing id is an error wrapping ErrNotFound.
func (s *Store) DeleteSubscription(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		if b.Get(u64key(id)) == nil {
			return fmt.Errorf("subscription %d: %w", id, ErrNotFound)
		}
		return b.Delete(u64key(id))
	})
}

// Secret returns the 32-byte random secret kept in meta under "secret_"+name,
// creating it on first use in the same transaction, so that every caller of
// one store gets the same secret. The digest signs its links with it.
func (s *Store) Secret(name string) ([]byte, error) {
	key := []byte("secret_" + name)
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = decodeSecret(tx.Bucket(bucketMeta).Get(key))
		return err
	})
	if err != nil || out != nil {
		return out, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if out, err = decodeSecret(meta.Get(key)); err != nil || out != nil {
			return err
		}
		out = make([]byte, 32)
		if _, err := rand.Read(out); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		return meta.Put(key, []byte(hex.EncodeToString(out)))
	})
	return out, err
}

func decodeSecret(v []byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := hex.DecodeString(string(v))
	if err != nil || len(b) < 16 {
		return nil, fmt.Errorf("meta secret is damaged (%d bytes)", len(v))
	}
	return b, nil
}

func getSub(b *bolt.Bucket, id uint64) (Subscription, error) {
	v := b.Get(u64key(id))
	if v == nil {
		return Subscription{}, fmt.Errorf("subscription %d: %w", id, ErrNotFound)
	}
	var sub Subscription
	if err := json.Unmarshal(v, &sub); err != nil {
		return Subscription{}, fmt.Errorf("decode subscription %d: %w", id, err)
	}
	return sub, nil
}

func putSub(b *bolt.Bucket, sub *Subscription) error {
	js, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("encode subscription %d: %w", sub.ID, err)
	}
	return b.Put(u64key(sub.ID), js)
}

// findByEmail scans the bucket: subscribers number in the thousands at
// most, and a second bucket kept in step would be one more thing to repair.
func findByEmail(b *bolt.Bucket, email string) (Subscription, error) {
	want := subEmailKey(email)
	var found *Subscription
	err := b.ForEach(func(k, v []byte) error {
		var sub Subscription
		if err := json.Unmarshal(v, &sub); err != nil {
			return fmt.Errorf("decode subscription %d: %w", keyU64(k), err)
		}
		if subEmailKey(sub.Email) == want {
			found = &sub
			return errSubFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSubFound) {
		return Subscription{}, err
	}
	if found == nil {
		return Subscription{}, fmt.Errorf("subscription for %s: %w", email, ErrNotFound)
	}
	return *found, nil
}

// errSubFound ends a scan early.
var errSubFound = errors.New("subscription found")

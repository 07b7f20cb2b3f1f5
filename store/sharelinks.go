package store

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketShareLinks holds the read-only share links of collections
// (migration 5), keyed like sessions by the SHA-256 of the token.
var bucketShareLinks = []byte("sharelinks")

// ShareLink lets anyone holding its token read one collection. Only the
// SHA-256 of the token is stored: a copy of the database opens nothing.
type ShareLink struct {
	Collection uint64    `json:"collection"`
	Created    time.Time `json:"created"`
	Expires    time.Time `json:"expires,omitzero"`     // zero: never
	LastOpened time.Time `json:"last_opened,omitzero"` // zero: not yet
}

// Expired reports whether the link no longer opens at now.
func (l *ShareLink) Expired(now time.Time) bool {
	return !l.Expires.IsZero() && !now.Before(l.Expires)
}

// ShareTokenLen is the length of a share token: 32 random bytes in
// base64url without padding.
const ShareTokenLen = 43

func migrateCreateShareLinks(tx *bolt.Tx, _ time.Time) error {
	_, err := tx.CreateBucketIfNotExists(bucketShareLinks)
	return err
}

func decodeShareLink(v []byte, l *ShareLink) error {
	if err := json.Unmarshal(v, l); err != nil {
		return fmt.Errorf("decode share link: %w", err)
	}
	return nil
}

// deleteShareLinksOf removes every link of collection id and says how many.
func deleteShareLinksOf(tx *bolt.Tx, id uint64) (int, error) {
	b := tx.Bucket(bucketShareLinks)
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var l ShareLink
		if err := decodeShareLink(v, &l); err != nil {
			return err
		}
		if l.Collection == id {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// CreateShareLink makes a new share link for collection id, valid until
// expires (zero: never), and returns its token. A collection has at most
// one link: a new one replaces (revokes) the old in the same transaction.
// An unknown collection gives an error wrapping ErrNotFound.
func (s *Store) CreateShareLink(id uint64, now, expires time.Time) (string, ShareLink, error) {
	if !expires.IsZero() && !expires.After(now) {
		return "", ShareLink{}, fmt.Errorf("create share link: expiry %v is not after %v", expires, now)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", ShareLink{}, fmt.Errorf("create share link: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	l := ShareLink{Collection: id, Created: now.UTC()}
	if !expires.IsZero() {
		l.Expires = expires.UTC()
	}
	js, err := json.Marshal(l)
	if err != nil {
		return "", ShareLink{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCollections).Get(u64key(id)) == nil {
			return fmt.Errorf("create share link: collection %d: %w", id, ErrNotFound)
		}
		if _, err := deleteShareLinksOf(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketShareLinks).Put(sessionKey(token), js)
	})
	if err != nil {
		return "", ShareLink{}, err
	}
	return token, l, nil
}

// ShareLink returns the link of token, expired or not, or an error wrapping
// ErrNotFound (never issued, revoked, or its collection deleted).
func (s *Store) ShareLink(token string) (ShareLink, error) {
	var l ShareLink
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketShareLinks).Get(sessionKey(token))
		if v == nil {
			return fmt.Errorf("share link: %w", ErrNotFound)
		}
		return decodeShareLink(v, &l)
	})
	return l, err
}

// ShareLinkOf returns the link of collection id, expired or not; ok is false
// when it has none.
func (s *Store) ShareLinkOf(id uint64) (l ShareLink, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketShareLinks).ForEach(func(_, v []byte) error {
			var c ShareLink
			if err := decodeShareLink(v, &c); err != nil {
				return err
			}
			if c.Collection == id {
				l, ok = c, true
			}
			return nil
		})
	})
	return l, ok, err
}

// RevokeShareLinks deletes every link of collection id at once and says how
// many there were.
func (s *Store) RevokeShareLinks(id uint64) (n int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		n, err = deleteShareLinksOf(tx, id)
		return err
	})
	return n, err
}

// TouchShareLink records that token's link was opened at now. A link
// revoked meanwhile stays revoked: its absence gives ErrNotFound.
func (s *Store) TouchShareLink(token string, now time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketShareLinks)
		k := sessionKey(token)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("share link: %w", ErrNotFound)
		}
		var l ShareLink
		if err := decodeShareLink(v, &l); err != nil {
			return err
		}
		l.LastOpened = now.UTC()
		js, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.Put(k, js)
	})
}

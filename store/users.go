package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrExists is returned when creating something the store already holds: a
// user with that email, a collection with that name, a PMID already in a
// collection.
var ErrExists = errors.New("already exists")

// bucketSessions holds login sessions (migration 2).
var bucketSessions = []byte("sessions")

// User is one login. The password hash is whatever the account package
// computed (bcrypt); the store never sees a password.
type User struct {
	Email        string    `json:"email"` // normalised: trimmed, lower case
	PasswordHash []byte    `json:"password_hash"`
	Created      time.Time `json:"created"`
	Admin        bool      `json:"admin,omitempty"`
	// Practice is the practice's name their handouts carry; empty means the
	// site's default (VILLI_PRACTICE_NAME).
	Practice string `json:"practice,omitempty"`
}

// NormalizeEmail is the form under which users are stored and looked up.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func userKey(email string) ([]byte, error) {
	e := NormalizeEmail(email)
	if e == "" {
		return nil, errors.New("user email is empty")
	}
	return []byte(e), nil
}

func encodeUser(u *User) ([]byte, []byte, error) {
	k, err := userKey(u.Email)
	if err != nil {
		return nil, nil, err
	}
	if len(u.PasswordHash) == 0 {
		return nil, nil, fmt.Errorf("user %s: no password hash", k)
	}
	u.Email = string(k)
	js, err := json.Marshal(u)
	if err != nil {
		return nil, nil, fmt.Errorf("encode user %s: %w", k, err)
	}
	return k, js, nil
}

// CreateUser stores a new user; an existing email gives an error wrapping
// ErrExists and leaves the stored user as it was.
func (s *Store) CreateUser(u User) error {
	k, js, err := encodeUser(&u)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get(k) != nil {
			return fmt.Errorf("user %s: %w", k, ErrExists)
		}
		return b.Put(k, js)
	})
}

// PutUser stores u, replacing any user with the same email (a new password
// hash, the admin flag).
func (s *Store) PutUser(u User) error {
	k, js, err := encodeUser(&u)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).Put(k, js)
	})
}

// SetPractice replaces the practice name of the user with email, in one
// transaction, keeping everything else of theirs.
func (s *Store) SetPractice(email, practice string) (User, error) {
	var u User
	k, err := userKey(email)
	if err != nil {
		return u, fmt.Errorf("user: %w", ErrNotFound)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("user %s: %w", k, ErrNotFound)
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decode user %s: %w", k, err)
		}
		u.Practice = practice
		js, err := json.Marshal(&u)
		if err != nil {
			return fmt.Errorf("encode user %s: %w", k, err)
		}
		return b.Put(k, js)
	})
	return u, err
}

// User returns the user with email (compared after NormalizeEmail), or an
// error wrapping ErrNotFound.
func (s *Store) User(email string) (User, error) {
	var u User
	k, err := userKey(email)
	if err != nil {
		return u, fmt.Errorf("user: %w", ErrNotFound)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsers).Get(k)
		if v == nil {
			return fmt.Errorf("user %s: %w", k, ErrNotFound)
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decode user %s: %w", k, err)
		}
		return nil
	})
	return u, err
}

// Users returns every user, ordered by email.
func (s *Store) Users() ([]User, error) {
	var users []User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decode user %s: %w", k, err)
			}
			users = append(users, u)
			return nil
		})
	})
	return users, err
}

// DeleteUser removes the user and every session of theirs, in one
// transaction. Their collections stay (ListAllCollections still shows them).
// An unknown email gives an error wrapping ErrNotFound.
func (s *Store) DeleteUser(email string) error {
	k, err := userKey(email)
	if err != nil {
		return fmt.Errorf("user: %w", ErrNotFound)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get(k) == nil {
			return fmt.Errorf("user %s: %w", k, ErrNotFound)
		}
		if err := b.Delete(k); err != nil {
			return err
		}
		_, err := deleteSessionsWhere(tx, func(ss *Session) bool { return ss.Email == string(k) })
		return err
	})
}

// Session is one login session. Only the SHA-256 of its token is stored: a
// copy of the database does not let anyone log in.
type Session struct {
	Email   string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// maxSessionsPerUser bounds the sessions one user keeps (browsers, devices);
// a new login beyond it ends that user's oldest session.
const maxSessionsPerUser = 20

// sessionKey is the stored key for a token.
func sessionKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession starts a session for the user with email, valid until
// now+ttl, and returns its token: 32 random bytes, base64url without padding.
// The user must exist. Expired sessions (of anyone) are removed on the way,
// and the user's oldest sessions beyond maxSessionsPerUser.
func (s *Store) CreateSession(email string, now time.Time, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		return "", Session{}, fmt.Errorf("create session: ttl %v is not positive", ttl)
	}
	k, err := userKey(email)
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	ss := Session{Email: string(k), Created: now.UTC(), Expires: now.Add(ttl).UTC()}
	js, err := json.Marshal(ss)
	if err != nil {
		return "", Session{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers).Get(k) == nil {
			return fmt.Errorf("create session: user %s: %w", k, ErrNotFound)
		}
		if _, err := deleteSessionsWhere(tx, func(o *Session) bool { return !now.Before(o.Expires) }); err != nil {
			return err
		}
		if err := trimUserSessions(tx, string(k), maxSessionsPerUser-1); err != nil {
			return err
		}
		return tx.Bucket(bucketSessions).Put(sessionKey(token), js)
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, ss, nil
}

// Session returns the live session for token. An unknown, malformed or
// expired token gives an error wrapping ErrNotFound.
func (s *Store) Session(token string, now time.Time) (Session, error) {
	var ss Session
	if token == "" {
		return ss, fmt.Errorf("session: %w", ErrNotFound)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get(sessionKey(token))
		if v == nil {
			return fmt.Errorf("session: %w", ErrNotFound)
		}
		if err := json.Unmarshal(v, &ss); err != nil {
			return fmt.Errorf("decode session: %w", err)
		}
		if !now.Before(ss.Expires) {
			return fmt.Errorf("session expired at %s: %w", ss.Expires.Format(time.RFC3339), ErrNotFound)
		}
		return nil
	})
	return ss, err
}

// DeleteSession ends the session for token; an unknown token is not an error
// (logging out twice is fine).
func (s *Store) DeleteSession(token string) error {
	if token == "" {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).Delete(sessionKey(token))
	})
}

// DeleteUserSessions ends every session of the user with email (after a
// password change) and returns how many there were.
func (s *Store) DeleteUserSessions(email string) (int, error) {
	e := NormalizeEmail(email)
	var n int
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		n, err = deleteSessionsWhere(tx, func(ss *Session) bool { return ss.Email == e })
		return err
	})
	return n, err
}

// ExpireSessions removes every session expired at now and returns how many.
func (s *Store) ExpireSessions(now time.Time) (int, error) {
	var n int
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		n, err = deleteSessionsWhere(tx, func(ss *Session) bool { return !now.Before(ss.Expires) })
		return err
	})
	return n, err
}

// deleteSessionsWhere removes the sessions match selects. Undecodable
// entries are removed too: a session nobody can read is no session.
func deleteSessionsWhere(tx *bolt.Tx, match func(*Session) bool) (int, error) {
	b := tx.Bucket(bucketSessions)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var ss Session
		if json.Unmarshal(v, &ss) != nil || match(&ss) {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// trimUserSessions keeps at most keep sessions of email, dropping the oldest.
func trimUserSessions(tx *bolt.Tx, email string, keep int) error {
	type entry struct {
		key     []byte
		created time.Time
	}
	var mine []entry
	b := tx.Bucket(bucketSessions)
	err := b.ForEach(func(k, v []byte) error {
		var ss Session
		if json.Unmarshal(v, &ss) == nil && ss.Email == email {
			mine = append(mine, entry{bytes.Clone(k), ss.Created})
		}
		return nil
	})
	if err != nil || len(mine) <= keep {
		return err
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].created.Before(mine[j].created) })
	for _, e := range mine[:len(mine)-keep] {
		if err := b.Delete(e.key); err != nil {
			return err
		}
	}
	return nil
}

// migrateCreateSessions adds the sessions bucket (schema 2).
func migrateCreateSessions(tx *bolt.Tx, _ time.Time) error {
	if _, err := tx.CreateBucketIfNotExists(bucketSessions); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketSessions, err)
	}
	return nil
}

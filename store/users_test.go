package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustUser(t *testing.T, s *Store, email string) {
	t.Helper()
	if err := s.CreateUser(User{Email: email, PasswordHash: []byte("$2a$hash"), Created: testNow}); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
}

func TestUsers_CreateLookupListDelete(t *testing.T) {
	s := openTest(t)
	mustUser(t, s, "  Ada@Example.ORG ")
	mustUser(t, s, "bob@example.org")

	tests := []struct {
		lookup  string
		want    string
		wantErr error
	}{
		{"ada@example.org", "ada@example.org", nil},
		{"ADA@EXAMPLE.ORG", "ada@example.org", nil},
		{" bob@example.org", "bob@example.org", nil},
		{"carol@example.org", "", ErrNotFound},
		{"", "", ErrNotFound},
	}
	for _, tt := range tests {
		u, err := s.User(tt.lookup)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("User(%q) error = %v, want %v", tt.lookup, err, tt.wantErr)
			continue
		}
		if u.Email != tt.want {
			t.Errorf("User(%q).Email = %q, want %q", tt.lookup, u.Email, tt.want)
		}
	}

	err := s.CreateUser(User{Email: "ADA@example.org", PasswordHash: []byte("other")})
	if !errors.Is(err, ErrExists) {
		t.Errorf("second CreateUser error = %v, want ErrExists", err)
	}
	if u, _ := s.User("ada@example.org"); string(u.PasswordHash) != "$2a$hash" {
		t.Errorf("refused CreateUser changed the hash to %q", u.PasswordHash)
	}

	if err := s.PutUser(User{Email: "ada@example.org", PasswordHash: []byte("new"), Admin: true}); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User("ada@example.org"); string(u.PasswordHash) != "new" || !u.Admin {
		t.Errorf("after PutUser: %+v, want new hash and admin", u)
	}

	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Email != "ada@example.org" || users[1].Email != "bob@example.org" {
		t.Errorf("Users() = %+v, want ada then bob", users)
	}

	if err := s.DeleteUser("Bob@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User("bob@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("User after delete: error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteUser("bob@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteUser error = %v, want ErrNotFound", err)
	}
}

func TestCreateUser_RefusesMissingFields(t *testing.T) {
	s := openTest(t)
	for _, u := range []User{
		{Email: "", PasswordHash: []byte("h")},
		{Email: "   ", PasswordHash: []byte("h")},
		{Email: "a@b.c"},
	} {
		if err := s.CreateUser(u); err == nil {
			t.Errorf("CreateUser(%+v) succeeded, want an error", u)
		}
	}
	if users, _ := s.Users(); len(users) != 0 {
		t.Errorf("refused users were stored: %+v", users)
	}
}

func TestSessions_Lifecycle(t *testing.T) {
	s := openTest(t)
	mustUser(t, s, "ada@example.org")
	ttl := 24 * time.Hour
	token, ss, err := s.CreateSession("ADA@example.org", testNow, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 {
		t.Errorf("token %q has %d characters, want 43 (32 bytes base64url)", token, len(token))
	}
	if ss.Email != "ada@example.org" || !ss.Expires.Equal(testNow.Add(ttl)) {
		t.Errorf("session = %+v, want ada expiring at now+ttl", ss)
	}

	tests := []struct {
		name    string
		token   string
		at      time.Time
		wantErr error
	}{
		{"live", token, testNow.Add(time.Hour), nil},
		{"last moment", token, testNow.Add(ttl - time.Nanosecond), nil},
		{"expired", token, testNow.Add(ttl), ErrNotFound},
		{"unknown token", token + "x", testNow, ErrNotFound},
		{"empty token", "", testNow, ErrNotFound},
	}
	for _, tt := range tests {
		got, err := s.Session(tt.token, tt.at)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Session error = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && got.Email != "ada@example.org" {
			t.Errorf("%s: session user = %q", tt.name, got.Email)
		}
	}

	if err := s.DeleteSession(token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token, testNow); !errors.Is(err, ErrNotFound) {
		t.Errorf("Session after delete: error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(token); err != nil {
		t.Errorf("deleting a deleted session: %v, want nil", err)
	}
}

func TestSessions_StoreOnlyTheTokenHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "ada@example.org")
	token, _, err := s.CreateSession("ada@example.org", testNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(token)) {
				t.Error("session value holds the token")
			}
			keys = append(keys, bytes.Clone(k))
			return nil
		})
	})
	sum := sha256.Sum256([]byte(token))
	if len(keys) != 1 || !bytes.Equal(keys[0], sum[:]) {
		t.Errorf("session keys = %x, want only sha256(token) %x", keys, sum)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte(token)) {
		t.Error("database file holds the session token in clear")
	}
}

func TestSessions_UnknownUserAndBadTTLRefused(t *testing.T) {
	s := openTest(t)
	if _, _, err := s.CreateSession("nobody@example.org", testNow, time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("session for unknown user: error = %v, want ErrNotFound", err)
	}
	mustUser(t, s, "ada@example.org")
	if _, _, err := s.CreateSession("ada@example.org", testNow, 0); err == nil {
		t.Error("session with zero ttl was created")
	}
}

func TestSessions_ExpireDeleteUserAndPerUserCap(t *testing.T) {
	s := openTest(t)
	mustUser(t, s, "ada@example.org")
	mustUser(t, s, "bob@example.org")
	short, _, _ := s.CreateSession("ada@example.org", testNow, time.Minute)
	long, _, _ := s.CreateSession("ada@example.org", testNow, time.Hour)
	bob, _, _ := s.CreateSession("bob@example.org", testNow, time.Hour)

	n, err := s.ExpireSessions(testNow.Add(2 * time.Minute))
	if err != nil || n != 1 {
		t.Errorf("ExpireSessions = %d, %v; want 1 removed", n, err)
	}
	if _, err := s.Session(short, testNow); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session still stored: %v", err)
	}
	if _, err := s.Session(long, testNow); err != nil {
		t.Errorf("live session removed by ExpireSessions: %v", err)
	}

	if n, err := s.DeleteUserSessions("ADA@example.org"); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
	}
	if err := s.DeleteUser("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(bob, testNow); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a deleted user survived: %v", err)
	}

	var tokens []string
	for i := range maxSessionsPerUser + 3 {
		tok, _, err := s.CreateSession("ada@example.org", testNow.Add(time.Duration(i)*time.Second), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	live := 0
	for i, tok := range tokens {
		_, err := s.Session(tok, testNow.Add(time.Minute))
		if err == nil {
			live++
		}
		if i < 3 && err == nil {
			t.Errorf("session %d of %d (one of the oldest) survived the cap", i, len(tokens))
		}
	}
	if live != maxSessionsPerUser {
		t.Errorf("live sessions = %d, want the cap %d", live, maxSessionsPerUser)
	}
}

func TestMigration2_AddsSessionsToASchema1File(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations[:1], testNow); err != nil {
		t.Fatal(err)
	}
	// A schema-1 file with a user in it, as villi wrote before sessions.
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).Put([]byte("ada@example.org"), []byte(`{"email":"ada@example.org","password_hash":"aGFzaA=="}`))
	})
	if err := migrate(db, migrations, testNow); err != nil {
		t.Fatalf("migrate to schema 2: %v", err)
	}
	if v := versionOf(t, db); v < 2 {
		t.Errorf("schema_version = %d, want at least 2", v)
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions) == nil {
			t.Error("sessions bucket missing after migration 2")
		}
		if tx.Bucket(bucketUsers).Get([]byte("ada@example.org")) == nil {
			t.Error("migration 2 lost a stored user")
		}
		return nil
	})
}

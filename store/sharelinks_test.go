package store

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestMigration5_CreatesShareLinksBucketKeepingCollections(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations[:4], testNow); err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db}
	c, err := s.CreateCollection("ada@example.org", "Before links")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations[:5], testNow); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db); v != 5 {
		t.Errorf("schema_version = %d, want 5", v)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketShareLinks) == nil {
			t.Error("sharelinks bucket missing after migration 5")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Collection(c.ID); err != nil || got.Name != "Before links" {
		t.Errorf("collection after migration 5 = %q (err %v), want it unchanged", got.Name, err)
	}
	if _, _, err := s.CreateShareLink(c.ID, testNow, time.Time{}); err != nil {
		t.Errorf("share link after migration 5: %v", err)
	}
}

func TestShareLinks_CreateReplaceRevokeDelete(t *testing.T) {
	s := openTest(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, err := s.CreateCollection("ada@example.org", "A")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateCollection("ada@example.org", "B")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateShareLink(999, now, time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("link for an unknown collection: error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.CreateShareLink(a.ID, now, now); err == nil {
		t.Error("link expiring at its creation: no error")
	}

	first, _, err := s.CreateShareLink(a.ID, now, now.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != ShareTokenLen {
		t.Errorf("token %q has %d characters, want %d", first, len(first), ShareTokenLen)
	}
	tokB, _, err := s.CreateShareLink(b.ID, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// The token itself is nowhere in the file: only its hash is a key.
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketShareLinks).Get([]byte(first)) != nil {
			t.Error("the token is stored as a key in clear")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ShareLink(first)
	if err != nil || got.Collection != a.ID || !got.Expires.Equal(now.Add(7*24*time.Hour)) {
		t.Fatalf("ShareLink(first) = %+v, %v; want collection %d expiring in 7 days", got, err, a.ID)
	}
	if got.Expired(now) || !got.Expired(now.Add(7*24*time.Hour)) {
		t.Error("Expired: want false before the expiry and true at it")
	}

	// A second link for A replaces the first at once.
	second, _, err := s.CreateShareLink(a.ID, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ShareLink(first); !errors.Is(err, ErrNotFound) {
		t.Errorf("replaced link still opens: error = %v", err)
	}
	if l, ok, err := s.ShareLinkOf(a.ID); err != nil || !ok || !l.Expires.IsZero() {
		t.Errorf("ShareLinkOf(A) = %+v, %v, %v; want the new link that never expires", l, ok, err)
	}

	later := now.Add(time.Hour)
	if err := s.TouchShareLink(second, later); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ShareLink(second); !l.LastOpened.Equal(later) {
		t.Errorf("LastOpened = %v, want %v", l.LastOpened, later)
	}

	if n, err := s.RevokeShareLinks(a.ID); err != nil || n != 1 {
		t.Errorf("RevokeShareLinks(A) = %d, %v; want 1", n, err)
	}
	if _, err := s.ShareLink(second); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked link still opens: error = %v", err)
	}
	if err := s.TouchShareLink(second, later); !errors.Is(err, ErrNotFound) {
		t.Errorf("touching a revoked link: error = %v, want ErrNotFound (it must not come back)", err)
	}
	if _, ok, _ := s.ShareLinkOf(a.ID); ok {
		t.Error("ShareLinkOf(A) after revoking: still a link")
	}

	// B's link was untouched by all of that, and goes with its collection.
	if l, err := s.ShareLink(tokB); err != nil || l.Collection != b.ID {
		t.Errorf("B's link = %+v, %v", l, err)
	}
	if err := s.DeleteCollection(b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ShareLink(tokB); !errors.Is(err, ErrNotFound) {
		t.Errorf("link of a deleted collection still opens: error = %v", err)
	}
}

func TestSetItemNote_PrivateFlagIsAdditive(t *testing.T) {
	s := openTest(t)
	c, err := s.CreateCollection("ada@example.org", "Notes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItem(c.ID, CollectionItem{PMID: 11, Note: "shared"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItem(c.ID, CollectionItem{PMID: 22}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SetItemNote(c.ID, 22, "mine", true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items[0].Private || !got.Items[1].Private || got.Items[1].Note != "mine" {
		t.Errorf("items = %+v, want only the second private with its note", got.Items)
	}
	// SetNote keeps the flag; the JSON of a shared note is what it was.
	if got, _ = s.SetNote(c.ID, 22, "still mine"); !got.Items[1].Private {
		t.Error("SetNote cleared the private flag")
	}
}

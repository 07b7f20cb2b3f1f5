package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openBolt(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "raw.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func versionOf(t *testing.T, db *bolt.DB) int {
	t.Helper()
	var v int
	if err := db.View(func(tx *bolt.Tx) (err error) { v, err = schemaVersion(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigration1_CreatesEveryBucket(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations[:1], testNow); err != nil {
		t.Fatalf("migration 1: %v", err)
	}
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{
			bucketMeta, bucketArticles, bucketSources, bucketChanges, bucketTombstones,
			bucketCursors, bucketRuns, bucketSubscriptions, bucketCollections, bucketSendlog, bucketUsers,
		} {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing after migration 1", name)
			}
		}
		if got := string(tx.Bucket(bucketMeta).Get([]byte(metaCreated))); got != testNow.Format(time.RFC3339) {
			t.Errorf("created = %q, want %q", got, testNow.Format(time.RFC3339))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db); v != 1 {
		t.Errorf("schema_version = %d, want 1", v)
	}
}

func TestMigrate_RunsOnlyMissingStepsInOrder(t *testing.T) {
	db := openBolt(t)
	var ran []string
	step := func(name string) migration {
		return migration{name: name, up: func(tx *bolt.Tx, _ time.Time) error {
			ran = append(ran, name)
			_, err := tx.CreateBucketIfNotExists(bucketMeta)
			return err
		}}
	}
	steps := []migration{step("a"), step("b"), step("c")}
	if err := migrate(db, steps[:2], testNow); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, steps, testNow); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, steps, testNow); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(ran, want) {
		t.Errorf("steps ran %q, want %q", ran, want)
	}
	if v := versionOf(t, db); v != 3 {
		t.Errorf("schema_version = %d, want 3", v)
	}
}

func TestMigrate_FailingStepLeavesFileAsItWas(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations, testNow); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	steps := append(append([]migration(nil), migrations...),
		migration{name: "add bucket", up: func(tx *bolt.Tx, _ time.Time) error {
			_, err := tx.CreateBucket([]byte("half-done"))
			return err
		}},
		migration{name: "fail", up: func(*bolt.Tx, time.Time) error { return boom }},
	)
	err := migrate(db, steps, testNow)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), fmt.Sprintf("migration %d (fail)", len(migrations)+2)) {
		t.Fatalf("failing migration: error = %v, want it to wrap boom and name migration %d", err, len(migrations)+2)
	}
	if v := versionOf(t, db); v != len(migrations) {
		t.Errorf("schema_version after a failed migration = %d, want %d", v, len(migrations))
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("half-done")) != nil {
			t.Error("bucket of the step before the failing one was kept")
		}
		return nil
	})
}

func TestOpen_NewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(metaSchemaVersion), []byte("99"))
	})
	db.Close()

	for _, ro := range []bool{false, true} {
		_, err = Open(path, Options{ReadOnly: ro})
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "schema 99") {
			t.Errorf("Open(ReadOnly=%v) of a schema-99 file: error = %v, want ErrSchemaTooNew naming schema 99", ro, err)
		}
	}
}

func TestOpen_ReadOnlyRefusesUnmigratedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, errSchemaOld) {
		t.Errorf("read-only Open of an unmigrated file: error = %v, want errSchemaOld", err)
	}
}

func TestMigration3_ImportRunsNameTheirFiles(t *testing.T) {
	db := openBolt(t)
	if err := migrate(db, migrations[:2], testNow); err != nil {
		t.Fatal(err)
	}
	// Runs as schema 2 wrote them: an import's file names joined in query.
	old := map[uint64]string{
		1: `{"id":1,"kind":"import","query":"a.xml b.xml.gz","started":"2026-01-01T00:00:00Z"}`,
		2: `{"id":2,"kind":"crawl","query":"celiac","started":"2026-01-02T00:00:00Z"}`,
		3: `{"id":3,"kind":"import","started":"2026-01-03T00:00:00Z"}`,
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for id, js := range old {
			if err := tx.Bucket(bucketRuns).Put(u64key(id), []byte(js)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations, testNow); err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db}
	runs, err := s.Runs("", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64][2]string{}
	for _, r := range runs {
		got[r.ID] = [2]string{r.Query, strings.Join(r.Files, "|")}
	}
	want := map[uint64][2]string{1: {"", "a.xml|b.xml.gz"}, 2: {"celiac", ""}, 3: {"", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runs (query, files) = %v, want %v", got, want)
	}
}

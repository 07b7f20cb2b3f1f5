package store

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migration is one step of the schema. Steps are only ever appended: the
// schema version of a file is the number of steps it has run.
type migration struct {
	name string
	up   func(tx *bolt.Tx, now time.Time) error
}

var migrations = []migration{
	{name: "create buckets", up: migrateCreateBuckets},
	{name: "create sessions bucket", up: migrateCreateSessions},      // store/users.go
	{name: "import runs name their files", up: migrateRunFiles},      // store/runs.go
	{name: "create notices bucket", up: migrateCreateNotices},        // store/notices.go
	{name: "create share links bucket", up: migrateCreateShareLinks}, // store/sharelinks.go
	{name: "create models bucket", up: migrateCreateModels},          // store/models.go
	{name: "create agreement log", up: migrateCreateAgreement},       // store/agreement.go
}

// migrateCreateBuckets lays out schema 1, including the reserved buckets
// later issues fill, so those issues need no migration just to exist.
func migrateCreateBuckets(tx *bolt.Tx, now time.Time) error {
	for _, name := range [][]byte{
		bucketMeta, bucketArticles, bucketSources, bucketChanges, bucketTombstones,
		bucketCursors, bucketRuns, bucketSubscriptions, bucketCollections, bucketSendlog, bucketUsers,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	created := []byte(now.UTC().Format(time.RFC3339))
	return tx.Bucket(bucketMeta).Put([]byte(metaCreated), created)
}

// schemaVersion reads the version a file has reached; 0 for a new file.
func schemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get([]byte(metaSchemaVersion))
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad schema_version %q in meta", v)
	}
	return n, nil
}

func tooNew(have, know int) error {
	return fmt.Errorf("%w: file has schema %d, this villi knows up to %d; upgrade villi", ErrSchemaTooNew, have, know)
}

// migrate runs the steps the file has not run yet, all in one transaction,
// so a failing step leaves the file exactly as it was.
func migrate(db *bolt.DB, steps []migration, now time.Time) error {
	var have int
	if err := db.View(func(tx *bolt.Tx) (err error) {
		have, err = schemaVersion(tx)
		return err
	}); err != nil {
		return err
	}
	if have > len(steps) {
		return tooNew(have, len(steps))
	}
	if have == len(steps) {
		return nil // the usual case: no write transaction, no fsync
	}
	return db.Update(func(tx *bolt.Tx) error {
		have, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		for i := have; i < len(steps); i++ {
			if err := steps[i].up(tx, now); err != nil {
				return fmt.Errorf("migration %d (%s): %w", i+1, steps[i].name, err)
			}
			meta := tx.Bucket(bucketMeta)
			if meta == nil {
				return fmt.Errorf("migration %d (%s): meta bucket missing", i+1, steps[i].name)
			}
			if err := meta.Put([]byte(metaSchemaVersion), []byte(strconv.Itoa(i+1))); err != nil {
				return err
			}
		}
		return nil
	})
}

var errSchemaOld = errors.New("store schema is older than this villi; open it read-write once to migrate")

// checkSchema is migrate for a read-only file: it can only agree or refuse.
func checkSchema(db *bolt.DB, steps []migration) error {
	return db.View(func(tx *bolt.Tx) error {
		have, err := schemaVersion(tx)
		switch {
		case err != nil:
			return err
		case have > len(steps):
			return tooNew(have, len(steps))
		case have < len(steps):
			return fmt.Errorf("%w (file has schema %d, want %d)", errSchemaOld, have, len(steps))
		}
		return nil
	})
}

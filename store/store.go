package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"villi/pubmed"
	"villi/taxonomy"
)

var (
	// ErrNotFound is returned for a PMID, source or meta key the store does not hold.
	ErrNotFound = errors.New("not found")
	// ErrLocked is returned by Open when another process (or another Open in
	// this one) holds the file.
	ErrLocked = errors.New("data directory in use by another villi process")
	// ErrSchemaTooNew is returned by Open for a file written by a newer villi.
	ErrSchemaTooNew = errors.New("store schema is newer than this villi understands")
)

// Bucket names. See the package doc for the tree.
var (
	bucketMeta          = []byte("meta")
	bucketArticles      = []byte("articles")
	bucketSources       = []byte("sources")
	bucketChanges       = []byte("changes")
	bucketTombstones    = []byte("tombstones")
	bucketCursors       = []byte("cursors")
	bucketRuns          = []byte("runs")
	bucketSubscriptions = []byte("subscriptions")
	bucketCollections   = []byte("collections")
	bucketSendlog       = []byte("sendlog")
	bucketUsers         = []byte("users")
	bucketNotices       = []byte("notices")
)

// Meta keys the store itself maintains; SetMeta refuses them.
const (
	metaSchemaVersion = "schema_version"
	metaCreated       = "created"
)

// initialMmapSize is reserved address space, not memory: bbolt must wait for
// every open read transaction before it can grow its mapping, so a large
// first mapping keeps a long Backup from stalling imports until the file
// outgrows it. 32-bit builds (IntSize/64 == 0) cannot spare the space.
const initialMmapSize = (1 << 30) * (strconv.IntSize / 64)

// Options configure Open.
type Options struct {
	Timeout  time.Duration // how long to wait for the file lock; 0 means 1s
	ReadOnly bool
	// Redact, if set, rewrites error text before it is stored (a run's
	// errors, a send-log entry's last error), masking configured secrets
	// that an error message may echo (see package redact).
	Redact func(string) string
}

// Store is an open villi database. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	redact   func(string) string
	enc      *zstd.Encoder
	dec      *zstd.Decoder

	closeOnce sync.Once
	closeErr  error
}

// Record is one stored article with its tags and bookkeeping.
type Record struct {
	Article pubmed.Article `json:"article"`
	Tags    taxonomy.Tags  `json:"tags"`
	Added   time.Time      `json:"added"`   // when villi first stored this PMID (kept on update)
	Updated time.Time      `json:"updated"` // when this version was stored
	Seq     uint64         `json:"seq"`     // store change sequence of the last write
}

// Open opens or creates the store file (e.g. DATA/villi.db), runs
// migrations, and writes a pid sidecar (path+".pid") that a second process
// names in its ErrLocked error. It waits at most opts.Timeout for the lock.
// A read-only Open neither migrates nor writes the sidecar.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         timeout,
		ReadOnly:        opts.ReadOnly,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: initialMmapSize,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, lockedError(path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if opts.ReadOnly {
		err = checkSchema(db, migrations)
	} else {
		err = migrate(db, migrations, time.Now())
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if !opts.ReadOnly {
		// A stale sidecar from a killed process is simply overwritten: holding
		// the lock proves it is ours now.
		pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
		if err := os.WriteFile(pidPath(path), pid, 0o644); err != nil {
			// The sidecar only names the holder in another process's
			// ErrLocked; a full disk must not keep the library shut. A
			// half-written or stale one would name the wrong process.
			if !NoSpace(err) || os.Remove(pidPath(path)) != nil {
				db.Close()
				return nil, fmt.Errorf("open store %s: write pid file: %w", path, err)
			}
		}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	if err != nil {
		enc.Close()
		db.Close()
		return nil, fmt.Errorf("open store: zstd decoder: %w", err)
	}
	return &Store{db: db, path: path, readOnly: opts.ReadOnly, redact: opts.Redact, enc: enc, dec: dec}, nil
}

func pidPath(path string) string { return path + ".pid" }

// NoSpace reports whether err is a write refused for want of room: a full
// disk (ENOSPC), an exhausted quota (EDQUOT) or a file system mounted
// read-only (EROFS). Such a write changes nothing, and the same write
// succeeds once room returns, so callers may carry on reading.
func NoSpace(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, e := range noSpaceErrnos {
		// bleve flattens the error of a segment it cannot write into text.
		if errors.Is(err, e) || strings.Contains(msg, e.Error()) {
			return true
		}
	}
	return false
}

var noSpaceErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS}

// lockedError names the holder's pid when its sidecar says it.
func lockedError(path string) error {
	b, err := os.ReadFile(pidPath(path))
	if err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return fmt.Errorf("open %s: %w (pid %d)", path, ErrLocked, pid)
		}
	}
	return fmt.Errorf("open %s: %w", path, ErrLocked)
}

// Close releases the file. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// Remove the sidecar while still holding the lock, so it never
		// deletes the sidecar of the next process to open the file.
		if !s.readOnly {
			if err := os.Remove(pidPath(s.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.closeErr = fmt.Errorf("close store: %w", err)
			}
		}
		if err := s.db.Close(); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("close store: %w", err)
		}
		s.enc.Close()
		s.dec.Close()
	})
	return s.closeErr
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Get returns the record stored for pmid, or an error wrapping ErrNotFound.
func (s *Store) Get(pmid uint64) (Record, error) {
	var rec Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketArticles).Get(u64key(pmid))
		if v == nil {
			return fmt.Errorf("pmid %d: %w", pmid, ErrNotFound)
		}
		return readRecord(tx, u64key(pmid), v, &rec)
	})
	return rec, err
}

// GetMany returns the stored records for pmids in the same order, skipping
// the ones the store does not hold.
func (s *Store) GetMany(pmids []uint64) ([]Record, error) {
	recs := make([]Record, 0, len(pmids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketArticles)
		for _, pmid := range pmids {
			v := b.Get(u64key(pmid))
			if v == nil {
				continue
			}
			recs = append(recs, Record{})
			if err := readRecord(tx, u64key(pmid), v, &recs[len(recs)-1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// Has reports whether pmid is stored, without decoding its record.
func (s *Store) Has(pmid uint64) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketArticles).Get(u64key(pmid)) != nil
		return nil
	})
	return ok, err
}

// Source returns the raw XML stored with pmid, or an error wrapping ErrNotFound.
func (s *Store) Source(pmid uint64) ([]byte, error) {
	var src []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get(u64key(pmid))
		if v == nil {
			return fmt.Errorf("source of pmid %d: %w", pmid, ErrNotFound)
		}
		var err error
		src, err = s.decompress(v)
		if err != nil {
			return fmt.Errorf("source of pmid %d: %w", pmid, err)
		}
		return nil
	})
	return src, err
}

// Count returns the number of stored records.
func (s *Store) Count() (int, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketArticles).Sequence()
		return nil
	})
	return int(n), err
}

// LastSeq returns the sequence number of the latest write (0 for an empty store).
func (s *Store) LastSeq() (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketChanges).Sequence()
		return nil
	})
	return n, err
}

// Meta returns the value stored under key in the meta bucket, or an error
// wrapping ErrNotFound.
func (s *Store) Meta(key string) (string, error) {
	var val string
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get([]byte(key))
		if v == nil {
			return fmt.Errorf("meta %q: %w", key, ErrNotFound)
		}
		val = string(v)
		return nil
	})
	return val, err
}

// SetMeta stores a small string value under key in the meta bucket. Keys the
// store maintains itself (schema_version, created) are refused.
func (s *Store) SetMeta(key, value string) error {
	if key == "" || key == metaSchemaVersion || key == metaCreated {
		return fmt.Errorf("set meta %q: key is reserved", key)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(key), []byte(value))
	})
}

// decompress decodes one stored zstd frame, sizing the output from the
// frame's content size.
func (s *Store) decompress(v []byte) ([]byte, error) {
	var h zstd.Header
	var dst []byte
	if h.Decode(v) == nil && h.HasFCS {
		dst = make([]byte, 0, h.FrameContentSize)
	}
	out, err := s.dec.DecodeAll(v, dst)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return out, nil
}

func u64key(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

func keyU64(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// scrub masks secrets in error text about to be stored (Options.Redact).
func (s *Store) scrub(text string) string {
	if s.redact == nil {
		return text
	}
	return s.redact(text)
}

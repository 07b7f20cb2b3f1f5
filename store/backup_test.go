package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

func TestBackup_ConsistentCopyWhileWritesGoOn(t *testing.T) {
	s := openTest(t)
	const before = 2000
	loadShuffled(t, s, before)

	// A writer adds new PMIDs and revises old ones for as long as the backup runs.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := uint64(0); ctx.Err() == nil; i++ {
			b := Batch{Puts: []Put{
				put(rec(100000+i, 1, nil, "new")),
				put(rec(1+i%before, 2+int(i), nil, "revised")),
			}}
			if _, err := s.Apply(context.Background(), b); err != nil {
				writeErr = err
				return
			}
		}
	}()

	dst := filepath.Join(t.TempDir(), "backups", "villi-backup.db")
	os.MkdirAll(filepath.Dir(dst), 0o755)
	var n int64
	var err error
	for range 3 { // a few runs, so some overlap the writer's commits
		if n, err = s.Backup(context.Background(), dst); err != nil {
			t.Fatalf("Backup: %v", err)
		}
	}
	stop()
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writer: %v", writeErr)
	}
	if st, err := os.Stat(dst); err != nil || st.Size() != n {
		t.Errorf("backup file: %v, %v; Backup said %d bytes", st, err, n)
	}

	b, err := Open(dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	count, _ := b.Count()
	last, _ := b.LastSeq()
	if count < before {
		t.Errorf("backup holds %d records, want at least the %d stored before it began", count, before)
	}
	// A consistent snapshot: every record in it is one the live store held
	// at the same seq, and the change log agrees with the records.
	visited := 0
	err = b.ForEach(context.Background(), func(r Record) error {
		visited++
		if r.Seq > last {
			t.Errorf("pmid %d has seq %d beyond the backup's last seq %d", r.Article.PMID, r.Seq, last)
		}
		src, err := b.Source(r.Article.PMID)
		if err != nil || string(src) != string(sourceFor(r)) {
			t.Errorf("pmid %d: source %q, %v", r.Article.PMID, src, err)
		}
		return nil
	})
	if err != nil || visited != count {
		t.Errorf("ForEach over the backup: %d visits, %v; Count says %d", visited, err, count)
	}
	entries := 0
	b.ChangesSince(context.Background(), 0, func(_, _ uint64, r *Record) error {
		entries++
		return nil
	})
	if entries != count {
		t.Errorf("backup change log has %d entries for %d records", entries, count)
	}
	// Records the writer never touched are identical in both.
	want, _ := s.Get(before)
	got, err := b.Get(before)
	if err != nil || (want.Article.Version == 1 && !reflect.DeepEqual(got, want)) {
		t.Errorf("backup Get(%d) = %+v, %v; live %+v", before, got, err, want)
	}
}

func TestBackup_CancelledLeavesNoFile(t *testing.T) {
	s := openTest(t)
	loadShuffled(t, s, 10)
	dst := filepath.Join(t.TempDir(), "b.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []context.Context{ctx, &cancelledLater{Context: context.Background()}} {
		if _, err := s.Backup(c, dst); !errors.Is(err, context.Canceled) {
			t.Errorf("Backup with a cancelled context: error = %v, want context.Canceled", err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dst))
		if len(entries) != 0 {
			t.Errorf("files left after a cancelled backup: %v", entries)
		}
	}
}

// cancelledLater reports cancellation from its second Err call on, so a
// backup gets past its first check and is cancelled while copying.
type cancelledLater struct {
	context.Context
	calls atomic.Int32
}

func (c *cancelledLater) Err() error {
	if c.calls.Add(1) > 1 {
		return context.Canceled
	}
	return nil
}

func TestBackup_RefusesTheLiveFile(t *testing.T) {
	s := openTest(t)
	if _, err := s.Backup(context.Background(), s.Path()); err == nil {
		t.Error("Backup onto the live database succeeded")
	}
}

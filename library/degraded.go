package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"villi/store"
)

// ErrDegraded marks Check's error when the store and the index answer but
// the library cannot write (see Degraded).
var ErrDegraded = errors.New("degraded")

// Degraded says why a library serves reads but cannot write: a write was
// refused for want of room (a full disk, a used-up quota, a read-only file
// system; see store.NoSpace). Records and searches keep working from the
// store and the index as they are, which may lag the store: a search can
// miss the newest changes until CatchUp succeeds.
type Degraded struct {
	Since time.Time `json:"since"`
	// Reason is a sentence for a person, shown on every page; it names no
	// path, since a public library shows it to everyone.
	Reason string `json:"reason"`
}

// health is the degraded state, shared by readers and the writers that set it.
type health struct {
	mu sync.Mutex
	d  *Degraded
}

// probeSize is how much room CatchUp wants to find before it retries the
// writes: a write that only just fits would leave the next one failing.
const probeSize = 1 << 20

// Degraded returns why the library cannot write, or nil when it can.
func (l *Library) Degraded() *Degraded {
	l.health.mu.Lock()
	defer l.health.mu.Unlock()
	if l.health.d == nil {
		return nil
	}
	d := *l.health.d
	return &d
}

// degrade records a write refused for want of room; the first refusal's
// time stays Since until the library is whole again.
func (l *Library) degrade(err error) {
	reason := "villi cannot write to its data directory: " + noRoomWhy(err) +
		". Records and searches still work, but searches may miss the newest changes, " +
		"and crawls and imports store nothing until there is room again."
	l.health.mu.Lock()
	defer l.health.mu.Unlock()
	if l.health.d == nil {
		l.health.d = &Degraded{Since: time.Now().UTC()}
	}
	l.health.d.Reason = reason
}

func noRoomWhy(err error) string {
	switch {
	case errors.Is(err, syscall.EROFS):
		return "its file system is read-only"
	case errors.Is(err, syscall.EDQUOT):
		return "its disk quota is used up"
	}
	return "its disk is full"
}

// wrote passes on a write's error; one refused for want of room degrades the
// library and says so in words, naming the data directory.
func (l *Library) wrote(err error) error {
	if err == nil || !store.NoSpace(err) {
		return err
	}
	l.degrade(err)
	return fmt.Errorf("cannot write to the data directory %s, %s: what was stored before is kept; "+
		"make room and run this again: %w", l.dir, noRoomWhy(err), err)
}

// settle does the writes Open owes the data directory: the taxonomy version
// of an empty store, marking the runs of a dead process interrupted, and
// bringing the index in line with the store. Each is idempotent, so CatchUp
// repeats them all. The caller holds writeMu, or is Open.
func (l *Library) settle(ctx context.Context, progress func(done int)) error {
	if err := l.markFreshTaxonomy(); err != nil {
		return err
	}
	if _, err := l.st.InterruptRuns(l.opened); err != nil {
		return fmt.Errorf("mark interrupted runs: %w", err)
	}
	var err error
	if l.ix.NeedsRebuild() {
		err = l.ix.Rebuild(ctx, l.st, progress)
	} else {
		_, err = l.ix.Reconcile(ctx, l.st)
	}
	if err != nil {
		return fmt.Errorf("bring index in line with store: %w", err)
	}
	return nil
}

// CatchUp, on a degraded library, checks for room and does the writes that
// failed (see settle); then the library is whole again. serve calls it periodically; a successful ingest
// does the same. On a library that is not degraded it does nothing.
func (l *Library) CatchUp(ctx context.Context) error {
	if l.Degraded() == nil {
		return nil
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return l.catchUpLocked(ctx)
}

func (l *Library) catchUpLocked(ctx context.Context) error {
	if err := l.probe(); err != nil {
		return l.wrote(err)
	}
	if err := l.settle(ctx, nil); err != nil {
		return l.wrote(err)
	}
	l.health.mu.Lock()
	l.health.d = nil
	l.health.mu.Unlock()
	return nil
}

// probe writes, syncs and removes probeSize bytes in the data directory.
func (l *Library) probe() error {
	f, err := os.CreateTemp(l.dir, ".villi-room-check-*")
	if err != nil {
		return fmt.Errorf("check for room: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("check for room: %w", err)
	}
	return nil
}

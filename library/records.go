package library

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"villi/store"
)

// Record returns the stored record for pmid, or an error wrapping
// store.ErrNotFound.
func (l *Library) Record(pmid uint64) (store.Record, error) {
	return l.st.Get(pmid)
}

// Has reports whether the library holds pmid.
func (l *Library) Has(pmid uint64) (bool, error) {
	return l.st.Has(pmid)
}

// Records returns the stored records of pmids in their order, and the PMIDs
// the library does not hold, also in order: callers that cite, export or
// show name every missing one rather than drop it quietly.
func (l *Library) Records(pmids []uint64) (recs []store.Record, missing []uint64, err error) {
	recs, err = l.st.GetMany(pmids)
	if err != nil {
		return nil, nil, fmt.Errorf("read records: %w", err)
	}
	if len(recs) == len(pmids) {
		return recs, nil, nil
	}
	have := make(map[uint64]bool, len(recs))
	for i := range recs {
		have[recs[i].Article.PMID] = true
	}
	for _, p := range pmids {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	return recs, missing, nil
}

// Count returns how many records the library holds.
func (l *Library) Count() (int, error) { return l.st.Count() }

// Backup writes a consistent copy of the store to path while the library
// stays open, and returns its size in bytes. The index is not copied: it
// is rebuilt from the store when the copy is opened.
func (l *Library) Backup(ctx context.Context, path string) (int64, error) {
	return l.st.Backup(ctx, path)
}

// MissingError names PMIDs the library does not hold. It wraps
// store.ErrNotFound.
type MissingError struct{ PMIDs []uint64 }

// maxNamed is how many missing PMIDs an error message names before "…".
const maxNamed = 10

func (e *MissingError) Error() string {
	var b strings.Builder
	b.WriteString("not in this library: PMID ")
	for i, p := range e.PMIDs {
		if i == maxNamed {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(p, 10))
	}
	return b.String()
}

func (e *MissingError) Unwrap() error { return store.ErrNotFound }

package index

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"villi/store"
)

// A window on Added bounds both ends, inclusive, and each bound is part of
// the result cache's key: a digest link for one week must not be answered
// with the cached hits of another week's link.
func TestSearch_AddedWindowBoundsBothEnds(t *testing.T) {
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	w1 := time.Date(2025, 3, 3, 6, 0, 0, 0, time.UTC)
	w2, w3 := w1.AddDate(0, 0, 7), w1.AddDate(0, 0, 14)
	for _, b := range []struct {
		at   time.Time
		recs []store.Record
	}{{w1, synthetic(20, 1, 1)}, {w2, synthetic(15, 100, 2)}, {w3, synthetic(10, 200, 3)}} {
		ingestAt(t, s, ix, b.at, b.recs)
	}
	tests := []struct {
		name         string
		since, until time.Time
		want         uint64
		lo, hi       uint64 // every hit's PMID in [lo, hi)
	}{
		{"week 2 exactly", w2, w2, 15, 100, 200},
		{"up to week 2", time.Time{}, w2, 35, 1, 200},
		{"week 2 on", w2, time.Time{}, 25, 100, 300},
		{"until just before week 2", time.Time{}, w2.Add(-time.Nanosecond), 20, 1, 100},
		{"since just after week 2", w2.Add(time.Nanosecond), w3, 10, 200, 300},
	}
	// In order, so each search could be served from the one before it.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Request{AddedSince: tt.since, AddedUntil: tt.until, Size: MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tt.want {
				t.Errorf("Total = %d, want %d", res.Total, tt.want)
			}
			for _, h := range res.Hits {
				if h.PMID < tt.lo || h.PMID >= tt.hi {
					t.Errorf("hit %d is outside the window", h.PMID)
				}
			}
		})
	}
}

package crawler

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// ncbiDate is how esearch takes mindate and maxdate.
const ncbiDate = "2006/01/02"

// window is a run of whole days, Min to Max inclusive (midnight UTC each).
type window struct {
	Min, Max time.Time
}

func (w window) String() string {
	return w.Min.Format(ncbiDate) + "-" + w.Max.Format(ncbiDate)
}

// days is how many days the window spans.
func (w window) days() int {
	return int(w.Max.Sub(w.Min).Hours()/24) + 1
}

// halve splits the window into two of (nearly) equal days, earlier first.
// It must not be called on a one-day window.
func (w window) halve() (window, window) {
	mid := w.Min.AddDate(0, 0, w.days()/2-1)
	return window{w.Min, mid}, window{mid.AddDate(0, 0, 1), w.Max}
}

// fingerprint identifies an id list, so a resumed window can tell whether
// the search still lists the same ids in the same order.
func fingerprint(ids []uint64) string {
	h := sha256.New()
	var b [8]byte
	for _, id := range ids {
		binary.BigEndian.PutUint64(b[:], id)
		h.Write(b[:])
	}
	return fmt.Sprintf("%d:%s", len(ids), hex.EncodeToString(h.Sum(nil)[:12]))
}

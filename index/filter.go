package index

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// filter returns the rows r's filters keep (OR within a field, AND across
// fields), or nil when r has no filter. Unknown values keep nothing.
func (t *table) filter(d *docs, r *Request) bitset {
	var out bitset
	and := func(b bitset) {
		if out == nil {
			out = newBitset(t.n)
			copy(out, t.live)
		}
		out.and(b)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	anyOf := func(c cat, vals []string) {
		var u bitset
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if u == nil {
				u = newBitset(t.n)
			}
			if id, ok := d.cats[c].ids[v]; ok && int(id) < len(t.cats[c]) {
				u.or(t.cats[c][id])
			}
		}
		if u != nil {
			and(u)
		}
	}
	if r.Focus {
		anyOf(catFocusCondition, r.Conditions)
		anyOf(catFocusMechanism, r.Mechanisms)
	} else {
		anyOf(catCondition, r.Conditions)
		anyOf(catMechanism, r.Mechanisms)
	}
	anyOf(catEvidence, r.Evidence)
	anyOf(catSpecies, r.Species)
	anyOf(catLanguage, lowered(r.Languages))
	anyOf(catArticleType, r.ArticleTypes)
	anyOf(catAge, r.AgeGroups)

	var tasets []bool
	for _, j := range r.Journals {
		j = strings.ToLower(strings.TrimSpace(j))
		if j == "" {
			continue
		}
		if tasets == nil {
			tasets = make([]bool, len(d.tasets.names))
		}
		for _, id := range d.taNames[j] {
			if int(id) < len(tasets) {
				tasets[id] = true
			}
		}
	}
	if tasets != nil {
		and(scanIDs(t, t.taset, tasets))
	}

	if r.From > 0 || r.To > 0 {
		years := make([]bool, len(d.years.names))
		for id, name := range d.years.names {
			y, err := strconv.Atoi(name)
			years[id] = err == nil && y > 0 && (r.From == 0 || y >= r.From) && (r.To == 0 || y <= r.To)
		}
		and(scanIDs(t, t.yearID, years))
	}
	if r.ExcludeRetracted {
		if out == nil {
			out = newBitset(t.n)
			copy(out, t.live)
		}
		out.andNot(t.retracted)
	}
	if r.OnlyRetracted {
		and(t.retracted)
	}
	if r.FreeFullText {
		and(t.freeAt(r.FreeAt))
	}
	if !r.AddedSince.IsZero() || !r.AddedUntil.IsZero() {
		since, until := int64(math.MinInt64), int64(math.MaxInt64)
		if !r.AddedSince.IsZero() {
			since = clampDate(r.AddedSince).UnixNano()
		}
		if !r.AddedUntil.IsZero() {
			until = clampDate(r.AddedUntil).UnixNano()
		}
		out2 := newBitset(t.n)
		for row, a := range t.added {
			if a != noAdded && a >= since && a <= until {
				out2.set(int32(row))
			}
		}
		and(out2)
	}
	return out
}

// freeAt returns the rows whose PMC copy is free to read at `at`.
func (t *table) freeAt(at time.Time) bitset {
	ns := clampDate(at).UnixNano()
	out := newBitset(t.n)
	for row, from := range t.freeFrom {
		if from != noFree && from <= ns {
			out.set(int32(row))
		}
	}
	return out
}

// scanIDs returns the rows whose id in col is one of those marked in keep
// (and with it the dead rows whose id is, which the caller's AND with the
// live rows drops).
func scanIDs[ID uint16 | uint32](t *table, col []ID, keep []bool) bitset {
	out := newBitset(t.n)
	for row, id := range col {
		if int(id) < len(keep) && keep[id] {
			out.set(int32(row))
		}
	}
	return out
}

// lowered is vals in lower case: language codes come as "ENG" too.
func lowered(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.ToLower(v)
	}
	return out
}

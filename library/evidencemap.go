package library

import (
	"context"
	"math"
	"sync"
	"time"

	"villi/index"
	"villi/taxonomy"
)

// EvidenceMap is the condition × mechanism grid the home page draws: how
// many records each cell holds, how busy it is relative to the busiest, and
// the strongest evidence in it.
type EvidenceMap struct {
	// Total is the number of records in the library.
	Total uint64
	// Mechanisms are the columns' mechanism slugs, in taxonomy order.
	Mechanisms []string
	// Rows are one per condition, in taxonomy order.
	Rows []MapRow
	// Levels are the evidence levels some cell shows as its strongest,
	// strongest first (a legend needs no others).
	Levels []string
}

// MapRow is one condition's row of the evidence map.
type MapRow struct {
	Condition string // slug
	Count     int    // records about the condition (its focus)
	Cells     []MapCell
}

// MapCell is one condition × mechanism search over the records' focus: how
// many records are about both, how dense
// that is relative to the busiest cell (Heat 0–5), and the strongest
// evidence level among them ("" for an empty cell).
type MapCell struct {
	Mechanism string
	Count     int
	Heat      int
	Strongest string
}

// mapCache keeps the last evidence map with the store sequence it reflects.
type mapCache struct {
	mu    sync.Mutex
	seq   uint64
	built time.Time
	m     *EvidenceMap
}

// EvidenceMap returns the evidence map. Building it takes a few dozen
// searches, so it is cached: reused while the library is unchanged, and for
// up to maxStale while the library keeps changing (a crawl in progress).
// The returned map is shared; callers must not modify it.
func (l *Library) EvidenceMap(ctx context.Context, maxStale time.Duration) (*EvidenceMap, error) {
	c := &l.evidence
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, err := l.st.LastSeq()
	if err != nil {
		return nil, err
	}
	if c.m != nil && (c.seq == seq || time.Since(c.built) < maxStale) {
		return c.m, nil
	}
	m, err := l.buildEvidenceMap(ctx)
	if err != nil {
		return nil, err
	}
	c.m, c.seq, c.built = m, seq, time.Now()
	return m, nil
}

// buildEvidenceMap counts each condition's records by mechanism (one faceted
// search per condition) and finds each busy cell's strongest evidence (one
// evidence-sorted search of one hit per cell).
func (l *Library) buildEvidenceMap(ctx context.Context) (*EvidenceMap, error) {
	all, err := l.ix.Search(ctx, index.Request{Size: 1})
	if err != nil {
		return nil, err
	}
	m := &EvidenceMap{Total: all.Total}
	mechs := l.tax.Mechanisms()
	for _, mech := range mechs {
		m.Mechanisms = append(m.Mechanisms, mech.Slug)
	}
	most := 0
	for _, cond := range l.tax.Conditions() {
		// The map counts what records are about (their focus): a
		// celiac record that mentions gluten in passing is no celiac ×
		// remove study.
		res, err := l.ix.Search(ctx, index.Request{Conditions: []string{cond.Slug}, Focus: true, Size: 1, Facets: true})
		if err != nil {
			return nil, err
		}
		counts := map[string]int{}
		for _, fc := range res.Facets[index.FacetMechanisms] {
			counts[fc.Value] = fc.Count
		}
		row := MapRow{Condition: cond.Slug, Count: int(res.Total)}
		for _, mech := range mechs {
			cell := MapCell{Mechanism: mech.Slug, Count: counts[mech.Slug]}
			if cell.Count > 0 {
				top, err := l.Search(ctx, index.Request{Conditions: []string{cond.Slug}, Mechanisms: []string{mech.Slug},
					Focus: true, Sort: index.SortEvidence, Size: 1})
				if err != nil {
					return nil, err
				}
				if len(top.Hits) > 0 {
					cell.Strongest = top.Hits[0].Evidence
				}
			}
			most = max(most, cell.Count)
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	shown := map[string]bool{}
	for i := range m.Rows {
		for j := range m.Rows[i].Cells {
			c := &m.Rows[i].Cells[j]
			c.Heat = heat(c.Count, most)
			shown[c.Strongest] = true
		}
	}
	for _, level := range taxonomy.EvidenceLevels() {
		if shown[level] {
			m.Levels = append(m.Levels, level)
		}
	}
	return m, nil
}

// heat places a count on a 0–5 scale, logarithmically, relative to the
// busiest cell: 0 is none, 5 the busiest.
func heat(n, most int) int {
	if n <= 0 || most <= 0 {
		return 0
	}
	if most == 1 {
		return 5
	}
	h := 1 + int(4*math.Log1p(float64(n))/math.Log1p(float64(most))+0.5)
	return min(max(h, 1), 5)
}

package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"villi/index"
	"villi/taxonomy"
)

// homePage is home.html's data.
type homePage struct {
	layout
	Status Status
	*homeStats
}

// homeStats are the home page's counts, evidence map and lists. Building
// them takes a few dozen searches, so they are cached while the library is
// unchanged (and for a TTL while a crawl keeps changing it).
type homeStats struct {
	seq   uint64
	built time.Time

	Total      uint64
	Conditions []chip
	Map        evidenceMap
	Reviews    []hitView // newest meta-analyses and systematic reviews
	Trials     []hitView // newest randomised controlled trials
}

// chip is a labelled search link with a count.
type chip struct {
	Label, Title, URL string
	Count             int
}

// evidenceMap is the condition × mechanism grid.
type evidenceMap struct {
	Mechanisms []chip
	Rows       []mapRow
	Levels     []string // the evidence levels the cells' badges show, strongest first, for the legend
}

type mapRow struct {
	Condition chip
	Cells     []mapCell
}

// mapCell is one condition × mechanism search: how many records, how dense
// that is relative to the busiest cell (Heat 0–5), and the strongest evidence.
type mapCell struct {
	Count     int
	Heat      int
	Strongest string
	URL       string
	Title     string
}

type homeCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	stats *homeStats
}

func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	st, err := s.status()
	if err != nil {
		s.log.Error("home: status", "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "The library could not be read; the error has been logged.", nil)
		return
	}
	stats, err := s.homeStats(r.Context())
	if err != nil {
		if r.Context().Err() == nil {
			s.log.Error("home: stats", "err", err)
		}
		s.renderError(w, r, http.StatusInternalServerError, "The library could not be searched; the error has been logged.", nil)
		return
	}
	s.render(w, r, http.StatusOK, "home", &homePage{layout: layout{Title: "Evidence library"}, Status: st, homeStats: stats})
}

// homeStats returns the cached stats, rebuilding them when the store has
// changed and the cached ones are older than the TTL.
func (s *server) homeStats(ctx context.Context) (*homeStats, error) {
	c := s.home
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, err := s.lib.Store.LastSeq()
	if err != nil {
		return nil, err
	}
	if c.stats != nil && (c.stats.seq == seq || time.Since(c.stats.built) < c.ttl) {
		return c.stats, nil
	}
	st, err := s.buildHomeStats(ctx)
	if err != nil {
		return nil, err
	}
	st.seq, st.built = seq, time.Now()
	c.stats = st
	return st, nil
}

func (s *server) buildHomeStats(ctx context.Context) (*homeStats, error) {
	st := &homeStats{}
	all, err := s.lib.Search(ctx, index.Request{Size: 1, Facets: true})
	if err != nil {
		return nil, err
	}
	st.Total = all.Total
	condCount := map[string]int{}
	for _, fc := range all.Facets[index.FacetConditions] {
		condCount[fc.Value] = fc.Count
	}
	for _, c := range s.tax.Conditions() {
		st.Conditions = append(st.Conditions, chip{Label: s.label(fieldCondition, c.Slug), Title: c.Label,
			URL: searchParams{Conditions: []string{c.Slug}}.url("/search"), Count: condCount[c.Slug]})
	}
	if st.Map, err = s.buildEvidenceMap(ctx); err != nil {
		return nil, err
	}
	reviews, err := s.lib.Search(ctx, index.Request{Evidence: []string{"meta-analysis", "systematic-review"}, Sort: index.SortDate, Size: 5})
	if err != nil {
		return nil, err
	}
	st.Reviews = s.hitViews(reviews.Hits)
	trials, err := s.lib.Search(ctx, index.Request{Evidence: []string{"rct"}, Sort: index.SortDate, Size: 5})
	if err != nil {
		return nil, err
	}
	st.Trials = s.hitViews(trials.Hits)
	return st, nil
}

// buildEvidenceMap counts each condition's records by mechanism (one faceted
// search per condition) and finds each busy cell's strongest evidence (one
// evidence-sorted search of one hit per cell).
func (s *server) buildEvidenceMap(ctx context.Context) (evidenceMap, error) {
	var m evidenceMap
	mechs := s.tax.Mechanisms()
	for _, mech := range mechs {
		m.Mechanisms = append(m.Mechanisms, chip{Label: s.label(fieldTopic, mech.Slug), Title: mech.Label,
			URL: searchParams{Mechanisms: []string{mech.Slug}}.url("/search")})
	}
	most := 0
	for _, cond := range s.tax.Conditions() {
		res, err := s.lib.Search(ctx, index.Request{Conditions: []string{cond.Slug}, Size: 1, Facets: true})
		if err != nil {
			return m, err
		}
		counts := map[string]int{}
		for _, fc := range res.Facets[index.FacetMechanisms] {
			counts[fc.Value] = fc.Count
		}
		row := mapRow{Condition: chip{Label: s.label(fieldCondition, cond.Slug), Title: cond.Label,
			URL: searchParams{Conditions: []string{cond.Slug}}.url("/search"), Count: int(res.Total)}}
		for _, mech := range mechs {
			p := searchParams{Conditions: []string{cond.Slug}, Mechanisms: []string{mech.Slug}}
			cell := mapCell{Count: counts[mech.Slug], URL: p.url("/search")}
			if cell.Count > 0 {
				top, err := s.lib.Search(ctx, index.Request{Conditions: p.Conditions, Mechanisms: p.Mechanisms, Sort: index.SortEvidence, Size: 1})
				if err != nil {
					return m, err
				}
				if len(top.Hits) > 0 {
					cell.Strongest = top.Hits[0].Evidence
				}
			}
			cell.Title = fmt.Sprintf("%s × %s: %s", row.Condition.Label, s.label(fieldTopic, mech.Slug), plural(cell.Count, "record"))
			if cell.Strongest != "" {
				cell.Title += ", strongest evidence: " + taxonomy.EvidenceLabel(cell.Strongest)
			}
			most = max(most, cell.Count)
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	shown := map[string]bool{}
	for i := range m.Rows {
		for j := range m.Rows[i].Cells {
			m.Rows[i].Cells[j].Heat = heat(m.Rows[i].Cells[j].Count, most)
			shown[m.Rows[i].Cells[j].Strongest] = true
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

package web

import (
	"context"
	"fmt"
	"net/http"

	"villi/library"
	"villi/taxonomy"
)

// homePage is home.html's data.
type homePage struct {
	layout
	Status library.Status

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

// evidenceMap is library.EvidenceMap with labels and links.
type evidenceMap struct {
	Mechanisms []chip
	Rows       []mapRow
	Levels     []string // the evidence levels the cells' badges show, strongest first, for the legend
}

type mapRow struct {
	Condition chip
	Cells     []mapCell
}

type mapCell struct {
	Count     int
	Heat      int
	Strongest string
	URL       string
	Title     string
}

func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	st, err := s.status()
	if err != nil {
		s.log.Error("home: status", "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "The library could not be read; the error has been logged.", nil)
		return
	}
	d := &homePage{layout: layout{Title: "Evidence library"}, Status: st}
	if err := s.fillHome(r.Context(), d); err != nil {
		if r.Context().Err() == nil {
			s.log.Error("home: stats", "err", err)
		}
		s.renderError(w, r, http.StatusInternalServerError, "The library could not be searched; the error has been logged.", nil)
		return
	}
	s.render(w, r, http.StatusOK, "home", d)
}

// fillHome adds the library's evidence map (cached by the library) and the
// newest strong evidence to the home page.
func (s *server) fillHome(ctx context.Context, d *homePage) error {
	em, err := s.lib.EvidenceMap(ctx, s.homeTTL)
	if err != nil {
		return err
	}
	d.Total = em.Total
	d.Map = s.evidenceMapView(em)
	for _, row := range d.Map.Rows {
		d.Conditions = append(d.Conditions, row.Condition)
	}
	reviews, err := s.lib.Search(ctx, library.Request{Evidence: []string{"meta-analysis", "systematic-review"}, Sort: library.SortDate, Size: 5})
	if err != nil {
		return err
	}
	d.Reviews = s.hitViews(reviews.Hits)
	trials, err := s.lib.Search(ctx, library.Request{Evidence: []string{"rct"}, Sort: library.SortDate, Size: 5})
	if err != nil {
		return err
	}
	d.Trials = s.hitViews(trials.Hits)
	return nil
}

// evidenceMapView labels the map's rows, columns and cells and links each
// to its search.
func (s *server) evidenceMapView(em *library.EvidenceMap) evidenceMap {
	m := evidenceMap{Levels: em.Levels}
	for _, mech := range em.Mechanisms {
		t, _ := s.tax.Mechanism(mech)
		m.Mechanisms = append(m.Mechanisms, chip{Label: s.label(fieldTopic, mech), Title: t.Label,
			URL: searchParams{Mechanisms: []string{mech}}.url("/search")})
	}
	for _, r := range em.Rows {
		t, _ := s.tax.Condition(r.Condition)
		row := mapRow{Condition: chip{Label: s.label(fieldCondition, r.Condition), Title: t.Label,
			URL: searchParams{Conditions: []string{r.Condition}, Focus: true}.url("/search"), Count: r.Count}}
		for _, c := range r.Cells {
			// The map counts records by their focus; the cell opens those.
			cell := mapCell{Count: c.Count, Heat: c.Heat, Strongest: c.Strongest,
				URL: searchParams{Conditions: []string{r.Condition}, Mechanisms: []string{c.Mechanism}, Focus: true}.url("/search")}
			cell.Title = fmt.Sprintf("%s × %s: %s", row.Condition.Label, s.label(fieldTopic, c.Mechanism), plural(c.Count, "record"))
			if c.Strongest != "" {
				cell.Title += ", strongest evidence: " + taxonomy.EvidenceLabel(c.Strongest)
			}
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

package web

import (
	"encoding/xml"
	"html"
	"net/http"
	"slices"
	"strconv"
	"time"

	"villi/library"
	"villi/taxonomy"
)

// feedSize is how many entries a feed carries unless size= says otherwise.
const feedSize = 50

// Atom 1.0 (RFC 4287) elements, as much of them as a search feed needs.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	ID        string      `xml:"id"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Updated    string         `xml:"updated"`
	Links      []atomLink     `xml:"link"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// handleAtom serves a search as an Atom feed, newest publications first, so
// a feed reader can follow a query.
func (s *server) handleAtom(w http.ResponseWriter, r *http.Request) {
	p, err := s.parseSearch(r.URL.RawQuery, false)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	if !sizeGiven(r) {
		p.Size = feedSize
	}
	p.Sort, p.Page, p.Cursor = library.SortDate, 1, ""
	// A feed follows its query exactly: a reader cannot show "Showing
	// results for", so spelling correction would change what it follows
	// without a word (the search page's feed link carries the correction).
	req := p.request(false)
	req.NoCorrect = true
	res, err := s.lib.Search(r.Context(), req)
	if err != nil {
		s.searchFailed(w, r, err)
		return
	}
	page := p.clone()
	page.Sort, page.Size = "", library.DefaultSize
	feed := atomFeed{
		Title:     "villi: " + feedTitle(s, p),
		Subtitle:  "Newest PubMed records for this search, from a villi evidence library",
		ID:        s.absURL(r, page.url("/search")),
		Generator: "villi",
		Author:    atomPerson{Name: "villi"},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: s.absURL(r, r.URL.RequestURI())},
			{Rel: "alternate", Type: "text/html", Href: s.absURL(r, page.url("/search"))},
		},
	}
	var newest time.Time
	for _, h := range res.Hits {
		pmid := strconv.FormatUint(h.PMID, 10)
		updated := h.Record.Updated
		if updated.After(newest) {
			newest = updated
		}
		e := atomEntry{
			Title:   h.Title,
			ID:      "https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/",
			Updated: updated.UTC().Format(time.RFC3339),
			Links: []atomLink{
				{Rel: "alternate", Type: "text/html", Href: s.absURL(r, "/articles/"+pmid)},
				{Rel: "related", Type: "text/html", Href: "https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/"},
			},
			Summary: atomText{Type: "html", Body: entrySummary(h.Journal, h.Year, h.Evidence, slices.Contains(h.Provisional, h.Evidence), h.Retracted, h.Snippet)},
		}
		if e.Title == "" {
			e.Title = "PMID " + pmid
		}
		for _, a := range h.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: a})
		}
		for _, c := range h.Conditions {
			e.Categories = append(e.Categories, atomCategory{Term: c, Label: provLabel(s.label(fieldCondition, c), c, h.Provisional)})
		}
		for _, m := range h.Mechanisms {
			e.Categories = append(e.Categories, atomCategory{Term: m, Label: provLabel(s.label(fieldTopic, m), m, h.Provisional)})
		}
		e.Categories = append(e.Categories, atomCategory{Term: h.Evidence, Label: provLabel(taxonomy.EvidenceLabel(h.Evidence), h.Evidence, h.Provisional)})
		feed.Entries = append(feed.Entries, e)
	}
	if newest.IsZero() {
		newest = time.Now()
	}
	feed.Updated = newest.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		s.log.Error("atom feed", "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "The feed could not be written; the error has been logged.", nil)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write([]byte(xml.Header))
	w.Write(out)
	w.Write([]byte{'\n'})
}

// provLabel is a feed category's label, marked when the tag is villi's
// guess (see tagChip).
func provLabel(label, slug string, provisional []string) string {
	if slices.Contains(provisional, slug) {
		return label + " (provisional)"
	}
	return label
}

func sizeGiven(r *http.Request) bool { return r.URL.Query().Has("size") }

// feedTitle describes the search in words.
func feedTitle(s *server, p searchParams) string {
	t := p.Q
	for _, f := range []string{fieldCondition, fieldTopic, fieldEvidence, fieldSpecies} {
		for _, v := range *p.field(f) {
			if t != "" {
				t += " · "
			}
			t += s.label(f, v)
		}
	}
	if p.From > 0 || p.To > 0 {
		if t != "" {
			t += " · "
		}
		t += yearRange(p.From, p.To)
	}
	if t == "" {
		return "all records"
	}
	return t
}

// entrySummary is an entry's HTML summary: the source, the evidence level
// (saying so when it is villi's guess), a retraction warning and the
// highlighted key sentence (already safe HTML).
func entrySummary(journal string, year int, evidence string, provisional, retracted bool, snippet string) string {
	s := "<p>" + html.EscapeString(journal)
	if year > 0 {
		s += ", " + strconv.Itoa(year)
	}
	s += " · " + html.EscapeString(taxonomy.EvidenceLabel(evidence))
	if provisional {
		s += " (provisional: villi's guess from the title and abstract; NLM has not indexed this record yet)"
	}
	s += "</p>"
	if retracted {
		s += "<p><strong>Retracted publication.</strong></p>"
	}
	if snippet != "" {
		s += "<p>" + snippet + "</p>"
	}
	return s
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"villi/account"
	"villi/library"
	"villi/store"
)

// searchPage is search.html's data.
type searchPage struct {
	layout
	P      searchParams
	Res    *library.SearchResult
	Hits   []hitView
	Facets []facetGroup
	// FreeFullText is the count of hits free to read at PMC, for the
	// filter's checkbox.
	FreeFullText int
	Active       []link // active filters; each URL removes its filter
	ClearURL     string
	Filtered     bool
	Sorts        []link
	Chart        *yearChart
	Pager        pager
	First, Last  int // 1-based positions of the hits shown
	// DigestURL pre-fills the digest sign-up with this search's query,
	// conditions and mechanisms; empty when the server sends no mail.
	DigestURL string
	// PastEnd links back to the first page when the asked-for page lies
	// beyond the last one of a search that has records.
	PastEnd string
	// Collect is the form that adds ticked hits to a collection; nil for
	// a visitor.
	Collect *collectForm

	// Retracted is the count of retracted hits; RetractedChoices the
	// retracted filter's options.
	Retracted        int
	RetractedChoices []facetValue
	// History is this browser session's searches, newest first.
	History []historyEntry
	// Spelling is set when spelling correction searched another query.
	Spelling *spelling
}

// collectForm is the search page's "add selected to a collection" form.
type collectForm struct {
	Collections []store.Collection
	Next        string // this page, to come back to
}

// hitView is one result with its links.
type hitView struct {
	library.Hit
	URL string
	// Conditions and Mechanisms are the chips: the record's focus, what
	// it is about (issue 13); its mentions show on the article page.
	Conditions []tagChip
	Mechanisms []tagChip
	Badges     badges
}

// link is a labelled URL; Current marks the one in effect.
type link struct {
	Label, URL string
	Current    bool
}

type facetGroup struct {
	Name, Label string
	Values      []facetValue
	// More are the values past the first few of a long facet (journals),
	// folded away.
	More []facetValue
}

// facetShown is how many values of a long facet show before "more".
const facetShown = 8

type facetValue struct {
	Value, Label string
	Count        int
	Checked      bool
}

func (s *server) handleSearch(w http.ResponseWriter, r *http.Request) {
	p, err := s.parseSearch(r.URL.RawQuery, false)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	hid := s.ensureHistoryID(w, r)
	req, err := s.withHistory(p, hid)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	res, err := s.lib.Search(r.Context(), req)
	if err != nil {
		s.searchFailed(w, r, err)
		return
	}
	spell := spellingNote(&p, res)
	expanded := req.Q
	if spell != nil {
		// The history keeps what was searched: the correction.
		expanded = res.Corrected
	}
	s.record(hid, p, expanded, res)
	d := searchPage{
		layout: layout{Title: searchTitle(p), Q: p.Q, AtomURL: p.clone().url("/search.atom")},
		P:      p,
		Res:    res,
	}
	d.Spelling = spell
	d.Hits = s.hitViews(res.Hits)
	d.Facets = s.facetGroups(p, res.Facets)
	for _, fc := range res.Facets[library.FacetFreeFullText] {
		if fc.Value == library.FreeFullTextValue {
			d.FreeFullText = fc.Count
		}
	}
	for _, fc := range res.Facets[library.FacetRetracted] {
		d.Retracted = fc.Count
	}
	d.RetractedChoices = []facetValue{
		{Value: "", Label: "Include retracted records", Checked: p.Retracted == ""},
		{Value: "exclude", Label: "Leave them out", Checked: p.Retracted == "exclude"},
		{Value: "only", Label: "Only retracted records", Count: d.Retracted, Checked: p.Retracted == "only"},
	}
	d.History = s.hist.entries(hid, time.Now())
	d.Active, d.ClearURL = s.activeFilters(p)
	d.Filtered = p.filtered()
	d.Sorts = sortLinks(p, res)
	d.Chart = newYearChart(p, res.Facets[library.FacetYear])
	d.Pager = newPager(p, res)
	if s.digest != nil {
		d.DigestURL = digestURL(p)
	}
	if len(res.Hits) > 0 {
		d.First = (p.Page-1)*p.Size + 1
		d.Last = d.First + len(res.Hits) - 1
	} else if res.Total > 0 {
		first := p.clone()
		first.Page, first.Cursor = 1, ""
		d.PastEnd = first.url("/search")
	}
	if u, ok := account.CurrentUser(r); ok && len(res.Hits) > 0 {
		cs, err := s.colls.List(r.Context(), u)
		if err != nil {
			s.log.Error("search: list collections", "err", err)
		}
		d.Collect = &collectForm{Collections: cs, Next: r.URL.RequestURI()}
	}
	s.render(w, r, http.StatusOK, "search", &d)
}

// searchFailed answers a failed search: the person's to fix (400, with the
// syntax error shown where it is one) or ours (500, logged).
func (s *server) searchFailed(w http.ResponseWriter, r *http.Request, err error) {
	if isBadInput(err) {
		s.renderError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	s.log.Error("search", "query", clipForLog(r.URL.RawQuery), "err", err)
	s.renderError(w, r, http.StatusInternalServerError, "The search failed on our side; the error has been logged. Try again in a moment.", nil)
}

func searchTitle(p searchParams) string {
	if p.Q != "" {
		return p.Q + " — search"
	}
	return "Search"
}

func (s *server) hitViews(hits []library.Hit) []hitView {
	out := make([]hitView, len(hits))
	for i, h := range hits {
		v := hitView{Hit: h, URL: "/articles/" + strconv.FormatUint(h.PMID, 10)}
		v.Conditions, v.Mechanisms = s.tagChips(h.Focus.Conditions, h.Focus.Mechanisms, true, h.Provisional)
		v.Badges = badgesOf(h.Evidence, h.Species, h.Provisional)
		out[i] = v
	}
	return out
}

// facetGroups lists each facet's values with counts; a selected value stays
// listed (checked) even when the current hits no longer carry it.
func (s *server) facetGroups(p searchParams, facets map[string][]library.FacetCount) []facetGroup {
	groups := []struct{ field, facet, label string }{
		{fieldCondition, library.FacetConditions, "Condition"},
		{fieldTopic, library.FacetMechanisms, "Mechanism"},
		{fieldEvidence, library.FacetEvidence, "Evidence"},
		{fieldArticleType, library.FacetArticleType, "Article type"},
		{fieldSpecies, library.FacetSpecies, "Species"},
		{fieldAge, library.FacetAge, "Age (MeSH)"},
		{fieldLanguage, library.FacetLanguage, "Language"},
		{fieldJournal, library.FacetJournal, "Journal"},
	}
	var out []facetGroup
	for _, g := range groups {
		fg := facetGroup{Name: g.field, Label: g.label}
		seen := map[string]bool{}
		for _, fc := range facets[g.facet] {
			seen[fc.Value] = true
			fg.Values = append(fg.Values, facetValue{Value: fc.Value, Label: s.label(g.field, fc.Value), Count: fc.Count, Checked: p.has(g.field, fc.Value)})
		}
		for _, v := range *p.field(g.field) {
			if !seen[v] {
				fg.Values = append(fg.Values, facetValue{Value: v, Label: s.label(g.field, v), Checked: true})
			}
		}
		if len(fg.Values) > facetShown {
			// Checked values stay in sight.
			var shown, more []facetValue
			for i, v := range fg.Values {
				if i < facetShown || v.Checked {
					shown = append(shown, v)
				} else {
					more = append(more, v)
				}
			}
			fg.Values, fg.More = shown, more
		}
		if len(fg.Values) > 0 {
			out = append(out, fg)
		}
	}
	return out
}

// activeFilters returns a chip per filter in effect, each linking to the same
// search without it, and the URL that keeps only the query.
func (s *server) activeFilters(p searchParams) ([]link, string) {
	var chips []link
	for _, field := range []string{fieldCondition, fieldTopic, fieldEvidence, fieldArticleType, fieldSpecies, fieldAge, fieldLanguage, fieldJournal} {
		for _, v := range *p.field(field) {
			chips = append(chips, link{Label: s.label(field, v), URL: p.without(field, v).url("/search")})
		}
	}
	if p.From > 0 || p.To > 0 {
		c := p.clone()
		c.From, c.To = 0, 0
		chips = append(chips, link{Label: yearRange(p.From, p.To), URL: c.url("/search")})
	}
	if p.FreeFullText {
		c := p.clone()
		c.FreeFullText = false
		chips = append(chips, link{Label: "Free full text (PMC)", URL: c.url("/search")})
	}
	if p.Focus {
		c := p.clone()
		c.Focus = false
		chips = append(chips, link{Label: "About these, not mentioning them", URL: c.url("/search")})
	}
	if p.Retracted != "" {
		c := p.clone()
		c.Retracted = ""
		label := "Without retracted records"
		if p.Retracted == "only" {
			label = "Retracted records only"
		}
		chips = append(chips, link{Label: label, URL: c.url("/search")})
	}
	clear := searchParams{Q: p.Q, Sort: p.Sort, Size: p.Size}
	return chips, clear.url("/search")
}

func yearRange(from, to int) string {
	switch {
	case from > 0 && to > 0 && from == to:
		return strconv.Itoa(from)
	case from > 0 && to > 0:
		return strconv.Itoa(from) + "–" + strconv.Itoa(to)
	case from > 0:
		return "since " + strconv.Itoa(from)
	default:
		return "until " + strconv.Itoa(to)
	}
}

// sortLinks offers the sorts, marking the one the results are in
// (res.Sort): without a query there is nothing to rank by relevance, the
// index lists newest first, and the control says so rather than offer
// relevance.
func sortLinks(p searchParams, res *library.SearchResult) []link {
	sorts := []struct{ value, applied, label string }{
		{"", library.SortRelevance, "Relevance"}, {library.SortDate, library.SortDate, "Newest"},
		{library.SortEvidence, library.SortEvidence, "Strongest evidence"},
	}
	var out []link
	for _, so := range sorts {
		if so.value == "" && res.SearchedAs == "" {
			continue
		}
		c := p.clone()
		c.Sort = so.value
		out = append(out, link{Label: so.label, URL: c.url("/search"), Current: res.Sort == so.applied})
	}
	return out
}

// pager holds the pagination links.
type pager struct {
	Prev, Next string
	Pages      []pageLink
}

// pageLink is a numbered page; GapBefore marks pages skipped before it.
type pageLink struct {
	link
	GapBefore bool
}

// newPager links nearby pages by number while they stay within the index's
// offset limit, and the next page by cursor beyond it.
func newPager(p searchParams, res *library.SearchResult) pager {
	var pg pager
	at := func(n int) string {
		c := p.clone()
		c.Page = n
		return c.url("/search")
	}
	maxPage := library.MaxOffset / p.Size
	last := min(int((res.Total+uint64(p.Size)-1)/uint64(p.Size)), maxPage)
	if p.Page > 1 && p.Cursor == "" {
		pg.Prev = at(p.Page - 1)
	}
	switch {
	case res.Next == "":
	case p.Page+1 <= maxPage && p.Cursor == "":
		pg.Next = at(p.Page + 1)
	default:
		c := p.clone()
		c.Cursor, c.Page = res.Next, p.Page+1
		pg.Next = c.url("/search")
	}
	if last <= 1 || p.Cursor != "" {
		return pg
	}
	lo, hi := max(1, p.Page-2), min(last, p.Page+2)
	add := func(n int) {
		gap := len(pg.Pages) > 0 && pg.Pages[len(pg.Pages)-1].Label != strconv.Itoa(n-1)
		pg.Pages = append(pg.Pages, pageLink{link{Label: strconv.Itoa(n), URL: at(n), Current: n == p.Page}, gap})
	}
	if lo > 1 {
		add(1)
	}
	for n := lo; n <= hi; n++ {
		add(n)
	}
	if hi < last {
		add(last)
	}
	return pg
}

// digestURL is the sign-up page pre-filled with what a weekly digest of this
// search can follow: the query, conditions and mechanisms.
func digestURL(p searchParams) string {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	v["condition"] = p.Conditions
	v["mechanism"] = p.Mechanisms
	if q := v.Encode(); q != "" {
		return "/subscribe?" + q
	}
	return "/subscribe"
}

package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	blevequery "github.com/blevesearch/bleve/v2/search/query"

	"villi/query"
)

// ErrBadRequest is wrapped by every error Search returns for input a person
// can fix: an unknown sort, a size out of range, a bad cursor or a query
// syntax error (whose *query.SyntaxError, with its position, stays reachable
// through errors.As).
var ErrBadRequest = errors.New("bad search request")

// Paging limits.
const (
	DefaultSize = 20
	MaxSize     = 100
	// MaxOffset bounds page-number paging; deeper pages use the Next cursor,
	// which costs the same at any depth.
	MaxOffset = 10000
)

// Sort orders.
const (
	SortRelevance = "relevance" // score desc, then pmid
	SortDate      = "date"      // pubdate desc (newest first), then pmid
	SortEvidence  = "evidence"  // evidence_rank asc (strongest first), pubdate desc, then pmid
)

// Request is one search. The same request serves the CLI, the web UI, the
// JSON API and the digest.
type Request struct {
	// Q is a PubMed-style query (villi/query); "" lists everything matching
	// the filters.
	Q string
	// Filters: OR within a field, AND across fields. Values are slugs; a
	// journal is any of its names (MedlineTA, ISO abbreviation, title, or a
	// value of the journal facet), case-insensitive.
	Conditions, Mechanisms, Evidence, Species []string
	Journals                                  []string
	From, To                                  int // publication year range, inclusive; 0 = open
	ExcludeRetracted                          bool
	AddedSince                                time.Time // zero = any (the digest uses it)
	// Sort is "relevance" (default), "date" or "evidence". Relevance without
	// a query has nothing to rank by and lists newest first.
	Sort string
	// Page is 1-based (0 means 1); Size defaults to DefaultSize, at most
	// MaxSize. After, when set, replaces Page.
	Page, Size int
	// After is the Next cursor of a previous Result with the same Q, filters
	// and Sort: stable deep paging (search_after).
	After  []string
	Facets bool
}

// Result is one page of hits.
type Result struct {
	Total      uint64                  `json:"total"`
	SearchedAs string                  `json:"searched_as"`
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetCount `json:"facets,omitempty"`
	// Next is the cursor for the page after this one; nil on the last page.
	Next []string      `json:"next,omitempty"`
	Took time.Duration `json:"took"`
}

// Hit is one matching record; the caller loads it from the store.
type Hit struct {
	PMID uint64 `json:"pmid"`
	// Score is the relevance score; 0 under the date and evidence sorts,
	// which skip scoring.
	Score float64 `json:"score"`
	// Snippet is safe HTML: escaped text with <mark> around matched terms.
	Snippet string `json:"snippet"`
}

// FacetCount is one facet value and the number of hits that have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// sortKey is one key of a sort order.
type sortKey int

const (
	byScore sortKey = iota
	byPMID
	byPubDateDesc
	byEvidenceRank
)

func sortOrder(name string, haveQuery bool) ([]sortKey, error) {
	switch name {
	case "", SortRelevance:
		if !haveQuery {
			return []sortKey{byPubDateDesc, byPMID}, nil
		}
		return []sortKey{byScore, byPMID}, nil
	case SortDate:
		return []sortKey{byPubDateDesc, byPMID}, nil
	case SortEvidence:
		return []sortKey{byEvidenceRank, byPubDateDesc, byPMID}, nil
	}
	return nil, fmt.Errorf("%w: unknown sort %q (use relevance, date or evidence)", ErrBadRequest, name)
}

func (k sortKey) bleve() search.SearchSort {
	switch k {
	case byScore:
		return &search.SortScore{Desc: true}
	case byPubDateDesc:
		return &search.SortField{Field: fPubDate, Desc: true, Type: search.SortFieldAsDate}
	case byEvidenceRank:
		return &search.SortField{Field: fEvidRank, Type: search.SortFieldAsNumber}
	}
	// PMIDs compare as doc id strings: a total order, which is all a
	// tie-break needs.
	return &search.SortDocID{}
}

// checkCursor refuses a cursor that does not fit the sort, so a stale or
// hand-edited cursor gets a message instead of an odd page.
func checkCursor(keys []sortKey, after []string) error {
	if len(after) != len(keys) {
		return fmt.Errorf("%w: page cursor does not match the sort order; start again from page 1", ErrBadRequest)
	}
	for i, k := range keys {
		var err error
		switch k {
		case byScore, byEvidenceRank:
			var f float64
			f, err = strconv.ParseFloat(after[i], 64)
			if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				err = errors.New("not a finite number")
			}
		case byPubDateDesc:
			_, err = time.Parse(time.RFC3339Nano, after[i])
		case byPMID:
			_, err = strconv.ParseUint(after[i], 10, 64)
		}
		if err != nil {
			return fmt.Errorf("%w: bad page cursor value %q; start again from page 1", ErrBadRequest, after[i])
		}
	}
	return nil
}

// cursor is the search_after value of hit for keys.
func cursor(keys []sortKey, h *search.DocumentMatch) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		switch k {
		case byScore:
			out[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		case byPMID:
			out[i] = h.ID
		default:
			out[i] = h.DecodedSort[i]
		}
	}
	return out
}

// Search runs a request: the one search function for CLI, UI, API and
// digest. Errors for input a person can fix wrap ErrBadRequest.
func (ix *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	size, from, err := paging(r)
	if err != nil {
		return nil, err
	}
	var (
		must       blevequery.Query
		searchedAs string
	)
	haveQuery := strings.TrimSpace(r.Q) != ""
	if haveQuery {
		q, err := query.Parse(r.Q)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		if q.Empty() {
			haveQuery = false
		} else {
			must, searchedAs = q.Bleve(), q.String()
		}
	}
	if !haveQuery {
		must = blevequery.NewMatchAllQuery()
	}
	keys, err := sortOrder(r.Sort, haveQuery)
	if err != nil {
		return nil, err
	}
	if len(r.After) > 0 {
		if err := checkCursor(keys, r.After); err != nil {
			return nil, err
		}
		from = 0
	}
	filter, err := filters(r)
	if err != nil {
		return nil, err
	}
	top := must
	if filter != nil {
		// Filters narrow the hits without scoring: a record does not rank
		// higher for carrying two requested conditions.
		bq := blevequery.NewBooleanQuery([]blevequery.Query{must}, nil, nil)
		bq.AddFilter(filter)
		top = bq
	}

	// One hit more than the page tells whether a next page exists.
	sr := bleve.NewSearchRequestOptions(top, size+1, from, false)
	order := make(search.SortOrder, len(keys))
	for i, k := range keys {
		order[i] = k.bleve()
	}
	sr.SortByCustom(order)
	if keys[0] != byScore {
		// Scores would be computed for every match and then ignored.
		sr.Score = "none"
	}
	if len(r.After) > 0 {
		sr.SetSearchAfter(r.After)
	}
	if r.Facets {
		addFacets(sr)
	}

	bi, release, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	more := len(res.Hits) > size
	if more {
		res.Hits = res.Hits[:size]
	}
	snippets, err := pageSnippets(ctx, bi, res.Hits, must, haveQuery)
	if err != nil {
		return nil, err
	}

	out := &Result{
		Total:      res.Total,
		SearchedAs: searchedAs,
		Hits:       make([]Hit, 0, len(res.Hits)),
	}
	for _, h := range res.Hits {
		pmid, err := strconv.ParseUint(h.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search: document id %q is not a PMID", h.ID)
		}
		out.Hits = append(out.Hits, Hit{PMID: pmid, Score: h.Score, Snippet: snippets[h.ID]})
	}
	if more {
		out.Next = cursor(keys, res.Hits[len(res.Hits)-1])
	}
	if r.Facets {
		out.Facets = facets(res.Facets)
	}
	out.Took = time.Since(start)
	return out, nil
}

// pageSnippets builds the snippets of one page of hits in a second search
// restricted to those documents. Highlighting in the main search would make
// bleve gather term positions for every match, not just the page: that cost
// grew with the result set and dominated broad queries.
func pageSnippets(ctx context.Context, bi bleve.Index, hits []*search.DocumentMatch, must blevequery.Query, haveQuery bool) (map[string]string, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	var q blevequery.Query = blevequery.NewDocIDQuery(ids)
	if haveQuery {
		q = blevequery.NewConjunctionQuery([]blevequery.Query{q, must})
	}
	sr := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	sr.Score = "none"
	sr.Fields = []string{fConclusions, fAbstract}
	if haveQuery {
		sr.Highlight = bleve.NewHighlightWithStyle(html.Name)
		sr.Highlight.AddField(fConclusions)
		sr.Highlight.AddField(fAbstract)
	}
	res, err := bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("search snippets: %w", err)
	}
	out := make(map[string]string, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = snippet(h)
	}
	return out, nil
}

// paging validates Size and Page and returns size and offset.
func paging(r Request) (size, from int, err error) {
	size = r.Size
	switch {
	case size == 0:
		size = DefaultSize
	case size < 0 || size > MaxSize:
		return 0, 0, fmt.Errorf("%w: page size %d out of range 1–%d", ErrBadRequest, r.Size, MaxSize)
	}
	page := r.Page
	switch {
	case page == 0:
		page = 1
	case page < 0:
		return 0, 0, fmt.Errorf("%w: page %d: pages start at 1", ErrBadRequest, r.Page)
	}
	from = (page - 1) * size
	if len(r.After) == 0 && from > MaxOffset {
		return 0, 0, fmt.Errorf("%w: page %d is beyond the first %d results; follow the next-page link instead", ErrBadRequest, page, MaxOffset)
	}
	return size, from, nil
}

// filters builds the conjunction of the request's filters; nil when none.
func filters(r Request) (blevequery.Query, error) {
	var fs []blevequery.Query
	anyOf := func(field string, vals []string, lower bool) {
		var qs []blevequery.Query
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if lower {
				v = strings.ToLower(v)
			}
			if v == "" {
				continue
			}
			tq := blevequery.NewTermQuery(v)
			tq.SetField(field)
			qs = append(qs, tq)
		}
		switch len(qs) {
		case 0:
		case 1:
			fs = append(fs, qs[0])
		default:
			fs = append(fs, blevequery.NewDisjunctionQuery(qs))
		}
	}
	anyOf(fConditions, r.Conditions, false)
	anyOf(fMechanisms, r.Mechanisms, false)
	anyOf(fEvidence, r.Evidence, false)
	anyOf(fSpecies, r.Species, false)
	anyOf(fTA, r.Journals, true)

	if r.From < 0 || r.To < 0 {
		return nil, fmt.Errorf("%w: year range %d–%d: years cannot be negative", ErrBadRequest, r.From, r.To)
	}
	if r.From > 0 && r.To > 0 && r.From > r.To {
		return nil, fmt.Errorf("%w: year range %d–%d ends before it starts", ErrBadRequest, r.From, r.To)
	}
	if r.From > 0 || r.To > 0 {
		var lo, hi *float64
		if r.From > 0 {
			f := float64(r.From)
			lo = &f
		}
		if r.To > 0 {
			t := float64(r.To)
			hi = &t
		}
		incl := true
		nq := blevequery.NewNumericRangeInclusiveQuery(lo, hi, &incl, &incl)
		nq.SetField(fYear)
		fs = append(fs, nq)
	}
	if r.ExcludeRetracted {
		bq := blevequery.NewBoolFieldQuery(false)
		bq.SetField(fRetracted)
		fs = append(fs, bq)
	}
	if !r.AddedSince.IsZero() {
		incl := true
		dq := blevequery.NewDateRangeInclusiveQuery(clampDate(r.AddedSince), time.Time{}, &incl, nil)
		dq.SetField(fAdded)
		fs = append(fs, dq)
	}
	switch len(fs) {
	case 0:
		return nil, nil
	case 1:
		return fs[0], nil
	}
	return blevequery.NewConjunctionQuery(fs), nil
}

package library

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"villi/index"
	"villi/store"
	"villi/taxonomy"
)

// The search contract in the library's own names, so that the CLI, the web
// UI, the API and the digest search without importing the index. They are
// the index's own types: a field added to index.Request is here at once.
type (
	// Request is one search: query, filters, sort, page and facets.
	Request = index.Request
	// FacetCount is one facet value and the number of hits that have it.
	FacetCount = index.FacetCount
)

// Sort orders and facet names of Request and SearchResult.
const (
	SortRelevance = index.SortRelevance
	SortDate      = index.SortDate
	SortEvidence  = index.SortEvidence

	FacetConditions = index.FacetConditions
	FacetMechanisms = index.FacetMechanisms
	FacetEvidence   = index.FacetEvidence
	FacetSpecies    = index.FacetSpecies
	FacetYear       = index.FacetYear
	FacetJournal    = index.FacetJournal
	// FacetFreeFullText counts the hits free to read at PMC under the one
	// value FreeFullTextValue.
	FacetFreeFullText = index.FacetFreeFullText
	FreeFullTextValue = index.FreeFullTextValue
	// PubMed's filters: language codes, article types, MeSH age groups and
	// the retracted count (index.FacetNames lists every facet).
	FacetLanguage    = index.FacetLanguage
	FacetArticleType = index.FacetArticleType
	FacetAge         = index.FacetAge
	FacetRetracted   = index.FacetRetracted
	RetractedValue   = index.RetractedValue
)

// Page sizes and the deepest page reachable by number (deeper pages follow
// SearchResult.Next).
const (
	DefaultSize = index.DefaultSize
	MaxSize     = index.MaxSize
	MaxOffset   = index.MaxOffset
)

// ErrBadRequest wraps every search error that is the request's fault (bad
// query syntax, a page out of range): a 400, not a 500.
var ErrBadRequest = index.ErrBadRequest

// SearchResult is one page of search results with the records behind the
// hits. Its JSON is the contract of `villi search --json` and /api/v1/search.
type SearchResult struct {
	Total      uint64                  `json:"total"`
	SearchedAs string                  `json:"searched_as"`
	Sort       string                  `json:"sort"` // the order applied (index.Result.Sort)
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetCount `json:"facets,omitempty"`
	// Next is an opaque cursor for the page after this one (search_after).
	Next   string  `json:"next,omitempty"`
	TookMS float64 `json:"took_ms"`
	// CorrectedFrom is the query as typed when spelling correction searched
	// Corrected instead ("Showing results for Corrected. Search instead for
	// CorrectedFrom"); SearchedAs, Total and Hits are Corrected's. Request
	// NoCorrect searches as typed.
	CorrectedFrom string `json:"corrected_from,omitempty"`
	Corrected     string `json:"corrected,omitempty"`
}

// Hit is one search hit: the fields a result list shows, and the record.
type Hit struct {
	PMID       uint64   `json:"pmid"`
	Title      string   `json:"title"`
	Journal    string   `json:"journal"`
	Year       int      `json:"year"`
	Authors    []string `json:"authors"`
	Conditions []string `json:"conditions"`
	Mechanisms []string `json:"mechanisms"`
	// Topics repeats Mechanisms under the name the API contract (CONTRACTS.md) uses.
	Topics   []string `json:"topics"`
	Evidence string   `json:"evidence"`
	Species  string   `json:"species"`
	// Focus is the part of Conditions and Mechanisms the record is about;
	// the rest are mentions.
	Focus     taxonomy.Focus `json:"focus"`
	Retracted bool           `json:"retracted"`
	// Provisional are the tags (condition, mechanism, evidence slugs)
	// that are villi's guess on a record NLM has not indexed yet.
	Provisional []string `json:"provisional"`
	// ProvisionalWhy says why each of Provisional was given, one reason
	// each in the same order (taxonomy.Reason); empty on a record tagged
	// before villi kept reasons, until `villi retag`.
	ProvisionalWhy []taxonomy.Reason `json:"provisional_why"`
	// FreeFullText is set when the record's PMC copy is free to read
	// (pubmed.Article.FreeFullText); FullTextURL is its address.
	FreeFullText bool   `json:"free_full_text"`
	FullTextURL  string `json:"full_text_url,omitempty"`
	// Snippet is safe HTML: escaped text with <mark> around matched terms.
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score,omitempty"`

	Record *store.Record `json:"-"`
}

// CheckQuery reports whether q is a query Search accepts (syntax and tag
// slugs), without searching.
func (l *Library) CheckQuery(q string) error { return l.ix.CheckQuery(q) }

// Search runs a search and loads the records behind its hits. It is the one
// search function: CLI, web UI, JSON API and digest all call it.
func (l *Library) Search(ctx context.Context, req Request) (*SearchResult, error) {
	res, err := l.ix.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	pmids := make([]uint64, len(res.Hits))
	for i, h := range res.Hits {
		pmids[i] = h.PMID
	}
	recs, err := l.st.GetMany(pmids)
	if err != nil {
		return nil, fmt.Errorf("load hits: %w", err)
	}
	byPMID := make(map[uint64]*store.Record, len(recs))
	for i := range recs {
		byPMID[recs[i].Article.PMID] = &recs[i]
	}
	out := &SearchResult{
		Total:      res.Total,
		SearchedAs: res.SearchedAs,
		Sort:       res.Sort,
		Hits:       make([]Hit, 0, len(res.Hits)),
		Facets:     res.Facets,
		Next:       EncodeCursor(res.Next),
		TookMS:     float64(res.Took.Microseconds()) / 1000,

		CorrectedFrom: res.CorrectedFrom,
		Corrected:     res.Corrected,
	}
	freeAt := req.FreeAt
	if freeAt.IsZero() {
		freeAt = time.Now()
	}
	for _, h := range res.Hits {
		rec, ok := byPMID[h.PMID]
		if !ok {
			// Reconcile at open keeps index and store in step; a record
			// deleted between the index read and the store read is just gone.
			continue
		}
		out.Hits = append(out.Hits, newHit(rec, h, freeAt))
	}
	return out, nil
}

func newHit(rec *store.Record, h index.Hit, freeAt time.Time) Hit {
	a := &rec.Article
	journal := a.Journal.ISOAbbrev
	if journal == "" {
		journal = a.Journal.MedlineTA
	}
	if journal == "" {
		journal = a.Journal.Title
	}
	authors := make([]string, 0, len(a.Authors))
	for _, au := range a.Authors {
		switch {
		case au.CollectiveName != "":
			authors = append(authors, au.CollectiveName)
		case au.Initials != "":
			authors = append(authors, au.LastName+" "+au.Initials)
		default:
			authors = append(authors, au.LastName)
		}
	}
	fullText := a.FreeFullText(freeAt)
	return Hit{
		FreeFullText: fullText != "",
		FullTextURL:  fullText,
		PMID:         a.PMID,
		Title:        a.Title,
		Journal:      journal,
		Year:         a.Year(),
		Authors:      authors,
		Conditions:   nonNil(rec.Tags.Conditions),
		Mechanisms:   nonNil(rec.Tags.Mechanisms),
		Topics:       nonNil(rec.Tags.Mechanisms),
		Evidence:     rec.Tags.Evidence,
		Species:      rec.Tags.Species,
		Focus:        taxonomy.Focus{Conditions: nonNil(rec.Tags.Focus.Conditions), Mechanisms: nonNil(rec.Tags.Focus.Mechanisms)},
		Retracted:    a.IsRetracted(),
		Provisional:  nonNil(rec.Tags.Provisional),
		Snippet:      h.Snippet,
		Score:        h.Score,
		Record:       rec,

		ProvisionalWhy: nonNilSlice(rec.Tags.ProvisionalWhy),
	}
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// EncodeCursor turns an index search_after cursor into an opaque URL-safe
// string; "" for none.
func EncodeCursor(after []string) string {
	if len(after) == 0 {
		return ""
	}
	b, _ := json.Marshal(after) // a []string always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reverses EncodeCursor.
func DecodeCursor(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad page cursor: %w", err)
	}
	var after []string
	if err := json.Unmarshal(b, &after); err != nil {
		return nil, fmt.Errorf("bad page cursor: %w", err)
	}
	return after, nil
}

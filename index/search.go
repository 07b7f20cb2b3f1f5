package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
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
	// Focus makes the Conditions and Mechanisms filters, and their facets,
	// match a record's focus (what it is about) rather than every
	// condition and mechanism it is tagged with, mentions included.
	Focus            bool
	From, To         int // publication year range, inclusive; 0 = open
	ExcludeRetracted bool
	// Languages (MEDLINE codes such as "eng", any case), ArticleTypes
	// (taxonomy.ArticleTypeValues) and AgeGroups (taxonomy.AgeGroupValues)
	// filter like the slugs above; OnlyRetracted keeps retracted records.
	Languages, ArticleTypes, AgeGroups []string
	OnlyRetracted                      bool
	// FreeFullText keeps records whose PMC copy is free to read at FreeAt
	// (pubmed.Article.FreeFullText); the facet of that name counts them.
	FreeFullText bool
	// FreeAt is when free full text is judged, to the day (UTC); zero
	// means today. Embargoes end without a write, so it is part of the
	// cache key.
	FreeAt time.Time
	// AddedSince and AddedUntil bound the time villi stored a record,
	// inclusive; zero = open. The digest and its "See all" links use them.
	AddedSince, AddedUntil time.Time
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
	// NoCorrect searches Q as typed, without spelling correction (spell.go).
	NoCorrect bool
}

// Result is one page of hits. Results may be shared through the result
// cache: callers must not modify one.
type Result struct {
	Total      uint64                  `json:"total"`
	SearchedAs string                  `json:"searched_as"`
	Sort       string                  `json:"sort"` // the order applied: relevance without a query is "date"
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetCount `json:"facets,omitempty"`
	// Next is the cursor for the page after this one; nil on the last page.
	Next []string      `json:"next,omitempty"`
	Took time.Duration `json:"took"`
	// Cached reports that the result came from the result cache.
	Cached bool `json:"cached,omitempty"`
	// CorrectedFrom is the query as typed when spelling correction
	// (spell.go) searched Corrected instead; SearchedAs, Total and the hits
	// are Corrected's. Both are empty when the query was searched as typed.
	CorrectedFrom string `json:"corrected_from,omitempty"`
	Corrected     string `json:"corrected,omitempty"`
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

// appliedSort names the order keys put hits in.
func appliedSort(keys []sortKey) string {
	switch keys[0] {
	case byScore:
		return SortRelevance
	case byEvidenceRank:
		return SortEvidence
	}
	return SortDate
}

// cursorPos is a parsed search_after cursor: the sort values of the last hit
// of the previous page.
type cursorPos struct {
	score   float64
	rank    float64
	pubdate int64
	pmid    uint64
}

// parseCursor refuses a cursor that does not fit the sort, so a stale or
// hand-edited cursor gets a message instead of an odd page.
func parseCursor(keys []sortKey, after []string) (*cursorPos, error) {
	if len(after) != len(keys) {
		return nil, fmt.Errorf("%w: page cursor does not match the sort order; start again from page 1", ErrBadRequest)
	}
	var c cursorPos
	for i, k := range keys {
		var err error
		switch k {
		case byScore, byEvidenceRank:
			var f float64
			f, err = strconv.ParseFloat(after[i], 64)
			if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				err = errors.New("not a finite number")
			}
			if k == byScore {
				c.score = f
			} else {
				c.rank = f
			}
		case byPubDateDesc:
			var t time.Time
			t, err = time.Parse(time.RFC3339Nano, after[i])
			c.pubdate = clampDate(t).UnixNano()
		case byPMID:
			c.pmid, err = strconv.ParseUint(after[i], 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: bad page cursor value %q; start again from page 1", ErrBadRequest, after[i])
		}
	}
	return &c, nil
}

// plan is a validated request, ready to run.
type plan struct {
	r          Request
	size, from int
	must       blevequery.Query // nil: no query, list what the filters keep
	searchedAs string
	keys       []sortKey
	after      *cursorPos
	// mapping is what the query was parsed with; a spelling correction
	// (spell.go) is planned with the same.
	mapping query.Mapping
}

func newPlan(r Request, m query.Mapping) (*plan, error) {
	size, from, err := paging(r)
	if err != nil {
		return nil, err
	}
	if r.FreeAt.IsZero() {
		r.FreeAt = time.Now()
	}
	r.FreeAt = r.FreeAt.UTC().Truncate(24 * time.Hour)
	p := &plan{r: r, size: size, from: from, mapping: m}
	if strings.TrimSpace(r.Q) != "" {
		q, err := query.ParseMapped(r.Q, m)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		if !q.Empty() {
			p.must, p.searchedAs = q.Bleve(), q.String()
		}
	}
	if p.keys, err = sortOrder(r.Sort, p.must != nil); err != nil {
		return nil, err
	}
	if len(r.After) > 0 {
		if p.after, err = parseCursor(p.keys, r.After); err != nil {
			return nil, err
		}
		p.from = 0
	}
	if err := checkFilters(r); err != nil {
		return nil, err
	}
	return p, nil
}

// Search runs a request: the one search function for CLI, UI, API and
// digest. Errors for input a person can fix wrap ErrBadRequest.
//
// Bleve finds and scores the documents the query matches; the doc table
// (table.go) filters them, counts the facets and orders them by date or
// evidence; only the page's hits are read back from bleve, for snippets.
// Results are cached per table generation (cache.go).
func (ix *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	bi, d, release, err := ix.acquireDocs()
	if err != nil {
		return nil, err
	}
	defer release()
	names := &libraryNames{ix: ix, bi: bi, d: d, gen: d.current().gen}
	p, err := newPlan(r, query.Mapping{Tags: ix.tags, Library: names})
	if err != nil {
		return nil, err
	}
	res, err := ix.cache.get(ctx, cacheKey(p, d, d.current().gen)+spellKey(&p.r), func() (*Result, error) {
		return ix.runSpelled(ctx, bi, d, p)
	})
	if err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// CheckQuery reports whether q parses as Search would parse it, with the
// taxonomy's tags (an unknown condition:slug is an error), without
// searching: for a query kept to run later, such as a digest
// subscription's. Its error is the parser's (*query.SyntaxError where a
// spot can be shown).
func (ix *Index) CheckQuery(q string) error {
	_, err := query.ParseMapped(q, query.Mapping{Tags: ix.tags})
	return err
}

// run executes a plan on the index.
func (ix *Index) run(ctx context.Context, bi bleve.Index, d *docs, p *plan) (*Result, error) {
	var (
		tab  *table
		hits bitset
		top  []ranked
	)
	k := p.from + p.size + 1 // one more than the page tells whether a next page exists
	if p.must == nil {
		tab = d.current()
		hits = newBitset(tab.n)
		copy(hits, tab.live)
		if f := tab.filter(d, &p.r); f != nil {
			hits.and(f)
		}
	} else {
		e, err := ix.evaluation(ctx, bi, d, p)
		if err != nil {
			return nil, err
		}
		tab, hits = e.tab, e.hits
		if !e.filtered {
			if f := tab.filter(d, &p.r); f != nil {
				hits = slices.Clone(hits)
				hits.and(f)
			}
		}
		if p.keys[0] == byScore {
			top = e.topK(p, hits, k)
		}
	}
	var rows []int32
	scores := map[int32]float64{}
	if p.keys[0] == byScore {
		for _, h := range top {
			rows = append(rows, h.row)
			scores[h.row] = h.score
		}
	} else {
		rows = tab.inOrder(p, hits, k)
	}
	more := len(rows) > p.from+p.size
	rows = rows[min(p.from, len(rows)):min(p.from+p.size, len(rows))]

	out := &Result{
		Total:      uint64(hits.count()),
		SearchedAs: p.searchedAs,
		Sort:       appliedSort(p.keys),
		Hits:       make([]Hit, 0, len(rows)),
	}
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = strconv.FormatUint(tab.pmid[row], 10)
	}
	snippets, err := pageSnippets(ctx, bi, ids, p.must)
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		out.Hits = append(out.Hits, Hit{PMID: tab.pmid[row], Score: scores[row], Snippet: snippets[ids[i]]})
	}
	if more && len(rows) > 0 {
		last := rows[len(rows)-1]
		out.Next = tab.cursor(p.keys, last, scores[last])
	}
	if p.r.Facets {
		out.Facets = tab.facets(d, hits, p.r.FreeAt, p.r.Focus)
	}
	return out, nil
}

// evaluation returns p's query evaluated by bleve: from the evaluation
// cache when this query (unfiltered, or with the same filters) ran on the
// current table, else from bleve, cached.
func (ix *Index) evaluation(ctx context.Context, bi bleve.Index, d *docs, p *plan) (*eval, error) {
	tab := d.current()
	scored := p.keys[0] == byScore
	usable := func(e *eval) bool { return e != nil && (e.scored() || !scored) }
	filters := filterKey(&p.r)
	if e := ix.evals.get(evalKey(d, tab.gen, p.searchedAs, "")); usable(e) {
		return e, nil
	}
	if e := ix.evals.get(evalKey(d, tab.gen, p.searchedAs, filters)); usable(e) {
		return e, nil
	}
	var push bitset
	if f := tab.filter(d, &p.r); f != nil && f.count()*pushShare <= tab.live.count() && pushable(p, scored) {
		push = f
	} else {
		filters = ""
	}
	var (
		e   *eval
		err error
	)
	// A search whose snapshot's table generation has just left memory
	// (several writes landed while it started) runs again.
	for attempt := 0; ; attempt++ {
		e, err = evaluate(ctx, bi, d, p, scored, push, tab)
		if !errors.Is(err, errNoTable) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	ix.evals.put(evalKey(d, e.tab.gen, p.searchedAs, filters), e)
	return e, nil
}

// inOrder returns up to k hits in the date or evidence order of p, after
// p's cursor if it has one.
func (t *table) inOrder(p *plan, hits bitset, k int) []int32 {
	order := t.byDate
	if p.keys[0] == byEvidenceRank {
		order = t.byEvidence
	}
	out := make([]int32, 0, min(k, 256))
	past := p.after == nil
	for _, row := range order {
		if !hits.has(row) {
			continue
		}
		if !past {
			if !t.afterCursor(p.keys, row, 0, p.after) {
				continue
			}
			past = true // the order is sorted: every later row is past too
		}
		out = append(out, row)
		if len(out) == k {
			break
		}
	}
	return out
}

// afterCursor reports whether row (with score) sorts strictly after c.
func (t *table) afterCursor(keys []sortKey, row int32, score float64, c *cursorPos) bool {
	for _, k := range keys {
		var d int
		switch k {
		case byScore:
			d = cmp.Compare(c.score, score) // descending
		case byEvidenceRank:
			d = cmp.Compare(float64(t.evRank[row]), c.rank)
		case byPubDateDesc:
			d = cmp.Compare(c.pubdate, t.pubdate[row])
		case byPMID:
			d = comparePMID(t.pmid[row], c.pmid)
		}
		if d != 0 {
			return d > 0
		}
	}
	return false
}

// cursor is the search_after value of row for keys.
func (t *table) cursor(keys []sortKey, row int32, score float64) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		switch k {
		case byScore:
			out[i] = strconv.FormatFloat(score, 'g', -1, 64)
		case byEvidenceRank:
			out[i] = strconv.Itoa(int(t.evRank[row]))
		case byPubDateDesc:
			out[i] = time.Unix(0, t.pubdate[row]).UTC().Format(time.RFC3339Nano)
		case byPMID:
			out[i] = strconv.FormatUint(t.pmid[row], 10)
		}
	}
	return out
}

// pageSnippets builds the snippets of one page of hits in a second search
// restricted to those documents, so that bleve gathers term positions and
// stored text for the page only. It searches only the query's words and
// phrases on the two snippet fields: the whole query (every text field,
// every synonym) would cost as much again as the main search.
func pageSnippets(ctx context.Context, bi bleve.Index, ids []string, must blevequery.Query) (map[string]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var q blevequery.Query = blevequery.NewDocIDQuery(ids)
	var leaves []blevequery.Query
	if must != nil {
		highlightLeaves(must, &leaves)
	}
	if len(leaves) > 0 {
		q = blevequery.NewBooleanQuery([]blevequery.Query{q}, leaves, nil)
	}
	sr := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	sr.Score = "none"
	sr.Fields = []string{fConclusions, fAbstract}
	if len(leaves) > 0 {
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

// highlightLeaves collects the leaves of q that search a snippet field,
// outside any NOT (a word the query excludes is not highlighted).
func highlightLeaves(q blevequery.Query, out *[]blevequery.Query) {
	switch x := q.(type) {
	case *blevequery.DisjunctionQuery:
		for _, c := range x.Disjuncts {
			highlightLeaves(c, out)
		}
	case *blevequery.ConjunctionQuery:
		for _, c := range x.Conjuncts {
			highlightLeaves(c, out)
		}
	case *blevequery.BooleanQuery:
		if x.Must != nil {
			highlightLeaves(x.Must, out)
		}
		if x.Should != nil {
			highlightLeaves(x.Should, out)
		}
	case blevequery.FieldableQuery:
		if f := x.Field(); f == fConclusions || f == fAbstract {
			*out = append(*out, x)
		}
	}
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

// checkFilters refuses filter values that cannot mean anything.
func checkFilters(r Request) error {
	if r.From < 0 || r.To < 0 {
		return fmt.Errorf("%w: year range %d–%d: years cannot be negative", ErrBadRequest, r.From, r.To)
	}
	if r.From > 0 && r.To > 0 && r.From > r.To {
		return fmt.Errorf("%w: year range %d–%d ends before it starts", ErrBadRequest, r.From, r.To)
	}
	return nil
}

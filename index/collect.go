package index

import (
	"context"
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	blevequery "github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// eval is one query evaluated by bleve: the rows of table tab it matches
// and, when scored, their relevance scores. It does not depend on the
// page, sort (beyond needing scores) or facets of the request, and when not
// filtered not on its filters either, so it is cached (evalCache) and
// serves every refinement of the same query.
type eval struct {
	tab    *table
	hits   bitset
	rows   []int32   // scored: the matching rows
	scores []float64 // scored: rows[i]'s score
	// filtered: hits are only those the request's filters keep, because
	// the filters went into the bleve query (filterQuery).
	filtered bool
}

func (e *eval) scored() bool { return e.scores != nil }

func (e *eval) bytes() int { return 8*len(e.hits) + 4*len(e.rows) + 8*len(e.scores) + 64 }

// collector receives every document bleve matches (bleve's own collector
// hands them over through MakeDocumentMatchHandlerKey, without reading doc
// values or ids) and records its table row and score.
type collector struct {
	d      *docs
	p      *plan
	scored bool
	// filter, when not nil, is pushed into the bleve query; filterOf is the
	// table it was computed on.
	filter   bitset
	filterOf *table
	view     *view
	e        *eval
}

// prepare finds the doc table view of r; the first of the filter searcher
// and the handler to run calls it.
func (c *collector) prepare(r bleveindex.IndexReader) error {
	if c.view != nil {
		return nil
	}
	v, err := c.d.view(r)
	if err != nil {
		return err
	}
	c.view = v
	c.e = &eval{tab: v.tab, hits: newBitset(v.tab.n), filtered: c.filter != nil}
	if c.filter != nil && v.tab != c.filterOf {
		c.filter = v.tab.filter(c.d, &c.p.r)
	}
	if c.scored {
		c.e.scores = []float64{}
	}
	return nil
}

func (c *collector) makeHandler(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	if err := c.prepare(sctx.IndexReader); err != nil {
		return nil, false, err
	}
	v, e := c.view, c.e
	live := v.tab.live
	seg := 0
	return func(dm *search.DocumentMatch) error {
		if dm == nil {
			return nil
		}
		row := v.row(dm.IndexInternalID.Value(), &seg)
		score := dm.Score
		sctx.DocumentMatchPool.Put(dm)
		if row < 0 || !live.has(row) || (c.filter != nil && !c.filter.has(row)) {
			return nil
		}
		e.hits.set(row)
		if c.scored {
			e.rows = append(e.rows, row)
			e.scores = append(e.scores, score)
		}
		return nil
	}, false, nil
}

// evaluate runs p's query in bleve. scored asks for relevance scores;
// filter, when not nil (computed on table filterOf), goes into the bleve
// query so that bleve skips the documents it excludes instead of scoring
// them.
func evaluate(ctx context.Context, bi bleve.Index, d *docs, p *plan, scored bool, filter bitset, filterOf *table) (*eval, error) {
	c := &collector{d: d, p: p, scored: scored, filter: filter, filterOf: filterOf}
	q := p.must
	if filter != nil {
		q = blevequery.NewConjunctionQuery([]blevequery.Query{p.must, &filterQuery{c: c}})
	}
	// Size 0: bleve keeps nothing itself; with only the score to sort by
	// and no facets it reads no doc values or ids per hit either.
	sr := bleve.NewSearchRequestOptions(q, 0, 0, false)
	if !scored {
		sr.Score = "none"
	}
	ctx = context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(c.makeHandler))
	if _, err := bi.SearchInContext(ctx, sr); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if c.e == nil {
		return nil, fmt.Errorf("search: bleve did not run the collector")
	}
	return c.e, nil
}

// pushable reports whether p's filters can go into the bleve query without
// changing a score. A conjunction sets the query norm of its children from
// the sum of their weights; the filter's weight is 0, so over a composite
// query, which computes the same sum itself, scores stay bit for bit the
// same. A single-field leaf query would get a new norm.
func pushable(p *plan, scored bool) bool {
	if !scored {
		return true
	}
	switch p.must.(type) {
	case *blevequery.DisjunctionQuery, *blevequery.ConjunctionQuery, *blevequery.BooleanQuery:
		return true
	}
	return false
}

// pushShare: a filter goes into the bleve query when it keeps at most
// 1/pushShare of the documents; past that, skipping saves less than
// leapfrogging costs, and the unfiltered evaluation can be cached for
// every filter.
const pushShare = 4

// filterQuery matches the documents the collector's filter keeps, with
// score and weight 0.
type filterQuery struct{ c *collector }

func (q *filterQuery) Searcher(_ context.Context, r bleveindex.IndexReader, _ mapping.IndexMapping, _ search.SearcherOptions) (search.Searcher, error) {
	c := q.c
	if err := c.prepare(r); err != nil {
		return nil, err
	}
	v := c.view
	var nums []uint64
	for i, rows := range v.rows {
		for j, row := range rows {
			if row >= 0 && c.filter.has(row) {
				nums = append(nums, v.offs[i]+uint64(j))
			}
		}
	}
	return &docNumSearcher{nums: nums}, nil
}

// docNumSearcher walks an ascending list of bleve document numbers.
type docNumSearcher struct {
	nums []uint64
	i    int
}

func (s *docNumSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.i >= len(s.nums) {
		return nil, nil
	}
	num := s.nums[s.i]
	s.i++
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = bleveindex.NewIndexInternalID(dm.IndexInternalID, num)
	dm.Score = 0
	return dm, nil
}

func (s *docNumSearcher) Advance(ctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	target := id.Value()
	s.i += sort.Search(len(s.nums)-s.i, func(k int) bool { return s.nums[s.i+k] >= target })
	return s.Next(ctx)
}

func (s *docNumSearcher) Close() error               { return nil }
func (s *docNumSearcher) Weight() float64            { return 0 }
func (s *docNumSearcher) SetQueryNorm(float64)       {}
func (s *docNumSearcher) Min() int                   { return 0 }
func (s *docNumSearcher) Size() int                  { return 64 + 8*len(s.nums) }
func (s *docNumSearcher) DocumentMatchPoolSize() int { return 1 }
func (s *docNumSearcher) Count() uint64              { return uint64(len(s.nums)) }

// ranked is a hit under relevance order.
type ranked struct {
	score float64
	row   int32
	pmid  uint64
}

// better reports whether a sorts before b: score desc, then PMID.
func (a ranked) better(b ranked) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return comparePMID(a.pmid, b.pmid) < 0
}

// topK returns the best k of e's scored rows that are in hits and after
// the cursor, best first.
func (e *eval) topK(p *plan, hits bitset, k int) []ranked {
	var h topHeap
	for i, row := range e.rows {
		if !hits.has(row) {
			continue
		}
		r := ranked{score: e.scores[i], row: row, pmid: e.tab.pmid[row]}
		if p.after != nil && !e.tab.afterCursor(p.keys, row, r.score, p.after) {
			continue
		}
		h.offer(r, k)
	}
	return h.sorted()
}

// topHeap keeps the best k hits, its worst at index 0.
type topHeap []ranked

func (h *topHeap) offer(r ranked, k int) {
	if len(*h) < k {
		*h = append(*h, r)
		h.up(len(*h) - 1)
		return
	}
	if !r.better((*h)[0]) {
		return
	}
	(*h)[0] = r
	h.down(0)
}

func (h topHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h[parent].better(h[i]) {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func (h topHeap) down(i int) {
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[worst].better(h[l]) {
			worst = l
		}
		if r < len(h) && h[worst].better(h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// sorted empties the heap into a best-first slice.
func (h *topHeap) sorted() []ranked {
	out := make([]ranked, len(*h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = (*h)[0]
		last := len(*h) - 1
		(*h)[0] = (*h)[last]
		*h = (*h)[:last]
		h.down(0)
	}
	return out
}

package index

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bleveindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"villi/store"
	"villi/taxonomy"
)

// The doc table is persisted as the terms of one keyword field (fTable), a
// prefix naming the column: Open reads it back from the postings, which is
// much faster than reading stored fields or re-reading the store.
const (
	tCondition = "c"
	tMechanism = "m"
	tEvidence  = "e"
	tSpecies   = "s"
	// A record's focus (taxonomy.Focus).
	tFocusCondition = "C"
	tFocusMechanism = "M"
	tYear           = "y"
	tJournal        = "j" // display name
	tTA             = "t" // a lower-case journal name (the journal filter)
	tPubDate        = "d" // Unix ns
	tAdded          = "a" // Unix ns
	tRetracted      = "r"
	tFree           = "f" // Unix ns from which the PMC copy is free to read
	// Added in MappingVersion 7: PubMed's filters.
	tLanguage    = "l" // a lower-case language code, "eng"
	tArticleType = "p" // an article type group (taxonomy.ArticleTypes)
	tAge         = "g" // an age group from MeSH (taxonomy.AgeGroups)
)

// taSep joins a record's journal names in its tTA term.
const taSep = "\x1f"

// tableTerms are the fTable terms of a record: its doc table row.
func tableTerms(rec *store.Record) []string {
	a := &rec.Article
	t := &rec.Tags
	out := make([]string, 0, len(t.Conditions)+len(t.Mechanisms)+8)
	add := func(prefix, val string) {
		if val != "" {
			out = append(out, prefix+":"+val)
		}
	}
	for _, c := range t.Conditions {
		add(tCondition, c)
	}
	for _, m := range t.Mechanisms {
		add(tMechanism, m)
	}
	for _, c := range t.Focus.Conditions {
		add(tFocusCondition, c)
	}
	for _, m := range t.Focus.Mechanisms {
		add(tFocusMechanism, m)
	}
	add(tEvidence, t.Evidence)
	add(tSpecies, t.Species)
	for _, l := range lowerUnique(a.Languages...) {
		add(tLanguage, l)
	}
	for _, p := range taxonomy.ArticleTypes(a) {
		add(tArticleType, p)
	}
	for _, g := range taxonomy.AgeGroups(a) {
		add(tAge, g)
	}
	if y := a.Year(); y > 0 {
		add(tYear, strconv.Itoa(y))
	}
	add(tJournal, journalName(a.Journal))
	j := a.Journal
	names := lowerUnique(j.MedlineTA, j.ISOAbbrev, j.Title)
	slices.Sort(names)
	add(tTA, strings.Join(names, taSep))
	add(tPubDate, strconv.FormatInt(sortDate(a).UnixNano(), 10))
	if !rec.Added.IsZero() {
		add(tAdded, strconv.FormatInt(clampDate(rec.Added).UnixNano(), 10))
	}
	if a.IsRetracted() {
		add(tRetracted, "1")
	}
	if from, ok := a.FreeFrom(); ok {
		// A release date, not a yes/no: an embargo ends without a write.
		if from.IsZero() {
			from = minDate
		}
		add(tFree, strconv.FormatInt(clampDate(from).UnixNano(), 10))
	}
	return out
}

// errNoTable means a bleve snapshot carries a table generation no longer
// (or not yet) held in memory; the search is retried on a newer snapshot.
var errNoTable = errors.New("index snapshot has no doc table in memory")

// segCache maps each bleve segment's document numbers to table rows. A
// segment is immutable and a PMID keeps its row, so the mapping is computed
// once per segment, when a search first meets it.
type segCache struct {
	mu sync.Mutex
	m  map[any]*segEntry // by segment.Segment
}

type segEntry struct {
	once sync.Once
	rows []int32 // -1: not a table row
	err  error
}

func (d *docs) segRows(seg segment.Segment) ([]int32, error) {
	d.segs.mu.Lock()
	e := d.segs.m[seg]
	if e == nil {
		e = &segEntry{}
		d.segs.m[seg] = e
	}
	d.segs.mu.Unlock()
	e.once.Do(func() {
		rows := make([]int32, seg.Count())
		d.mu.RLock()
		defer d.mu.RUnlock()
		for i := range rows {
			id, err := seg.DocID(uint64(i))
			if err != nil {
				e.err = fmt.Errorf("read document id: %w", err)
				return
			}
			rows[i] = -1
			if pmid, err := strconv.ParseUint(string(id), 10, 64); err == nil {
				if r, ok := d.rows[pmid]; ok {
					rows[i] = r
				}
			}
		}
		e.rows = rows
	})
	return e.rows, e.err
}

// prune drops the cached mappings of segments not in live.
func (d *docs) prune(live []*scorch.SegmentSnapshot) {
	d.segs.mu.Lock()
	defer d.segs.mu.Unlock()
	if len(d.segs.m) <= 2*len(live)+16 {
		return
	}
	keep := make(map[any]bool, len(live))
	for _, ss := range live {
		keep[ss.Segment()] = true
	}
	for k := range d.segs.m {
		if !keep[k] {
			delete(d.segs.m, k)
		}
	}
}

// view is one bleve snapshot seen through the doc table: the table of the
// snapshot's generation and, per segment, its global offset and rows.
type view struct {
	tab  *table
	offs []uint64
	ends []uint64
	rows [][]int32
}

func (d *docs) view(r bleveindex.IndexReader) (*view, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("index reader is a %T, not a scorch snapshot", r)
	}
	gen, err := decodeSeq(snap.Internal()[string(keyTableGen)])
	if err != nil {
		return nil, fmt.Errorf("read table generation: %w", err)
	}
	v := &view{tab: d.at(gen)}
	if v.tab == nil {
		return nil, errNoTable
	}
	segs := snap.Segments()
	var off uint64
	for _, ss := range segs {
		rows, err := d.segRows(ss.Segment())
		if err != nil {
			return nil, err
		}
		n := ss.Segment().Count()
		v.offs = append(v.offs, off)
		v.ends = append(v.ends, off+n)
		v.rows = append(v.rows, rows)
		off += n
	}
	d.prune(segs)
	return v, nil
}

// row returns the table row of a global bleve document number, -1 for none.
// seg is a hint (the segment of the previous call) and is updated.
func (v *view) row(num uint64, seg *int) int32 {
	i := *seg
	if i >= len(v.offs) || num < v.offs[i] || num >= v.ends[i] {
		i, _ = slices.BinarySearch(v.ends, num+1)
		if i >= len(v.offs) || num < v.offs[i] {
			return -1
		}
		*seg = i
	}
	rows := v.rows[i]
	if local := num - v.offs[i]; local < uint64(len(rows)) {
		return rows[local]
	}
	return -1
}

// loadDocs reads the doc table of generation gen back from an index
// snapshot's fTable postings.
func loadDocs(r bleveindex.IndexReader, gen uint64) (*docs, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("index reader is a %T, not a scorch snapshot", r)
	}
	d := newDocs()
	b := d.begin(d.cur)
	var live uint64
	for _, ss := range snap.Segments() {
		live += ss.Count()
	}
	d.rows = make(map[uint64]int32, live)
	b.grow(int(live))
	for _, ss := range snap.Segments() {
		if err := b.loadSegment(ss.Segment(), ss.Deleted()); err != nil {
			return nil, err
		}
	}
	t := b.finish(gen)
	d.cur, d.recent[0] = t, t
	return d, nil
}

// loadSegment adds the live documents of one segment: their rows from
// the document ids, their values from the fTable postings.
func (b *tableBuilder) loadSegment(seg segment.Segment, deleted *roaring.Bitmap) error {
	n := seg.Count()
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = -1
		if deleted != nil && deleted.Contains(uint32(i)) {
			continue
		}
		id, err := seg.DocID(uint64(i))
		if err != nil {
			return fmt.Errorf("load doc table: read document id: %w", err)
		}
		pmid, err := strconv.ParseUint(string(id), 10, 64)
		if err != nil {
			return fmt.Errorf("load doc table: document id %q is not a PMID", id)
		}
		row := b.row(pmid)
		b.clearRow(row)
		b.setLive(row, pmid)
		rows[i] = row
	}
	dict, err := seg.Dictionary(fTable)
	if err != nil {
		return fmt.Errorf("load doc table: %w", err)
	}
	it := dict.AutomatonIterator(nil, nil, nil)
	var (
		pl  segment.PostingsList
		pit segment.PostingsIterator
	)
	for {
		e, err := it.Next()
		if err != nil {
			return fmt.Errorf("load doc table: %w", err)
		}
		if e == nil {
			break
		}
		a, err := b.resolve(e.Term)
		if err != nil {
			return fmt.Errorf("load doc table: %w", err)
		}
		pl, err = dict.PostingsList([]byte(e.Term), deleted, pl)
		if err != nil {
			return fmt.Errorf("load doc table: %w", err)
		}
		pit = pl.Iterator(false, false, false, pit)
		for {
			p, err := pit.Next()
			if err != nil {
				return fmt.Errorf("load doc table: %w", err)
			}
			if p == nil {
				break
			}
			if num := p.Number(); num < n && rows[num] >= 0 {
				b.apply(&a, rows[num])
			}
		}
	}
	e := &segEntry{rows: rows}
	e.once.Do(func() {})
	b.d.segs.mu.Lock()
	b.d.segs.m[seg] = e
	b.d.segs.mu.Unlock()
	return nil
}

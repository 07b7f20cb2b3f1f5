package index

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"villi/taxonomy"
)

// The doc table is what filters, facets and sorts need of every document,
// held in memory as columns and bitsets indexed by a dense row number, so a
// search never reads bleve doc values: bleve finds the matching documents
// and scores them; the table filters, counts and orders them. Facet counting
// through bleve's doc values dominated search time before (see BENCHMARKS.md).
//
// A table is immutable once published. Apply builds the next one copy-on-
// write and stamps its generation into the same bleve batch as the
// documents (keyTableGen), so a search uses the table whose generation its
// bleve snapshot carries and never mixes two states. Rows are stable for the
// life of a docs family: a PMID keeps its row through updates and deletes.
// Rebuild starts a new family.

// A categorical facet kept as one bitset per value.
type cat int

const (
	catCondition cat = iota
	catMechanism
	catEvidence
	catSpecies
	// The focus of a record (taxonomy.Focus): the conditions and mechanisms
	// it is about. Request.Focus filters and counts them in place of
	// catCondition and catMechanism.
	catFocusCondition
	catFocusMechanism
	catLanguage
	catArticleType
	catAge
	numCats
)

// catFacet names the facet of each cat; the focus cats count under the
// names of the cats they stand in for.
var catFacet = [numCats]string{FacetConditions, FacetMechanisms, FacetEvidence, FacetSpecies, FacetConditions, FacetMechanisms, FacetLanguage, FacetArticleType, FacetAge}

// noAdded marks rows whose record has no Added time.
const noAdded = math.MinInt64

// noFree marks rows without a PMC copy: never free.
const noFree = math.MaxInt64

// dict interns the values of one kind. Id 0 stands for "no value".
type dict struct {
	names []string
	ids   map[string]uint32
}

func newDict() dict { return dict{names: []string{""}, ids: map[string]uint32{"": 0}} }

func (d *dict) intern(v string) uint32 {
	if id, ok := d.ids[v]; ok {
		return id
	}
	id := uint32(len(d.names))
	d.names = append(d.names, v)
	d.ids[v] = id
	return id
}

// docs is one family of tables: the PMID → row assignment, the value
// dictionaries and the recent table generations. It is shared by every
// search; writers (serialised by Index.wmu) add to it.
type docs struct {
	id uint64 // distinguishes families in result cache keys

	// mu guards rows, the dictionaries and taNames. Dictionary names never
	// change once added, so a names slice read under mu stays valid.
	mu       sync.RWMutex
	rows     map[uint64]int32
	cats     [numCats]dict
	years    dict
	journals dict                // display names, for the journal facet
	tasets   dict                // a record's sorted lower-case journal names, taSep-joined, for the journal filter
	taNames  map[string][]uint32 // lower-case journal name → tasets holding it

	// pub guards cur and recent.
	pub sync.Mutex
	cur *table // newest published generation: the base of the next Apply
	// recent holds the last few generations, newest first, including one
	// being applied, so a search finds the table of its bleve snapshot even
	// while writes go on.
	recent [4]*table

	segs segCache
}

func newDocs() *docs {
	d := &docs{rows: map[uint64]int32{}, years: newDict(), journals: newDict(), tasets: newDict(), taNames: map[string][]uint32{}}
	for i := range d.cats {
		d.cats[i] = newDict()
	}
	d.segs.m = map[any]*segEntry{}
	d.cur = &table{}
	d.recent[0] = d.cur
	return d
}

// current returns the newest published table.
func (d *docs) current() *table {
	d.pub.Lock()
	defer d.pub.Unlock()
	return d.cur
}

// at returns the table of generation gen, nil if it is no longer recent.
func (d *docs) at(gen uint64) *table {
	d.pub.Lock()
	defer d.pub.Unlock()
	for _, t := range d.recent {
		if t != nil && t.gen == gen {
			return t
		}
	}
	return nil
}

// stage makes t findable by its generation before its bleve batch is
// introduced.
func (d *docs) stage(t *table) {
	d.pub.Lock()
	defer d.pub.Unlock()
	copy(d.recent[1:], d.recent[:len(d.recent)-1])
	d.recent[0] = t
}

// unstage forgets a staged table whose batch never reached bleve.
func (d *docs) unstage(t *table) {
	d.pub.Lock()
	defer d.pub.Unlock()
	for i, r := range d.recent {
		if r == t {
			copy(d.recent[i:], d.recent[i+1:])
			d.recent[len(d.recent)-1] = nil
			return
		}
	}
}

// publish makes a staged t the base of the next write.
func (d *docs) publish(t *table) {
	d.pub.Lock()
	defer d.pub.Unlock()
	d.cur = t
}

// table is one immutable generation of the doc table. Languages, article
// types and age groups are categories like conditions: a bitset per value.
type table struct {
	gen       uint64
	n         int // rows, live or not
	live      bitset
	retracted bitset
	cats      [numCats][]bitset // by value id
	pmid      []uint64
	yearID    []uint16 // id in docs.years; 0 no year
	pubdate   []int64  // sort date, Unix ns
	added     []int64  // Unix ns; noAdded when unknown
	freeFrom  []int64  // Unix ns from which the PMC copy is free; noFree without one
	evRank    []uint8  // taxonomy.EvidenceRank
	journal   []uint32 // id in docs.journals
	taset     []uint32 // id in docs.tasets
	// Live rows in the date and evidence sort orders.
	byDate, byEvidence []int32
}

// tableBuilder makes the next generation of a table. Columns are copied
// once; category bitsets are copied when first touched.
type tableBuilder struct {
	d       *docs
	t       *table
	touched []int32
	base    *table
	copied  [numCats][]bool // by value id: bitset already copied from base
}

func (d *docs) begin(base *table) *tableBuilder {
	t := &table{
		n:         base.n,
		live:      slices.Clone(base.live),
		retracted: slices.Clone(base.retracted),
		pmid:      slices.Clone(base.pmid),
		yearID:    slices.Clone(base.yearID),
		pubdate:   slices.Clone(base.pubdate),
		added:     slices.Clone(base.added),
		freeFrom:  slices.Clone(base.freeFrom),
		evRank:    slices.Clone(base.evRank),
		journal:   slices.Clone(base.journal),
		taset:     slices.Clone(base.taset),
	}
	for c := range t.cats {
		t.cats[c] = slices.Clone(base.cats[c])
	}
	return &tableBuilder{d: d, t: t, base: base}
}

// row returns the row of pmid, adding one (and room for it in every
// column) when the family has none.
func (b *tableBuilder) row(pmid uint64) int32 {
	b.d.mu.Lock()
	r, ok := b.d.rows[pmid]
	if !ok {
		r = int32(len(b.d.rows))
		b.d.rows[pmid] = r
	}
	b.d.mu.Unlock()
	b.grow(int(r) + 1)
	return r
}

func (b *tableBuilder) grow(n int) {
	t := b.t
	if n <= t.n {
		return
	}
	extra := n - t.n
	t.pmid = append(t.pmid, make([]uint64, extra)...)
	t.yearID = append(t.yearID, make([]uint16, extra)...)
	t.pubdate = append(t.pubdate, make([]int64, extra)...)
	t.added = append(t.added, make([]int64, extra)...)
	for range extra {
		t.freeFrom = append(t.freeFrom, noFree)
	}
	t.evRank = append(t.evRank, make([]uint8, extra)...)
	t.journal = append(t.journal, make([]uint32, extra)...)
	t.taset = append(t.taset, make([]uint32, extra)...)
	if words := (n + 63) / 64; words > len(t.live) {
		t.live = t.live.grown(n)
		t.retracted = t.retracted.grown(n)
	}
	t.n = n
}

// catBits returns the writable bitset of value id of c, with room for row.
func (b *tableBuilder) catBits(c cat, id uint32, row int32) bitset {
	bs := b.t.cats[c]
	for uint32(len(bs)) <= id {
		bs = append(bs, nil)
	}
	b.t.cats[c] = bs
	cur := bs[id]
	for uint32(len(b.copied[c])) <= id {
		b.copied[c] = append(b.copied[c], false)
	}
	if !b.copied[c][id] {
		cur = cur.grown(max(b.t.n, len(cur)*64))
		b.copied[c][id] = true
	}
	if int(row)>>6 >= len(cur) {
		cur = cur.grown(int(row) + 1 + b.t.n/4)
	}
	bs[id] = cur
	return cur
}

// clearRow removes every value of row, leaving it dead.
func (b *tableBuilder) clearRow(row int32) {
	t := b.t
	if !t.live.has(row) {
		return
	}
	for c := range t.cats {
		for id, bs := range t.cats[c] {
			if bs.has(row) {
				b.catBits(cat(c), uint32(id), row).clear(row)
			}
		}
	}
	t.live.clear(row)
	t.retracted.clear(row)
	t.yearID[row], t.journal[row], t.taset[row] = 0, 0, 0
	t.pubdate[row], t.added[row], t.evRank[row] = 0, 0, 0
	t.freeFrom[row] = noFree
	b.touched = append(b.touched, row)
}

// put sets (or replaces) the row of pmid from its table terms (tableTerms)
// and returns the row.
func (b *tableBuilder) put(pmid uint64, terms []string) (int32, error) {
	row := b.row(pmid)
	b.clearRow(row)
	b.setLive(row, pmid)
	for _, term := range terms {
		a, err := b.resolve(term)
		if err != nil {
			return row, err
		}
		b.apply(&a, row)
	}
	return row, nil
}

// setLive starts row as pmid's, with no values yet.
func (b *tableBuilder) setLive(row int32, pmid uint64) {
	t := b.t
	t.live.set(row)
	t.pmid[row] = pmid
	t.added[row] = noAdded
	t.freeFrom[row] = noFree
	t.evRank[row] = uint8(taxonomy.EvidenceRank(""))
	b.touched = append(b.touched, row)
}

// termAction is what one table term sets in a row, resolved once per term.
type termAction struct {
	kind byte
	cat  cat
	id   uint32
	rank uint8
	ns   int64
}

// resolve parses a table term, adding its value to the dictionaries.
func (b *tableBuilder) resolve(term string) (termAction, error) {
	prefix, val, ok := strings.Cut(term, ":")
	if !ok || len(prefix) != 1 {
		return termAction{}, fmt.Errorf("doc table term %q has no kind", term)
	}
	a := termAction{kind: prefix[0]}
	d := b.d
	d.mu.Lock()
	defer d.mu.Unlock()
	switch prefix {
	case tCondition, tMechanism, tEvidence, tSpecies, tFocusCondition, tFocusMechanism, tLanguage, tArticleType, tAge:
		a.cat = catOfPrefix(prefix)
		a.id = d.cats[a.cat].intern(val)
		a.rank = uint8(taxonomy.EvidenceRank(val))
	case tYear:
		if _, err := strconv.Atoi(val); err != nil {
			return a, fmt.Errorf("doc table term %q: bad year", term)
		}
		a.id = min(d.years.intern(val), math.MaxUint16)
	case tJournal:
		a.id = d.journals.intern(val)
	case tTA:
		_, known := d.tasets.ids[val]
		a.id = d.tasets.intern(val)
		if !known {
			for _, name := range strings.Split(val, taSep) {
				d.taNames[name] = append(d.taNames[name], a.id)
			}
		}
	case tPubDate, tAdded, tFree:
		ns, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return a, fmt.Errorf("doc table term %q: bad time", term)
		}
		a.ns = ns
	case tRetracted:
	default:
		// A kind a later version added: this one ignores it.
		a.kind = 0
	}
	return a, nil
}

func catOfPrefix(prefix string) cat {
	switch prefix {
	case tCondition:
		return catCondition
	case tMechanism:
		return catMechanism
	case tEvidence:
		return catEvidence
	case tFocusCondition:
		return catFocusCondition
	case tFocusMechanism:
		return catFocusMechanism
	case tLanguage:
		return catLanguage
	case tArticleType:
		return catArticleType
	case tAge:
		return catAge
	}
	return catSpecies
}

// apply sets a resolved term in row.
func (b *tableBuilder) apply(a *termAction, row int32) {
	t := b.t
	switch string(a.kind) {
	case tCondition, tMechanism, tEvidence, tSpecies, tFocusCondition, tFocusMechanism, tLanguage, tArticleType, tAge:
		b.catBits(a.cat, a.id, row).set(row)
		if a.cat == catEvidence {
			t.evRank[row] = a.rank
		}
	case tYear:
		t.yearID[row] = uint16(a.id)
	case tJournal:
		t.journal[row] = a.id
	case tTA:
		t.taset[row] = a.id
	case tPubDate:
		t.pubdate[row] = a.ns
	case tAdded:
		t.added[row] = a.ns
	case tFree:
		t.freeFrom[row] = a.ns
	case tRetracted:
		t.retracted.set(row)
	}
}

// del removes pmid's row, if any.
func (b *tableBuilder) del(pmid uint64) {
	b.d.mu.RLock()
	row, ok := b.d.rows[pmid]
	b.d.mu.RUnlock()
	if ok && int(row) < b.t.n {
		b.clearRow(row)
	}
}

// finish returns the new generation; the builder must not be used again.
func (b *tableBuilder) finish(gen uint64) *table {
	t := b.t
	t.gen = gen
	if len(t.live) < (t.n+63)/64 {
		t.live = t.live.grown(t.n)
		t.retracted = t.retracted.grown(t.n)
	}
	changed := newBitset(t.n)
	for _, r := range b.touched {
		changed.set(r)
	}
	var fresh []orderKey
	changed.each(func(r int32) {
		if t.live.has(r) {
			pk, pd := pmidKey(t.pmid[r])
			fresh = append(fresh, orderKey{pubdate: t.pubdate[r], pmidKey: pk, digits: pd, pmid: t.pmid[r], row: r})
		}
	})
	key := func(r int32) orderKey {
		pk, pd := pmidKey(t.pmid[r])
		return orderKey{pubdate: t.pubdate[r], pmidKey: pk, digits: pd, pmid: t.pmid[r], row: r}
	}
	t.byDate = mergeOrder(b.base.byDate, changed, fresh, key, compareDate)
	t.byEvidence = byRank(t.byDate, t.evRank)
	return t
}

// byRank sorts the rows of order stably by rank: the evidence order (rank,
// then date) from the date order.
func byRank(order []int32, rank []uint8) []int32 {
	var start [257]int
	for _, r := range order {
		start[int(rank[r])+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]int32, len(order))
	for _, r := range order {
		out[start[rank[r]]] = r
		start[rank[r]]++
	}
	return out
}

// orderKey holds what the date order compares, so sorting does not chase
// rows through the columns.
type orderKey struct {
	pubdate int64
	pmidKey uint64
	pmid    uint64
	row     int32
	digits  uint8
}

// compareDate: newest first, then PMID.
func compareDate(a, b orderKey) int {
	if c := cmp.Compare(b.pubdate, a.pubdate); c != 0 {
		return c
	}
	return comparePMIDKeys(a.pmidKey, b.pmidKey, a.digits, b.digits, a.pmid, b.pmid)
}

// mergeOrder is old without the changed rows, merged with fresh (sorted
// here) in the order cmp defines.
func mergeOrder(old []int32, changed bitset, fresh []orderKey, key func(int32) orderKey, cmp func(a, b orderKey) int) []int32 {
	fresh = slices.Clone(fresh)
	slices.SortFunc(fresh, cmp)
	out := make([]int32, 0, len(old)+len(fresh))
	i := 0
	for _, r := range old {
		if changed.has(r) {
			continue
		}
		if i < len(fresh) {
			k := key(r)
			for i < len(fresh) && cmp(fresh[i], k) < 0 {
				out = append(out, fresh[i].row)
				i++
			}
		}
		out = append(out, r)
	}
	for _, f := range fresh[i:] {
		out = append(out, f.row)
	}
	return out
}

// comparePMID orders PMIDs as their decimal strings compare, the order of
// bleve document ids that the tie-breaks have always used.
func comparePMID(a, b uint64) int {
	ka, da := pmidKey(a)
	kb, db := pmidKey(b)
	return comparePMIDKeys(ka, kb, da, db, a, b)
}

func comparePMIDKeys(ka, kb uint64, da, db uint8, a, b uint64) int {
	if c := cmp.Compare(ka, kb); c != 0 {
		return c
	}
	if c := cmp.Compare(da, db); c != 0 {
		return c // one is a prefix of the other: the shorter first
	}
	return cmp.Compare(a, b)
}

// pmidKey scales p's decimal digits to the left of 19 places, so that keys
// compare like the strings up to their common length, and returns the
// number of digits.
func pmidKey(p uint64) (uint64, uint8) {
	d := 1
	for d < len(pow10) && p >= pow10[d] {
		d++
	}
	if d <= 19 {
		return p * pow10[19-d], uint8(d)
	}
	return p / 10, uint8(d)
}

// pow10[i] is 10^i.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

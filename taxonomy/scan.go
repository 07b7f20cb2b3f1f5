package taxonomy

import (
	"cmp"
	"slices"
	"strings"

	"villi/pubmed"
)

// nearWindow is how many tokens either side of a hit "near:" looks at:
// about a clause, so that "CD" in "patients with active CD and fistulae"
// sees "fistulae" but not a sentence two lines away.
const nearWindow = 12

// maxDefinitionGap is how many words may sit between the end of a term and
// the parenthesis that defines its abbreviation: "celiac disease (CD)",
// "Crohn's disease (CD)", "type 1 diabetes mellitus (T1DM)".
const maxDefinitionGap = 3

// hit is one rule match in the token stream.
type hit struct {
	rule       int
	start, end int // token indexes, inclusive
	paren      bool
	counted    bool // counts for its block (what Reasons quotes from)
}

// counts is what a scan found for one block.
type counts struct {
	field  [numFields]int // counted hits per field
	listed int            // abstract hits that sit in a list of diseases
	model  int            // animal-model hits
	key    int            // abstract hits in an objective or conclusion
	refs   int            // counted short forms (ref rules), included in field
}

// scanner holds the per-call buffers of a scan; Taxonomy pools them.
type scanner struct {
	z       tokenizer
	hits    []hit
	abbrs   []hit
	nots    []hit
	defined []abbrDef
	byEnd   []int32 // indexes into hits in order of their end token
	blocks  []counts
	denied  []bool   // per block: one of its "not" phrases occurs
	mesh    []uint32 // satisfied refs per mesh rule
	meshHit []bool   // per block
	// Per mesh rule, its refs matched by a major-topic heading; per block,
	// whether a rule that holds has one (the record's focus).
	majorRefs []uint32
	meshMajor []bool
	secs      []int32 // first token of each abstract section, and the end
}

// abbrDef records that an abbreviation is defined in the text, for a block
// or (block -1) for something the table does not know.
type abbrDef struct {
	abbr  string
	block int
}

func (t *Taxonomy) getScanner() *scanner {
	if s, ok := t.pool.Get().(*scanner); ok {
		return s
	}
	return t.newScanner()
}

func (t *Taxonomy) newScanner() *scanner {
	return &scanner{
		blocks:  make([]counts, len(t.blocks)),
		denied:  make([]bool, len(t.blocks)),
		mesh:    make([]uint32, len(t.mesh)),
		meshHit: make([]bool, len(t.blocks)),
		// Focus reads them for records without MeSH too.
		majorRefs: make([]uint32, len(t.mesh)),
		meshMajor: make([]bool, len(t.blocks)),
	}
}

func (t *Taxonomy) putScanner(s *scanner) {
	// Very long texts would pin large buffers in the pool.
	if cap(s.z.buf) > 1<<20 {
		return
	}
	t.pool.Put(s)
}

// scanText tokenizes the article's title, abstract and keywords and counts
// rule hits per block into s.blocks.
func (t *Taxonomy) scanText(s *scanner, a *pubmed.Article) {
	s.z.reset()
	s.hits, s.abbrs, s.nots, s.defined = s.hits[:0], s.abbrs[:0], s.nots[:0], s.defined[:0]
	clear(s.blocks)

	s.z.add(a.Title, fieldTitle)
	if a.Title == "" && a.Book != nil {
		s.z.add(a.Book.Title, fieldTitle)
	}
	s.secs = s.secs[:0]
	for _, sec := range a.Abstract {
		s.secs = append(s.secs, int32(len(s.z.toks)))
		s.z.add(sec.Text, fieldAbstract)
	}
	s.secs = append(s.secs, int32(len(s.z.toks)))
	for _, k := range a.Keywords {
		s.z.add(k.Text, fieldKeywords)
	}
	s.z.finish()
	toks := s.z.toks
	for i, sec := range a.Abstract {
		markKey(toks[s.secs[i]:s.secs[i+1]], sec)
	}

	for i := range toks {
		tk := &toks[i]
		if tk.punct != 0 {
			continue
		}
		for _, ri := range t.byFirst[tk.lower] {
			t.tryPhrase(s, ri, i)
		}
		// One-letter prefixes would be keyed by one byte; the parser
		// keeps prefixes at two letters or more, so two bytes suffice.
		for _, ri := range t.byPrefix[prefixKey(tk.lower)] {
			if t.rules[ri].words[0].match(tk.lower) {
				t.tryPhrase(s, ri, i)
			}
		}
		for _, ri := range t.byAbbr[tk.orig] {
			t.tryAbbr(s, ri, i)
		}
	}

	// Drop term hits that sit inside a "not" phrase of their block, and
	// join hits of one block that overlap or touch: "Hashimoto's
	// thyroiditis" is one mention although "hashimoto*" and "thyroiditis"
	// match it separately.
	kept := s.hits[:0]
	for _, h := range s.hits {
		if s.excluded(t, h) {
			continue
		}
		if k := joinable(t, kept, h); k >= 0 {
			kept[k].end = max(kept[k].end, h.end)
			if weight(t.rules[h.rule].kind) > weight(t.rules[kept[k].rule].kind) {
				kept[k].rule = h.rule
			}
			continue
		}
		kept = append(kept, h)
	}
	s.hits = kept

	for i := range s.hits {
		h := &s.hits[i]
		r := &t.rules[h.rule]
		f := toks[h.start].field
		if r.kind == ruleTitle && f != fieldTitle || r.kind == ruleRef {
			continue
		}
		c := &s.blocks[r.block]
		c.count(toks, h)
		if r.kind == ruleModel {
			c.model++
		}
	}

	t.resolveAbbrs(s)
	t.resolveRefs(s)
}

// count adds one mention at h to the block's counts.
func (c *counts) count(toks []tok, h *hit) {
	h.counted = true
	f := toks[h.start].field
	c.field[f]++
	if f == fieldAbstract && inList(toks, *h) {
		c.listed++
	}
	if f == fieldAbstract && toks[h.start].key {
		c.key++
	}
}

// resolveRefs counts the short forms ("ref" rules) that refer back to a
// block: "diabetes" in a text that has named type 1 diabetes. They count
// only where the text names the block in full (a term, model or counted
// abbreviation) and none of the block's "not" phrases occurs anywhere in
// it, since a text that also speaks of type 2 diabetes leaves a bare
// "diabetes" ambiguous.
func (t *Taxonomy) resolveRefs(s *scanner) {
	toks := s.z.toks
	// Which blocks are denied is settled once: asking per ref would cost
	// refs times nots, quadratic in a long text.
	clear(s.denied)
	for _, n := range s.nots {
		s.denied[t.rules[n.rule].block] = true
	}
	for i := range s.hits {
		h := &s.hits[i]
		r := &t.rules[h.rule]
		if r.kind != ruleRef {
			continue
		}
		c := &s.blocks[r.block]
		if c.field[fieldTitle]+c.field[fieldAbstract]+c.field[fieldKeywords]-c.refs == 0 || s.denied[r.block] {
			continue
		}
		c.count(toks, h)
		c.refs++
	}
}

func (t *Taxonomy) tryPhrase(s *scanner, ri, i int) {
	r := &t.rules[ri]
	toks := s.z.toks
	j := i
	for _, w := range r.words {
		if j >= len(toks) || toks[j].punct != 0 || !w.match(toks[j].lower) {
			return
		}
		j++
	}
	h := hit{rule: ri, start: i, end: j - 1}
	if r.near != nil && !near(toks, h, r.near) {
		return
	}
	if r.kind == ruleNot {
		s.nots = append(s.nots, h)
		return
	}
	s.hits = append(s.hits, h)
}

func (t *Taxonomy) tryAbbr(s *scanner, ri, i int) {
	r := &t.rules[ri]
	toks := s.z.toks
	end := i
	// Hyphenated abbreviations ("ZO-1") arrive as several tokens.
	if strings.IndexByte(r.abbr, '-') >= 0 {
		parts := strings.Split(r.abbr, "-")
		for _, p := range parts[1:] {
			end++
			if end >= len(toks) || toks[end].orig != p {
				return
			}
		}
	}
	h := hit{rule: ri, start: i, end: end}
	h.paren = i > 0 && toks[i-1].punct == '(' && end+1 < len(toks) && toks[end+1].punct == ')'
	s.abbrs = append(s.abbrs, h)
}

// joinable returns the index of a kept hit of h's block that h overlaps or
// directly follows (the next token), or -1. Hits arrive in order of their
// start token, so looking back over the hits that can still touch h is
// enough.
func joinable(t *Taxonomy, kept []hit, h hit) int {
	b := t.rules[h.rule].block
	for i := len(kept) - 1; i >= 0; i-- {
		k := kept[i]
		if k.end < h.start-8 {
			break
		}
		if t.rules[k.rule].block == b && k.start <= h.end && h.start <= k.end+1 {
			return i
		}
	}
	return -1
}

// weight orders rule kinds for a joined hit, which takes the kind of its
// strongest part: an animal model stays a model, and a term that counts
// everywhere beats a title-only rule.
func weight(k ruleKind) int {
	switch k {
	case ruleModel:
		return 2
	case ruleTerm:
		return 1
	case ruleRef:
		return -1
	}
	return 0
}

// excluded reports whether a hit overlaps a "not" phrase of its own block.
// Nots arrive in order of their start token and span at most t.maxNot
// tokens, so only the few starting between h.start-t.maxNot+1 and h.end
// can overlap h: a text full of "not" phrases costs no more per hit.
func (s *scanner) excluded(t *Taxonomy, h hit) bool {
	b := t.rules[h.rule].block
	i, _ := slices.BinarySearchFunc(s.nots, h.end+1, func(n hit, start int) int { return cmp.Compare(n.start, start) })
	for i--; i >= 0 && s.nots[i].start > h.start-t.maxNot; i-- {
		n := s.nots[i]
		if t.rules[n.rule].block == b && h.start <= n.end {
			return true
		}
	}
	return false
}

// resolveAbbrs decides which abbreviation hits count. An abbreviation
// defined in the text ("celiac disease (CD)") means that and nothing else;
// one not defined counts where its rule says (always, or near context).
//
// Every step looks only at the hits that end just before an abbreviation
// (s.endingBefore) and at the distinct definitions, never at all hits or all
// definitions: a text of thousands of "term (ABBR)" pairs would otherwise
// take time quadratic in its length.
func (t *Taxonomy) resolveAbbrs(s *scanner) {
	toks := s.z.toks
	s.sortByEnd()
	for _, h := range s.abbrs {
		if !h.paren {
			continue
		}
		abbr := t.rules[h.rule].abbr
		// What ends closest before the parenthesis is what it abbreviates.
		best := -1
		for _, pi := range s.endingBefore(h) {
			if p := s.hits[pi]; definesAt(t, toks, p, h) {
				best = max(best, p.end)
			}
		}
		found := false
		for _, pi := range s.endingBefore(h) {
			if p := s.hits[pi]; p.end == best && definesAt(t, toks, p, h) {
				s.define(abbr, t.rules[p.rule].block)
				found = true
			}
		}
		if !found && h.start >= 2 && toks[h.start-2].punct == 0 {
			s.define(abbr, -1)
		}
	}
	for i := range s.abbrs {
		h := &s.abbrs[i]
		r := &t.rules[h.rule]
		definedHere, definedElse := false, false
		for _, d := range s.defined {
			if d.abbr != r.abbr {
				continue
			}
			if d.block == r.block {
				definedHere = true
			} else {
				definedElse = true
			}
		}
		var count bool
		switch {
		case definedHere:
			// The definition itself repeats the term; count the uses.
			count = !(h.paren && isDefinitionSite(s, *h))
		case definedElse:
			count = false
		case r.always:
			count = true
		case r.near != nil:
			count = near(toks, *h, r.near)
		}
		if count {
			s.blocks[r.block].count(toks, h)
		}
	}
}

// define records that abbr is defined for block (-1: as something the table
// does not know), once: the list stays as short as the table's distinct
// abbreviations, however often the text repeats a definition.
func (s *scanner) define(abbr string, block int) {
	for _, d := range s.defined {
		if d.abbr == abbr && d.block == block {
			return
		}
	}
	s.defined = append(s.defined, abbrDef{abbr: abbr, block: block})
}

// sortByEnd fills s.byEnd with the indexes of s.hits in order of their end
// token, for endingBefore.
func (s *scanner) sortByEnd() {
	s.byEnd = s.byEnd[:0]
	for i := range s.hits {
		s.byEnd = append(s.byEnd, int32(i))
	}
	slices.SortFunc(s.byEnd, func(a, b int32) int { return cmp.Compare(s.hits[a].end, s.hits[b].end) })
}

// endingBefore returns the indexes of the hits that end where a term
// defining the parenthesised abbreviation h can end: from
// 2+maxDefinitionGap tokens before it up to just before its "(".
func (s *scanner) endingBefore(h hit) []int32 {
	at := func(end int) int {
		i, _ := slices.BinarySearchFunc(s.byEnd, end, func(x int32, end int) int { return cmp.Compare(s.hits[x].end, end) })
		return i
	}
	return s.byEnd[at(h.start-2-maxDefinitionGap):at(h.start-1)]
}

// definesAt reports whether term hit p ends a few words before the
// parenthesised abbreviation h, as in "celiac disease (CD)".
func definesAt(t *Taxonomy, toks []tok, p, h hit) bool {
	kind := t.rules[p.rule].kind
	if kind != ruleTerm && kind != ruleModel {
		return false
	}
	if p.end >= h.start-1 || p.end < h.start-2-maxDefinitionGap {
		return false
	}
	return wordsOnly(toks, p.end+1, h.start-2)
}

// isDefinitionSite reports whether the parenthesised abbreviation h follows
// a term (and so was already counted as that term).
func isDefinitionSite(s *scanner, h hit) bool {
	for _, pi := range s.endingBefore(h) {
		if wordsOnly(s.z.toks, s.hits[pi].end+1, h.start-2) {
			return true
		}
	}
	return false
}

// wordsOnly reports whether tokens from..to (inclusive) are all words; an
// empty range is.
func wordsOnly(toks []tok, from, to int) bool {
	for i := from; i <= to; i++ {
		if toks[i].punct != 0 {
			return false
		}
	}
	return true
}

// near reports whether one of the context words occurs within nearWindow
// tokens of h, without crossing into another field.
func near(toks []tok, h hit, ctx []word) bool {
	f := toks[h.start].field
	lo, hi := max(h.start-nearWindow, 0), min(h.end+nearWindow, len(toks)-1)
	for i := lo; i <= hi; i++ {
		if i >= h.start && i <= h.end {
			continue
		}
		tk := &toks[i]
		if tk.punct != 0 || tk.field != f {
			continue
		}
		for _, w := range ctx {
			if w.match(tk.lower) {
				return true
			}
		}
	}
	return false
}

// inList reports whether a hit reads as one item of an enumeration ("such as
// asthma, rheumatoid arthritis and psoriasis"): a comma on one side, or a
// comma-separated run ending in "and"/"or" on the other.
func inList(toks []tok, h hit) bool {
	before := func(i int) *tok {
		if i >= 0 {
			return &toks[i]
		}
		return nil
	}
	after := func(i int) *tok {
		if i < len(toks) {
			return &toks[i]
		}
		return nil
	}
	p, n := before(h.start-1), after(h.end+1)
	if p != nil && p.punct == ',' || n != nil && n.punct == ',' {
		return true
	}
	isConj := func(t *tok) bool { return t != nil && t.punct == 0 && (t.lower == "and" || t.lower == "or") }
	if isConj(p) {
		// "..., X and Y": a comma a few words before the conjunction.
		for i := h.start - 2; i >= 0 && i >= h.start-6; i-- {
			if toks[i].punct == ',' {
				return true
			}
			if toks[i].punct != 0 {
				break
			}
		}
	}
	return false
}

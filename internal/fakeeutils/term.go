package fakeeutils

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"villi/pubmed"
)

// ErrTerm is wrapped by every error about a search term that cannot be parsed.
var ErrTerm = errors.New("bad search term")

// field is the part of a record a term leaf is matched against.
type field uint8

const (
	fieldAll  field = iota // title, abstract, MeSH names, keywords
	fieldTIAB              // title, abstract, keywords
	fieldTI                // title
	fieldMH                // MeSH descriptor and qualifier names
	fieldMAJR              // MeSH names of major headings
	fieldPT                // publication type names
	fieldDP                // publication date (a date or range)
	fieldEDAT              // entrez date
	fieldMDAT              // modification date
	fieldDOI               // the record's DOI, whole and in any case
)

// tags maps PubMed's short and long field tags (lowercased) to fields.
var tags = map[string]field{
	"all": fieldAll, "all fields": fieldAll, "tw": fieldAll, "text word": fieldAll,
	"tiab": fieldTIAB, "title/abstract": fieldTIAB,
	"ti": fieldTI, "title": fieldTI,
	"mh": fieldMH, "mesh": fieldMH, "mesh terms": fieldMH,
	"majr": fieldMAJR, "mesh major topic": fieldMAJR,
	"pt": fieldPT, "publication type": fieldPT,
	"dp": fieldDP, "pdat": fieldDP, "publication date": fieldDP,
	"edat": fieldEDAT, "entrez date": fieldEDAT,
	"mdat": fieldMDAT, "modification date": fieldMDAT,
	"doi": fieldDOI, "aid": fieldDOI, "lid": fieldDOI,
}

var fieldNames = [...]string{
	fieldAll: "All Fields", fieldTIAB: "Title/Abstract", fieldTI: "Title",
	fieldMH: "MeSH Terms", fieldMAJR: "MeSH Major Topic", fieldPT: "Publication Type",
	fieldDP: "Publication Date", fieldEDAT: "Entrez Date", fieldMDAT: "Modification Date",
	fieldDOI: "doi",
}

// node is a parsed search term.
type node interface {
	match(r *record) bool
	String() string // the QueryTranslation form
	leaves(fn func(*leaf))
}

type opKind uint8

const (
	opAnd opKind = iota
	opOr
	opNot
)

type binary struct {
	op          opKind
	left, right node
}

func (b *binary) match(r *record) bool {
	switch b.op {
	case opOr:
		return b.left.match(r) || b.right.match(r)
	case opNot:
		return b.left.match(r) && !b.right.match(r)
	}
	return b.left.match(r) && b.right.match(r)
}

func (b *binary) String() string {
	return "(" + b.left.String() + " " + [...]string{"AND", "OR", "NOT"}[b.op] + " " + b.right.String() + ")"
}

func (b *binary) leaves(fn func(*leaf)) { b.left.leaves(fn); b.right.leaves(fn) }

// leaf is a word or phrase in one field; prefix means the last word was
// written with a trailing * (truncation). Date fields use from/to instead.
type leaf struct {
	raw      string
	field    field
	words    []string
	prefix   bool
	from, to int // yyyymmdd, inclusive, for date fields

	// Set by bind: the words as dictionary ids (0 for a word no record
	// has), and for truncation which ids the last word's prefix covers.
	ids     []uint32
	covered []bool
}

func (l *leaf) leaves(fn func(*leaf)) { fn(l) }

func (l *leaf) String() string {
	if l.field == fieldAll {
		if len(l.words) > 1 {
			return `"` + l.raw + `"[All Fields]`
		}
		return l.raw + "[All Fields]"
	}
	return `"` + l.raw + `"[` + fieldNames[l.field] + "]"
}

func (l *leaf) match(r *record) bool {
	switch l.field {
	case fieldDP:
		return l.from <= r.pdat && r.pdat <= l.to
	case fieldEDAT:
		return l.from <= r.edat && r.edat <= l.to
	case fieldMDAT:
		return l.from <= r.mdat && r.mdat <= l.to
	case fieldDOI:
		return r.doi != "" && strings.EqualFold(strings.TrimSpace(l.raw), r.doi)
	case fieldTI:
		return l.in(r.title)
	case fieldPT:
		return l.inAny(r.pubTypes)
	case fieldMH:
		return l.inMeSH(r.mesh, false)
	case fieldMAJR:
		return l.inMeSH(r.mesh, true)
	case fieldTIAB:
		return l.in(r.title) || l.in(r.abstract) || l.inAny(r.keywords)
	}
	return l.in(r.title) || l.in(r.abstract) || l.inAny(r.keywords) || l.inMeSH(r.mesh, false)
}

func (l *leaf) inAny(fields [][]uint32) bool {
	for _, f := range fields {
		if l.in(f) {
			return true
		}
	}
	return false
}

func (l *leaf) inMeSH(hs []meshWords, majorOnly bool) bool {
	for _, h := range hs {
		if majorOnly && !h.major {
			continue
		}
		if l.in(h.descriptor) || l.inAny(h.qualifiers) || l.inAny(h.combined) {
			return true
		}
	}
	return false
}

// in reports whether the leaf's words occur contiguously in text.
func (l *leaf) in(text []uint32) bool {
	n := len(l.ids)
	if n == 0 {
		return false
	}
	last := l.ids[n-1]
	for i := 0; i+n <= len(text); i++ {
		j := 0
		for j < n-1 && text[i+j] == l.ids[j] {
			j++
		}
		if j < n-1 {
			continue
		}
		t := text[i+n-1]
		if t == last || l.covered != nil && int(t) < len(l.covered) && l.covered[t] {
			return true
		}
	}
	return false
}

// bind resolves the leaf's words against the dictionary of the records it
// will be matched against.
func (l *leaf) bind(d *dict) {
	if l.words == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l.ids = make([]uint32, len(l.words))
	for i, w := range l.words {
		l.ids[i] = d.ids[w]
	}
	if !l.prefix {
		return
	}
	stem := l.words[len(l.words)-1]
	l.covered = make([]bool, len(d.words)+1)
	for i, w := range d.words {
		if strings.HasPrefix(w, stem) {
			l.covered[i+1] = true
		}
	}
}

// dict numbers the distinct words of all records (from 1), so matching
// compares integers rather than strings.
type dict struct {
	mu    sync.Mutex
	ids   map[string]uint32
	words []string // words[id-1]
}

// intern tokenizes s and returns its words' ids, adding new words.
func (d *dict) intern(s string) []uint32 {
	ws := words(s)
	if len(ws) == 0 {
		return nil
	}
	out := make([]uint32, len(ws))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil {
		d.ids = make(map[string]uint32)
	}
	for i, w := range ws {
		id, ok := d.ids[w]
		if !ok {
			// Clone: w shares the lowercased field text, which should not
			// stay alive for one word.
			w = strings.Clone(w)
			d.words = append(d.words, w)
			id = uint32(len(d.words))
			d.ids[w] = id
		}
		out[i] = id
	}
	return out
}

// words splits text into lowercased runs of letters and digits, which is
// how both records and terms are compared. The words share one lowercased
// copy of s.
func words(s string) []string {
	s = strings.ToLower(s)
	out := make([]string, 0, len(s)/6)
	start := -1
	for i := 0; i < len(s); {
		c, size := rune(s[i]), 1
		var alnum bool
		if c < utf8.RuneSelf {
			alnum = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z'
		} else {
			c, size = utf8.DecodeRuneInString(s[i:])
			alnum = unicode.IsLetter(c) || unicode.IsDigit(c)
		}
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			out = append(out, s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// parseTerm parses a PubMed search term. As in PubMed, AND, OR and NOT are
// upper case and apply strictly left to right; parentheses group; words
// next to each other are ANDed, except that bare words right before a field
// tag form one phrase ("celiac disease[mh]"). Unknown field tags search all
// fields and are reported in unknownTags, as NCBI's FieldNotFound does.
func parseTerm(s string) (n node, unknownTags []string, err error) {
	toks, err := lex(s)
	if err != nil {
		return nil, nil, err
	}
	p := &termParser{toks: toks}
	n, err = p.seq()
	if err != nil {
		return nil, nil, err
	}
	if p.i < len(p.toks) {
		return nil, nil, fmt.Errorf("%w: unexpected %q", ErrTerm, p.toks[p.i].text)
	}
	return n, p.unknown, nil
}

type tokKind uint8

const (
	tokWord tokKind = iota
	tokQuoted
	tokTag
	tokOpen
	tokClose
)

type token struct {
	kind tokKind
	text string
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '+':
			// '+' is how a space arrives from a hand-encoded URL.
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")"})
			i++
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated quote", ErrTerm)
			}
			toks = append(toks, token{tokQuoted, s[i+1 : i+1+end]})
			i += end + 2
		case c == '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated field tag", ErrTerm)
			}
			toks = append(toks, token{tokTag, strings.TrimSpace(s[i+1 : i+1+end])})
			i += end + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r+()\"[", rune(s[j])) {
				_, size := utf8.DecodeRuneInString(s[j:])
				j += size
			}
			toks = append(toks, token{tokWord, s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type termParser struct {
	toks    []token
	i       int
	unknown []string
}

func (p *termParser) peek() (token, bool) {
	if p.i >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.i], true
}

func isOp(t token) (opKind, bool) {
	if t.kind != tokWord {
		return 0, false
	}
	switch t.text {
	case "AND":
		return opAnd, true
	case "OR":
		return opOr, true
	case "NOT":
		return opNot, true
	}
	return 0, false
}

// seq parses operands joined by operators, left to right, until ')' or the end.
func (p *termParser) seq() (node, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokClose {
			return left, nil
		}
		op := opAnd
		if o, isop := isOp(t); isop {
			op = o
			p.i++
		}
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		left = &binary{op: op, left: left, right: right}
	}
}

func (p *termParser) operand() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("%w: term ends where a word was expected", ErrTerm)
	}
	if _, isop := isOp(t); isop {
		return nil, fmt.Errorf("%w: %s needs a term on each side", ErrTerm, t.text)
	}
	switch t.kind {
	case tokOpen:
		p.i++
		n, err := p.seq()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.kind != tokClose {
			return nil, fmt.Errorf("%w: missing )", ErrTerm)
		}
		p.i++
		return n, nil
	case tokClose:
		return nil, fmt.Errorf("%w: unexpected )", ErrTerm)
	case tokTag:
		return nil, fmt.Errorf("%w: field tag [%s] without a term", ErrTerm, t.text)
	case tokQuoted:
		p.i++
		return p.leaf(t.text, p.tag())
	}
	// Bare words: collect the run; a tag right after makes the run one phrase.
	start := p.i
	for p.i < len(p.toks) && p.toks[p.i].kind == tokWord {
		if _, isop := isOp(p.toks[p.i]); isop {
			break
		}
		p.i++
	}
	run := p.toks[start:p.i]
	if t, ok := p.peek(); ok && t.kind == tokTag {
		texts := make([]string, len(run))
		for i, w := range run {
			texts[i] = w.text
		}
		return p.leaf(strings.Join(texts, " "), p.tag())
	}
	var n node
	for _, w := range run {
		l, err := p.leaf(w.text, "")
		if err != nil {
			return nil, err
		}
		if n == nil {
			n = l
		} else {
			n = &binary{op: opAnd, left: n, right: l}
		}
	}
	return n, nil
}

// tag consumes a field tag after a term, if there is one.
func (p *termParser) tag() string {
	if t, ok := p.peek(); ok && t.kind == tokTag {
		p.i++
		return t.text
	}
	return ""
}

func (p *termParser) leaf(text, tag string) (node, error) {
	f := fieldAll
	if tag != "" {
		var ok bool
		if f, ok = tags[strings.ToLower(tag)]; !ok {
			p.unknown = append(p.unknown, tag)
			f = fieldAll
		}
	}
	l := &leaf{raw: text, field: f}
	switch f {
	case fieldDP, fieldEDAT, fieldMDAT:
		lo, hi, ok := strings.Cut(text, ":")
		if !ok {
			hi = lo
		}
		var err error
		if l.from, err = parseDate(strings.TrimSpace(lo), false); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrTerm, err)
		}
		if l.to, err = parseDate(strings.TrimSpace(hi), true); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrTerm, err)
		}
		return l, nil
	case fieldDOI:
		// Matched whole, as PubMed's [doi] index does: no words.
		return l, nil
	}
	text = strings.TrimSpace(text)
	if strings.HasSuffix(text, "*") {
		l.prefix = true
		text = strings.TrimRight(text, "*")
	}
	l.words = words(text)
	if len(l.words) == 0 {
		return nil, fmt.Errorf("%w: %q holds no word", ErrTerm, l.raw)
	}
	return l, nil
}

// meshWords is one MeSH heading's names as word ids.
type meshWords struct {
	major      bool
	descriptor []uint32
	qualifiers [][]uint32
	combined   [][]uint32 // descriptor followed by each qualifier ("celiac disease/diet therapy")
}

func meshOf(d *dict, hs []pubmed.MeshHeading) []meshWords {
	out := make([]meshWords, 0, len(hs))
	for _, h := range hs {
		m := meshWords{major: h.IsMajor(), descriptor: d.intern(h.DescriptorName)}
		for _, q := range h.Qualifiers {
			qw := d.intern(q.Name)
			m.qualifiers = append(m.qualifiers, qw)
			m.combined = append(m.combined, slices.Concat(m.descriptor, qw))
		}
		out = append(out, m)
	}
	return out
}

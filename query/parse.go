package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// Query is a parsed query. The zero value, like Parse(""), is empty.
type Query struct {
	root  node
	s     string
	plain []token // see parser.plain
}

// Empty reports whether the input was blank.
func (q *Query) Empty() bool { return q.root == nil }

// String returns the canonical "searched as" text: explicit grouping,
// synonym expansions, canonical tags, stop words dropped. Parsing it yields
// the same query.
func (q *Query) String() string { return q.s }

// Bleve returns a new bleve query for q over the fields of the shared field
// contract; MatchAll when q is empty. Callers may combine it with filters.
func (q *Query) Bleve() bq.Query {
	if q.root == nil {
		return bq.NewMatchAllQuery()
	}
	return q.root.bleve()
}

// Parse parses a PubMed-style query. Malformed input returns a *SyntaxError
// that says where and how to fix it; blank input returns an empty query.
// It maps terms through the synonym table and identifiers only; see
// ParseMapped for tags, authors and journals.
func Parse(s string) (*Query, error) { return ParseMapped(s, Mapping{}) }

// ParseMapped parses like Parse and also tries untagged terms as what m
// knows (termmap.go, tagmap.go): a name of a tag, a surname, a journal.
// String() shows each choice, and ParseMapped(q.String(), m) yields the
// same query.
func ParseMapped(s string, m Mapping) (*Query, error) {
	// A pasted identifier is tried whole, before the lexer, which would
	// split a DOI at its parentheses ("10.1016/S0140-6736(05)...").
	if utf8.RuneCountInString(s) <= MaxChars && utf8.ValidString(s) {
		if n := identifier(s); n != nil {
			return &Query{root: n, s: nodeString(n)}, nil
		}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return &Query{}, nil
	}
	an, err := englishAnalyzer()
	if err != nil {
		return nil, fmt.Errorf("query: english analyzer: %w", err)
	}
	syn, err := synonyms()
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	p := &parser{toks: toks, an: an, syn: syn, pmids: identifiersOnly(toks), tags: m.Tags, lib: m.Library,
		single: len(toks) == 1 && toks[0].kind == tokWord}
	p.ctx = p.context(toks)
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	if p.ambiguous(toks) {
		// An ambiguous abbreviation's context may come from what other
		// terms expand to ("uc mesalamine cd": UC's "ulcerative colitis"
		// names colitis, CD's context). Context grows until it holds the
		// words of the query as searched, so that String() parses back the
		// same.
		for range 4 {
			more, err := lex(nodeString(root))
			if err != nil {
				break
			}
			n := len(p.ctx)
			p.ctx = append(p.ctx, p.context(more)...)
			if !p.contextGrew(n) {
				break
			}
			p.i = 0
			if root, err = p.parse(); err != nil {
				return nil, err
			}
		}
	}
	if root == nil {
		return nil, syntaxErr(0, "nothing to search",
			`the query has only common words such as "the" or "of", which are not indexed`)
	}
	q := &Query{root: root, s: nodeString(root), plain: p.plain}
	// Checked after expansion too, so that Parse(q.String()) always succeeds.
	if n := root.terms(); n > MaxTerms {
		return nil, syntaxErr(0, "query too long",
			fmt.Sprintf("with synonyms it searches %d terms; the limit is %d", n, MaxTerms))
	}
	if n := utf8.RuneCountInString(q.s); n > MaxChars {
		return nil, syntaxErr(0, "query too long",
			fmt.Sprintf("with synonyms it is %d characters; the limit is %d", n, MaxChars))
	}
	return q, nil
}

type parser struct {
	toks   []token
	i      int
	an     analysis.Analyzer
	syn    *synTable
	pmids  bool // the whole query is bare numbers or identifiers: a list of records
	tags   *Tags
	lib    Library
	ctx    []ctxTerm // the query's terms, for ambiguous abbreviations
	single bool      // the query is one word: tried as a one-word journal title too
	plain  []token   // the words searched as plain text, which spelling correction may replace (spell.go)
}

// parse parses the whole token list.
func (p *parser) parse() (node, error) {
	root, err := p.chain()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		// checkParens makes this unreachable; keep garbage out regardless.
		return nil, syntaxErr(p.toks[p.i].pos, "unexpected input", "check the parentheses")
	}
	return root, nil
}

func (p *parser) peek() (token, bool) {
	if p.i >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.i], true
}

// chain parses operands joined left to right by AND, OR, NOT (equal
// precedence, as PubMed) up to the end or a closing parenthesis.
func (p *parser) chain() (node, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokRParen {
			return left, nil
		}
		op, opTok, explicit := opAnd, t, true
		switch t.kind {
		case tokAnd:
			p.i++
			if n, ok := p.peek(); ok && n.kind == tokNot {
				// "a AND NOT b" is how many people write PubMed's "a NOT b".
				p.i++
				op, opTok = opNot, n
			}
		case tokOr:
			p.i++
			op = opOr
		case tokNot:
			p.i++
			op = opNot
		case tokTag:
			return nil, syntaxErr(t.pos, "field tag after parentheses",
				"tag each term inside them, as in (zonulin[ti] OR gliadin[ti])")
		default:
			// A group next to a term: an implicit AND in the chain (OR in a
			// list of PMIDs, as PubMed reads "123 456").
			explicit = false
			if p.pmids {
				op = opOr
			}
		}
		if explicit {
			if err := p.checkAfterOperator(opTok); err != nil {
				return nil, err
			}
		}
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		if op == opNot && left == nil && right != nil {
			return nil, syntaxErr(opTok.pos, "nothing to search before NOT",
				`common words such as "the" are not indexed; put a search term before NOT`)
		}
		left = combine(op, left, right)
	}
}

func (p *parser) checkAfterOperator(op token) error {
	n, ok := p.peek()
	switch {
	case !ok || n.kind == tokRParen:
		return syntaxErr(op.pos, op.opName()+" needs a term after it",
			"add a term after "+op.opName()+" or remove it")
	case op.kind == tokOr && n.kind == tokNot:
		return syntaxErr(n.pos, "NOT cannot follow OR",
			`NOT excludes from what comes before it: write "a NOT b", or "(a OR b) NOT c"`)
	case n.kind == tokAnd || n.kind == tokOr || n.kind == tokNot:
		return syntaxErr(n.pos, n.opName()+" cannot follow "+op.opName(), "remove one of them")
	case n.kind == tokTag:
		return syntaxErr(n.pos, "field tag ["+n.tag.name+"] needs a term before it",
			"write the term first, as in zonulin[ti]")
	}
	return nil
}

// operand parses a parenthesised group or a run of adjacent terms.
func (p *parser) operand() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, syntaxErr(0, "missing search term", "type a word or a phrase")
	}
	switch t.kind {
	case tokLParen:
		p.i++
		if n, ok := p.peek(); ok && n.kind == tokRParen {
			return nil, syntaxErr(t.pos, "empty parentheses", "put a term inside them or remove them")
		}
		inner, err := p.chain()
		if err != nil {
			return nil, err
		}
		p.i++ // the ")" that checkParens guarantees
		return inner, nil
	case tokRParen:
		return nil, syntaxErr(t.pos, "unbalanced parenthesis", `add "(" or remove ")"`)
	case tokAnd, tokOr:
		return nil, syntaxErr(t.pos, t.opName()+" needs a term before it",
			"add a term before "+t.opName()+" or remove it")
	case tokNot:
		return nil, syntaxErr(t.pos, "NOT needs a term before it",
			`NOT excludes from what comes before it, as in "gluten NOT mice"`)
	case tokTag:
		return nil, syntaxErr(t.pos, "field tag ["+t.tag.name+"] needs a term before it",
			"write the term first, as in zonulin[ti]")
	}
	return p.run()
}

// run parses adjacent words and phrases, with their field tags. The words
// of a run are ANDed tighter than any operator: a run names one concept.
func (p *parser) run() (node, error) {
	var out node
	for {
		start := p.i
		for p.i < len(p.toks) && p.toks[p.i].isTerm() {
			p.i++
		}
		if p.i == start {
			return out, nil
		}
		seg := p.toks[start:p.i]
		if p.pmids {
			for _, t := range seg {
				var n node
				if isPMID(t.text) {
					id, _ := strconv.ParseUint(t.text, 10, 64)
					n = &pmidLeaf{id: id}
				} else {
					n = identifier(t.text)
				}
				out = combine(opOr, out, n)
			}
			continue
		}
		t, ok := p.peek()
		if !ok || t.kind != tokTag {
			n, err := p.untagged(seg)
			if err != nil {
				return nil, err
			}
			out = combine(opAnd, out, n)
			continue
		}
		p.i++
		if n, ok := p.peek(); ok && n.kind == tokTag {
			return nil, syntaxErr(n.pos, "two field tags on one term",
				"use one tag per term; for title or abstract use [tiab]")
		}
		// The tag takes the quoted phrase before it, or the trailing run of
		// unquoted words ("fasano a[au]") back to a wildcard, which can only
		// end a term; a year or PMID is one word, so "zonulin 2015[dp]" means
		// zonulin AND 2015[dp].
		k := len(seg) - 1
		if seg[k].kind == tokWord && t.tag.kind != tagYear && t.tag.kind != tagPMID && t.tag.kind != tagID {
			for k > 0 && seg[k-1].kind == tokWord && !seg[k-1].prefix {
				k--
			}
		}
		before, err := p.untagged(seg[:k])
		if err != nil {
			return nil, err
		}
		tagged, err := p.tagged(seg[k:], t.tag)
		if err != nil {
			return nil, err
		}
		out = combine(opAnd, combine(opAnd, out, before), tagged)
	}
}

// untagged turns words and phrases into leaves over all text fields,
// expanding synonyms: the longest run of words that is a member wins. As in
// PubMed, an identifier searches its field and a surname with initials
// ("Fasano A") the authors as well as the text.
func (p *parser) untagged(seg []token) (node, error) {
	var out node
	for i := 0; i < len(seg); {
		t := seg[i]
		if t.prefix {
			// A wildcard never maps: it searches text.
		} else if n := identifier(t.text); n != nil {
			out = combine(opAnd, out, n)
			i++
			continue
		} else if n, ok, err := p.tagTerm(t); ok {
			if err != nil {
				return nil, err
			}
			out = combine(opAnd, out, n)
			i++
			continue
		} else if i+1 < len(seg) && t.kind == tokWord && seg[i+1].kind == tokWord && !seg[i+1].prefix &&
			authorPair(t.text, seg[i+1].text) && len(tokens(p.an, t.text)) > 0 {
			out = combine(opAnd, out, p.authorOrText(t.text+" "+seg[i+1].text))
			i += 2
			continue
		}
		if t.kind == tokPhrase {
			// As in PubMed, a quoted phrase searches its words only.
			out = combine(opAnd, out, p.textLeaf(nil, t.text, true))
			i++
			continue
		}
		matched := false
		for l := min(p.maxWords(), len(seg)-i); l >= 1 && !matched; l-- {
			words := make([]string, 0, l)
			for _, w := range seg[i : i+l] {
				if w.kind != tokWord || w.prefix {
					break
				}
				words = append(words, w.text)
			}
			if len(words) < l {
				continue
			}
			if n := p.mapped(seg[i:i+l], strings.Join(words, " ")); n != nil {
				out = combine(opAnd, out, n)
				i += l
				matched = true
			}
		}
		if matched {
			continue
		}
		if t.prefix {
			n, err := p.prefixLeaf(nil, t)
			if err != nil {
				return nil, err
			}
			out = combine(opAnd, out, n)
		} else {
			// A number searched as text is shown quoted, as it must be typed
			// to stay text in a query of numbers only ("2015" of "2015 of").
			n := p.textLeaf(nil, t.text, isPMID(t.text))
			if n != nil && p.surname(t.text) {
				// "fasano zonulin": as PubMed, a word is also tried as an
				// author, ORed so that the word itself loses nothing.
				n = combine(opOr, n, &authorLeaf{text: t.text})
			}
			out = combine(opAnd, out, n)
			p.plain = append(p.plain, t)
		}
		i++
	}
	return out, nil
}

// maxWords is the longest word run that can map to something.
func (p *parser) maxWords() int {
	n := p.syn.maxWords
	if p.tags != nil {
		n = max(n, p.tags.maxWords)
	}
	if p.lib != nil {
		n = max(n, journalMaxWords)
	}
	return n
}

// mapped returns what an untagged run of words (seg, text) maps to, or nil
// when it is only words: a synonym group, ORed with the tags it names; else
// the words as a phrase ORed with the tags they name (PubMed searches the
// phrase of a heading it maps to); else, for a journal name, each word ORed
// with the journal. An ambiguous abbreviation (ms, RA) names its tag only
// with the taxonomy's context words elsewhere in the query; without them it
// is what it was before tags (MS its group, ms a word).
func (p *parser) mapped(seg []token, text string) node {
	words := len(seg)
	var (
		g    *synGroup
		refs []tagRef
	)
	if words == 1 && p.ambiguousWord(text) {
		refs = p.tags.inContext(text, p.contextFor(text))
		if len(refs) > 0 {
			if g = p.syn.lookup(strings.ToUpper(text)); g == nil {
				g = p.syn.lookup(text)
			}
		} else {
			g = p.syn.lookup(text)
		}
	} else {
		g = p.syn.lookup(text)
		refs = p.tags.lookup(text)
		for _, r := range p.tags.ofGroup(g) {
			refs = appendRef(refs, r)
		}
	}
	var base node
	switch {
	case g != nil:
		base = &synNode{g: g}
	case len(refs) > 0:
		base = p.textLeaf(nil, text, words > 1 || isPMID(text))
	case p.lib != nil && (words > 1 || p.single) && p.lib.Journal(strings.ToLower(text)):
		// The words each as they would be without the journal, as PubMed
		// does ("gut microbes": Gut Microbes[ta] OR gut AND microbes), so
		// that the journal loses nothing.
		var each node
		for _, t := range seg {
			if words == 1 {
				break // the one word of the query: a word, not a run to map again
			}
			n, err := p.untagged([]token{t})
			if err != nil {
				return nil
			}
			each = combine(opAnd, each, n)
		}
		if each == nil {
			each = p.textLeaf(nil, text, isPMID(text))
		}
		return combine(opOr, each, &kwLeaf{tag: tagJournal, text: text})
	default:
		return nil
	}
	if base == nil {
		return nil
	}
	return withTags(base, refs)
}

// surname reports whether an untagged word is a known author surname of
// the library.
func (p *parser) surname(w string) bool {
	if p.lib == nil || !authorWord(w) {
		return false
	}
	return p.lib.Surname(strings.ToLower(w))
}

// authorWord reports whether w can be a surname: letters, with inner
// hyphens or apostrophes ("o'brien", "smith-jones").
func authorWord(w string) bool {
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '-' || r == '\'' || r == '’':
		default:
			return false
		}
	}
	return letters >= 2
}

// textLeaf returns a word or phrase leaf, or nil when the text is only stop
// words, which the index never holds.
func (p *parser) textLeaf(tg *tag, text string, quoted bool) node {
	toks := tokens(p.an, text)
	if len(toks) == 0 {
		return nil
	}
	return &textLeaf{tag: tg, text: text, quoted: quoted, phrase: len(toks) > 1}
}

func (p *parser) prefixLeaf(tg *tag, t token) (node, error) {
	if !plainWord(t.text) {
		return nil, syntaxErr(t.pos, "wildcard after punctuation",
			"wildcards work on plain words, as in gluten*")
	}
	return &textLeaf{tag: tg, text: t.text, prefix: true,
		stems: stemVariants(p.an, strings.ToLower(t.text))}, nil
}

// tagged builds the leaf for words or one phrase followed by a field tag.
func (p *parser) tagged(seg []token, tg *tag) (node, error) {
	first, last := seg[0], seg[len(seg)-1]
	words := make([]string, len(seg))
	for i, t := range seg {
		words[i] = t.text
	}
	text := strings.Join(words, " ")
	quoted := first.kind == tokPhrase
	multi := strings.Contains(text, " ")
	switch tg.kind {
	case tagText:
		if last.prefix {
			if len(seg) > 1 {
				return nil, syntaxErr(last.pos, "wildcard in a multi-word term",
					"wildcards work on single words: tag each word, as in gut[ti] microb*[ti]")
			}
			return p.prefixLeaf(tg, last)
		}
		return p.textLeaf(tg, text, quoted || multi), nil
	case tagAuthor:
		if last.prefix && !multi && !plainWord(text) {
			return nil, syntaxErr(last.pos, "wildcard after punctuation",
				"wildcards work on plain words, as in fasan*[au]")
		}
		return &authorLeaf{text: text, quoted: quoted, prefix: last.prefix && !multi, multi: multi}, nil
	case tagKeyword:
		return &kwLeaf{tag: tg, text: text, prefix: last.prefix}, nil
	case tagYear:
		from, to, err := parseYears(text, first.pos)
		if err != nil {
			return nil, err
		}
		if last.prefix {
			return nil, syntaxErr(first.pos, "wildcard in a year", "write a range instead, as in 2010:2019[dp]")
		}
		return &yearLeaf{from: from, to: to}, nil
	case tagID:
		n := identifier(text)
		if l, ok := n.(*idLeaf); ok && !last.prefix && l.tag == tg {
			return l, nil
		}
		if tg == tagDOI {
			return nil, syntaxErr(first.pos, "not a DOI: "+text,
				"a DOI starts with 10. and a slash, as in 10.1038/nature12345[doi]")
		}
		if pmc, ok := pmcID("PMC" + text); ok && !last.prefix {
			return &idLeaf{tag: tagPMC, text: pmc}, nil
		}
		return nil, syntaxErr(first.pos, "not a PMC ID: "+text, "a PMC ID is PMC and digits, as in PMC1234567[pmcid]")
	default: // tagPMID
		if last.prefix || !isPMID(text) {
			return nil, syntaxErr(first.pos, "not a PMID: "+text,
				"a PMID is 1 to 8 digits, as in 12345678[pmid]")
		}
		id, _ := strconv.ParseUint(text, 10, 64)
		return &pmidLeaf{id: id}, nil
	}
}

// parseYears reads "2015" or "2015:2025".
func parseYears(s string, pos int) (from, to int, err error) {
	bad := syntaxErr(pos, "not a year: "+s, "[dp] takes a year or a range, as in 2015[dp] or 2015:2025[dp]")
	a, b, isRange := strings.Cut(s, ":")
	if from, err = year(a); err != nil {
		return 0, 0, bad
	}
	to = from
	if isRange {
		if to, err = year(b); err != nil {
			return 0, 0, bad
		}
	}
	if to < from {
		return 0, 0, syntaxErr(pos, "date range runs backwards: "+s,
			fmt.Sprintf("write the earlier year first: %d:%d[dp]", to, from))
	}
	return from, to, nil
}

func year(s string) (int, error) {
	if len(s) != 4 || !allDigits(s) || s[0] == '0' {
		return 0, fmt.Errorf("not a year")
	}
	return strconv.Atoi(s)
}

func isPMID(s string) bool { return len(s) >= 1 && len(s) <= 8 && allDigits(s) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// identifiersOnly reports whether every term is a bare number that could be
// a PMID, or an identifier: PubMed reads such a query as a list of records.
func identifiersOnly(toks []token) bool {
	any := false
	for _, t := range toks {
		switch t.kind {
		case tokTag, tokPhrase:
			return false
		case tokWord:
			if t.prefix || !isPMID(t.text) && identifier(t.text) == nil {
				return false
			}
			any = true
		}
	}
	return any
}

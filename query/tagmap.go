package query

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// This file maps untagged terms to the tags of the taxonomy (condition,
// mechanism, evidence level), as PubMed maps them to MeSH headings: the
// tag carries NLM's headings and the headings under them, so
// "inflammatory bowel disease" also finds a record NLM indexed under Crohn
// Disease. The table comes in as data (TagName, from taxonomy.Names), so
// that this package imports no taxonomy and a replaced table maps its own
// names.

// Tag kinds, as a tag term writes them (condition:ibd).
const (
	KindCondition = "condition"
	KindMechanism = "mechanism"
	KindEvidence  = "evidence"
)

// tagFields are the index fields of the tag kinds.
var tagFields = map[string]string{
	KindCondition: "conditions",
	KindMechanism: "mechanisms",
	KindEvidence:  "evidence",
}

// TagName is one name of a tag (see taxonomy.Name): words, or an
// abbreviation, with context words when it is ambiguous.
type TagName struct {
	Kind, Slug string
	Text       string
	Abbr       bool
	Near       []string // context words, a trailing * a prefix; empty: always
}

// Tags is the mapping from names to tags. Build it once (NewTags) and share
// it: it is immutable.
type Tags struct {
	keys     analysis.Analyzer
	byKey    map[string][]tagRef // normalized words → tags
	always   map[string][]tagRef // upper-case abbreviation → tags
	near     map[string][]nearRef
	slugs    map[string]map[string]bool // kind → known slugs
	names    map[tagRef][]string        // every text that maps, for Names
	maxWords int
}

type tagRef struct{ kind, slug string }

type nearRef struct {
	tag  tagRef
	near []string
}

var slugShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// NewTags builds the mapping from a table's names. A name's words are
// matched as the synonym table's are: ignoring case, possessives and
// hyphens. An abbreviation matches in any case.
func NewTags(names []TagName) (*Tags, error) {
	keys, err := synonymKeyAnalyzer()
	if err != nil {
		return nil, fmt.Errorf("query: tags: %w", err)
	}
	t := &Tags{keys: keys, byKey: map[string][]tagRef{}, always: map[string][]tagRef{},
		near: map[string][]nearRef{}, slugs: map[string]map[string]bool{}, names: map[tagRef][]string{}}
	for _, n := range names {
		if _, ok := tagFields[n.Kind]; !ok {
			return nil, fmt.Errorf("query: tag name %q: unknown kind %q", n.Text, n.Kind)
		}
		if !slugShape.MatchString(n.Slug) {
			return nil, fmt.Errorf("query: tag name %q: bad slug %q", n.Text, n.Slug)
		}
		if t.slugs[n.Kind] == nil {
			t.slugs[n.Kind] = map[string]bool{}
		}
		t.slugs[n.Kind][n.Slug] = true
		ref := tagRef{n.Kind, n.Slug}
		switch {
		case n.Abbr && len(n.Near) > 0:
			up := strings.ToUpper(n.Text)
			t.near[up] = append(t.near[up], nearRef{tag: ref, near: n.Near})
		case n.Abbr:
			up := strings.ToUpper(n.Text)
			t.always[up] = appendRef(t.always[up], ref)
			t.names[ref] = append(t.names[ref], n.Text)
		default:
			toks := tokens(keys, n.Text)
			if len(toks) == 0 {
				continue
			}
			k := strings.Join(toks, " ")
			t.byKey[k] = appendRef(t.byKey[k], ref)
			t.maxWords = max(t.maxWords, len(toks))
			t.names[ref] = append(t.names[ref], n.Text)
		}
	}
	return t, nil
}

func appendRef(rs []tagRef, r tagRef) []tagRef {
	if slices.Contains(rs, r) {
		return rs
	}
	return append(rs, r)
}

// Names returns the texts that search the tag kind:slug besides its words:
// the table's names (not the ambiguous abbreviations, which need context)
// and the members of synonym groups that hold one. Tests and help pages
// list them.
func (t *Tags) Names(kind, slug string) []string {
	ref := tagRef{kind, slug}
	out := slices.Clone(t.names[ref])
	if syn, err := synonyms(); err == nil {
		seen := map[*synGroup]bool{}
		for _, g := range syn.folded {
			if seen[g] {
				continue
			}
			seen[g] = true
			if slices.Contains(t.ofGroup(g), ref) {
				for _, m := range g.members {
					if !slices.Contains(out, m.text) && !(isAcronym(m.text) && literalLower[m.text]) {
						out = append(out, m.text)
					}
				}
			}
		}
	}
	return out
}

// lookup returns the tags that text (words joined by spaces, as typed)
// names without context: words of a name, or an abbreviation of the
// "always" kind in any case.
func (t *Tags) lookup(text string) []tagRef {
	if t == nil {
		return nil
	}
	if !strings.Contains(text, " ") {
		if rs := t.always[strings.ToUpper(text)]; rs != nil {
			return rs
		}
	}
	toks := tokens(t.keys, text)
	if len(toks) == 0 {
		return nil
	}
	return t.byKey[strings.Join(toks, " ")]
}

// ofGroup returns the tags any member of g names.
func (t *Tags) ofGroup(g *synGroup) []tagRef {
	if t == nil || g == nil {
		return nil
	}
	var out []tagRef
	for _, m := range g.members {
		if isAcronym(m.text) && literalLower[m.text] {
			continue // MS names multiple sclerosis only in context
		}
		for _, r := range t.lookup(m.text) {
			out = appendRef(out, r)
		}
	}
	return out
}

// ambiguous reports whether word is an abbreviation that names a tag only
// in context (ms, RA, cd, Uc).
func (t *Tags) ambiguous(word string) bool {
	if t == nil {
		return false
	}
	_, ok := t.near[strings.ToUpper(word)]
	return ok
}

// inContext returns the tags the ambiguous abbreviation word names in a
// query holding the context words ctx (lower case): those whose context
// words, as the taxonomy's "near:", occur.
func (t *Tags) inContext(word string, ctx map[string]bool) []tagRef {
	var out []tagRef
	for _, n := range t.near[strings.ToUpper(word)] {
		if slices.ContainsFunc(n.near, func(w string) bool { return contextHas(ctx, w) }) {
			out = appendRef(out, n.tag)
		}
	}
	return out
}

func contextHas(ctx map[string]bool, w string) bool {
	p, prefix := strings.CutSuffix(w, "*")
	if !prefix {
		return ctx[w]
	}
	for c := range ctx {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// known reports whether kind:slug is a tag of the table; without a table,
// any well-formed slug is.
func (t *Tags) known(kind, slug string) bool {
	if t == nil {
		return slugShape.MatchString(slug)
	}
	return t.slugs[kind][slug]
}

func (t *Tags) slugList(kind string) string {
	if t == nil {
		return ""
	}
	s := make([]string, 0, len(t.slugs[kind]))
	for k := range t.slugs[kind] {
		s = append(s, k)
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// tagLeaf is a tag term: condition:ibd searches the records tagged ibd.
type tagLeaf struct{ ref tagRef }

func (l *tagLeaf) write(b *strings.Builder) { b.WriteString(l.ref.kind + ":" + l.ref.slug) }
func (l *tagLeaf) terms() int               { return 1 }

func (l *tagLeaf) bleve() bq.Query {
	q := bq.NewTermQuery(l.ref.slug)
	q.SetField(tagFields[l.ref.kind])
	return q
}

// tagTerm reads a word "kind:slug" as a tag term; ok is false for any other
// word. An unknown slug of a known kind is an error that lists the slugs.
func (p *parser) tagTerm(t token) (node, bool, error) {
	kind, slug, found := strings.Cut(t.text, ":")
	if !found || t.prefix {
		return nil, false, nil
	}
	kind, slug = strings.ToLower(kind), strings.ToLower(slug)
	if _, ok := tagFields[kind]; !ok {
		return nil, false, nil
	}
	if !p.tags.known(kind, slug) {
		hint := "a " + kind + " is written as in " + kind + ":slug"
		if l := p.tags.slugList(kind); l != "" {
			hint = "known: " + l
		}
		return nil, true, syntaxErr(t.pos, "unknown "+kind+" "+quote(slug), hint)
	}
	return &tagLeaf{ref: tagRef{kind, slug}}, true, nil
}

// withTags returns n ORed with tag leaves for refs.
func withTags(n node, refs []tagRef) node {
	for _, r := range refs {
		n = combine(opOr, n, &tagLeaf{ref: r})
	}
	return n
}

// ctxTerm is one term of a query as context for ambiguous abbreviations:
// its lower-case words and the synonym group it names.
type ctxTerm struct {
	words []string
	group *synGroup
}

// context returns the terms of toks as context. Tag terms (condition:ibd)
// are not context: they are the mapping's output.
func (p *parser) context(toks []token) []ctxTerm {
	if p.tags == nil {
		return nil
	}
	var out []ctxTerm
	for _, t := range toks {
		if !t.isTerm() {
			continue
		}
		if k, _, ok := strings.Cut(t.text, ":"); ok && tagFields[strings.ToLower(k)] != "" {
			continue
		}
		out = append(out, ctxTerm{words: tokens(p.tags.keys, t.text), group: p.syn.lookup(t.text)})
	}
	return out
}

// contextGrew reports whether the context terms from index n on hold a word
// the first n do not, and drops them when they hold none.
func (p *parser) contextGrew(n int) bool {
	seen := map[string]bool{}
	for _, c := range p.ctx[:n] {
		for _, w := range c.words {
			seen[c.key(w)] = true
		}
	}
	grew := false
	for _, c := range p.ctx[n:] {
		for _, w := range c.words {
			grew = grew || !seen[c.key(w)]
		}
	}
	if !grew {
		p.ctx = p.ctx[:n]
	}
	return grew
}

// key tells a word apart by the group it came with, as contextFor does.
func (c ctxTerm) key(w string) string { return fmt.Sprintf("%p %s", c.group, w) }

// contextFor returns the context words for the ambiguous abbreviation w:
// every term's words except those of w's own synonym group, so that MS
// printed as (MS OR "multiple sclerosis") is not its own context.
func (p *parser) contextFor(w string) map[string]bool {
	own := p.syn.lookup(strings.ToUpper(w))
	ctx := map[string]bool{}
	for _, c := range p.ctx {
		if own != nil && c.group == own {
			continue
		}
		for _, x := range c.words {
			ctx[x] = true
		}
	}
	return ctx
}

// ambiguous reports whether toks hold an ambiguous abbreviation.
func (p *parser) ambiguous(toks []token) bool {
	for _, t := range toks {
		if t.kind == tokWord && !t.prefix && p.ambiguousWord(t.text) {
			return true
		}
	}
	return false
}

// ambiguousWord reports whether w names a tag only in context: an
// abbreviation the taxonomy counts only near context words, unless the
// synonym table makes it an acronym of a group in any case (SLE is
// systemic lupus erythematosus in a query; ms, ra, uc, cd are words too).
func (p *parser) ambiguousWord(w string) bool {
	if !p.tags.ambiguous(w) {
		return false
	}
	up := strings.ToUpper(w)
	return literalLower[up] || p.syn.lookup(up) == nil
}

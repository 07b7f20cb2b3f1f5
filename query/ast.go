package query

import (
	"slices"
	"strconv"
	"strings"

	bq "github.com/blevesearch/bleve/v2/search/query"
)

// node is one element of the syntax tree.
type node interface {
	// write appends the canonical text, as String() shows it.
	write(b *strings.Builder)
	bleve() bq.Query
	// terms counts the words and phrases the node searches.
	terms() int
}

type andNode struct{ kids []node }
type orNode struct{ kids []node }

// notNode is PubMed's binary NOT, flattened: base NOT excl[0] NOT excl[1] ...
type notNode struct {
	base node
	excl []node
}

func (n *andNode) write(b *strings.Builder) { writeJoined(b, n.kids, " AND ") }

// write prints a synonym group among the operands without its parentheses:
// "zonulin OR "leaky gut" OR ..." reads better and parses back the same,
// because repeated group members merge.
func (n *orNode) write(b *strings.Builder) {
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" OR ")
		}
		if s, ok := k.(*synNode); ok {
			s.writeMembers(b)
			continue
		}
		writeChild(b, k)
	}
}
func (n *notNode) write(b *strings.Builder) {
	writeChild(b, n.base)
	for _, e := range n.excl {
		b.WriteString(" NOT ")
		writeChild(b, e)
	}
}

func writeJoined(b *strings.Builder, kids []node, sep string) {
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		writeChild(b, k)
	}
}

// writeChild parenthesises every compound operand, so the grouping a user
// reads in "searched as" never depends on precedence rules.
func writeChild(b *strings.Builder, n node) {
	switch n.(type) {
	case *andNode, *orNode, *notNode:
		b.WriteByte('(')
		n.write(b)
		b.WriteByte(')')
	default:
		n.write(b)
	}
}

func (n *andNode) terms() int { return sumTerms(n.kids) }
func (n *orNode) terms() int  { return sumTerms(n.kids) }
func (n *notNode) terms() int { return n.base.terms() + sumTerms(n.excl) }

func sumTerms(ns []node) int {
	t := 0
	for _, n := range ns {
		t += n.terms()
	}
	return t
}

func nodeString(n node) string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

// opKind is a binary operator in the left-to-right chain.
type opKind int

const (
	opAnd opKind = iota
	opOr
	opNot
)

// combine applies op to left and right, flattening chains of the same
// operator and dropping duplicate operands (which also merges the repeated
// members of a synonym group that String() prints back as an OR). Either
// side may be nil (a term made only of stop words); the result is nil when
// both are. NOT with nothing before it is the caller's error to report.
func combine(op opKind, left, right node) node {
	if right == nil {
		return left
	}
	if left == nil {
		return right
	}
	switch op {
	case opNot:
		if l, ok := left.(*notNode); ok {
			excl := append(append([]node(nil), l.excl...), right)
			return &notNode{base: l.base, excl: excl}
		}
		return &notNode{base: left, excl: []node{right}}
	case opOr:
		kids := absorb(dedupe(append(orKids(left), orKids(right)...)))
		if len(kids) == 1 {
			return kids[0]
		}
		return &orNode{kids: kids}
	default:
		kids := dedupe(append(andKids(left), andKids(right)...))
		if len(kids) == 1 {
			return kids[0]
		}
		return &andNode{kids: kids}
	}
}

func andKids(n node) []node {
	if a, ok := n.(*andNode); ok {
		return append([]node(nil), a.kids...)
	}
	return []node{n}
}

func orKids(n node) []node {
	if o, ok := n.(*orNode); ok {
		return append([]node(nil), o.kids...)
	}
	return []node{n}
}

func dedupe(ns []node) []node {
	seen := make(map[string]bool, len(ns))
	out := ns[:0]
	for _, n := range ns {
		s := nodeString(n)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, n)
	}
	return out
}

// absorb merges, among the operands of an OR, the words and phrases that
// are members of a synonym group into the group. String() prints a group
// as its members and a quoted member parses back as a phrase (PubMed
// searches a quoted phrase as words only); absorbing them keeps
// Parse(q.String()) the same query, one concept term and not a phrase per
// member.
func absorb(kids []node) []node {
	syn, err := synonyms()
	if err != nil {
		return kids
	}
	at := map[string]int{} // a plain untagged leaf's text → its index
	var groups []*synGroup
	for i, k := range kids {
		switch n := k.(type) {
		case *synNode:
			if !slices.Contains(groups, n.g) {
				groups = append(groups, n.g)
			}
		case *textLeaf:
			if n.tag == nil && !n.prefix {
				at[nodeString(n)] = i
			}
		}
	}
	if len(at) == 0 {
		return kids
	}
	drop := map[int]bool{}
	for i, k := range kids {
		l, ok := k.(*textLeaf)
		if !ok || drop[i] || l.tag != nil || l.prefix {
			continue
		}
		g := syn.lookup(l.text)
		if g == nil {
			continue
		}
		var idx []int
		for _, m := range g.members {
			if j, ok := at[nodeString(m)]; ok {
				idx = append(idx, j)
			}
		}
		switch {
		case slices.Contains(groups, g):
			// The group searches its members already.
		case len(idx) == len(g.members):
			kids[i] = &synNode{g: g}
			groups = append(groups, g)
			idx = slices.DeleteFunc(idx, func(j int) bool { return j == i })
		default:
			continue
		}
		for _, j := range idx {
			drop[j] = true
		}
	}
	if len(drop) == 0 {
		return kids
	}
	out := kids[:0]
	for i, k := range kids {
		if !drop[i] {
			out = append(out, k)
		}
	}
	return out
}

func (n *andNode) bleve() bq.Query {
	qs := make([]bq.Query, len(n.kids))
	for i, k := range n.kids {
		qs[i] = k.bleve()
	}
	return bq.NewConjunctionQuery(qs)
}

func (n *orNode) bleve() bq.Query {
	qs := make([]bq.Query, len(n.kids))
	for i, k := range n.kids {
		qs[i] = k.bleve()
	}
	return bq.NewDisjunctionQuery(qs)
}

func (n *notNode) bleve() bq.Query {
	excl := make([]bq.Query, len(n.excl))
	for i, e := range n.excl {
		excl[i] = e.bleve()
	}
	return bq.NewBooleanQuery([]bq.Query{n.base.bleve()}, nil, excl)
}

// needsQuotes reports whether text must be quoted to lex back as one word.
func needsQuotes(text string) bool {
	switch text {
	case "", "AND", "OR", "NOT":
		return true
	}
	for _, r := range text {
		if isSpecial(r) || r == '*' {
			return true
		}
	}
	return false
}

func writeTag(b *strings.Builder, t *tag) {
	if t != nil {
		b.WriteString("[" + t.name + "]")
	}
}

func quote(text string) string { return `"` + text + `"` }

func itoa(n int) string { return strconv.Itoa(n) }

package query

import (
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// textLeaf is a word, phrase or prefix over analyzed text fields: the
// untagged fields (tag nil) or those of a text tag such as [ti].
type textLeaf struct {
	tag    *tag
	text   string // as typed, without the '*'
	quoted bool
	prefix bool
	phrase bool     // analyzes to several tokens (two words, "gluten-free"): match as a phrase
	stems  []string // prefix only: index terms of likely completions that the prefix itself misses
}

func (l *textLeaf) write(b *strings.Builder) {
	if l.quoted {
		b.WriteString(quote(l.text))
	} else {
		b.WriteString(l.text)
	}
	if l.prefix {
		b.WriteByte('*')
	}
	writeTag(b, l.tag)
}

func (l *textLeaf) terms() int { return 1 }

func (l *textLeaf) bleve() bq.Query {
	fields := untaggedFields
	if l.tag != nil {
		fields = l.tag.fields
	}
	qs := make([]bq.Query, 0, len(fields))
	for _, f := range fields {
		qs = append(qs, l.fieldQuery(f))
	}
	return oneOrAny(qs)
}

func (l *textLeaf) fieldQuery(f fieldBoost) bq.Query {
	switch {
	case l.prefix:
		// Lowercased, because index terms are; the stems catch completions
		// the stemmer shortened below the prefix ("probiotic*" → "probiot").
		p := bq.NewPrefixQuery(strings.ToLower(l.text))
		p.SetField(f.field)
		qs := []bq.Query{p}
		for _, s := range l.stems {
			t := bq.NewTermQuery(s)
			t.SetField(f.field)
			qs = append(qs, t)
		}
		q := oneOrAny(qs)
		setBoost(q, f.boost)
		return q
	case l.phrase:
		q := bq.NewMatchPhraseQuery(l.text)
		q.SetField(f.field)
		q.Analyzer = en.AnalyzerName // the words, without concept terms
		setBoost(q, f.boost)
		return q
	default:
		q := bq.NewMatchQuery(l.text)
		q.SetField(f.field)
		q.Analyzer = en.AnalyzerName
		q.SetOperator(bq.MatchQueryOperatorAnd)
		setBoost(q, f.boost)
		return q
	}
}

// authorLeaf is an [au] term. One word searches author tokens ("fasano");
// several search whole "lastname initials" values, as a prefix so that
// "fasano a" also finds "fasano ab", or exactly when quoted.
type authorLeaf struct {
	text   string
	quoted bool
	prefix bool // a single word ending in '*'
	multi  bool // several words
}

func (l *authorLeaf) write(b *strings.Builder) {
	if l.quoted {
		b.WriteString(quote(l.text))
	} else {
		b.WriteString(l.text)
	}
	if l.prefix {
		b.WriteByte('*')
	}
	b.WriteString("[au]")
}

func (l *authorLeaf) terms() int { return 1 }

func (l *authorLeaf) bleve() bq.Query {
	lower := strings.ToLower(l.text)
	switch {
	case l.multi && l.quoted:
		q := bq.NewTermQuery(lower)
		q.SetField("au_exact")
		return q
	case l.multi:
		q := bq.NewPrefixQuery(lower)
		q.SetField("au_exact")
		return q
	case l.prefix:
		q := bq.NewPrefixQuery(lower)
		q.SetField("au")
		return q
	default:
		// A phrase, because the author analyzer splits "o'brien" in two.
		q := bq.NewMatchPhraseQuery(l.text)
		q.SetField("au")
		return q
	}
}

// kwLeaf is an exact (or prefix) value of a keyword field: [pt], [ta].
type kwLeaf struct {
	tag    *tag
	text   string
	prefix bool
}

func (l *kwLeaf) write(b *strings.Builder) {
	switch {
	case l.prefix:
		b.WriteString(l.text + "*")
	case needsQuotes(l.text):
		b.WriteString(quote(l.text))
	default:
		b.WriteString(l.text)
	}
	writeTag(b, l.tag)
}

func (l *kwLeaf) terms() int { return 1 }

func (l *kwLeaf) bleve() bq.Query {
	lower := strings.ToLower(l.text)
	if l.prefix {
		q := bq.NewPrefixQuery(lower)
		q.SetField(l.tag.fields[0].field)
		return q
	}
	q := bq.NewTermQuery(lower)
	q.SetField(l.tag.fields[0].field)
	return q
}

// yearLeaf is a [dp] year or inclusive year range.
type yearLeaf struct{ from, to int }

func (l *yearLeaf) write(b *strings.Builder) {
	b.WriteString(itoa(l.from))
	if l.to != l.from {
		b.WriteString(":" + itoa(l.to))
	}
	b.WriteString("[dp]")
}

func (l *yearLeaf) terms() int { return 1 }

func (l *yearLeaf) bleve() bq.Query {
	from, to := float64(l.from), float64(l.to)
	incl := true
	q := bq.NewNumericRangeInclusiveQuery(&from, &to, &incl, &incl)
	q.SetField("year")
	return q
}

// pmidLeaf is one PubMed ID.
type pmidLeaf struct{ id uint64 }

func (l *pmidLeaf) write(b *strings.Builder) {
	b.WriteString(strconv.FormatUint(l.id, 10) + "[pmid]")
}

func (l *pmidLeaf) terms() int { return 1 }

func (l *pmidLeaf) bleve() bq.Query {
	q := bq.NewTermQuery(strconv.FormatUint(l.id, 10))
	q.SetField("pmid")
	return q
}

// synNode is an untagged term that matched a synonym group: any member.
type synNode struct{ g *synGroup }

func (n *synNode) write(b *strings.Builder) {
	b.WriteByte('(')
	n.writeMembers(b)
	b.WriteByte(')')
}

func (n *synNode) writeMembers(b *strings.Builder) {
	for i, m := range n.g.members {
		if i > 0 {
			b.WriteString(" OR ")
		}
		m.write(b)
	}
}

func (n *synNode) terms() int { return len(n.g.members) }

// bleve searches the group's concept term, which the index (AnalyzerName)
// adds wherever any member occurs: one term per field finds what every
// member searched as a phrase would.
func (n *synNode) bleve() bq.Query {
	qs := make([]bq.Query, 0, len(untaggedFields))
	for _, f := range untaggedFields {
		q := bq.NewTermQuery(n.g.concept)
		q.SetField(f.field)
		setBoost(q, f.boost)
		qs = append(qs, q)
	}
	return oneOrAny(qs)
}

func oneOrAny(qs []bq.Query) bq.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bq.NewDisjunctionQuery(qs)
}

// setBoost sets a boost other than the neutral 1.
func setBoost(q bq.Query, boost float64) {
	if boost == 1 {
		return
	}
	if b, ok := q.(bq.BoostableQuery); ok {
		b.SetBoost(boost)
	}
}

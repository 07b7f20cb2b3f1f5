package query

import (
	"strconv"
	"strings"
	"unicode"

	bq "github.com/blevesearch/bleve/v2/search/query"
)

// This file holds villi's share of PubMed's automatic term mapping: what an
// untagged term is tried as besides text. Acronyms in any case are in
// synTable.lookup; here are identifiers (a pasted DOI, PubMed or PMC link)
// and author names written as PubMed lists them ("Fasano A").

// idLeaf is an article identifier: a DOI or a PMC id, matched exactly
// (lowercase) in its keyword field.
type idLeaf struct {
	tag  *tag   // tagDOI or tagPMC
	text string // normalized: the bare DOI, or "PMC" and digits
}

func (l *idLeaf) write(b *strings.Builder) {
	if needsQuotes(l.text) {
		b.WriteString(quote(l.text))
	} else {
		b.WriteString(l.text)
	}
	writeTag(b, l.tag)
}

func (l *idLeaf) terms() int { return 1 }

func (l *idLeaf) bleve() bq.Query {
	q := bq.NewTermQuery(strings.ToLower(l.text))
	q.SetField(l.tag.fields[0].field)
	return q
}

// doiPrefixes are what a DOI is pasted with: resolver links and labels.
var doiPrefixes = []string{
	"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
	"doi.org/", "dx.doi.org/", "doi:",
}

// pmidPrefixes and pmcPrefixes are the article links of PubMed and PMC.
var (
	pmidPrefixes = []string{
		"https://pubmed.ncbi.nlm.nih.gov/", "http://pubmed.ncbi.nlm.nih.gov/", "pubmed.ncbi.nlm.nih.gov/",
		"https://www.ncbi.nlm.nih.gov/pubmed/", "http://www.ncbi.nlm.nih.gov/pubmed/", "www.ncbi.nlm.nih.gov/pubmed/",
	}
	pmcPrefixes = []string{
		"https://pmc.ncbi.nlm.nih.gov/articles/", "http://pmc.ncbi.nlm.nih.gov/articles/", "pmc.ncbi.nlm.nih.gov/articles/",
		"https://www.ncbi.nlm.nih.gov/pmc/articles/", "http://www.ncbi.nlm.nih.gov/pmc/articles/", "www.ncbi.nlm.nih.gov/pmc/articles/",
	}
)

// identifier returns the leaf of s when s is one pasted identifier: a DOI
// (bare, "doi:" or a doi.org link), a PubMed link or a PMC id or link. A
// bare number is not one here: it is a PMID only in a query of numbers.
func identifier(s string) node {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	for _, p := range doiPrefixes {
		if strings.HasPrefix(low, p) {
			s, low = strings.TrimSpace(s[len(p):]), strings.TrimSpace(low[len(p):])
			break
		}
	}
	if doi := strings.TrimRight(s, ".,;"); isDOI(doi) {
		return &idLeaf{tag: tagDOI, text: doi}
	}
	for _, p := range pmidPrefixes {
		if rest, ok := strings.CutPrefix(low, p); ok {
			rest = strings.TrimSuffix(rest, "/")
			if isPMID(rest) {
				id, _ := strconv.ParseUint(rest, 10, 64)
				return &pmidLeaf{id: id}
			}
			return nil
		}
	}
	for _, p := range pmcPrefixes {
		if rest, ok := strings.CutPrefix(low, p); ok {
			low = strings.TrimSuffix(rest, "/")
			break
		}
	}
	if pmc, ok := pmcID(low); ok {
		return &idLeaf{tag: tagPMC, text: pmc}
	}
	return nil
}

// isDOI reports whether s is "10." registrant "/" suffix, as DOIs are. The
// characters that end a word or a tag (space, quote, brackets) are refused,
// so that a canonical `10.1038/x[doi]` is never read as a DOI itself, and
// so is a wildcard.
func isDOI(s string) bool {
	reg, suffix, ok := strings.Cut(s, "/")
	if !ok || suffix == "" || !strings.HasPrefix(reg, "10.") || len(reg) < 7 {
		return false
	}
	for _, part := range strings.Split(reg[3:], ".") {
		if part == "" || !allDigits(part) {
			return false
		}
	}
	return !strings.ContainsFunc(suffix, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"[]*`, r)
	})
}

// pmcID normalizes "PMC123" (any case) to "PMC123".
func pmcID(s string) (string, bool) {
	if len(s) < 4 || !strings.EqualFold(s[:3], "pmc") || len(s) > 3+10 || !allDigits(s[3:]) {
		return "", false
	}
	return "PMC" + s[3:], true
}

// notSurnames are capitalised words that precede a letter in biomedical
// names ("Vitamin D", "Type I", "Hepatitis B"): such a pair is not tried as
// an author.
var notSurnames = map[string]bool{
	"vitamin": true, "vitamins": true, "type": true, "types": true, "hepatitis": true,
	"group": true, "groups": true, "factor": true, "protein": true, "class": true,
	"phase": true, "grade": true, "stage": true, "complex": true, "lactobacillus": true,
	"immunoglobulin": true, "interleukin": true, "study": true, "trial": true, "figure": true,
	"table": true, "part": true, "section": true, "appendix": true, "and": true, "or": true,
	"not": true, "the": true,
}

// authorPair reports whether words a b read as a name as PubMed lists it:
// a capitalised surname ("Fasano", "O'Brien", "Smith-Jones") followed by one
// or two capital initials ("A", "AB").
func authorPair(a, b string) bool {
	if len(b) < 1 || len(b) > 2 {
		return false
	}
	for _, r := range b {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	first := true
	lower := false
	for _, r := range a {
		switch {
		case first:
			if !unicode.IsUpper(r) {
				return false
			}
			first = false
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r), r == '-', r == '\'', r == '’':
		default:
			return false
		}
	}
	return lower && !notSurnames[strings.ToLower(a)]
}

// authorOrText is "Fasano A" tried as PubMed does: the words as text, or an
// author whose name starts so (as "fasano a[au]").
func (p *parser) authorOrText(name string) node {
	au := &authorLeaf{text: name, multi: true}
	return combine(opOr, p.textLeaf(nil, name, true), au)
}

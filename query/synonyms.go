package query

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
)

//go:embed synonyms.txt
var synonymsTxt string

// synGroup is one line of the synonym table: terms searched as one.
type synGroup struct {
	members []*textLeaf
	concept string // the term the index adds where a member occurs
}

// synTable finds the group an untagged word sequence or phrase belongs to.
type synTable struct {
	keys     analysis.Analyzer    // normalizes text to lookup keys
	folded   map[string]*synGroup // members by normalized key
	exact    map[string]*synGroup // acronyms, matched only as written ("MS", not "ms")
	maxWords int
	concepts *conceptFilter // adds the groups' concept terms at index time
}

var synonyms = sync.OnceValues(func() (*synTable, error) {
	an, err := englishAnalyzer()
	if err != nil {
		return nil, err
	}
	keys, err := synonymKeyAnalyzer()
	if err != nil {
		return nil, err
	}
	return parseSynonyms(synonymsTxt, an, keys)
})

// parseSynonyms reads the table: one group per line, members separated by
// "|", "#" starts a comment. A member written in capitals only (MS, T1D) is
// an acronym: lookup matches it in any case, except those in literalLower,
// so the words "ms" or "ra" do not expand. Members that analyze alike ("crohn", "crohn's") are
// kept once, in the first spelling.
func parseSynonyms(text string, an, keys analysis.Analyzer) (*synTable, error) {
	t := &synTable{keys: keys, folded: map[string]*synGroup{}, exact: map[string]*synGroup{}, concepts: newConceptFilter()}
	concepts := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		parts := strings.Split(s, "|")
		if len(parts) < 2 {
			return nil, fmt.Errorf("synonyms line %d: a group needs at least two members", line)
		}
		g := &synGroup{}
		for _, p := range parts {
			m := strings.Join(strings.Fields(p), " ")
			if m == "" {
				return nil, fmt.Errorf("synonyms line %d: empty member", line)
			}
			if strings.ContainsAny(m, `()[]"*`) {
				return nil, fmt.Errorf("synonyms line %d: member %q holds query syntax", line, m)
			}
			toks := tokens(an, m)
			if len(toks) == 0 {
				return nil, fmt.Errorf("synonyms line %d: member %q is only stop words", line, m)
			}
			words := strings.Count(m, " ") + 1
			for _, w := range strings.Fields(m) {
				if w == "AND" || w == "OR" || w == "NOT" {
					return nil, fmt.Errorf("synonyms line %d: member %q holds an operator", line, m)
				}
			}
			key, table := strings.Join(tokens(keys, m), " "), t.folded
			if isAcronym(m) {
				key, table = m, t.exact
			}
			if other := table[key]; other != nil {
				if other == g {
					continue // "crohn's" is "crohn" to the index: one member is enough
				}
				return nil, fmt.Errorf("synonyms line %d: %q is already in another group", line, m)
			}
			table[key] = g
			t.maxWords = max(t.maxWords, words)
			g.members = append(g.members, &textLeaf{
				text:   m,
				quoted: words > 1 || needsQuotes(m),
				phrase: len(toks) > 1,
			})
		}
		if len(g.members) < 2 {
			// All spellings analyze alike ("gluten-free", "gluten free"): the
			// index already treats them as one, nothing to expand.
			for k, v := range t.folded {
				if v == g {
					delete(t.folded, k)
				}
			}
			continue
		}
		g.concept = conceptPrefix + strings.Join(tokens(keys, g.members[0].text), " ")
		if concepts[g.concept] {
			return nil, fmt.Errorf("synonyms line %d: two groups start with %q", line, g.members[0].text)
		}
		concepts[g.concept] = true
		for _, m := range g.members {
			t.concepts.add(an, m.text, g.concept)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	return t, nil
}

// lookup returns the group of text (words joined by spaces), or nil.
// Acronyms match in any case ("ibd" is IBD), except those whose lower case
// is also a word or unit (literalLower); other members match ignoring case,
// possessives and hyphens, so "Crohn’s" and "crohn's" find the same group.
//
// The mapping is on the query side only: the index already adds an
// acronym's concept term wherever the acronym occurs, in any case, so
// "ibd" searches what "IBD" does without a reindex.
func (t *synTable) lookup(text string) *synGroup {
	if g := t.exact[text]; g != nil {
		return g
	}
	if up := strings.ToUpper(text); up != text && !literalLower[up] {
		if g := t.exact[up]; g != nil {
			return g
		}
	}
	toks := tokens(t.keys, text)
	if len(toks) == 0 {
		return nil
	}
	return t.folded[strings.Join(toks, " ")]
}

// literalLower are acronyms of the table whose lower case is also an
// ordinary word or unit ("ms" milliseconds, "ra" right atrium, "uc", "cd"):
// typed in lower case they are searched as words, as typed; only capitals
// (MS) search the group. Kept here, not in synonyms.txt, because the table's
// text is hashed into the index version and this choice is the query's.
var literalLower = map[string]bool{"MS": true, "RA": true, "UC": true, "CD": true}

func isAcronym(s string) bool {
	upper := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		upper = upper || unicode.IsUpper(r)
	}
	return upper
}

package query

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// AnalyzerName is the analyzer every text field that untagged terms search
// must use: bleve's "en" (possessive, lowercase, stop words, Porter) plus
// synonym concepts. Wherever a member of a synonym group occurs, the
// analyzer adds the group's concept term at the occurrence's first
// position, spanning the whole occurrence. An untagged term that names a
// group then searches one concept term per field instead of every member
// as a phrase: the same records, at a fraction of the cost ("gut
// microbiota" was 30 phrase searchers).
//
// Query text is analyzed with plain "en" (textLeaf sets it), so a tagged
// "gut microbiota[ti]" still searches the words themselves.
const AnalyzerName = "en_villi"

// conceptFilterName names the token filter in bleve's registry.
const conceptFilterName = "villi_synonym_concepts"

// conceptRevision changes when the concept filter matches differently; it
// is hashed into ConceptsVersion.
const conceptRevision = "1"

// conceptPrefix starts every concept term. The unicode tokenizer never
// yields "§" inside a word, so no word in a record can be a concept term.
const conceptPrefix = "§"

// ConceptsVersion identifies the synonym table and concept matching that an
// index was built with. An index whose version differs holds concept terms
// of another table and must be rebuilt.
func ConceptsVersion() string {
	sum := sha256.Sum256([]byte(conceptRevision + "\x00" + synonymsTxt))
	return hex.EncodeToString(sum[:6])
}

// Registering with bleve's registry is how bleve finds analyzers by name,
// both when building a mapping and when reopening an index.
func init() {
	if err := registry.RegisterTokenFilter(conceptFilterName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		syn, err := synonyms()
		if err != nil {
			return nil, err
		}
		return syn.concepts, nil
	}); err != nil {
		panic(err)
	}
	if err := registry.RegisterAnalyzer(AnalyzerName, newAnalyzer); err != nil {
		panic(err)
	}
}

func newAnalyzer(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
	tok, err := cache.TokenizerNamed(unicodetok.Name)
	if err != nil {
		return nil, err
	}
	var filters []analysis.TokenFilter
	for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name, conceptFilterName} {
		f, err := cache.TokenFilterNamed(name)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", AnalyzerName, err)
		}
		filters = append(filters, f)
	}
	return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters}, nil
}

// conceptMember is one synonym group member as the index sees it: its
// analyzed terms by relative position ("" where a stop word was dropped),
// and the group's concept term.
type conceptMember struct {
	terms   []string
	concept []byte
}

// conceptFilter adds concept terms to an analyzed token stream. It matches
// a member exactly as bleve's phrase searcher matches the member as a
// phrase: each term at its offset from the first, stop-word gaps matching
// anything. A stream is one value of a field, so a match never spans two
// values of an array field, as a phrase never does.
type conceptFilter struct {
	byFirst map[string][]conceptMember // by the member's first term
}

func newConceptFilter() *conceptFilter {
	return &conceptFilter{byFirst: map[string][]conceptMember{}}
}

// add registers a member (as written in the table) of the group whose
// concept term is concept.
func (f *conceptFilter) add(an analysis.Analyzer, member, concept string) {
	ts := an.Analyze([]byte(member))
	if len(ts) == 0 {
		return
	}
	first := ts[0].Position
	terms := make([]string, ts[len(ts)-1].Position-first+1)
	for _, t := range ts {
		terms[t.Position-first] = string(t.Term)
	}
	f.byFirst[terms[0]] = append(f.byFirst[terms[0]], conceptMember{terms: terms, concept: []byte(concept)})
}

// Filter returns in with a concept token after the first token of every
// member occurrence (one per group and position, spanning the longest
// member found there). The stream is returned
// unchanged, without allocating, when nothing matches.
func (f *conceptFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var out analysis.TokenStream
	for i, tok := range in {
		if out != nil {
			out = append(out, tok)
		}
		members := f.byFirst[string(tok.Term)]
		mark := len(out)
		for _, m := range members {
			end, ok := m.match(in, i)
			if !ok {
				continue
			}
			if prev := emitted(out[mark:], m.concept); prev != nil {
				prev.End = max(prev.End, end) // the longest member, for highlighting
				continue
			}
			if out == nil {
				out = make(analysis.TokenStream, 0, len(in)+8)
				out = append(out, in[:i+1]...)
				mark = len(out)
			}
			out = append(out, &analysis.Token{
				Term: m.concept, Start: tok.Start, End: end, Position: tok.Position, Type: tok.Type,
			})
		}
	}
	if out == nil {
		return in
	}
	return out
}

// match reports whether m occurs in ts with its first term at ts[i], and the
// end offset of its last term.
func (m conceptMember) match(ts analysis.TokenStream, i int) (end int, ok bool) {
	start, end := ts[i].Position, ts[i].End
	j := i + 1
	for off := 1; off < len(m.terms); off++ {
		if m.terms[off] == "" {
			continue
		}
		pos := start + off
		for j < len(ts) && ts[j].Position < pos {
			j++
		}
		found := false
		for k := j; k < len(ts) && ts[k].Position == pos; k++ {
			if string(ts[k].Term) == m.terms[off] {
				found, end = true, ts[k].End
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return end, true
}

func emitted(ts analysis.TokenStream, concept []byte) *analysis.Token {
	for _, t := range ts {
		if string(t.Term) == string(concept) {
			return t
		}
	}
	return nil
}

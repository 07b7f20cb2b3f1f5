package query

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// englishAnalyzer is the index's "en" analyzer (possessive, lowercase, stop
// words, Porter stemming), built once: Parse uses it to drop stop words and
// to see which terms a word or prefix becomes in the index.
var englishAnalyzer = sync.OnceValues(func() (analysis.Analyzer, error) {
	return registry.NewCache().AnalyzerNamed(en.AnalyzerName)
})

// synonymKeyAnalyzer normalizes text for synonym lookup as the index would,
// minus stop words and stemming: "Crohn’s" and "crohn's" both become
// "crohn", "gluten-free" becomes "gluten free". Stemming would make
// "oesophagitis" a synonym of "oesophageal".
var synonymKeyAnalyzer = sync.OnceValues(func() (analysis.Analyzer, error) {
	c := registry.NewCache()
	tok, err := c.TokenizerNamed(unicodetok.Name)
	if err != nil {
		return nil, err
	}
	var filters []analysis.TokenFilter
	for _, name := range []string{en.PossessiveName, lowercase.Name} {
		f, err := c.TokenFilterNamed(name)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters}, nil
})

func tokens(an analysis.Analyzer, text string) []string {
	ts := an.Analyze([]byte(text))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}

// completions are endings whose stems can fall short of the prefix a user
// typed: "inflammat" + "ion" is indexed as "inflamm", "probiotic" as
// "probiot", "allergy" as "allergi".
var completions = []string{
	"", "s", "e", "es", "ed", "ing", "ion", "ions", "ation", "ations", "ate", "ated",
	"al", "ally", "ic", "ics", "ical", "ity", "ities", "y", "ies", "ive", "ous",
	"ness", "ment", "ments", "er", "ers", "ism", "ist", "ists", "ize", "ized",
	"ization", "able", "ible", "ability", "ance", "ence", "ant", "ent", "ory",
}

// stemVariants returns the index terms of likely completions of prefix p
// (lowercase) that a prefix query on p alone would miss. A stem counts only
// when it is a prefix of p, allowing for the stemmer's final y→i, so that no
// unrelated word sneaks in.
func stemVariants(an analysis.Analyzer, p string) []string {
	// p is a plain word, so p+c is one token: skip the tokenizer, which
	// costs as much as the stemmer.
	filters := func(w string) []string { return tokens(an, w) }
	if da, ok := an.(*analysis.DefaultAnalyzer); ok {
		filters = func(w string) []string {
			ts := analysis.TokenStream{{Term: []byte(w), Start: 0, End: len(w), Position: 1, Type: analysis.AlphaNumeric}}
			for _, f := range da.TokenFilters {
				ts = f.Filter(ts)
			}
			out := make([]string, len(ts))
			for i, t := range ts {
				out[i] = string(t.Term)
			}
			return out
		}
	}
	var out []string
	for _, c := range completions {
		ts := filters(p + c)
		if len(ts) != 1 {
			continue
		}
		t := ts[0]
		if len(t) < 3 || strings.HasPrefix(t, p) || !strings.HasPrefix(p, t[:len(t)-1]) {
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// plainWord reports whether s is letters and digits only, the only words a
// wildcard on analyzed text can follow.
func plainWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

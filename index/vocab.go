package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/length"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// fVocab holds the words of a record's title, abstract, MeSH headings and
// keywords as written (lowercased, not stemmed): the library's vocabulary,
// whose dictionary spelling correction (spell.go) searches with a
// Levenshtein automaton. The searched text fields cannot serve: they hold
// stems, and a misspelling stems differently from the word it misses
// ("permeabilty" → "permeabilti", "permeability" → "permeabl"), so their
// dictionaries are not within an edit or two of each other. Nothing
// searches this field.
const fVocab = "vocab"

// vocabAnalyzer splits words as the text fields do, without stemming or
// stop words. Words shorter than minVocabRunes or longer than maxVocabRunes
// (chemical names, run-together tokens) are left out: spelling correction
// never suggests them. Three letters stay in, so that "gutt" finds "gut".
const (
	vocabAnalyzer = "villi_vocab"
	vocabLength   = "villi_vocab_length"
	minVocabRunes = 3
	maxVocabRunes = 30
)

// addVocab adds the vocabulary field and its analyzer to a mapping. Its
// postings keep neither frequencies, norms nor positions: only the document
// frequency of each word is ever read.
func addVocab(im *mapping.IndexMappingImpl, dm *mapping.DocumentMapping) {
	// Both configurations are constants that bleve accepts; an error here
	// would fail every test that opens an index.
	if err := im.AddCustomTokenFilter(vocabLength, map[string]any{
		"type": length.Name,
		"min":  float64(minVocabRunes),
		"max":  float64(maxVocabRunes),
	}); err != nil {
		panic("index: vocabulary length filter: " + err.Error())
	}
	if err := im.AddCustomAnalyzer(vocabAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, en.StopName, vocabLength},
	}); err != nil {
		panic("index: vocabulary analyzer: " + err.Error())
	}
	f := bleve.NewTextFieldMapping()
	f.Analyzer = vocabAnalyzer
	f.Store = false
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false
	f.SkipFreqNorm = true
	dm.AddFieldMappingsAt(fVocab, f)
}

// vocabText is what a document adds to the vocabulary: the texts of the
// fields untagged terms search (conclusions and major topics are part of
// the abstract and the headings).
func vocabText(d doc) []string {
	var out []string
	for _, f := range []string{fTitle, fAbstract, fMesh, fKeywords} {
		switch v := d[f].(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

package index

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/length"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
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

// The vocabulary's words are split as the text fields split them (bleve's
// unicode tokenizer, possessive, lowercase), without stemming, stop words
// dropped. Words shorter than minVocabRunes or longer than maxVocabRunes
// (chemical names, run-together tokens) are left out: spelling correction
// never suggests them. Three letters stay in, so that "gutt" finds "gut".
//
// A document's words are computed in Go (vocabWords), each once, and the
// field's analyzer only splits them at the spaces they are joined with
// (spaceSplitter):
// analysing the texts a second time in bleve, with Unicode word
// segmentation, made indexing 1.8× slower than without the field; this
// way it is about 1.4× (BENCHMARKS.md).
const (
	vocabAnalyzer  = "villi_vocab_words"
	vocabTokenizer = "villi_vocab_words_split"
	minVocabRunes  = 3
	maxVocabRunes  = 30
)

// Registering with bleve's registry is how the mapping finds the vocabulary
// tokenizer by name, both when building a mapping and when reopening an
// index.
func init() {
	if err := registry.RegisterTokenizer(vocabTokenizer, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return spaceSplitter{}, nil
	}); err != nil {
		panic(err)
	}
}

// spaceSplitter splits vocabWords' value at its single spaces. It is
// bleve's whitespace tokenizer without its per-call 1,024-token stream and
// per-token allocations: the vocabulary has a hundred or more words per
// record, and their tokens were a third of the field's analysis garbage.
type spaceSplitter struct{}

func (spaceSplitter) Tokenize(input []byte) analysis.TokenStream {
	if len(input) == 0 {
		return nil
	}
	n := bytes.Count(input, []byte{' '}) + 1
	toks := make([]analysis.Token, n)
	out := make(analysis.TokenStream, n)
	start := 0
	for i := range toks {
		end := bytes.IndexByte(input[start:], ' ')
		if end < 0 {
			end = len(input)
		} else {
			end += start
		}
		toks[i] = analysis.Token{Term: input[start:end], Start: start, End: end, Position: i + 1, Type: analysis.AlphaNumeric}
		out[i] = &toks[i]
		start = end + 1
	}
	return out
}

// addVocab adds the vocabulary field and its analyzer to a mapping. Its
// postings keep neither frequencies, norms nor positions: only the document
// frequency of each word is ever read.
func addVocab(im *mapping.IndexMappingImpl, dm *mapping.DocumentMapping) {
	// The configuration is a constant that bleve accepts; an error here
	// would fail every test that opens an index.
	if err := im.AddCustomAnalyzer(vocabAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": vocabTokenizer,
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

// vocabTexts are the texts of the fields untagged terms search, which make
// the vocabulary (conclusions and major topics are part of the abstract and
// the headings).
func vocabTexts(d doc) []string {
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

// vocabSplitter is what vocabWords needs from bleve, built once: the words
// analyzer (unicode tokenizer, possessive, lowercase, stop, length), which
// is the reference for what a word is, and its stop words.
type vocabSplitter struct {
	words analysis.Analyzer
	stop  analysis.TokenMap
}

var vocabSplit = sync.OnceValue(func() vocabSplitter {
	c := registry.NewCache()
	tok, err := c.TokenizerNamed(unicode.Name)
	if err != nil {
		panic("index: vocabulary tokenizer: " + err.Error())
	}
	filters := []analysis.TokenFilter{en.NewPossessiveFilter(), lowercase.NewLowerCaseFilter()}
	stop, err := en.TokenMapConstructor(nil, c)
	if err != nil {
		panic("index: vocabulary stop words: " + err.Error())
	}
	stopFilter, err := c.TokenFilterNamed(en.StopName)
	if err != nil {
		panic("index: vocabulary stop filter: " + err.Error())
	}
	filters = append(filters, stopFilter, length.NewLengthFilter(minVocabRunes, maxVocabRunes))
	return vocabSplitter{
		words: &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters},
		stop:  stop,
	}
})

// vocabWords is the field value of a document's vocabulary: its distinct
// words, space-separated. It yields the words the words analyzer yields
// (vocab_test.go compares the two over every fixture record), but splits
// the common case itself: a run of ASCII letters and digits between ASCII
// characters that Unicode word segmentation always breaks at (space,
// hyphen, brackets, ...) is one word. Any other run — one holding
// apostrophes, full stops, colons, commas, semicolons, underscores, double
// quotes or non-ASCII — goes to the analyzer whole; a break on either side
// of it is certain, so the analyzer splits it as it would the whole text.
// The one exception, a non-ASCII character after a break character (it
// could be a combining mark, which joins the character before it), is
// handled by handing the break character to the analyzer too.
func vocabWords(d doc) string {
	sp := vocabSplit()
	// The words are collected with repeats, then sorted and compacted: a
	// plain lower-case word is a substring of its text and costs nothing
	// until the join, where a set would cost a string and a map entry each.
	words := make([]string, 0, 256)
	for _, s := range vocabTexts(d) {
		for i := 0; i < len(s); {
			start := i
			if isVocabBreak(s[i]) {
				if i+1 >= len(s) || s[i+1] < 0x80 {
					i++
					continue
				}
				i++ // the break goes with the non-ASCII run after it
			}
			plain := start == i
			for i < len(s) && !isVocabBreak(s[i]) {
				if !isASCIIAlnum(s[i]) {
					plain = false
				}
				i++
			}
			run := s[start:i]
			if !plain && trailingJoiner(run) {
				// "disease." or "disease," before a break: the full stop
				// or comma joins nothing, and the word is plain.
				run, plain = run[:len(run)-1], true
			}
			if !plain {
				for _, t := range sp.words.Analyze([]byte(run)) {
					words = append(words, string(t.Term))
				}
				continue
			}
			if len(run) < minVocabRunes || len(run) > maxVocabRunes {
				continue
			}
			w := lowerASCII(run)
			if !sp.stop[w] {
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	return strings.Join(slices.Compact(words), " ")
}

// lowerASCII is s, ASCII, in lower case; s itself when it has no capital.
func lowerASCII(s string) string {
	for k := 0; k < len(s); k++ {
		if 'A' <= s[k] && s[k] <= 'Z' {
			b := []byte(s)
			for j := k; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isVocabBreak reports whether c is an ASCII character that Unicode word
// segmentation (UAX #29, as bleve's segmenter implements it) breaks at on
// both sides and never puts in a word: everything ASCII but letters,
// digits and the characters that can join two of them (' . : , ; _ ").
func isVocabBreak(c byte) bool {
	if c >= 0x80 || isASCIIAlnum(c) {
		return false
	}
	switch c {
	case '\'', '.', ':', ',', ';', '_', '"':
		return false
	}
	return true
}

// trailingJoiner reports whether run is ASCII letters and digits followed
// by one full stop, comma, semicolon, colon or apostrophe, which join only
// what stands on both sides of them. An underscore would stay in the word.
func trailingJoiner(run string) bool {
	n := len(run) - 1
	if n < 1 || !strings.ContainsRune(".,;:'", rune(run[n])) {
		return false
	}
	for k := range n {
		if !isASCIIAlnum(run[k]) {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

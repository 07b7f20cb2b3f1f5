package index

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/length"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"villi/internal/fixture"
	"villi/store"
)

// oldVocabAnalyzer is the analyzer the vocabulary field had before
// vocabWords (MappingVersion 8), configured as it was: the reference for
// which words a text holds.
func oldVocabAnalyzer(tb testing.TB) analysis.Analyzer {
	tb.Helper()
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter("old_length", map[string]any{
		"type": length.Name, "min": float64(3), "max": float64(30),
	}); err != nil {
		tb.Fatal(err)
	}
	if err := im.AddCustomAnalyzer("old_vocab", map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, en.StopName, "old_length"},
	}); err != nil {
		tb.Fatal(err)
	}
	an := im.AnalyzerNamed("old_vocab")
	if an == nil {
		tb.Fatal("no old_vocab analyzer")
	}
	return an
}

// oldWords is the set of words the old field held for texts.
func oldWords(an analysis.Analyzer, texts []string) []string {
	set := map[string]bool{}
	for _, s := range texts {
		for _, t := range an.Analyze([]byte(s)) {
			set[string(t.Term)] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// newWords is the set of words vocabWords gives, failing on a repeat.
func newWords(tb testing.TB, d doc) []string {
	tb.Helper()
	s := vocabWords(d)
	if s == "" {
		return []string{}
	}
	ws := strings.Split(s, " ")
	got := slices.Sorted(slices.Values(ws))
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		tb.Errorf("vocabWords repeats a word: %q", s)
	}
	return slices.Compact(got)
}

func TestVocabWords_SameWordsAsTheOldAnalyzer(t *testing.T) {
	an := oldVocabAnalyzer(t)
	texts := []string{
		"", "the of and", "Crohn's disease and Crohn’s DISEASE", "CROHN'S", "e.g. i.e. U.S.A. 1,000 3.5 mg",
		"ratio:value a:b", "gut_microbiota __init__ _x_", "naïve Naïve NAÏVE café", "α-diversity β-lactam",
		"IL-6 TNF-α COVID-19 SARS-CoV-2", "(\u0301abc) x-\u0301yz", "don't won't it's", "a\"b \"quoted\"",
		"Ünited Straße ﬁnal", "１２３ ｆｕｌｌ", "日本語 カタカナ", "abcdefghijklmnopqrstuvwxyzabcdefgh " +
			"abcdefghijklmnopqrstuvwxyzabcd abcdefghijklmnopqrstuvwxyzabcde", "ab abc ABC Abc",
		"end.", "end's.", "x'y's", "1'000's", "line\r\nbreak\vtab\tform\fend",
	}
	// Every ASCII character between letters, digits and a combining mark.
	for c := range 128 {
		s := string(rune(c))
		texts = append(texts, "abc"+s+"def", "123"+s+"456", "abc"+s+"123", "abc"+s+"\u0301def", s+"abc"+s,
			"abc"+s+"s", "abcd"+s+s+"efg", "abc"+s+" def", "Abc1"+s+"\u0301", "abc"+s+s+" d", s+s+"xyz"+s)
	}
	for _, s := range texts {
		d := doc{fTitle: s}
		got, want := newWords(t, d), oldWords(an, []string{s})
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

// vocabFixtureRecords are the records of every PubMed fixture file and the
// topical fixture.
func vocabFixtureRecords(t *testing.T) []store.Record {
	t.Helper()
	var recs []store.Record
	for _, f := range fixture.Files(t) {
		switch f.Root {
		case "PubmedArticleSet", "PubmedArticle", "MedlineCitationSet", "MedlineCitation":
		default:
			continue // not XML a decoder reads whole (eutils cassettes, JSON)
		}
		if f.Articles > 0 {
			recs = append(recs, taggedRecords(t, fixture.Path(t, f.Path))...)
		}
	}
	return append(recs, topicalRecords(t)...)
}

// The vocabulary must hold the same words in the same records as the old
// analyzer's field did: spelling correction reads nothing else.
func TestVocabWords_FixtureRecordsHaveTheOldVocabulary(t *testing.T) {
	an := oldVocabAnalyzer(t)
	recs := vocabFixtureRecords(t)
	if len(recs) < 8000 {
		t.Fatalf("%d fixture records, want the topical 8,600 and more", len(recs))
	}
	gotDF, wantDF := map[string]int{}, map[string]int{}
	bad := 0
	for i := range recs {
		d := document(&recs[i], nil)
		got, want := newWords(t, d), oldWords(an, vocabTexts(d))
		for _, w := range got {
			gotDF[w]++
		}
		for _, w := range want {
			wantDF[w]++
		}
		if !slices.Equal(got, want) && bad < 5 {
			bad++
			t.Errorf("PMID %d: vocabWords differs from the old analyzer: only new %q, only old %q",
				recs[i].Article.PMID, onlyIn(got, want), onlyIn(want, got))
		}
	}
	if !maps.Equal(gotDF, wantDF) {
		t.Errorf("document frequencies differ: %d words against %d", len(gotDF), len(wantDF))
	}
	t.Logf("%d records, %d words", len(recs), len(wantDF))
}

// The index's vocabulary dictionary is the old analyzer's words with their
// document counts: the field's own analyzer splits vocabWords' value back
// into exactly those words.
func TestVocab_IndexDictionaryCountsTheOldAnalyzersWords(t *testing.T) {
	an := oldVocabAnalyzer(t)
	ix, recs := fixtureCorpus(t)
	want := map[string]uint64{}
	for i := range recs {
		for _, w := range oldWords(an, vocabTexts(document(&recs[i], nil))) {
			want[w]++
		}
	}
	adv, err := ix.bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dict, err := r.FieldDict(fVocab)
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Close()
	got := map[string]uint64{}
	for e, err := dict.Next(); e != nil || err != nil; e, err = dict.Next() {
		if err != nil {
			t.Fatal(err)
		}
		got[e.Term] = e.Count
	}
	if len(want) < 1000 {
		t.Fatalf("%d words in %d records: too few to compare", len(want), len(recs))
	}
	if !maps.Equal(got, want) {
		for w, n := range want {
			if got[w] != n {
				t.Errorf("%q: %d records in the index, %d by the old analyzer", w, got[w], n)
				break
			}
		}
		t.Errorf("dictionary has %d words, the old analyzer %d", len(got), len(want))
	}
}

// onlyIn is a's words not in b (both sorted).
func onlyIn(a, b []string) []string {
	var out []string
	for _, w := range a {
		if _, ok := slices.BinarySearch(b, w); !ok {
			out = append(out, w)
		}
	}
	return out
}

// BenchmarkVocab is the vocabulary's share of analysing a document, all
// topical records an op: the old field's analyzer over the texts (one
// token-frequency map per value, merged, as bleve does for an array
// field), against vocabWords and its field's splitter. The postings that
// follow are the same words either way.
func BenchmarkVocab(b *testing.B) {
	recs := topicalRecords(b)
	docs := make([]doc, len(recs))
	for i := range recs {
		docs[i] = document(&recs[i], nil)
	}
	opts := bleveindex.IndexField | bleveindex.SkipFreqNorm
	b.Run("old-analyzer", func(b *testing.B) {
		an := oldVocabAnalyzer(b)
		for b.Loop() {
			for _, d := range docs {
				all := bleveindex.TokenFrequencies{}
				for _, s := range vocabTexts(d) {
					all.MergeAll(fVocab, analysis.TokenFrequency(an.Analyze([]byte(s)), nil, opts))
				}
			}
		}
	})
	b.Run("words", func(b *testing.B) {
		for b.Loop() {
			for _, d := range docs {
				analysis.TokenFrequency(spaceSplitter{}.Tokenize([]byte(vocabWords(d))), nil, opts)
			}
		}
	})
}

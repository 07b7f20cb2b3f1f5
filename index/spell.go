package index

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"villi/query"
)

// Spelling correction. When a query finds FewHits records or fewer and a
// word of it is rare or absent in the library while a word one or two edits
// away is common, villi searches the query with that word replaced, and
// keeps the corrected result if it finds more than MuchMore times as many
// records: "Showing results for coeliac disease. Search instead for coeliac
// disese". Which words may be replaced is the query package's to say
// (query.Correct); the candidates come from the vocabulary field's
// dictionary (vocab.go) through bleve's Levenshtein automaton
// (FieldDictFuzzy), ranked by how many records hold them. A search that
// finds more than FewHits records never reaches any of this: the common case
// costs one comparison.
//
// The thresholds were measured on the 8,600 topical fixture records with
// villi search (the typed query's count, then the corrected one's); the
// tests in spell_test.go hold the same cases on a quarter of them.
const (
	// FewHits is "finds very little". A misspelling is not always absent,
	// for abstracts have typos too: "probiotcs", "chron disease" and
	// "inflamatory bowel disease" find 1–2 records, "zonulinn" and
	// "psorasis" none. Correctly spelled queries that find this little
	// ("lupin" 2, "lupus nephritis" 2) are left alone by RareRatio and
	// MinRareRunes, so the bar costs nothing for them but the lookups.
	FewHits = 5
	// MuchMore is "finds clearly more": the corrected query must find more
	// than MuchMore times the records the typed one found (any, when it
	// found none). Every accepted correction measured clears it by far
	// ("probiotcs" 1 → "probiotics" 689, "inflamatory bowel disease" 1 →
	// 1,705); a correction that barely adds ("zonulin AND selenum" → "zonulin
	// AND selenium", 0 → 0) is not shown.
	MuchMore = 10
	// RareRatio is "rare": a word the index holds (its stem is in some
	// record) is replaced only by a word in at least RareRatio times as many
	// records, at one edit. Typos in abstracts sit hundreds of times below
	// their word ("probiotcs" 1 record, "probiotics" 659; "microbome" 1,
	// "microbiome" 539); a rare word spelled right next to a common one does
	// too ("cast" and "case"), which MinRareRunes is for.
	RareRatio = 30
	// MinRareRunes is the shortest word the index holds that is corrected
	// while the typed query finds something. Of 407 words sampled from the
	// vocabulary that are in 1–3 records, searched alone, 15 were corrected
	// without this bar, 12 of them wrongly (cast → case, birch → birth,
	// shaw → show, lest → less, stricto → strict); with it 4 are:
	// immumoglobulin and microbome (typos, rightly), analysts → analysis
	// and nationale → national (wrongly; "Search instead" undoes them).
	// A query that finds nothing has no results to lose, and its rare words
	// are corrected at any length ("irritable bowl syndrome").
	MinRareRunes = 8
)

// maxEdits is the edit distance (Damerau–Levenshtein: a swapped pair is
// one edit) spelling correction searches for a word of n runes: one edit at
// four letters, where two reach a large share of all short words; two from
// five on, which "chron" needs to reach "crohn". Nearer candidates win
// (fix), so a second edit only counts when one finds nothing.
func maxEdits(n int) int {
	switch {
	case n < query.MinCorrectRunes:
		return 0
	case n < 5:
		return 1
	default:
		return 2
	}
}

// spellKey is the part of a result's cache key that spelling correction
// adds: with correction off, the same query may return another result.
func spellKey(r *Request) string {
	if r.NoCorrect {
		return "\x00nocorrect"
	}
	return ""
}

// runSpelled runs p and, when it finds very little, a corrected query (see
// the constants above), returning whichever result is kept.
func (ix *Index) runSpelled(ctx context.Context, bi bleve.Index, d *docs, p *plan) (*Result, error) {
	res, err := ix.run(ctx, bi, d, p)
	if err != nil || p.must == nil || p.r.NoCorrect || res.Total > FewHits {
		return res, err
	}
	to, ok, err := correction(ctx, bi, p.r.Q, res.Total)
	if err != nil || !ok {
		return res, err
	}
	r := p.r
	r.Q = to
	alt, err := newPlan(r, p.mapping)
	if err != nil {
		// query.Correct checked that the text parses; the rest of the
		// request is p's, which newPlan accepted.
		return nil, fmt.Errorf("plan corrected query %q: %w", to, err)
	}
	better, err := ix.run(ctx, bi, d, alt)
	if err != nil {
		return nil, err
	}
	if better.Total == 0 || better.Total <= MuchMore*res.Total {
		return res, nil
	}
	better.CorrectedFrom, better.Corrected = p.r.Q, to
	return better, nil
}

// correction returns q with its misspelled words corrected from the
// vocabulary, and whether any was.
func correction(ctx context.Context, bi bleve.Index, q string, found uint64) (string, bool, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return "", false, fmt.Errorf("spelling: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return "", false, fmt.Errorf("spelling: %w", err)
	}
	defer r.Close()
	fr, ok := r.(bleveindex.IndexReaderFuzzy)
	if !ok {
		return "", false, errors.New("spelling: the index reader has no fuzzy dictionary")
	}
	an := bi.Mapping().AnalyzerNamed(en.AnalyzerName)
	if an == nil {
		return "", false, errors.New("spelling: no analyzer " + en.AnalyzerName)
	}
	v := &vocabulary{ctx: ctx, r: r, fr: fr, found: found, stem: func(w string) string {
		if ts := an.Analyze([]byte(w)); len(ts) > 0 {
			return string(ts[0].Term)
		}
		return ""
	}}
	if v.docs, err = r.DocCount(); err != nil {
		return "", false, fmt.Errorf("spelling: %w", err)
	}
	to, changed := query.Correct(q, v.fix)
	if v.err != nil {
		return "", false, v.err
	}
	return to, changed, nil
}

// vocabulary answers query.Correct from one index snapshot. The first
// error stops it; correction then reports it.
type vocabulary struct {
	ctx  context.Context
	r    bleveindex.IndexReader
	fr   bleveindex.IndexReaderFuzzy
	stem func(word string) string
	// found is how many records the typed query found; docs how many the
	// index holds.
	found, docs uint64
	err         error
}

// searchedFields are where an untagged word is searched (conclusions and
// major topics are within abstract and mesh): a word's own frequency is the
// most records its stem is in, in any of them.
var searchedFields = []string{fTitle, fAbstract, fMesh, fKeywords}

// fix is query.Correct's callback: the commonest vocabulary word within
// maxEdits of w, when w is rare or absent next to it.
func (v *vocabulary) fix(w string) (string, bool) {
	edits := maxEdits(utf8.RuneCountInString(w))
	if v.err != nil || edits == 0 {
		return "", false
	}
	// Most words of a query that finds little are common, often because
	// filters or other words narrowed it: one count of the word as written
	// settles those.
	if v.count(fVocab, w)*RareRatio > v.docs {
		return "", false
	}
	var own uint64
	if s := v.stem(w); s != "" {
		for _, f := range searchedFields {
			own = max(own, v.count(f, s))
		}
	}
	// A word the index holds is corrected only when long, or when nothing
	// was found, and only to a word RareRatio times commoner: most words of
	// a query that finds little are answered here, without a walk of the
	// dictionary.
	long := utf8.RuneCountInString(w) >= MinRareRunes
	if own > 0 && (!long && v.found > 0 || own*RareRatio > v.docs) {
		return "", false
	}
	if own > 0 {
		edits = 1 // and the one-edit automaton costs a fraction of the two-edit one
	}
	// A typo rarely hits the first letter, and anchoring it keeps the
	// automaton's walk to one letter's share of the dictionary.
	first, _ := utf8.DecodeRuneInString(w)
	dict, err := v.fr.FieldDictFuzzy(fVocab, w, edits, string(first))
	if err != nil {
		v.err = fmt.Errorf("spelling: vocabulary near %q: %w", w, err)
		return "", false
	}
	defer dict.Close()
	// The commonest word at the nearest distance that has one common
	// enough: "exzema" is one edit from "eczema" (17 records) and two from
	// "edema" (34).
	var best [3]struct {
		term string
		df   uint64
	}
	for {
		e, err := dict.Next()
		if err != nil {
			v.err = fmt.Errorf("spelling: vocabulary near %q: %w", w, err)
			return "", false
		}
		if e == nil {
			break
		}
		d := int(e.EditDistance)
		if e.Term == w || d < 1 || d > edits || !letters(e.Term) {
			continue
		}
		df := v.count(fVocab, e.Term)
		if b := &best[d]; df > b.df || df == b.df && e.Term < b.term {
			b.term, b.df = e.Term, df
		}
	}
	if v.err != nil {
		return "", false
	}
	if own == 0 {
		for _, b := range best[1:] {
			if b.df > 0 {
				return b.term, true
			}
		}
		return "", false
	}
	// A word the index holds may be a typo in an abstract or a rare word
	// spelled right; see RareRatio and MinRareRunes.
	if b := best[1]; b.df >= RareRatio*own {
		return b.term, true
	}
	return "", false
}

// count is the number of records whose field holds term.
func (v *vocabulary) count(field, term string) uint64 {
	if v.err != nil {
		return 0
	}
	tfr, err := v.r.TermFieldReader(v.ctx, []byte(term), field, false, false, false)
	if err != nil {
		v.err = fmt.Errorf("spelling: count %q in %s: %w", term, field, err)
		return 0
	}
	defer tfr.Close()
	return tfr.Count()
}

func letters(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

package index

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// spellStride samples the topical records for the spelling tests: every
// fourth of the 8,600 (the file runs by topic, so a stride keeps every
// topic), 2,150 records, which index in seconds even under -race.
const spellStride = 4

// spellIndex indexes the sampled topical records into a real index.
func spellIndex(t *testing.T) *Index {
	t.Helper()
	all := topicalRecords(t)
	var recs = all[:0:0]
	for i := 0; i < len(all); i += spellStride {
		recs = append(recs, all[i])
	}
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i, seq := 0, uint64(1); i < len(recs); i, seq = i+500, seq+1 {
		if err := ix.Apply(ctx, recs[i:min(i+500, len(recs))], nil, seq); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// TestSpelling runs spelling correction on real misspellings of the
// topical records' vocabulary. Each case also searches its corrected text
// as typed, which must find exactly what the correction reported.
func TestSpelling(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 2,150 records")
	}
	ix := spellIndex(t)
	search := func(t *testing.T, r Request) *Result {
		t.Helper()
		res, err := ix.Search(context.Background(), r)
		if err != nil {
			t.Fatalf("Search(%q): %v", r.Q, err)
		}
		return res
	}

	t.Run("corrects", func(t *testing.T) {
		for _, c := range []struct {
			q, want    string
			typed, got uint64 // records the typed and the corrected query find
		}{
			{"coeliac disese", "coeliac disease", 0, 904},
			{"hashimotos thyroidits", "hashimotos thyroiditis", 0, 6},
			{"zonulinn", "zonulin", 0, 2},
			{"permeabilty", "permeability", 0, 51},
			{"rheumatiod arthritis", "rheumatoid arthritis", 0, 23},
			{"psorasis", "psoriasis", 0, 13},
			{"Psorasis", "Psoriasis", 0, 13},
			{"glutne", "gluten", 0, 660},
			{"lupis", "lupus", 0, 8},
			{"exzema", "eczema", 0, 4},         // one edit from eczema wins over two from the commoner edema
			{"chron", "crohn", 0, 661},         // two edits at five letters; Crohn's records, not all of IBD
			{"leaky gutt", "leaky gut", 0, 49}, // a three-letter suggestion
			{"microbome", "microbiome", 0, 170},
			{"inflamatory bowel disease", "inflammatory bowel disease", 0, 861},
			{"irritable bowl syndrome", "irritable bowel syndrome", 0, 339}, // "bowl" is a word, but nothing was found
			{"coeliac disese NOT psorasis", "coeliac disease NOT psoriasis", 0, 899},
			{"thyroidits[ti] OR thyroidits", "thyroidits[ti] OR thyroiditis", 0, 28},
			{`"coeliac disese" OR psorasis`, `"coeliac disese" OR psoriasis`, 0, 13},
		} {
			typed := search(t, Request{Q: c.q, NoCorrect: true})
			res := search(t, Request{Q: c.q, Facets: true})
			if typed.Total != c.typed || res.Corrected != c.want || res.Total != c.got || res.CorrectedFrom != c.q {
				t.Errorf("%q: typed finds %d, corrected to %q (from %q) finding %d; want %d, %q (from %q), %d",
					c.q, typed.Total, res.Corrected, res.CorrectedFrom, res.Total, c.typed, c.want, c.q, c.got)
				continue
			}
			// The result is the corrected query's, hits, facets and all.
			direct := search(t, Request{Q: c.want, NoCorrect: true, Facets: true})
			if res.SearchedAs != direct.SearchedAs || !slices.Equal(pmids(res.Hits), pmids(direct.Hits)) ||
				!reflect.DeepEqual(res.Facets, direct.Facets) {
				t.Errorf("%q: corrected result searched as %q, %v; %q searched directly: %q, %v",
					c.q, res.SearchedAs, pmids(res.Hits), c.want, direct.SearchedAs, pmids(direct.Hits))
			}
		}
	})

	t.Run("keeps", func(t *testing.T) {
		for _, c := range []struct {
			q     string
			typed uint64
			why   string
		}{
			{"lupin", 1, "a rare word spelled right (lupus is two edits away, lupine is as rare)"},
			{"zonulin", 2, "a rare word spelled right, shorter than MinRareRunes"},
			{"coeliac OR zonulinn", 951, "finds plenty: correction never runs"},
			{"glutne OR lupus", 8, "finds more than FewHits, though gluten OR lupus would find 668"},
			{"disese[ti]", 0, "tagged terms are searched as typed"},
			{`"coeliac disese"`, 0, "quoted phrases are exact"},
			{"zonulinn*", 2, "wildcards"},
			{"ZONULINN", 0, "capitals: acronyms and names"},
			{"10.1038/zonulinn", 0, "identifiers"},
			{"Psorasis A", 0, "an author name as PubMed lists it"},
			{"gluten fre diet", 0, "three letters are never corrected"},
			{"lupin OR zonulinn", 1, "the corrected query finds 3: not more than ten times as many"},
			{"cast", 1, "a rare word shorter than MinRareRunes, one edit from case (in hundreds)"},
			{"lest", 1, "a rare word shorter than MinRareRunes, one edit from less"},
			{"zonulin AND selenum", 0, "the corrected query finds nothing more"},
			{"Fasano A zonulinn", 0, "the corrected query finds nothing more"},
		} {
			typed := search(t, Request{Q: c.q, NoCorrect: true})
			res := search(t, Request{Q: c.q})
			if typed.Total != c.typed || res.Total != c.typed || res.Corrected != "" || res.CorrectedFrom != "" ||
				res.SearchedAs != typed.SearchedAs {
				t.Errorf("%q (%s): typed finds %d; searched as %q finding %d, corrected to %q; want it kept, finding %d",
					c.q, c.why, typed.Total, res.SearchedAs, res.Total, res.Corrected, c.typed)
			}
		}
	})

	t.Run("nocorrect", func(t *testing.T) {
		res := search(t, Request{Q: "coeliac disese", NoCorrect: true})
		if res.Total != 0 || res.CorrectedFrom != "" || res.SearchedAs != "(coeliac OR celiac OR condition:celiac) AND disese" {
			t.Errorf("NoCorrect: %d hits searched as %q, corrected from %q; want the typed query's 0", res.Total, res.SearchedAs, res.CorrectedFrom)
		}
		// The cache keeps the two apart, in either order.
		if res := search(t, Request{Q: "coeliac disese"}); res.Corrected != "coeliac disease" {
			t.Errorf("after a NoCorrect search, the same query corrects to %q", res.Corrected)
		}
		if res := search(t, Request{Q: "coeliac disese", NoCorrect: true}); res.CorrectedFrom != "" {
			t.Errorf("after a corrected search, NoCorrect is corrected from %q", res.CorrectedFrom)
		}
	})

	t.Run("pages of a corrected query", func(t *testing.T) {
		r := Request{Q: "glutne", Size: 50}
		var got []uint64
		for page := 0; page < 3; page++ {
			res := search(t, r)
			if res.Corrected != "gluten" {
				t.Fatalf("page %d: corrected to %q", page+1, res.Corrected)
			}
			got = append(got, pmids(res.Hits)...)
			r.After = res.Next
		}
		want := pmids(searchAll(t, ix, Request{Q: "gluten", Size: 50})[:150])
		if !slices.Equal(got, want) {
			t.Errorf("three pages of glutne by cursor differ from the first 150 hits of gluten")
		}
	})
}

package query

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/simple"
	"github.com/blevesearch/bleve/v2/mapping"
)

// testMapping follows the shared field contract (briefs/fields.md) for the
// fields this package queries.
func testMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = AnalyzerName
		f.IncludeTermVectors = true
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = keyword.Name
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range []string{"title", "abstract", "conclusions", "mesh", "majr", "keywords"} {
		doc.AddFieldMappingsAt(f, text())
	}
	for _, f := range []string{"pmid", "au_exact", "ta", "pt"} {
		doc.AddFieldMappingsAt(f, kw())
	}
	au := bleve.NewTextFieldMapping()
	au.Analyzer = simple.Name
	au.IncludeTermVectors = true
	doc.AddFieldMappingsAt("au", au)
	doc.AddFieldMappingsAt("year", bleve.NewNumericFieldMapping())
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	return m
}

type testDoc struct {
	pmid             int
	title, abstract  string
	conclusions      string
	mesh, majr       []string
	authors          []string // "LastName Initials"
	pt, ta, keywords []string
	year             int
}

var testDocs = []testDoc{
	{pmid: 1, title: "Zonulin and intestinal permeability in Hashimoto's thyroiditis",
		abstract: "Serum zonulin was raised in patients with autoimmune thyroid disease.",
		mesh:     []string{"Hashimoto Disease", "Haptoglobins", "Humans"}, majr: []string{"Hashimoto Disease"},
		authors: []string{"Fasano A", "Sapone A"}, pt: []string{"Journal Article", "Randomized Controlled Trial"},
		ta: []string{"J Clin Endocrinol Metab"}, year: 2016},
	{pmid: 2, title: "Leaky gut in celiac disease: a gluten-free diet restores the barrier",
		abstract: "Gliadin opens tight junctions.", conclusions: "A gluten-free diet closes the gut barrier.",
		mesh: []string{"Celiac Disease", "Diet, Gluten-Free"}, majr: []string{"Celiac Disease"},
		authors: []string{"Fasano AB"}, pt: []string{"Review"}, ta: []string{"Gut"}, year: 2012},
	{pmid: 3, title: "Probiotics in rheumatoid arthritis: a meta-analysis",
		abstract: "Probiotic supplementation lowered CRP in RA patients.",
		mesh:     []string{"Arthritis, Rheumatoid", "Probiotics"}, pt: []string{"Meta-Analysis"},
		authors: []string{"Smith J"}, year: 2020},
	{pmid: 4, title: "Gut microbiota shapes demyelination in mice",
		abstract: "Germ-free mice with experimental autoimmune encephalomyelitis had milder multiple sclerosis-like disease.",
		mesh:     []string{"Encephalomyelitis, Autoimmune, Experimental", "Mice"}, authors: []string{"Berer K"}, year: 2019},
	{pmid: 5, title: "Coeliac disease and faecal calprotectin in children",
		abstract: "Calprotectin was measured in stool.", authors: []string{"Jones P"}, year: 2024},
	{pmid: 6, title: "Markers in inflammatory bowel disease",
		abstract: "Mucosal inflammation was graded by endoscopy.", authors: []string{"O'Brien J"},
		keywords: []string{"calprotectin"}, year: 2010},
	{pmid: 12345678, title: "Follow-up of the 2015 cohort", abstract: "The cohort was recruited in 2015.",
		authors: []string{"Celiac Disease Study Group"}, year: 2021},
}

func (d testDoc) fields() map[string]any {
	lower := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = strings.ToLower(s)
		}
		return out
	}
	m := map[string]any{
		"pmid": strconv.Itoa(d.pmid), "title": d.title, "abstract": d.abstract,
		"conclusions": d.conclusions, "mesh": d.mesh, "majr": d.majr, "keywords": d.keywords,
		"au": d.authors, "au_exact": lower(d.authors), "pt": lower(d.pt), "ta": lower(d.ta),
	}
	if d.year != 0 {
		m["year"] = float64(d.year)
	}
	return m
}

// memIndex is an empty in-memory index with testMapping, closed at cleanup.
func memIndex(t *testing.T) bleve.Index {
	t.Helper()
	ix, err := bleve.NewMemOnly(testMapping())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func testIndex(t *testing.T) bleve.Index {
	t.Helper()
	ix := memIndex(t)
	b := ix.NewBatch()
	for _, d := range testDocs {
		if err := b.Index(strconv.Itoa(d.pmid), d.fields()); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Batch(b); err != nil {
		t.Fatal(err)
	}
	return ix
}

// search runs q and returns the PMIDs of the hits, best first.
func search(t *testing.T, ix bleve.Index, q string) []string {
	t.Helper()
	parsed, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	req := bleve.NewSearchRequestOptions(parsed.Bleve(), 100, 0, false)
	res, err := ix.Search(req)
	if err != nil {
		t.Fatalf("search %q (as %s): %v", q, parsed, err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}

func TestBleve_Matches(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		name, q string
		want    []string
	}{
		{"word", "zonulin", []string{"1"}},
		{"stemmed word", "probiotic", []string{"3"}},
		{"phrase searches its words only", `"intestinal permeability"`, []string{"1"}}, // not 2, through leaky gut
		{"words expand", "intestinal permeability", []string{"1", "2"}},
		{"phrase is adjacent words only", `"permeability intestinal"`, nil},
		{"leaky gut expands", "leaky gut", []string{"1", "2"}},
		{"implicit and", "zonulin thyroid", []string{"1"}},
		{"or", "zonulin OR gliadin", []string{"1", "2"}},
		{"not", "gluten NOT review[pt]", nil},
		{"not keeps the rest", "disease NOT mice", []string{"1", "2", "5", "6"}},
		{"left to right", "zonulin OR probiotics AND arthritis", []string{"3"}},
		{"wildcard finds possessive", "hashimoto*", []string{"1"}},
		{"wildcard finds shortened stems", "probiotic*", []string{"3"}},
		{"wildcard spans stems", "inflammat*", []string{"6"}},
		{"wildcard is lowercased", "CALPRO*", []string{"5", "6"}},
		{"hyphenated word is a phrase", "gluten-free", []string{"2"}},
		{"phrase matches hyphenated text", `"gluten free"`, []string{"2"}},
		{"hashimoto synonyms", "autoimmune thyroiditis", []string{"1"}},
		{"spelling synonyms", "celiac", []string{"2", "5"}},
		{"british spelling finds american", "fecal", []string{"5"}},
		{"acronym expands", "MS", []string{"4"}},
		{"acronym in lowercase does not", "ms", nil},
		{"stop words ignored", "the zonulin", []string{"1"}},
		{"year", "2016[dp]", []string{"1"}},
		{"year range inclusive", "2012:2019[dp]", []string{"1", "2", "4"}},
		{"year range and term", "disease 2015:2025[dp]", []string{"1", "4", "5"}},
		{"title tag", "gut[ti]", []string{"2", "4"}},
		{"abstract tag", "gut[ab]", nil},
		{"tiab", "calprotectin[tiab]", []string{"5"}},
		{"mesh", "hashimoto disease[mh]", []string{"1"}},
		{"mesh phrase stays in one heading", "disease gluten[mh]", nil},
		{"majr", "celiac disease[majr]", []string{"2"}},
		{"keywords tag", "calprotectin[ot]", []string{"6"}},
		{"author initials prefix", "fasano a[au]", []string{"1", "2"}},
		{"author exact", `"fasano a"[au]`, []string{"1"}},
		{"author surname", "Fasano[au]", []string{"1", "2"}},
		{"author apostrophe", "O'Brien[au]", []string{"6"}},
		{"author wildcard", "fasa*[au]", []string{"1", "2"}},
		{"collective author", "celiac disease study group[au]", []string{"12345678"}},
		{"publication type", "randomized controlled trial[pt]", []string{"1"}},
		{"publication type with hyphen", "Meta-Analysis[pt]", []string{"3"}},
		{"publication type prefix", "random*[pt]", []string{"1"}},
		{"journal", "j clin endocrinol metab[ta]", []string{"1"}},
		{"journal one word", "Gut[ta]", []string{"2"}},
		{"pmid tag", "3[pmid]", []string{"3"}},
		{"bare number is a pmid", "12345678", []string{"12345678"}},
		{"bare numbers are pmids", "3 5", []string{"3", "5"}},
		{"number among words is text", "2015 cohort", []string{"12345678"}},
		{"number alone is not text", "2015", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := search(t, ix, tt.q)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("search %q: got %v, want %v", tt.q, got, want)
			}
		})
	}
}

func TestBleve_TitleOutranksAbstract(t *testing.T) {
	ix := testIndex(t)
	// 5 has calprotectin in its title, 6 only in keywords.
	got := search(t, ix, "calprotectin")
	if len(got) != 2 || got[0] != "5" {
		t.Errorf("search calprotectin: got %v, want 5 first", got)
	}
}

func TestBleve_EmptyMatchesAll(t *testing.T) {
	ix := testIndex(t)
	if got := search(t, ix, "  "); len(got) != len(testDocs) {
		t.Errorf("empty query: got %d hits, want %d", len(got), len(testDocs))
	}
}

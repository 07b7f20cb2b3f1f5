package query

import (
	"slices"
	"strings"
	"testing"
)

func testAnalyzers(t *testing.T) (*parser, func(string) (*synTable, error)) {
	t.Helper()
	an, err := englishAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := synonymKeyAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	return &parser{an: an}, func(s string) (*synTable, error) { return parseSynonyms(s, an, keys) }
}

func TestSynonyms_EmbeddedTableHasTheCuratedGroups(t *testing.T) {
	syn, err := synonyms()
	if err != nil {
		t.Fatalf("embedded synonyms.txt: %v", err)
	}
	same := [][]string{
		{"leaky gut", "intestinal permeability"},
		{"hashimoto", "hashimoto disease", "hashimoto's thyroiditis", "chronic lymphocytic thyroiditis", "autoimmune thyroiditis"},
		{"coeliac", "celiac"},
		{"microbiota", "microbiome"},
		{"SLE", "systemic lupus erythematosus"},
		{"RA", "rheumatoid arthritis"},
		{"MS", "multiple sclerosis"},
		{"T1D", "type 1 diabetes"},
		{"IBD", "inflammatory bowel disease"},
		{"crohn's", "crohn disease"},
		{"UC", "ulcerative colitis"},
		{"gut flora", "gut microbiota"},
		{"FMT", "fecal microbiota transplantation"},
		{"faecal", "fecal"},
		{"oesophagus", "esophagus"},
		{"haemorrhage", "hemorrhage"},
	}
	for _, group := range same {
		g := syn.lookup(group[0])
		if g == nil {
			t.Errorf("%q: no synonym group", group[0])
			continue
		}
		for _, m := range group[1:] {
			if syn.lookup(m) != g {
				t.Errorf("%q and %q: not in one group", group[0], m)
			}
		}
	}
}

func TestSynonyms_MemberInTwoGroupsIsAnError(t *testing.T) {
	_, load := testAnalyzers(t)
	_, err := load("celiac | coeliac\nsprue | Celiac's\n")
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("got %v, want an error naming line 2", err)
	}
}

func TestSynonyms_TwoGroupsWithOneConceptAreAnError(t *testing.T) {
	_, load := testAnalyzers(t)
	// "MS" (an acronym) and "ms" (a word) are different members, but the
	// index lowercases both, so their groups would share one concept term.
	_, err := load("MS | multiple sclerosis\nms | millisecond\n")
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "two groups") {
		t.Errorf("got %v, want an error naming line 2", err)
	}
}

func TestSynonyms_BadLinesAreErrors(t *testing.T) {
	_, load := testAnalyzers(t)
	for _, in := range []string{"lonely", "a | (b)", "the | of", "x AND y | z", "celiac | "} {
		if _, err := load(in); err == nil {
			t.Errorf("parseSynonyms(%q) succeeded, want an error", in)
		}
	}
}

func TestSynonyms_SpellingsThatAnalyzeAlikeAreOneMember(t *testing.T) {
	_, load := testAnalyzers(t)
	syn, err := load("gluten-free | gluten free\ncrohn | crohn's | Crohn disease\n")
	if err != nil {
		t.Fatal(err)
	}
	if g := syn.lookup("gluten free"); g != nil {
		t.Errorf("gluten free: got a group of %d, want none (one spelling to the index)", len(g.members))
	}
	g := syn.lookup("crohn’s")
	if g == nil || len(g.members) != 2 {
		t.Fatalf("crohn’s: got %v, want the group crohn, Crohn disease", g)
	}
}

func TestStemVariants_CoverStemsShorterThanThePrefix(t *testing.T) {
	p, _ := testAnalyzers(t)
	tests := []struct {
		prefix string
		want   []string // must be among the variants
		not    []string // must not
	}{
		{"probiotic", []string{"probiot"}, nil},
		{"inflammat", []string{"inflamm"}, nil},
		{"allergy", []string{"allergi"}, nil},
		{"hashimoto", nil, []string{"hashimoto"}}, // the prefix query already has it
		{"gluten", nil, []string{"glut"}},
	}
	for _, tt := range tests {
		got := stemVariants(p.an, tt.prefix)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("stemVariants(%q) = %v, want it to hold %q", tt.prefix, got, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("stemVariants(%q) = %v, want no %q", tt.prefix, got, w)
			}
		}
	}
}

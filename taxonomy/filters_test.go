package taxonomy

import (
	"slices"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
)

// Article types and age groups of real records, read by hand from their
// PublicationType and MeSH elements.
func TestArticleTypesAndAgeGroups_RealRecords(t *testing.T) {
	path := fixture.Path(t, "p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml")
	tests := []struct {
		pmid        uint64
		types, ages []string
	}{
		// Journal Article, Review, Systematic Review; Adolescent.
		{28156215, []string{"systematic-review", "review"}, []string{"adolescent"}},
		// Journal Article, Randomized Controlled Trial; Adolescent.
		{18056501, []string{"rct", "clinical-trial"}, []string{"adolescent"}},
		// Letter; Adult.
		{27830920, []string{"commentary"}, []string{"adult"}},
		// Journal Article, Comment; no age tags.
		{29438220, []string{"commentary"}, nil},
		// Journal Article, Review; Adolescent, Child, Child Preschool.
		{29499820, []string{"review"}, []string{"child", "adolescent"}},
		// Journal Article only; Aged, Aged 80 and over, Middle Aged.
		{29634678, nil, []string{"adult", "aged"}},
		// Journal Article; Adolescent, Child, Young Adult.
		{30348342, nil, []string{"child", "adolescent", "adult"}},
	}
	for _, tt := range tests {
		a := pubmedtest.Article(t, path, tt.pmid)
		if got := ArticleTypes(a); !slices.Equal(got, tt.types) {
			t.Errorf("PMID %d: ArticleTypes = %v, want %v", tt.pmid, got, tt.types)
		}
		if got := AgeGroups(a); !slices.Equal(got, tt.ages) {
			t.Errorf("PMID %d: AgeGroups = %v, want %v", tt.pmid, got, tt.ages)
		}
	}
}

// Legacy files carry no descriptor UIs: the names decide.
func TestAgeGroups_LegacyRecordsWithoutUIs(t *testing.T) {
	a := pubmedtest.Article(t, fixture.Path(t, "p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml"), 29634678)
	for i := range a.MeSH {
		a.MeSH[i].DescriptorUI = ""
	}
	if got, want := AgeGroups(a), []string{"adult", "aged"}; !slices.Equal(got, want) {
		t.Errorf("AgeGroups without UIs = %v, want %v", got, want)
	}
}

// Every group has words, and every mapped publication type a known group.
func TestArticleTypes_EveryGroupHasALabel(t *testing.T) {
	for pt, groups := range articleTypeOf {
		for _, g := range groups {
			if _, ok := articleTypeIndex[g]; !ok {
				t.Errorf("publication type %q maps to unknown group %q", pt, g)
			}
		}
	}
	for _, s := range ArticleTypeValues() {
		if ArticleTypeLabel(s) == s {
			t.Errorf("article type %q has no label", s)
		}
	}
	for _, s := range AgeGroupValues() {
		if AgeGroupLabel(s) == s {
			t.Errorf("age group %q has no label", s)
		}
	}
}

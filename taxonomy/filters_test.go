package taxonomy

import (
	"slices"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
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

// The nesting PubMed's filters have, one heading or type at a time, on a
// real record stripped to it: a systematic review alone is a review, an
// RCT alone a clinical trial, a newborn a child.
func TestArticleTypesAndAgeGroups_OneAtATime(t *testing.T) {
	base := pubmedtest.Article(t, fixture.Path(t, "p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml"), 28156215)
	types := []struct {
		pt   string
		want []string
	}{
		{"Systematic Review", []string{"systematic-review", "review"}},
		{"Randomized Controlled Trial", []string{"rct", "clinical-trial"}},
		{"Clinical Trial, Phase III", []string{"clinical-trial"}},
		{"Meta-Analysis", []string{"meta-analysis"}},
		{"Editorial", []string{"commentary"}},
		{"Published Erratum", []string{"correction"}},
		{"Practice Guideline", []string{"guideline"}},
		{"JOURNAL ARTICLE", nil},
	}
	for _, tt := range types {
		a := *base
		a.PublicationTypes = []pubmed.PublicationType{{Name: tt.pt}}
		if got := ArticleTypes(&a); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ArticleTypes = %v, want %v", tt.pt, got, tt.want)
		}
	}
	ages := []struct {
		ui, name string
		want     []string
	}{
		{"D007231", "Infant, Newborn", []string{"child"}},
		{"D007223", "Infant", []string{"child"}},
		{"D002675", "Child, Preschool", []string{"child"}},
		{"D002648", "Child", []string{"child"}},
		{"D000293", "Adolescent", []string{"adolescent"}},
		{"D055815", "Young Adult", []string{"adult"}},
		{"D000328", "Adult", []string{"adult"}},
		{"D008875", "Middle Aged", []string{"adult"}},
		{"D000368", "Aged", []string{"aged"}},
		{"D000369", "Aged, 80 and over", []string{"aged"}},
		{"D006801", "Humans", nil},
	}
	for _, tt := range ages {
		a := *base
		a.MeSH = []pubmed.MeshHeading{{DescriptorUI: tt.ui, DescriptorName: tt.name}}
		if got := AgeGroups(&a); !slices.Equal(got, tt.want) {
			t.Errorf("%s: AgeGroups = %v, want %v", tt.name, got, tt.want)
		}
	}
}

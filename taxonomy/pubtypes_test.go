package taxonomy

import (
	"path/filepath"
	"reflect"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

// TestPublicationTypesDecide_ElseTagIgnoresThem holds PublicationTypesDecide
// to its promise on every topical record, with MeSH removed as on the
// records package learn applies it to: where it says no publication type
// decides, the tags are the same without the publication types.
func TestPublicationTypesDecide_ElseTagIgnoresThem(t *testing.T) {
	tax := Default()
	arts := pubmedtest.Articles(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))
	var undecided, decided int
	for _, a := range arts {
		unindexed := *a
		unindexed.MeSH = nil
		if tax.PublicationTypesDecide(&unindexed) {
			decided++
			continue
		}
		undecided++
		hidden := unindexed
		hidden.PublicationTypes = nil
		if got, want := tax.Tag(&unindexed), tax.Tag(&hidden); !reflect.DeepEqual(got, want) {
			t.Errorf("PMID %d (%v): tags %+v with its publication types, %+v without", a.PMID, typeNames(a), got, want)
		}
	}
	if undecided < 1000 || decided < 1000 {
		t.Errorf("%d records with deciding publication types and %d without: too few of one to test", decided, undecided)
	}
}

func typeNames(a *pubmed.Article) []string {
	var out []string
	for _, pt := range a.PublicationTypes {
		out = append(out, pt.Name)
	}
	return out
}

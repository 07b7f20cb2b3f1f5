package taxonomy

import (
	"path/filepath"
	"reflect"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

// TestTagWithTextEvidence_OneScanTwoVerdicts holds TagWithTextEvidence to
// Tag on every topical record, as indexed and as NLM has not indexed it yet
// (MeSH removed): its tags are Tag's, and its text-only level is Tag's with
// MeSH and publication types hidden.
func TestTagWithTextEvidence_OneScanTwoVerdicts(t *testing.T) {
	tax := Default()
	differ := 0
	for _, a := range pubmedtest.Articles(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml")) {
		unindexed := *a
		unindexed.MeSH = nil
		for _, rec := range []struct {
			what string
			a    *pubmed.Article
		}{{"indexed", a}, {"unindexed", &unindexed}} {
			hidden := *rec.a
			hidden.MeSH, hidden.PublicationTypes = nil, nil
			tags, textEv := tax.TagWithTextEvidence(rec.a)
			if want := tax.Tag(rec.a); !reflect.DeepEqual(tags, want) {
				t.Errorf("PMID %d, %s: tags %+v, Tag gives %+v", a.PMID, rec.what, tags, want)
			}
			want := tax.Tag(&hidden).Evidence
			if textEv != want {
				t.Errorf("PMID %d, %s: text-only level %q, want %q", a.PMID, rec.what, textEv, want)
			}
			if textEv != tags.Evidence {
				differ++
			}
		}
	}
	if differ < 1000 {
		t.Errorf("the text-only level differs from the tags' on %d records only: too few to test", differ)
	}
}

package taxonomy

import (
	"path/filepath"
	"reflect"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
)

// TestTagWithReasons_TextEvidenceFromOneScan holds TagWithReasons's
// text-only level to Tag on every topical record as NLM has not indexed it
// yet (MeSH removed): its tags are Tag's, and the level is Tag's with
// publication types hidden too.
func TestTagWithReasons_TextEvidenceFromOneScan(t *testing.T) {
	tax := Default()
	differ := 0
	for _, a := range pubmedtest.Articles(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml")) {
		u := *a
		u.MeSH = nil
		hidden := u
		hidden.PublicationTypes = nil
		tags, _, textEv := tax.TagWithReasons(&u)
		if want := tax.Tag(&u); !reflect.DeepEqual(tags, want) {
			t.Errorf("PMID %d: tags %+v, Tag gives %+v", a.PMID, tags, want)
		}
		if want := tax.Tag(&hidden).Evidence; textEv != want {
			t.Errorf("PMID %d: text-only level %q, want %q", a.PMID, textEv, want)
		}
		if textEv != tags.Evidence {
			differ++
		}
	}
	if differ < 1000 {
		t.Errorf("the text-only level differs from the tags' on %d records only: too few to test", differ)
	}
}

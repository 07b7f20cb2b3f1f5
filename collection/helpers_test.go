package collection

import (
	"context"
	"path/filepath"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
	"villi/store"
)

// Real records with the flags collections must show (PROVENANCE.tsv and
// records.tsv in the fixtures describe them).
const (
	// 993: "Retracted Publication" with a RetractionIn notice.
	retractedFile = "neilfws__PubMed/retractions__npg__data__example.xml"
	pmidRetracted = 993
	// NLM sample 2018: 8863847 retracted and corrected (ErratumIn without
	// a PMID), 9505772 an RCT with two errata.
	nlmSampleFile       = "JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz"
	pmidRetractedErrata = 8863847
	pmidErratum         = 9505772
	// 22395128: an expression of concern.
	concernFile = "PathwayCommons__ncbiutils/tests__data__pubmed22n1115.xml"
	pmidConcern = 22395128
)

var (
	ada  = store.User{Email: "ada@example.org"}
	bob  = store.User{Email: "bob@example.org"}
	root = store.User{Email: "root@example.org", Admin: true}
)

// fixtureStore opens a store in a temporary directory holding every record
// of the three fixture files, decoded by the real decoder.
func fixtureStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var puts []store.Put
	for _, rel := range []string{retractedFile, nlmSampleFile, concernFile} {
		for _, it := range pubmedtest.Items(t, fixture.Path(t, rel)) {
			if it.Article != nil {
				puts = append(puts, store.Put{Record: store.Record{Article: *it.Article}, Source: it.Source})
			}
		}
	}
	if _, err := st.Apply(context.Background(), store.Batch{Puts: puts}); err != nil {
		t.Fatal(err)
	}
	return st
}

func article(t *testing.T, st *store.Store, pmid uint64) *pubmed.Article {
	t.Helper()
	r, err := st.Get(pmid)
	if err != nil {
		t.Fatalf("fixture PMID %d: %v", pmid, err)
	}
	return &r.Article
}

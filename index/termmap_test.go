package index

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"villi/internal/fixture"
)

// TestSearch_PastedIdentifiers searches real records (111, 17 with a PMC
// id) by what a practitioner pastes from a reference or a browser: a DOI,
// bare or as a link, a PubMed link, a PMC id or link. Each finds its record
// first; before the doi and pmc fields existed, none found anything.
func TestSearch_PastedIdentifiers(t *testing.T) {
	recs := taggedRecords(t, fixture.Path(t, "mokztk__pubmed-parser/CPFE.xml"))
	s := openStore(t)
	ix := openIndex(t, t.TempDir())
	ingest(t, s, ix, recs, nil)

	type lookup struct {
		q    string
		pmid uint64
	}
	var tests []lookup
	dois, pmcs := 0, 0
	for _, r := range recs {
		a := &r.Article
		if doi := a.IDs.DOI; doi != "" && dois < 3 {
			dois++
			tests = append(tests,
				lookup{doi, a.PMID},
				lookup{strings.ToUpper(doi), a.PMID},
				lookup{"https://doi.org/" + doi, a.PMID},
				lookup{"doi: " + doi + ".", a.PMID},
				lookup{fmt.Sprintf("https://pubmed.ncbi.nlm.nih.gov/%d/", a.PMID), a.PMID},
			)
		}
		if pmc := a.IDs.PMC; pmc != "" && pmcs < 3 {
			pmcs++
			tests = append(tests,
				lookup{pmc, a.PMID},
				lookup{strings.ToLower(pmc), a.PMID},
				lookup{"https://pmc.ncbi.nlm.nih.gov/articles/" + pmc + "/", a.PMID},
			)
		}
	}
	if dois == 0 || pmcs == 0 {
		t.Fatalf("%d records with a DOI, %d with a PMC id: want some of each", dois, pmcs)
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), Request{Q: tt.q})
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		if len(res.Hits) == 0 || res.Hits[0].PMID != tt.pmid {
			t.Errorf("%q (searched as %s): hits %v, want %d first", tt.q, res.SearchedAs, pmids(res.Hits), tt.pmid)
		}
	}
}

package taxonomy

import (
	"testing"

	"villi/pubmed"
)

// TestTag_EvidenceOfRealRecords holds the records the issue named, which
// the previous rules graded by what they talk about rather than by their
// design: letters about a trial or a meta-analysis, observational studies
// known only by NLM's study-design headings, and cell-line work on human
// cells.
func TestTag_EvidenceOfRealRecords(t *testing.T) {
	tests := []struct {
		pmid    uint64
		why     string
		full    Tags // with publication types and MeSH
		text    string
		textSp  string
		textToo bool // also check evidence and species from text only
	}{
		{26110358, "a Letter titled \"Yet another flawed 'placebo controlled' study\" (was rct)",
			Tags{Evidence: "commentary", Species: "human"}, "commentary", "", true},
		{21749983, "a Comment and Letter about a trial of inulin (was rct)",
			Tags{Evidence: "commentary", Species: "human"}, "", "", false},
		{27908551, "a Letter about a meta-analysis, not yet indexed (was meta-analysis)",
			Tags{Evidence: "commentary", Species: "human"}, "commentary", "", true},
		{8602182, "Case-Control Studies heading, typed Journal Article (was other)",
			Tags{Evidence: "observational", Species: "human"}, "", "", false},
		{1354781, "Retrospective Studies heading, typed Journal Article (was other)",
			Tags{Evidence: "observational", Species: "human"}, "", "", false},
		{9989255, "gliadin peptides on the Caco-2 cell line, indexed Humans (was other, human)",
			Tags{Evidence: "in-vitro", Species: "unknown"}, "in-vitro", "unknown", true},
	}
	byPMID := map[uint64]*pubmed.Article{}
	for _, r := range loadTopical(t) {
		byPMID[r.article.PMID] = r.article
	}
	tx := Default()
	for _, tt := range tests {
		a, ok := byPMID[tt.pmid]
		if !ok {
			t.Fatalf("PMID %d not in the topical fixture", tt.pmid)
		}
		got := tx.Tag(a)
		if got.Evidence != tt.full.Evidence || got.Species != tt.full.Species {
			t.Errorf("%d (%s): evidence %q species %q, want %q %q", tt.pmid, tt.why, got.Evidence, got.Species, tt.full.Evidence, tt.full.Species)
		}
		if !tt.textToo {
			continue
		}
		h := hideIndexing(*a)
		got = tx.Tag(&h)
		if got.Evidence != tt.text || (tt.textSp != "" && got.Species != tt.textSp) {
			t.Errorf("%d (%s) from text only: evidence %q species %q, want %q %q", tt.pmid, tt.why, got.Evidence, got.Species, tt.text, tt.textSp)
		}
	}
}

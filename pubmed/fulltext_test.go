package pubmed

import (
	"testing"
	"time"
)

// TestFreeFullText_RealRecords: a PMC id makes a record free at PMC, from
// its pmc-release day when PubMed names one; no PMC id, no link.
func TestFreeFullText_RealRecords(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		file string
		pmid uint64
		now  time.Time
		want string
	}{
		{"PMC id, no release date", "cthoyt__pubmed-downloader/tests__pubmed_39694964.xml", 39694964, day(2000, 1, 1),
			"https://pmc.ncbi.nlm.nih.gov/articles/PMC12246744/"},
		{"embargo ended on the release day", "biopython__biopython/Tests__Entrez__pubmed4.xml", 27797938, day(2018, 6, 1),
			"https://pmc.ncbi.nlm.nih.gov/articles/PMC5442267/"},
		{"embargoed the day before release", "biopython__biopython/Tests__Entrez__pubmed4.xml", 27797938, day(2018, 6, 1).Add(-time.Nanosecond), ""},
		{"no PMC id", "w3c__exi-testsuite/data__NLM__medsamp2006.xml", 10540283, day(2030, 1, 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := find(t, tt.file, tt.pmid).Article
			if got := a.FreeFullText(tt.now); got != tt.want {
				t.Errorf("FreeFullText(%s) = %q, want %q", tt.now.Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}
}

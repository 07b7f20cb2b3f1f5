package index

import (
	"slices"
	"testing"

	"villi/internal/fixture"
	"villi/pubmed"
)

// [majr] is PubMed's "MeSH major topic": a record whose indexers listed a
// heading only as a minor topic must not match it, or "[majr]" is merely a
// slower [mh]. The headings below are major in some records of the fixture
// and minor in others (for example Arthritis, Rheumatoid: major in 1698773,
// minor in 1339917); a heading is major by its own flag or by a major
// qualifier, as PubMed's asterisk on "Arthritis, Rheumatoid/metabolism*".
func TestSearch_MajrLeavesOutMinorTopics(t *testing.T) {
	path := fixture.Path(t, "PathwayCommons__ncbiutils/tests__data__multiple.xml")
	recs := taggedRecords(t, path)
	s := openStore(t)
	ix := openIndex(t, t.TempDir())
	ingest(t, s, ix, recs, nil)

	// with returns the PMIDs whose heading name is listed, major or not.
	with := func(name string, major bool) []uint64 {
		var out []uint64
		for _, r := range recs {
			if slices.ContainsFunc(r.Article.MeSH, func(h pubmed.MeshHeading) bool {
				return h.DescriptorName == name && (!major || h.IsMajor())
			}) {
				out = append(out, r.Article.PMID)
			}
		}
		slices.Sort(out)
		return out
	}
	search := func(q string) []uint64 {
		got := pmids(searchAll(t, ix, Request{Q: q, Size: MaxSize}))
		slices.Sort(got)
		return got
	}
	tests := []struct {
		heading  string
		minorOne uint64 // a record with the heading as a minor topic only
	}{
		{"Arthritis, Rheumatoid", 1339917}, // major through its qualifier metabolism*
		{"Sialoglycoproteins", 1458343},    // major as a descriptor in 1322806
		{"Transfection", 1312844},
		{"Cyclic AMP", 1311232},
		{"Tumor Necrosis Factor-alpha", 1312844},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			major, all := with(tt.heading, true), with(tt.heading, false)
			if len(major) == 0 || len(major) == len(all) || !slices.Contains(all, tt.minorOne) || slices.Contains(major, tt.minorOne) {
				t.Fatalf("fixture changed: %q major in %v, listed in %v; want %d minor only", tt.heading, major, all, tt.minorOne)
			}
			q := `"` + tt.heading + `"`
			if got := search(q + "[majr]"); !slices.Equal(got, major) {
				t.Errorf("%s[majr] = %v, want the records where it is a major topic %v", q, got, major)
			}
			// The minor record is indexed under the heading: only [majr] keeps it out.
			if got := search(q + "[mh]"); !slices.Contains(got, tt.minorOne) {
				t.Errorf("%s[mh] = %v, want %d among them", q, got, tt.minorOne)
			}
		})
	}
}

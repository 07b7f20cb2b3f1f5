package digest

import (
	"strings"
	"testing"

	"villi/pubmed"
)

func TestKeySentence_RealRecords(t *testing.T) {
	byPMID := map[uint64]*pubmed.Article{}
	for _, f := range []string{fixMultiple, fixTricky} {
		for _, a := range readFixture(t, f) {
			byPMID[a.PMID] = a
		}
	}
	cases := []struct {
		pmid       uint64
		wantPrefix string
		wantSuffix string
	}{
		// Structured abstract: the CONCLUSIONS section.
		{24101054, "", ""},
		// Unstructured: the last sentence.
		{1339917, "Such suppressive effects as shown in the in vitro situation", "."},
		{1605492, "From our results, we conclude that first,", ""},
	}
	for _, c := range cases {
		a := byPMID[c.pmid]
		if a == nil {
			t.Fatalf("PMID %d not in fixtures", c.pmid)
		}
		got := KeySentence(a)
		if c.pmid == 24101054 {
			var concl string
			for _, s := range a.Abstract {
				if s.Category == "CONCLUSIONS" {
					concl = s.Text
				}
			}
			if concl == "" || !strings.HasPrefix(concl, strings.TrimSuffix(strings.TrimSuffix(got, "…"), " …")) {
				t.Errorf("PMID %d: key sentence %q, want the CONCLUSIONS section %q", c.pmid, got, concl)
			}
			continue
		}
		if !strings.HasPrefix(got, c.wantPrefix) || !strings.HasSuffix(got, c.wantSuffix) || len([]rune(got)) > maxKeySentence {
			t.Errorf("PMID %d: key sentence %q, want it to start %q", c.pmid, got, c.wantPrefix)
		}
		last := a.Abstract[len(a.Abstract)-1].Text
		if !strings.HasSuffix(strings.Join(strings.Fields(last), " "), strings.TrimSuffix(got, " …")) && !strings.HasSuffix(got, "…") {
			t.Errorf("PMID %d: %q is not the end of the abstract", c.pmid, got)
		}
	}
}

func TestSentences_KeepsAbbreviationsAndNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Zonulin rose (p < 0.05). Tight junctions, e.g. occludin, fell. Gluten vs. placebo differed.",
			[]string{"Zonulin rose (p < 0.05).", "Tight junctions, e.g. occludin, fell.", "Gluten vs. placebo differed."}},
		{"Fasano A. et al. showed this. 12 patients improved.", []string{"Fasano A. et al. showed this.", "12 patients improved."}},
		{"No full stop at the end", []string{"No full stop at the end"}},
		{"", nil},
	}
	for _, c := range cases {
		got := sentences(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("sentences(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClip_AtSentenceThenWord(t *testing.T) {
	long := strings.Repeat("word ", 100)
	if got := clip(long, 50); len([]rune(got)) > 50 || !strings.HasSuffix(got, "…") || strings.Contains(got, "wor…") {
		t.Errorf("clip at word = %q", got)
	}
	two := "First sentence is short. Second" + strings.Repeat(" word", 60)
	if got := clip(two, 60); got != "First sentence is short. …" {
		t.Errorf("clip at sentence = %q", got)
	}
}

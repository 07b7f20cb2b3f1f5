package web

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"villi/library"
	"villi/pubmed"
)

// designTitle matches titles that name a study design.
var designTitle = regexp.MustCompile(`(?i)randomi[sz]ed|controlled (clinical )?trial|placebo|double[- ]blind|meta-analys[ie]s|systematic (literature )?review|cohort study`)

// Records without MeSH find similar articles by their topic, not by their
// design (issue 13, item 7): for the real topical records of the test
// library that NLM has not indexed and whose titles name a design, no
// similar article may be another design-titled study that shares neither a
// condition nor a mechanism with it, nor a word of its title's topic.
func TestSimilar_WithoutMeSHTopicWordsOverDesignBoilerplate(t *testing.T) {
	lib := testLibrary(t)
	req := library.Request{Size: library.MaxSize}
	var sources, hits int
	for {
		res, err := lib.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			a := &h.Record.Article
			if len(a.MeSH) > 0 || !designTitle.MatchString(a.Title) {
				continue
			}
			sources++
			q := similarQuery(a)
			sim, err := lib.Search(t.Context(), library.Request{Q: q, Size: 5})
			if err != nil {
				t.Fatalf("%d: similar query %q: %v", a.PMID, q, err)
			}
			topic := titleTopic(a.Title)
			for _, s := range sim.Hits {
				hits++
				if !designTitle.MatchString(s.Title) {
					continue
				}
				shared := slices.ContainsFunc(s.Conditions, func(c string) bool { return slices.Contains(h.Conditions, c) }) ||
					slices.ContainsFunc(s.Mechanisms, func(m string) bool { return slices.Contains(h.Mechanisms, m) }) ||
					slices.ContainsFunc(titleTopic(s.Title), func(w string) bool { return slices.Contains(topic, w) })
				if !shared {
					t.Errorf("%d %q lists %d %q as similar: only the design is shared (query %s)", a.PMID, a.Title, s.PMID, s.Title, q)
				}
			}
		}
		if res.Next == "" {
			break
		}
		if req.After, err = library.DecodeCursor(res.Next); err != nil {
			t.Fatal(err)
		}
	}
	if sources < 10 || hits < 40 {
		t.Fatalf("test library has %d design-titled records without MeSH with %d similar hits; want at least 10 and 40", sources, hits)
	}
}

// titleTopic is the test's own reading of a title's topic words (apart from
// the code under test): words of five letters or more, less the words of
// design and a few generic ones.
func titleTopic(title string) []string {
	var out []string
	for _, w := range regexp.MustCompile(`[a-z0-9-]+`).FindAllString(strings.ToLower(title), -1) {
		switch w {
		case "systematic", "review", "reviews", "meta-analysis", "meta-analyses", "randomized", "randomised",
			"controlled", "trial", "trials", "double-blind", "placebo", "placebo-controlled", "study", "studies",
			"cohort", "analysis", "patients", "effect", "effects", "clinical", "disease", "between":
			continue
		}
		if len(w) >= 5 {
			out = append(out, w)
		}
	}
	return out
}

// A record without MeSH adds the topic words its abstract repeats, and
// never a design word, however often the abstract says it.
func TestSimilarQuery_WithoutMeSHUsesRepeatedAbstractTopicWords(t *testing.T) {
	a := &pubmed.Article{PMID: 1, Title: "A randomised controlled trial", Abstract: []pubmed.AbstractSection{{
		Text: "Zonulin was measured. Randomised patients on placebo had zonulin and occludin changes; occludin fell. The randomised trial was controlled."}}}
	got := similarQuery(a)
	for _, want := range []string{"zonulin[tiab]", "occludin[tiab]"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(got) {
			t.Errorf("similar query %q lacks %q", got, want)
		}
	}
	for _, bad := range []string{"randomised", "controlled", "trial", "placebo"} {
		if regexp.MustCompile(`\b` + bad + `\[`).MatchString(got) {
			t.Errorf("similar query %q keeps the design word %q", got, bad)
		}
	}
}

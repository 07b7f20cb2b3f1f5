package learn

import (
	"slices"
	"testing"

	"villi/pubmed"
	"villi/taxonomy"
)

// The record's form reaches the model as features of their own kinds, next
// to the words: a labelled METHODS section, a one-page letter, a title put
// as a question. The word unigrams and bigrams keep their buckets (the tag
// explanations read them back).
func TestFeatures_RecordShape(t *testing.T) {
	tax := taxonomy.Default()
	base := pubmed.Article{
		PMID:  1,
		Title: "Gluten in coeliac disease?",
		Abstract: []pubmed.AbstractSection{
			{Label: "Methods", Category: "METHODS", Text: "We enrolled patients."},
			{Label: "Findings", Category: "RESULTS", Text: "All improved."},
		},
		Authors:   []pubmed.Author{{LastName: "A"}, {LastName: "B"}, {LastName: "C"}},
		StartPage: "101", EndPage: "101",
		Languages: []string{"eng"},
		Journal:   pubmed.Journal{Title: "Case Reports in Gastroenterology"},
		PubDate:   pubmed.Date{Year: 1997},
	}
	feats, _ := features(tax, &base)
	for _, tc := range []struct {
		name string
		want uint32
	}{
		{"word unigram", bucket("u:", "coeliac", "")},
		{"word bigram", bucket("b:", "we", "enrolled")},
		{"title word", bucket("t:", "gluten", "")},
		{"title bigram", bucket("tb:", "coeliac", "disease")},
		{"question title", bucket("tf:", "question", "")},
		{"methods section", bucket("as:", "METHODS", "")},
		{"results section", bucket("as:", "RESULTS", "")},
		{"two sections", bucket("as:", "n", "2")},
		{"three authors", bucket("au:", "2", "")},
		{"one page", bucket("pg:", "1", "")},
		{"language", bucket("lg:", "eng", "")},
		{"journal word", bucket("jw:", "case", "")},
		{"period", bucket("y:", "1995", "")},
	} {
		if !slices.Contains(feats, tc.want) {
			t.Errorf("%s: bucket %d missing from the features", tc.name, tc.want)
		}
	}
	long := base
	long.Title = "Gluten in coeliac disease"
	long.StartPage, long.EndPage = "101", "112"
	long.Abstract = nil
	feats, _ = features(tax, &long)
	for _, tc := range []struct {
		name      string
		b         uint32
		wantThere bool
	}{
		{"question title", bucket("tf:", "question", ""), false},
		{"one page", bucket("pg:", "1", ""), false},
		{"twelve pages", bucket("pg:", "4", ""), true},
		{"no abstract", bucket("r:", "no-abstract", ""), true},
		{"no sections", bucket("as:", "n", "0"), true},
	} {
		if got := slices.Contains(feats, tc.b); got != tc.wantThere {
			t.Errorf("without abstract, 12 pages, no question: %s present = %v, want %v", tc.name, got, tc.wantThere)
		}
	}
}

// TestFeaturesWith_OneScan: on every topical record, as NLM has not
// indexed it yet (MeSH removed), the features built on the verdicts of the
// scan that tagged it are the features of a fresh text-only scan.
func TestFeaturesWith_OneScan(t *testing.T) {
	tax := taxonomy.Default()
	for _, a := range topicalArticles(t) {
		u := *a
		u.MeSH = nil
		want, _ := features(tax, &u)
		tags, _, textEv := tax.TagWithReasons(&u)
		tags.Evidence = textEv
		got, _ := featuresWith(tax, &u, &tags)
		if !slices.Equal(got, want) {
			t.Errorf("PMID %d: %d features from the tagging scan, %d scanned afresh", a.PMID, len(got), len(want))
		}
	}
}

package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"villi/pubmed"
	"villi/taxonomy"
)

// openTest opens a fresh store in a temporary directory and closes it when
// the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "villi.db"), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func revised(y, m, d int) *pubmed.Date { return &pubmed.Date{Year: y, Month: m, Day: d} }

// rec builds a small record; the title lets tests see which version won.
func rec(pmid uint64, version int, rev *pubmed.Date, title string) Record {
	return Record{
		Article: pubmed.Article{
			PMID: pmid, Version: version, Kind: pubmed.KindArticle,
			Title: title, DateRevised: rev,
			Journal: pubmed.Journal{Title: "Gut", ISOAbbrev: "Gut"},
			PubDate: pubmed.Date{Year: 2020, Month: 3},
		},
		Tags: taxonomy.Tags{Conditions: []string{"celiac"}, Mechanisms: []string{"remove"}, Evidence: "rct", Species: "human"},
	}
}

func sourceFor(r Record) []byte {
	return fmt.Appendf(nil, `<PubmedArticle><MedlineCitation><PMID Version="%d">%d</PMID><Article><ArticleTitle>%s</ArticleTitle></Article></MedlineCitation></PubmedArticle>`,
		r.Article.Version, r.Article.PMID, r.Article.Title)
}

func put(r Record) Put { return Put{Record: r, Source: sourceFor(r)} }

func mustApply(t testing.TB, s *Store, b Batch) []Result {
	t.Helper()
	res, err := s.Apply(context.Background(), b)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return res
}

func changesOf(res []Result) []Change {
	out := make([]Change, len(res))
	for i, r := range res {
		out[i] = r.Change
	}
	return out
}

// richArticle is a hand-built record touching every kind of field, so a
// round trip proves the JSON encoding loses nothing.
func richArticle(pmid uint64) pubmed.Article {
	return pubmed.Article{
		PMID: pmid, Version: 2, Kind: pubmed.KindArticle,
		Status: "MEDLINE", Owner: "NLM", IndexingMethod: "Curated",
		Title:     "Zonulin and intestinal permeability in Hashimoto's thyroiditis",
		TitleHTML: "Zonulin and <i>intestinal</i> permeability in Hashimoto's thyroiditis",
		Abstract: []pubmed.AbstractSection{
			{Label: "BACKGROUND", Category: "BACKGROUND", Text: "Gut barrier & thyroid autoimmunity."},
			{Label: "RESULTS", Category: "RESULTS", Text: "Serum zonulin was higher (p < 0.05).", HTML: "Serum zonulin was higher (<i>p</i> &lt; 0.05)."},
		},
		Copyright:      "© 2021 The Authors",
		OtherAbstracts: []pubmed.OtherAbstract{{Type: "Publisher", Language: "ger", Sections: []pubmed.AbstractSection{{Text: "Zusammenfassung: Darm."}}}},
		Authors: []pubmed.Author{
			{LastName: "Müller", ForeName: "Anna", Initials: "A", Affiliations: []string{"Dept. of Gastroenterology, Zürich"}, ORCID: "0000-0002-1825-0097", EqualContrib: true},
			{CollectiveName: "Gut Barrier Study Group"},
		},
		AuthorsComplete: true,
		Journal:         pubmed.Journal{Title: "Nutrients", ISOAbbrev: "Nutrients", MedlineTA: "Nutrients", NlmUniqueID: "101521595", Country: "Switzerland", ISSN: "2072-6643", ISSNType: "Electronic", ISSNLinking: "2072-6643", Volume: "13", Issue: "4"},
		Pagination:      "1023-31", StartPage: "1023", EndPage: "1031",
		ELocationIDs: []pubmed.ELocationID{{Type: "doi", Value: "10.3390/nu13041023", Valid: true}},
		PubDate:      pubmed.Date{Year: 2021, Month: 4, Season: "Spring"},
		ArticleDate:  &pubmed.Date{Year: 2021, Month: 3, Day: 24},
		PubModel:     "Electronic",
		IDs:          pubmed.ArticleIDs{DOI: "10.3390/nu13041023", PMC: "PMC8066171", PII: "nu13041023", Other: []pubmed.ID{{Type: "mid", Value: "NIHMS1"}}},
		PublicationTypes: []pubmed.PublicationType{
			{UI: "D016428", Name: "Journal Article"},
			{UI: "D016449", Name: "Randomized Controlled Trial"},
		},
		MeSH: []pubmed.MeshHeading{
			{DescriptorUI: "D050031", DescriptorName: "Hashimoto Disease", Major: true, Qualifiers: []pubmed.Qualifier{{UI: "Q000097", Name: "blood", Major: true}}},
			{DescriptorUI: "D006801", DescriptorName: "Humans"},
		},
		Keywords:  []pubmed.Keyword{{Text: "zonulin", Major: true, Owner: "NOTNLM"}},
		Chemicals: []pubmed.Chemical{{RegistryNumber: "0", UI: "C000000", Name: "zonulin"}},
		Languages: []string{"eng"},
		History: []pubmed.HistoryDate{
			{Status: "received", Date: pubmed.Date{Year: 2021, Month: 2, Day: 1}},
			{Status: "entrez", Date: pubmed.Date{Year: 2021, Month: 4, Day: 2, Hour: 6, Minute: 3}},
		},
		PublicationStatus:   "epublish",
		DateCompleted:       &pubmed.Date{Year: 2021, Month: 6, Day: 1},
		DateRevised:         &pubmed.Date{Year: 2022, Month: 1, Day: 5},
		CommentsCorrections: []pubmed.CommentCorrection{{RefType: "RetractionIn", RefSource: "Nutrients. 2023;15:1", PMID: 37000001}},
		Retracted:           true,
		CoiStatement:        "None declared.",
	}
}

var testNow = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

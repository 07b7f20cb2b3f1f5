package pubmed

import (
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"villi/internal/fixture"
)

// find decodes a fixture file and returns the item of the given PMID.
func find(t *testing.T, rel string, pmid uint64) Item {
	t.Helper()
	f, err := os.Open(fixture.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f)
	for {
		it, err := d.Next()
		if err == io.EOF {
			t.Fatalf("%s: no PMID %d", rel, pmid)
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if it.Article != nil && it.Article.PMID == pmid {
			return it
		}
	}
}

func eq(t *testing.T, field string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

// TestDecode_TrickyRealRecords checks fields of chosen real records, one
// feature each.
func TestDecode_TrickyRealRecords(t *testing.T) {
	const (
		medsamp2006 = "w3c__exi-testsuite/data__NLM__medsamp2006.xml"
		medsamp2014 = "ziy__medline-indexer/src__test__resources__medline__xml__medsamp2014.xml"
		medsamp2016 = "ncbo__pubmed_xml2rdbms/src__test__resources__medsamp2016.xml"
		medsamp2017 = "ziy__medline-indexer/src__test__resources__medline__xml__medsamp2017.xml"
		jabref      = "JabRef__jabref/jablib__src__test__resources__org__jabref__logic__importer__fileformat__"
	)
	tests := []struct {
		name  string
		file  string
		pmid  uint64
		check func(t *testing.T, a *Article)
	}{
		{"structured abstract, inline italics, ORCID, modern ids", "cthoyt__pubmed-downloader/tests__pubmed_39694964.xml", 39694964, func(t *testing.T, a *Article) {
			eq(t, "Status/Owner/IndexingMethod", []string{a.Status, a.Owner, a.IndexingMethod}, []string{"MEDLINE", "NLM", "Automated"})
			eq(t, "Title", a.Title, "In vitro Bioassay and In silico Pharmacokinetic Characteristics of Xanthium strumarium Plant Extract as Possible Acaricidal Agent.")
			eq(t, "TitleHTML", a.TitleHTML, "<i>In vitro</i> Bioassay and <i>In silico</i> Pharmacokinetic Characteristics of Xanthium strumarium Plant Extract as Possible Acaricidal Agent.")
			var labels []string
			for _, s := range a.Abstract {
				labels = append(labels, s.Label+"/"+s.Category)
			}
			eq(t, "sections", labels, []string{"BACKGROUND/BACKGROUND", "RESULTS/RESULTS", "CONCLUSION/CONCLUSIONS"})
			last := a.Abstract[len(a.Abstract)-1]
			eq(t, "last section HTML", last.HTML, "Overall, this study provides valuable insights into the potential use of <i>X. strumarium</i> extract and its compounds as larvicidal and ovicidal agents against <i>R. microplus</i>, paving the way for further research on tick control strategies.")
			eq(t, "Copyright", a.Copyright, "Copyright© Bentham Science Publishers; For any queries, please email at epub@benthamscience.net.")
			eq(t, "author 4", a.Authors[3], Author{LastName: "Khan", ForeName: "Afshan", Initials: "A",
				Affiliations: []string{"Department of Zoology, Abdul Wali Khan University Mardan, Mardan 23200, Pakistan."}, ORCID: "0009-0006-5842-9207"})
			eq(t, "affiliations of the last author", len(a.Authors[len(a.Authors)-1].Affiliations), 4)
			eq(t, "Journal", a.Journal, Journal{Title: "Current pharmaceutical design", ISOAbbrev: "Curr Pharm Des", MedlineTA: "Curr Pharm Des",
				NlmUniqueID: "9602487", Country: "United Arab Emirates", ISSN: "1873-4286", ISSNType: "Electronic", ISSNLinking: "1381-6128", Volume: "31", Issue: "12"})
			eq(t, "pages", []string{a.Pagination, a.StartPage, a.EndPage}, []string{"992-1005", "992", "1005"})
			eq(t, "IDs", a.IDs, ArticleIDs{DOI: "10.2174/0113816128317849241108064144", PMC: "PMC12246744", PII: "CPD-EPUB-144977"})
			eq(t, "first MeSH", a.MeSH[0].DescriptorUI+" "+a.MeSH[0].DescriptorName, "D010936 Plant Extracts")
			eq(t, "first MeSH major", a.MeSH[0].Major, true)
			eq(t, "first qualifier", a.MeSH[0].Qualifiers[0], Qualifier{UI: "Q000494", Name: "pharmacology"})
			eq(t, "keyword 1", a.Keywords[0], Keyword{Text: "Xanthium strumarium", Owner: "NOTNLM"})
			eq(t, "chemical 1", a.Chemicals[0], Chemical{RegistryNumber: "0", UI: "D010936", Name: "Plant Extracts"})
			eq(t, "history statuses", statuses(a), []string{"received", "accepted", "medline", "pubmed", "entrez"})
			eq(t, "PublicationStatus", a.PublicationStatus, "ppublish")
		}},
		{"MedlineDate across years", medsamp2006, 10188493, func(t *testing.T, a *Article) {
			eq(t, "PubDate", a.PubDate, Date{Year: 1998, Month: 12, MedlineDate: "1998 Dec-1999 Jan"})
			eq(t, "Journal.Title (whitespace collapsed)", a.Journal.Title, "Nursing management (Harrow, London, England : 1994)")
		}},
		{"Season, legacy article-level affiliation", bench3500, 8249034, func(t *testing.T, a *Article) {
			eq(t, "PubDate", a.PubDate, Date{Year: 1993, Month: 9, Season: "Fall"})
			eq(t, "first author affiliations", a.Authors[0].Affiliations, []string{"Department of Psychiatry, University of Tennessee-Memphis 38105."})
			eq(t, "pages", []string{a.StartPage, a.EndPage}, []string{"230", "244"})
		}},
		{"collective author", medsamp2014, 11237011, func(t *testing.T, a *Article) {
			var names []string
			for _, au := range a.Authors {
				if au.CollectiveName != "" {
					names = append(names, au.CollectiveName)
				}
			}
			eq(t, "collective names", names, []string{"International Human Genome Sequencing Consortium"})
		}},
		{"MathML reduced to its text", jabref + "MedlineImporterTestMathML.xml", 32759406, func(t *testing.T, a *Article) {
			s := a.Abstract[0]
			if !strings.HasPrefix(s.Text, "Following are examples of MathML elements: η p 2 0 1 0 0 0 1 1 0 0 1729") {
				t.Errorf("Text = %.80q…", s.Text)
			}
			eq(t, "HTML equals Text (no markup kept)", s.HTML, s.Text)
			if strings.Contains(s.Text, "mml") {
				t.Errorf("MathML tag names leaked into the text")
			}
		}},
		{"MathML with newlines and sub", "JULIELab__jcore-base/jcore-xml-mapper__src__test__resources__doc_medline_mathml_newlines.xml", 30712376, func(t *testing.T, a *Article) {
			for _, s := range a.Abstract {
				if strings.ContainsAny(s.Text, "\n\t") || strings.Contains(s.Text, "  ") {
					t.Errorf("whitespace not collapsed: %.60q", s.Text)
				}
			}
		}},
		{"retraction notice (RetractionIn)", "neilfws__PubMed/retractions__npg__data__example.xml", 993, func(t *testing.T, a *Article) {
			eq(t, "Retracted", a.Retracted, true)
			var got []CommentCorrection
			for _, c := range a.CommentsCorrections {
				if c.RefType == "RetractionIn" {
					got = append(got, c)
				}
			}
			eq(t, "RetractionIn", got, []CommentCorrection{{RefType: "RetractionIn", RefSource: "Rowe CE. Biochem J. 1977 Apr 15;164(1):287-8", PMID: 195582}})
		}},
		{"Retracted Publication type", medsamp2016, 11543891, func(t *testing.T, a *Article) {
			eq(t, "Retracted", a.Retracted, true)
		}},
		{"expression of concern is not a retraction", "PathwayCommons__ncbiutils/tests__data__pubmed22n1115.xml", 22395128, func(t *testing.T, a *Article) {
			eq(t, "Retracted", a.Retracted, false)
			eq(t, "comment", a.CommentsCorrections[0], CommentCorrection{RefType: "ExpressionOfConcernIn", RefSource: "Psychol Sci. 2021 Nov 9;:9567976211058727", PMID: 34752162})
		}},
		{"book article", jabref + "MedlineImporterTestBookArticleSet.xml", 21413195, func(t *testing.T, a *Article) {
			eq(t, "Kind", a.Kind, KindBook)
			eq(t, "Title", a.Title, "Title for some article")
			eq(t, "Book", *a.Book, Book{Title: "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults",
				Publisher: "Royal College of Physicians (UK)", PublisherLocation: "London",
				CollectionTitle: "National Institute for Health and Clinical Excellence: Guidance", ISBNs: []string{"9781860163593"}})
			eq(t, "Authors (the book's, as the document has none)", a.Authors, []Author{{CollectiveName: "National Collaborating Centre for Chronic Conditions (UK)"}})
			eq(t, "PubDate", a.PubDate, Date{Year: 2009, Month: 2})
			eq(t, "IDs", a.IDs, ArticleIDs{DOI: "10.3275/8949", PII: "1223321", Other: []ID{{Type: "bookaccession", Value: "NBK51812"}}})
			eq(t, "publication types", len(a.PublicationTypes), 2)
		}},
		{"UTF-8 BOM file", medsamp2017, 10389168, func(t *testing.T, a *Article) {
			if a.Title == "" {
				t.Errorf("no title")
			}
		}},
		{"legacy MedlineCitationSet: MeSH without UIs", medsamp2014, 11237011, func(t *testing.T, a *Article) {
			eq(t, "Version", a.Version, 1)
			if len(a.MeSH) == 0 || a.MeSH[0].DescriptorUI != "" && a.MeSH[0].DescriptorName == "" {
				t.Errorf("MeSH = %+v", a.MeSH)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, find(t, tc.file, tc.pmid).Article)
		})
	}
}

func statuses(a *Article) []string {
	var s []string
	for _, h := range a.History {
		s = append(s, h.Status)
	}
	return s
}

func TestDecode_DeleteCitationOfAnUpdateFile(t *testing.T) {
	f, err := os.Open(fixture.Path(t, "PathwayCommons__ncbiutils/tests__data__pubmed22n1313.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f)
	var deleted []uint64
	for {
		it, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Article == nil {
			deleted = append(deleted, it.Deleted...)
		}
	}
	eq(t, "deleted count", len(deleted), 559)
	eq(t, "first deleted", deleted[:3], []uint64{21334990, 28296071, 28297399})
}

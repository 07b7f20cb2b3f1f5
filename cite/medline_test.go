package cite

import (
	"bufio"
	"strings"
	"testing"
	"unicode/utf8"

	"villi/pubmed"
)

// natAgingMedline is PubMed's own MEDLINE export of PMID 37118429 (as
// captured in a public NBIB parser's demo), with the GR and SB lines (not in
// the Article model) and 16 of its 20 authors removed. Every other line,
// including the wrapping and the trailing space PubMed leaves on wrapped
// lines, is PubMed's.
const natAgingMedline = `PMID- 37118429
OWN - NLM
STAT- MEDLINE
DCOM- 20230501
LR  - 20250204
IS  - 2662-8465 (Electronic)
IS  - 2662-8465 (Linking)
VI  - 3
IP  - 3
DP  - 2023 Mar
TI  - Heterochronic parabiosis reprograms the mouse brain transcriptome by shifting 
      aging signatures in multiple cell types.
PG  - 327-345
LID - 10.1038/s43587-023-00373-6 [doi]
AB  - Aging is a complex process involving transcriptomic changes associated with 
      deterioration across multiple tissues and organs, including the brain. Recent 
      studies using heterochronic parabiosis have shown that various aspects of 
      aging-associated decline are modifiable or even reversible. To better understand 
      how this occurs, we performed single-cell transcriptomic profiling of young and 
      old mouse brains after parabiosis. For each cell type, we cataloged alterations 
      in gene expression, molecular pathways, transcriptional networks, ligand-receptor 
      interactions and senescence status. Our analyses identified gene signatures, 
      demonstrating that heterochronic parabiosis regulates several hallmarks of aging 
      in a cell-type-specific manner. Brain endothelial cells were found to be 
      especially malleable to this intervention, exhibiting dynamic transcriptional 
      changes that affect vascular structure and function. These findings suggest new 
      strategies for slowing deterioration and driving regeneration in the aging brain 
      through approaches that do not rely on disease-specific mechanisms or actions of 
      individual circulating factors.
CI  - © 2023. The Author(s).
FAU - Ximerakis, Methodios
AU  - Ximerakis M
AUID- ORCID: 0000-0002-2815-7558
AD  - Department of Stem Cell and Regenerative Biology, Harvard University, Cambridge, 
      MA, USA. methodiosximerakis@gmail.com.
AD  - Harvard Stem Cell Institute, Cambridge, MA, USA. methodiosximerakis@gmail.com.
AD  - Stanley Center for Psychiatric Research, Broad Institute of MIT and Harvard, 
      Cambridge, MA, USA. methodiosximerakis@gmail.com.
FAU - Holton, Kristina M
AU  - Holton KM
AD  - Department of Stem Cell and Regenerative Biology, Harvard University, Cambridge, 
      MA, USA.
AD  - Harvard Stem Cell Institute, Cambridge, MA, USA.
AD  - Stanley Center for Psychiatric Research, Broad Institute of MIT and Harvard, 
      Cambridge, MA, USA.
FAU - Regev, Aviv
AU  - Regev A
AUID- ORCID: 0000-0003-3293-3158
AD  - Klarman Cell Observatory, Broad Institute of MIT and Harvard, Cambridge, MA, USA.
AD  - Howard Hughes Medical Institute, Koch Institute of Integrative Cancer Research, 
      Department of Biology, Massachusetts Institute of Technology, Cambridge, MA, USA.
FAU - Rubin, Lee L
AU  - Rubin LL
AUID- ORCID: 0000-0002-8658-841X
AD  - Department of Stem Cell and Regenerative Biology, Harvard University, Cambridge, 
      MA, USA. lee_rubin@harvard.edu.
AD  - Harvard Stem Cell Institute, Cambridge, MA, USA. lee_rubin@harvard.edu.
AD  - Stanley Center for Psychiatric Research, Broad Institute of MIT and Harvard, 
      Cambridge, MA, USA. lee_rubin@harvard.edu.
LA  - eng
PT  - Journal Article
PT  - Research Support, N.I.H., Extramural
PT  - Research Support, Non-U.S. Gov't
DEP - 20230309
PL  - United States
TA  - Nat Aging
JT  - Nature aging
JID - 101773306
EIN - Nat Aging. 2025 Feb;5(2):333. doi: 10.1038/s43587-025-00804-6. PMID: 39881191
MH  - Animals
MH  - Mice
MH  - *Transcriptome/genetics
MH  - *Endothelial Cells
MH  - Aging/genetics
MH  - Parabiosis
MH  - Brain
PMC - PMC10154248
COIS- L.L.R. is a founder of Elevian, Rejuveron and Vesalius Therapeutics, a member of 
      their scientific advisory boards and a private equity shareholder. All are 
      interested in formulating approaches intended to treat diseases of the nervous 
      system and other tissues. He is also on the advisory board of Alkahest, a Grifols 
      company, focused on the plasma proteome. None of these companies provided any 
      financial support for the work in this paper. A.J.W. is a scientific advisor for 
      Kate Therapeutics and Frequency Therapeutics, and is a founder of Elevian, Inc. 
      and a member of their scientific advisory board and shareholder. Elevian, Inc. 
      also provides sponsored research to the Wagers lab. A.R. is a founder and equity 
      holder of Celsius Therapeutics, an equity holder in Immunitas Therapeutics and 
      until 31 August 2020 was a SAB member of Syros Pharmaceuticals, Neogene 
      Therapeutics, Asimov and Thermo Fisher Scientific. From 1 August 2020, A.R. has 
      been an employee of Genentech, a member of the Roche Group. M.X. has been an 
      employee of Merck & Co. since August 2020. The remaining authors declare no 
      competing interests.
EDAT- 2023/04/29 06:04
MHDA- 2023/05/01 06:42
PMCR- 2023/03/09
CRDT- 2023/04/28 23:41
PHST- 2022/05/19 00:00 [received]
PHST- 2023/01/30 00:00 [accepted]
PHST- 2023/05/01 06:42 [medline]
PHST- 2023/04/29 06:04 [pubmed]
PHST- 2023/04/28 23:41 [entrez]
PHST- 2023/03/09 00:00 [pmc-release]
AID - 10.1038/s43587-023-00373-6 [pii]
AID - 373 [pii]
AID - 10.1038/s43587-023-00373-6 [doi]
PST - ppublish
SO  - Nat Aging. 2023 Mar;3(3):327-345. doi: 10.1038/s43587-023-00373-6. Epub 2023 Mar 
      9.
`

// unwrap joins a MEDLINE text's continuation lines, giving field values.
func unwrap(s string) string {
	return strings.ReplaceAll(s, " \n      ", " ")
}

func natAgingArticle() *pubmed.Article {
	pd := func(y, m, d, h, min int) pubmed.Date {
		return pubmed.Date{Year: y, Month: m, Day: d, Hour: h, Minute: min}
	}
	field := func(tag string) string { // the unwrapped value of a single-occurrence field in the golden text
		for _, l := range strings.Split(unwrap(natAgingMedline), "\n") {
			if strings.HasPrefix(l, tag) {
				return l[6:]
			}
		}
		return ""
	}
	harvard := "Department of Stem Cell and Regenerative Biology, Harvard University, Cambridge, MA, USA."
	hsci := "Harvard Stem Cell Institute, Cambridge, MA, USA."
	stanley := "Stanley Center for Psychiatric Research, Broad Institute of MIT and Harvard, Cambridge, MA, USA."
	with := func(ads []string, email string) []string {
		out := make([]string, len(ads))
		for i, a := range ads {
			out[i] = a + " " + email
		}
		return out
	}
	return &pubmed.Article{
		PMID: 37118429, Version: 1, Kind: pubmed.KindArticle, Status: "MEDLINE", Owner: "NLM",
		Title:     "Heterochronic parabiosis reprograms the mouse brain transcriptome by shifting aging signatures in multiple cell types.",
		Abstract:  []pubmed.AbstractSection{{Text: field("AB  - ")}},
		Copyright: "© 2023. The Author(s).",
		Authors: []pubmed.Author{
			{LastName: "Ximerakis", ForeName: "Methodios", Initials: "M", ORCID: "0000-0002-2815-7558",
				Affiliations: with([]string{harvard, hsci, stanley}, "methodiosximerakis@gmail.com.")},
			{LastName: "Holton", ForeName: "Kristina M", Initials: "KM", Affiliations: []string{harvard, hsci, stanley}},
			{LastName: "Regev", ForeName: "Aviv", Initials: "A", ORCID: "0000-0003-3293-3158", Affiliations: []string{
				"Klarman Cell Observatory, Broad Institute of MIT and Harvard, Cambridge, MA, USA.",
				"Howard Hughes Medical Institute, Koch Institute of Integrative Cancer Research, Department of Biology, Massachusetts Institute of Technology, Cambridge, MA, USA."}},
			{LastName: "Rubin", ForeName: "Lee L", Initials: "LL", ORCID: "0000-0002-8658-841X",
				Affiliations: with([]string{harvard, hsci, stanley}, "lee_rubin@harvard.edu.")},
		},
		AuthorsComplete: true,
		Journal: pubmed.Journal{Title: "Nature aging", ISOAbbrev: "Nat Aging", MedlineTA: "Nat Aging",
			NlmUniqueID: "101773306", Country: "United States", ISSN: "2662-8465", ISSNType: "Electronic",
			ISSNLinking: "2662-8465", Volume: "3", Issue: "3"},
		Pagination: "327-345", StartPage: "327", EndPage: "345",
		ELocationIDs: []pubmed.ELocationID{{Type: "doi", Value: "10.1038/s43587-023-00373-6", Valid: true}},
		PubDate:      pubmed.Date{Year: 2023, Month: 3},
		ArticleDate:  &pubmed.Date{Year: 2023, Month: 3, Day: 9},
		PubModel:     "Print-Electronic",
		IDs: pubmed.ArticleIDs{DOI: "10.1038/s43587-023-00373-6", PMC: "PMC10154248", PII: "10.1038/s43587-023-00373-6",
			Other: []pubmed.ID{{Type: "pii", Value: "373"}}},
		PublicationTypes: []pubmed.PublicationType{{UI: "D016428", Name: "Journal Article"},
			{UI: "D052061", Name: "Research Support, N.I.H., Extramural"}, {UI: "D013485", Name: "Research Support, Non-U.S. Gov't"}},
		MeSH: []pubmed.MeshHeading{{DescriptorName: "Animals"}, {DescriptorName: "Mice"},
			{DescriptorName: "Transcriptome", Major: true, Qualifiers: []pubmed.Qualifier{{Name: "genetics"}}},
			{DescriptorName: "Endothelial Cells", Major: true},
			{DescriptorName: "Aging", Qualifiers: []pubmed.Qualifier{{Name: "genetics"}}},
			{DescriptorName: "Parabiosis"}, {DescriptorName: "Brain"}},
		Languages: []string{"eng"},
		History: []pubmed.HistoryDate{
			{Status: "received", Date: pd(2022, 5, 19, 0, 0)}, {Status: "accepted", Date: pd(2023, 1, 30, 0, 0)},
			{Status: "medline", Date: pd(2023, 5, 1, 6, 42)}, {Status: "pubmed", Date: pd(2023, 4, 29, 6, 4)},
			{Status: "entrez", Date: pd(2023, 4, 28, 23, 41)}, {Status: "pmc-release", Date: pd(2023, 3, 9, 0, 0)}},
		PublicationStatus: "ppublish",
		DateCompleted:     &pubmed.Date{Year: 2023, Month: 5, Day: 1},
		DateRevised:       &pubmed.Date{Year: 2025, Month: 2, Day: 4},
		CommentsCorrections: []pubmed.CommentCorrection{{RefType: "ErratumIn",
			RefSource: "Nat Aging. 2025 Feb;5(2):333. doi: 10.1038/s43587-025-00804-6.", PMID: 39881191}},
		CoiStatement: field("COIS- "),
	}
}

func TestWriteMedline_MatchesPubMedExport(t *testing.T) {
	var sb strings.Builder
	if err := WriteMedline(&sb, natAgingArticle()); err != nil {
		t.Fatal(err)
	}
	got, want := sb.String(), natAgingMedline
	if strings.Count(want, " \n      ") != 37 {
		t.Fatal("the golden text lost the trailing spaces PubMed leaves on wrapped lines (an editor trimmed them?)")
	}
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("line %d differs from PubMed's export\n got: %q\nwant: %q", i+1, g, w)
		}
	}
}

func TestWriteMedline_LayoutOfEveryLine(t *testing.T) {
	for _, c := range refCases() {
		var sb strings.Builder
		if err := WriteMedline(&sb, c.article); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(sb.String()))
		for n := 1; sc.Scan(); n++ {
			l := sc.Text()
			if utf8.RuneCountInString(strings.TrimRight(l, " ")) > 6+medlineWidth {
				t.Errorf("%s line %d longer than PubMed's: %q", c.name, n, l)
			}
			if !strings.HasPrefix(l, "      ") && (len(l) < 6 || l[4:6] != "- ") {
				t.Errorf("%s line %d is neither a tag line nor a continuation: %q", c.name, n, l)
			}
		}
	}
}

func TestWriteMedline_RetractionCommentsAndSource(t *testing.T) {
	var retracted *pubmed.Article
	var eonly *pubmed.Article
	var ahead *pubmed.Article
	for _, c := range refCases() {
		switch c.article.PMID {
		case 8655018:
			retracted = c.article
		case 30875295:
			eonly = c.article
		case 31764077:
			ahead = c.article
		}
	}
	tests := []struct {
		a    *pubmed.Article
		want []string
	}{
		{retracted, []string{"CIN - Ginekol Pol. 1998 Jul;69(7):561. PMID: 9867475\n",
			"RIN - Ginekol Pol. 1998 Jul;69(7):559-60. PMID: 9867474\n",
			"SO  - Ginekol Pol. 1996 Jan;67(1):34-6.\n"}},
		{eonly, []string{"LID - 10.7554/eLife.39842 [doi]\nLID - e39842 [pii]\n",
			"SO  - Elife. 2019 Mar 15;8:e39842. doi: 10.7554/eLife.39842.\n"}},
		{ahead, []string{"PST - aheadofprint\n",
			"SO  - AIDS. 2019 Nov 14. doi: 10.1097/QAD.0000000000002431. Online ahead of print.\n"}},
	}
	for _, tt := range tests {
		var sb strings.Builder
		if err := WriteMedline(&sb, tt.a); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(sb.String(), w) {
				t.Errorf("PMID %d: MEDLINE lacks %q\n%s", tt.a.PMID, w, sb.String())
			}
		}
	}
}

func TestMedlineWrap_LongWordGetsItsOwnLine(t *testing.T) {
	var m medline
	long := strings.Repeat("x", 100)
	m.field("AB", "short "+long+" tail")
	want := "AB  - short \n      " + long + " \n      tail\n"
	if got := m.b.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

package cite

import (
	"errors"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

func TestReference_HandVerifiedEdgeCases(t *testing.T) {
	for _, c := range refCases() {
		for _, st := range Styles {
			want, ok := c.want[st]
			if !ok {
				continue
			}
			t.Run(c.name+"/"+string(st), func(t *testing.T) {
				// The hand-verified text is the style's; the retraction notice
				// Reference adds is checked by TestReference_RetractedCarriesTheNotice.
				got, _ := BareReference(st, c.article)
				if got != want {
					t.Errorf("BareReference(%s, %d)\n got: %s\nwant: %s", st, c.article.PMID, got, want)
				}
			})
		}
	}
}

// TestReference_DecodedFixturesMatchHandVerified decodes the same real
// records from the shared fixtures and expects the same references, so the
// hand-copied fields above cannot drift from what the decoder yields.
func TestReference_DecodedFixturesMatchHandVerified(t *testing.T) {
	for _, c := range refCases() {
		a := decodeFixture(t, c.file, c.article.PMID)
		for _, st := range Styles {
			want, ok := c.want[st]
			if !ok {
				continue
			}
			if got, _ := BareReference(st, a); got != want {
				t.Errorf("%s: BareReference(%s, decoded %d)\n got: %s\nwant: %s", c.name, st, a.PMID, got, want)
			}
		}
	}
}

func decodeFixture(t *testing.T, file string, pmid uint64) *pubmed.Article {
	t.Helper()
	return pubmedtest.Article(t, fixture.Path(t, file), pmid)
}

func TestReference_HTMLItalicsAndEscaping(t *testing.T) {
	a := &pubmed.Article{
		PMID:       1,
		Title:      "Zonulin & gliadin: <b>not</b> markup",
		TitleHTML:  "Zonulin &amp; <i>gliadin</i>: &lt;b&gt;not&lt;/b&gt; markup",
		Authors:    []pubmed.Author{person("O'Brien", "Mary", "M")},
		Journal:    pubmed.Journal{Title: "Gut microbes", MedlineTA: "Gut Microbes", Volume: "16", Issue: "1"},
		Pagination: "2292240", PubDate: pubmed.Date{Year: 2024},
	}
	tests := []struct {
		style Style
		want  string
	}{
		{AMA, "O&#39;Brien M. Zonulin &amp; <i>gliadin</i>: &lt;b&gt;not&lt;/b&gt; markup. <i>Gut Microbes</i>. 2024;16(1):2292240."},
		{APA, "O&#39;Brien, M. (2024). Zonulin &amp; <i>gliadin</i>: &lt;b&gt;not&lt;/b&gt; markup. <i>Gut Microbes, 16</i>(1), 2292240."},
		{Vancouver, "O&#39;Brien M. Zonulin &amp; <i>gliadin</i>: &lt;b&gt;not&lt;/b&gt; markup. Gut Microbes. 2024;16(1):2292240. PMID: 1."},
	}
	for _, tt := range tests {
		_, got := Reference(tt.style, a)
		if got != tt.want {
			t.Errorf("Reference(%s) html\n got: %s\nwant: %s", tt.style, got, tt.want)
		}
	}
	if text, _ := Reference(AMA, a); !strings.Contains(text, "Zonulin & gliadin: <b>not</b> markup.") {
		t.Errorf("text variant must be plain and unescaped, got %s", text)
	}
}

func TestReference_AuthorLimits(t *testing.T) {
	withAuthors := func(as []pubmed.Author) *pubmed.Article {
		return &pubmed.Article{Title: "T.", Authors: as, Journal: pubmed.Journal{MedlineTA: "J", Title: "j"},
			PubDate: pubmed.Date{Year: 2020}}
	}
	tests := []struct {
		name    string
		style   Style
		authors []pubmed.Author
		want    string // prefix of the reference
	}{
		{"AMA lists six", AMA, people(6), "Author01 A, Author02 A, Author03 A, Author04 A, Author05 A, Author06 A. T."},
		{"AMA seven: three and et al", AMA, people(7), "Author01 A, Author02 A, Author03 A, et al. T."},
		{"Vancouver seven: six and et al.", Vancouver, people(7), "Author01 A, Author02 A, Author03 A, Author04 A, Author05 A, Author06 A, et al. T."},
		{"APA twenty listed with ampersand", APA, people(20), "Author01, A., Author02, A., Author03, A., Author04, A., Author05, A., Author06, A., Author07, A., Author08, A., Author09, A., Author10, A., Author11, A., Author12, A., Author13, A., Author14, A., Author15, A., Author16, A., Author17, A., Author18, A., Author19, A., & Author20, A. (2020)."},
		{"APA twenty-one: nineteen, ellipsis, last", APA, people(21), "Author01, A., Author02, A., Author03, A., Author04, A., Author05, A., Author06, A., Author07, A., Author08, A., Author09, A., Author10, A., Author11, A., Author12, A., Author13, A., Author14, A., Author15, A., Author16, A., Author17, A., Author18, A., Author19, A., . . . Author21, A. (2020)."},
		{"APA two", APA, people(2), "Author01, A., & Author02, A. (2020)."},
		{"collective only", Vancouver, []pubmed.Author{{CollectiveName: "Celiac Disease Guideline Group"}}, "Celiac Disease Guideline Group. T."},
		{"collective after people", AMA, append(people(2), pubmed.Author{CollectiveName: "ESPGHAN Working Group"}), "Author01 A, Author02 A; ESPGHAN Working Group. T."},
		{"suffix and hyphenated fore name", APA, []pubmed.Author{{LastName: "Fasano", ForeName: "Jean-Pierre", Initials: "JP", Suffix: "Jr"}}, "Fasano, J.-P., Jr. (2020)."},
		{"suffix NLM", Vancouver, []pubmed.Author{{LastName: "Fasano", ForeName: "Jean-Pierre", Initials: "JP", Suffix: "Jr"}}, "Fasano JP Jr. T."},
		{"no author in APA moves the title", APA, nil, "T. (2020). J."},
	}
	for _, tt := range tests {
		got, _ := Reference(tt.style, withAuthors(tt.authors))
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s:\n got: %s\nwant prefix: %s", tt.name, got, tt.want)
		}
	}
}

func TestReference_MissingIssueAndPages(t *testing.T) {
	a := &pubmed.Article{PMID: 7, Title: "Gut permeability in type 1 diabetes", Authors: people(1),
		Journal: pubmed.Journal{Title: "Diabetologia", MedlineTA: "Diabetologia", Volume: "49"},
		PubDate: pubmed.Date{Year: 2006, Month: 9}}
	want := map[Style]string{
		Vancouver: "Author01 A. Gut permeability in type 1 diabetes. Diabetologia. 2006 Sep;49. PMID: 7.",
		AMA:       "Author01 A. Gut permeability in type 1 diabetes. Diabetologia. 2006;49.",
		APA:       "Author01, A. (2006). Gut permeability in type 1 diabetes. Diabetologia, 49.",
	}
	for st, w := range want {
		if got, _ := Reference(st, a); got != w {
			t.Errorf("Reference(%s)\n got: %s\nwant: %s", st, got, w)
		}
	}
}

func TestFullPages_ExpandsNLMAbbreviatedRanges(t *testing.T) {
	tests := map[string]string{
		"1023-31": "1023-1031", "389-91": "389-391", "6-9": "6-9", "494": "494", "e39842": "e39842",
		"S12-5": "S12-S15", "24590-24600": "24590-24600", "123-5, 130-2": "123-125, 130-132", "": "",
	}
	for in, want := range tests {
		if got := fullPages(in); got != want {
			t.Errorf("fullPages(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStyle_ListsValidStyles(t *testing.T) {
	for in, want := range map[string]Style{"AMA": AMA, " apa ": APA, "vancouver": Vancouver, "nlm": Vancouver} {
		if got, err := ParseStyle(in); err != nil || got != want {
			t.Errorf("ParseStyle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseStyle("harvard")
	if !errors.Is(err, ErrUnknownStyle) || !strings.Contains(err.Error(), "ama, apa, vancouver") {
		t.Errorf("ParseStyle(harvard) error = %v, want ErrUnknownStyle listing the valid styles", err)
	}
}

// bookChapter and wholeBook follow PMID 21413195 in the JabRef book fixture
// (a NICE guideline chapter and the guideline itself).
func bookArticle(chapter bool) *pubmed.Article {
	bk := &pubmed.Book{Title: "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults",
		Publisher: "Royal College of Physicians (UK)", PublisherLocation: "London", ISBNs: []string{"9781860163593"}}
	a := &pubmed.Article{PMID: 21413195, Kind: pubmed.KindBook, Book: bk, Title: bk.Title,
		Authors: []pubmed.Author{{CollectiveName: "National Collaborating Centre for Chronic Conditions (UK)"}},
		PubDate: pubmed.Date{Year: 2009, Month: 2}}
	if chapter {
		a.Title = "Diagnosis and referral"
	}
	return a
}

func TestReference_BookArticles(t *testing.T) {
	tests := []struct {
		chapter bool
		style   Style
		want    string
	}{
		{false, Vancouver, "National Collaborating Centre for Chronic Conditions (UK). Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults. London: Royal College of Physicians (UK); 2009 Feb. PMID: 21413195."},
		{false, AMA, "National Collaborating Centre for Chronic Conditions (UK). Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults. Royal College of Physicians (UK); 2009."},
		{false, APA, "National Collaborating Centre for Chronic Conditions (UK). (2009). Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults. Royal College of Physicians (UK)."},
		{true, Vancouver, "National Collaborating Centre for Chronic Conditions (UK). Diagnosis and referral. In: Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults. London: Royal College of Physicians (UK); 2009 Feb. PMID: 21413195."},
		{true, APA, "National Collaborating Centre for Chronic Conditions (UK). (2009). Diagnosis and referral. In Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults. Royal College of Physicians (UK)."},
	}
	for _, tt := range tests {
		if got, _ := Reference(tt.style, bookArticle(tt.chapter)); got != tt.want {
			t.Errorf("Reference(%s, chapter=%v)\n got: %s\nwant: %s", tt.style, tt.chapter, got, tt.want)
		}
	}
	var sb strings.Builder
	if err := WriteMedline(&sb, bookArticle(false)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sb.String(), "\nTI  - ") || !strings.Contains(sb.String(), "\nBTI - Rheumatoid Arthritis") {
		t.Errorf("a whole book is titled once, by BTI:\n%s", sb.String())
	}
}

func TestReference_RetractedCarriesTheNotice(t *testing.T) {
	a := &pubmed.Article{
		PMID: 993, Title: "A retracted study.", Retracted: true,
		Journal:             pubmed.Journal{ISOAbbrev: "Biochem J", Volume: "148", Issue: "3"},
		CommentsCorrections: []pubmed.CommentCorrection{{RefType: "RetractionIn", RefSource: "Biochem J. 1977;164(1):287-8", PMID: 195582}},
	}
	for _, st := range []Style{AMA, APA, Vancouver} {
		text, markup := Reference(st, a)
		if !strings.Contains(text, "Retracted publication. Retraction in: Biochem J. 1977") || !strings.Contains(markup, "Retracted publication.") {
			t.Errorf("%s: reference %q lacks the retraction notice", st, text)
		}
		bare, _ := BareReference(st, a)
		if strings.Contains(bare, "Retract") || !strings.HasPrefix(text, bare) {
			t.Errorf("%s: BareReference = %q, want the reference without the notice", st, bare)
		}
	}
}

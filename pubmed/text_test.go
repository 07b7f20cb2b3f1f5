package pubmed

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func TestParse_InlineMarkupKeepsTextAndOnlySafeTags(t *testing.T) {
	tests := []struct {
		name     string
		title    string // inner XML of ArticleTitle
		wantText string
		wantHTML string
	}{
		{"plain", "Gut  barrier\n\t function.", "Gut barrier function.", "Gut barrier function."},
		{"italics and spaces around", "Role of <i>Akkermansia muciniphila</i> in IBD", "Role of Akkermansia muciniphila in IBD", "Role of <i>Akkermansia muciniphila</i> in IBD"},
		{"sup sub b u", "CD4<sup>+</sup> T<sub>reg</sub> <b>and</b> <u>IL-17</u>", "CD4+ Treg and IL-17", "CD4<sup>+</sup> T<sub>reg</sub> <b>and</b> <u>IL-17</u>"},
		{"nested", "<b>bold <i>both</i></b>", "bold both", "<b>bold <i>both</i></b>"},
		{"unknown tag keeps text", "a <span class=\"x\">b</span> <document>c</document>", "a b c", "a b c"},
		{"MathML", `x <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>e</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math> y`, "x e2 y", "x e2 y"},
		{"references escaped in HTML", "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#x3b2;&#946;", `a <b> & "c" 'd' ββ`, "a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39; ββ"},
		{"script stays text", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"CDATA is literal", "<![CDATA[a <i>not a tag</i> &amp;]]>", "a <i>not a tag</i> &amp;", "a &lt;i&gt;not a tag&lt;/i&gt; &amp;amp;"},
		{"leading and trailing markup whitespace", "  <i> spaced </i>  tail  ", "spaced tail", "<i>spaced</i> tail"},
		{"newline character reference is whitespace", "a&#10;&#10;b", "a b", "a b"},
		{"empty", "  ", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>" + tc.title +
				"</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
			a, err := Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tc.wantText {
				t.Errorf("Title = %q, want %q", a.Title, tc.wantText)
			}
			if a.TitleHTML != tc.wantHTML {
				t.Errorf("TitleHTML = %q, want %q", a.TitleHTML, tc.wantHTML)
			}
			checkSafeHTML(t, a.TitleHTML)
		})
	}
}

var safeTag = regexp.MustCompile(`</?(i|b|sup|sub|u)>`)

// checkSafeHTML fails when html holds markup other than the allowed tags.
func checkSafeHTML(t testing.TB, html string) {
	t.Helper()
	rest := safeTag.ReplaceAllString(html, "")
	if strings.ContainsAny(rest, "<>\"'") {
		t.Errorf("HTML %q holds markup beyond i, b, sup, sub, u", html)
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == '&' && !regexp.MustCompile(`^&(amp|lt|gt|#34|#39);`).MatchString(rest[i:]) {
			t.Errorf("HTML %q holds a bare '&'", html)
		}
	}
}

func TestParseMedlineDate(t *testing.T) {
	tests := []struct {
		in          string
		year, month int
	}{
		{"2019 Jan-Feb", 2019, 1},
		{"1998 Dec-1999 Jan", 1998, 12},
		{"2000 Spring", 2000, 3},
		{"2000 Summer-Fall", 2000, 6},
		{"2000", 2000, 0},
		{"1978-1979", 1978, 0},
		{"2017 Mar - Apr", 2017, 3},
		{"Winter 2016", 2016, 12},
		{"2001 Nov 12-18", 2001, 11},
		{"undated", 0, 0},
		{"", 0, 0},
	}
	for _, tc := range tests {
		y, m := parseMedlineDate(tc.in)
		if y != tc.year || m != tc.month {
			t.Errorf("parseMedlineDate(%q) = %d, %d; want %d, %d", tc.in, y, m, tc.year, tc.month)
		}
	}
}

func TestParse_Dates(t *testing.T) {
	tests := []struct {
		name string
		xml  string // inner XML of PubDate
		want Date
	}{
		{"month name", "<Year>2019</Year><Month>Mar</Month><Day>05</Day>", Date{Year: 2019, Month: 3, Day: 5}},
		{"month number", "<Year>2019</Year><Month>11</Month>", Date{Year: 2019, Month: 11}},
		{"season", "<Year>2000</Year><Season>Winter</Season>", Date{Year: 2000, Month: 12, Season: "Winter"}},
		{"season range", "<Year>2012</Year><Season>Jul-Aug</Season>", Date{Year: 2012, Month: 7, Season: "Jul-Aug"}},
		{"medline date", "<MedlineDate>2019 Jan-Feb</MedlineDate>", Date{Year: 2019, Month: 1, MedlineDate: "2019 Jan-Feb"}},
		{"year only", "<Year>1975</Year>", Date{Year: 1975}},
		{"garbage month", "<Year>1975</Year><Month>13</Month>", Date{Year: 1975}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse([]byte("<MedlineCitation><PMID>1</PMID><Article><Journal><JournalIssue><PubDate>" + tc.xml +
				"</PubDate></JournalIssue></Journal></Article></MedlineCitation>"))
			if err != nil {
				t.Fatal(err)
			}
			if a.PubDate != tc.want {
				t.Errorf("PubDate = %+v, want %+v", a.PubDate, tc.want)
			}
		})
	}
}

func TestNormalizeORCID(t *testing.T) {
	tests := map[string]string{
		"0000-0002-1825-0097":                   "0000-0002-1825-0097",
		"http://orcid.org/0000-0002-1825-0097":  "0000-0002-1825-0097",
		"https://orcid.org/0000-0001-5109-371X": "0000-0001-5109-371X",
		"000000021825009x":                      "0000-0002-1825-009X",
		"0000-0002-1825-009":                    "",
		"0000-000X-1825-0097":                   "",
		"not an orcid":                          "",
	}
	for in, want := range tests {
		if got := normalizeORCID(in); got != want {
			t.Errorf("normalizeORCID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitPages(t *testing.T) {
	tests := []struct{ in, start, end string }{
		{"1023-31", "1023", "1031"},
		{"992-1005", "992", "1005"},
		{"e1234", "e1234", ""},
		{"S12-5; discussion S16", "S12", "S15"},
		{"230-44", "230", "244"},
		{"iii-iv", "iii", "iv"},
		{"123-e9", "123", "e9"},
	}
	for _, tc := range tests {
		s, e := splitPages(tc.in)
		if s != tc.start || e != tc.end {
			t.Errorf("splitPages(%q) = %q, %q; want %q, %q", tc.in, s, e, tc.start, tc.end)
		}
	}
}

func TestParse_FieldsFromSnippets(t *testing.T) {
	src := `<PubmedArticle><MedlineCitation Status="In-Process" Owner="NLM" VersionID="3">
<PMID>42</PMID>
<Article PubModel="Electronic-eCollection">
<ELocationID EIdType="doi" ValidYN="N">10.1/wrong</ELocationID>
<ELocationID EIdType="doi" ValidYN="Y">10.1/right</ELocationID>
<AuthorList CompleteYN="N">
<Author ValidYN="N"><LastName>Smiht</LastName></Author>
<Author ValidYN="Y" EqualContrib="Y"><LastName>Smith</LastName><ForeName>Ann</ForeName><Initials>A</Initials><Suffix>Jr</Suffix>
<Identifier Source="ORCID">https://orcid.org/0000-0002-1825-0097</Identifier></Author>
</AuthorList>
<PublicationTypeList><PublicationType UI="D016441">Retracted Publication</PublicationType></PublicationTypeList>
<ArticleDate DateType="Electronic"><Year>2020</Year><Month>02</Month><Day>03</Day></ArticleDate>
</Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">42</ArticleId><ArticleId IdType="pmc">123</ArticleId><ArticleId IdType="mid">NIHMS1</ArticleId></ArticleIdList>
<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.9/reference</ArticleId></ArticleIdList></Reference></ReferenceList>
</PubmedData></PubmedArticle>`
	a, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Version from VersionID", a.Version, 3)
	eq(t, "DOI from the valid ELocationID, not a reference", a.IDs.DOI, "10.1/right")
	eq(t, "PMC prefixed", a.IDs.PMC, "PMC123")
	eq(t, "Other ids", a.IDs.Other, []ID{{Type: "mid", Value: "NIHMS1"}})
	eq(t, "AuthorsComplete", a.AuthorsComplete, false)
	eq(t, "Authors (ValidYN=N left out)", a.Authors, []Author{{LastName: "Smith", ForeName: "Ann", Initials: "A", Suffix: "Jr", ORCID: "0000-0002-1825-0097", EqualContrib: true}})
	eq(t, "Retracted", a.Retracted, true)
	eq(t, "ArticleDate", a.ArticleDate, &Date{Year: 2020, Month: 2, Day: 3})
	eq(t, "PubModel", a.PubModel, "Electronic-eCollection")
	eq(t, "Status", a.Status, "In-Process")
}

func TestParse_RefusesWhatIsNotOneRecord(t *testing.T) {
	for _, in := range []string{
		"",
		"<PubmedArticleSet>" + oneRecord + "</PubmedArticleSet>",
		oneRecord + oneRecord,
		"<DeleteCitation><PMID>1</PMID></DeleteCitation>",
		oneRecord[:len(oneRecord)-3],
	} {
		if a, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%.40q…) = PMID %d, want an error", in, a.PMID)
		}
	}
}

func TestHasControl_MatchesByteLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0xe0))
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(0x20))
		}
		want := false
		for _, c := range b {
			want = want || c < 0x20
		}
		if got := hasControl(b); got != want {
			t.Fatalf("hasControl(%q) = %v, want %v", b, got, want)
		}
	}
}

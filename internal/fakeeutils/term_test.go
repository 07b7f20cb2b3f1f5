package fakeeutils

import (
	"errors"
	"slices"
	"testing"

	"villi/pubmed"
)

// termRecords are hand-made records covering each field the matcher reads.
func termRecords(d *dict) map[string]*record {
	arts := map[string]*pubmed.Article{
		"celiac": {
			PMID:     1,
			Title:    "Zonulin and intestinal permeability in celiac disease",
			Abstract: []pubmed.AbstractSection{{Label: "RESULTS", Text: "A gluten-free diet lowered serum zonulin."}},
			MeSH: []pubmed.MeshHeading{
				{DescriptorName: "Celiac Disease", Qualifiers: []pubmed.Qualifier{{Name: "diet therapy", Major: true}}},
				{DescriptorName: "Haptoglobins"},
			},
			PublicationTypes: []pubmed.PublicationType{{Name: "Randomized Controlled Trial"}, {Name: "Journal Article"}},
			PubDate:          pubmed.Date{Year: 2015, Month: 3},
			History:          []pubmed.HistoryDate{{Status: "entrez", Date: pubmed.Date{Year: 2015, Month: 2, Day: 10}}},
		},
		"ms": {
			PMID:     2,
			Title:    "Gut microbiota in multiple sclerosis",
			Keywords: []pubmed.Keyword{{Text: "dysbiosis"}},
			MeSH: []pubmed.MeshHeading{
				{DescriptorName: "Multiple Sclerosis", Major: true},
				{DescriptorName: "Gastrointestinal Microbiome"},
			},
			PublicationTypes: []pubmed.PublicationType{{Name: "Review"}},
			PubDate:          pubmed.Date{Year: 2019},
			DateRevised:      &pubmed.Date{Year: 2023, Month: 5, Day: 1},
		},
		"ra": {
			PMID:             3,
			Title:            "Probiotics for rheumatoid arthritis: a systematic review",
			Abstract:         []pubmed.AbstractSection{{Text: "Lactobacillus casei reduced disease activity; the microbiome shifted."}},
			PublicationTypes: []pubmed.PublicationType{{Name: "Systematic Review"}},
			PubDate:          pubmed.Date{Year: 2021, Month: 11, Day: 2},
		},
	}
	out := map[string]*record{}
	for name, a := range arts {
		out[name] = newRecord(d, a, []byte("<PubmedArticle/>"))
	}
	return out
}

func TestTerm_MatchesFieldsOperatorsAndTruncation(t *testing.T) {
	var d dict
	recs := termRecords(&d)
	tests := []struct {
		term string
		want []string // names of the records that match, in order celiac, ms, ra
	}{
		{"zonulin", []string{"celiac"}},
		{"ZONULIN", []string{"celiac"}},
		{`"intestinal permeability"`, []string{"celiac"}},
		{`"permeability intestinal"`, nil},
		{"gluten-free", []string{"celiac"}}, // punctuation splits words on both sides
		{`"gluten free diet"[tiab]`, []string{"celiac"}},
		{"celiac disease[mh]", []string{"celiac"}},                // bare words before a tag are one phrase
		{`"celiac disease/diet therapy"[mh]`, []string{"celiac"}}, // descriptor/qualifier
		{`"diet therapy"[mh]`, []string{"celiac"}},                // qualifier names count for [mh]
		{`"diet therapy"[tiab]`, nil},
		{"celiac disease[majr]", []string{"celiac"}}, // a major qualifier makes the heading major
		{"haptoglobins[majr]", nil},
		{"haptoglobins[mh]", []string{"celiac"}},
		{"multiple sclerosis[majr]", []string{"ms"}},
		{"microbiome", []string{"ms", "ra"}}, // MeSH name for ms, abstract for ra
		{"microbiome[tiab]", []string{"ra"}},
		{"microbio*", []string{"ms", "ra"}},
		{"microbio*[ti]", []string{"ms"}},
		{`"gut micro*"`, []string{"ms"}},
		{"dysbiosis[tiab]", []string{"ms"}}, // author keywords count for [tiab]
		{"dysbiosis[ti]", nil},
		{"review[pt]", []string{"ms", "ra"}},
		{`"randomized controlled trial"[pt]`, []string{"celiac"}},
		{"2019[dp]", []string{"ms"}},
		{"2015/03:2019[dp]", []string{"celiac", "ms"}},
		{"2015/02/10[edat]", []string{"celiac"}},
		{"2023[mdat]", []string{"ms"}},
		{"zonulin OR probiotics", []string{"celiac", "ra"}},
		{"microbiome NOT review[pt]", nil},
		{"microbiome NOT sclerosis", []string{"ra"}},
		{"microbiome AND (sclerosis OR arthritis)", []string{"ms", "ra"}},
		// PubMed applies operators left to right: (zonulin OR microbiome) AND review[pt].
		{"zonulin OR microbiome AND review[pt]", []string{"ms", "ra"}},
		{"zonulin OR (microbiome AND review[pt])", []string{"celiac", "ms", "ra"}},
		{"gut sclerosis", []string{"ms"}}, // adjacent words are ANDed
		{"gut arthritis", nil},
		{"zonulin[xyz]", []string{"celiac"}}, // unknown tag: all fields
		{"nosuchword", nil},
	}
	for _, tt := range tests {
		n, _, err := parseTerm(tt.term)
		if err != nil {
			t.Errorf("parseTerm(%q): %v", tt.term, err)
			continue
		}
		n.leaves(func(l *leaf) { l.bind(&d) })
		var got []string
		for _, name := range []string{"celiac", "ms", "ra"} {
			if n.match(recs[name]) {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q matched %v, want %v (parsed as %s)", tt.term, got, tt.want, n)
		}
	}
}

func TestTerm_ErrorsAndTranslation(t *testing.T) {
	for _, term := range []string{"", "(zonulin", "zonulin)", `"zonulin`, "zonulin[mh", "AND zonulin", "zonulin OR", "[mh]", "2015/13[dp]", "---"} {
		if _, _, err := parseTerm(term); !errors.Is(err, ErrTerm) {
			t.Errorf("parseTerm(%q) error = %v, want ErrTerm", term, err)
		}
	}
	n, unknown, err := parseTerm(`celiac disease[mh] AND (gluten OR zonulin[xyz])`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.String(), `("celiac disease"[MeSH Terms] AND (gluten[All Fields] OR zonulin[All Fields]))`; got != want {
		t.Errorf("translation = %s, want %s", got, want)
	}
	if !slices.Equal(unknown, []string{"xyz"}) {
		t.Errorf("unknown tags = %v, want [xyz]", unknown)
	}
}

func TestParseDate_FillsMissingPartsByEnd(t *testing.T) {
	tests := []struct {
		in    string
		end   bool
		want  int
		valid bool
	}{
		{"2020", false, 20200101, true},
		{"2020", true, 20201231, true},
		{"2020/02", true, 20200231, true}, // compares correctly as a number
		{"2020/02/29", false, 20200229, true},
		{"2020-02-29", false, 20200229, true},
		{"20/02", false, 0, false},
		{"2020/00", false, 0, false},
		{"2020/1/2/3", false, 0, false},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in, tt.end)
		if (err == nil) != tt.valid || got != tt.want {
			t.Errorf("parseDate(%q, %v) = %d, %v; want %d, valid %v", tt.in, tt.end, got, err, tt.want, tt.valid)
		}
	}
}

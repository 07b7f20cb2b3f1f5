package query

import (
	"errors"
	"strings"
	"testing"

	"villi/taxonomy"
)

// testLibrary stands for the index's dictionaries: fasano is a surname of
// the library, two journals are in it.
type testLibrary struct{}

func (testLibrary) Surname(w string) bool { return w == "fasano" || w == "wang" }
func (testLibrary) Journal(n string) bool {
	return n == "gut" || n == "am j gastroenterol" || n == "gut microbes" || n == "wang gut microbes"
}

func termMapping(t testing.TB) Mapping {
	t.Helper()
	var names []TagName
	for _, n := range taxonomy.Default().Names() {
		names = append(names, TagName{Kind: n.Kind, Slug: n.Slug, Text: n.Text, Abbr: n.Abbr, Near: n.Near})
	}
	tags, err := NewTags(names)
	if err != nil {
		t.Fatal(err)
	}
	return Mapping{Tags: tags, Library: testLibrary{}}
}

func TestParseMapped_SearchedAs(t *testing.T) {
	m := termMapping(t)
	const ibd = `IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd`
	tests := []struct {
		name, in, want string
	}{
		{"condition name", "inflammatory bowel disease", ibd},
		{"any case", "INFLAMMATORY Bowel Disease", ibd},
		{"acronym of a condition in lower case", "ibd", ibd},
		{"within a longer query", "gluten free diet AND ibd", "gluten AND free AND diet AND (" + ibd + ")"},
		{"words around a name", "type 1 diabetes zonulin",
			`(T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus" OR condition:type-1-diabetes) AND zonulin`},
		{"a heading as NLM writes it", "Diabetes Mellitus, Type 1", `"Diabetes Mellitus, Type 1" OR condition:type-1-diabetes`},
		{"a heading un-inverted", "systemic lupus erythematosus", `SLE OR "systemic lupus erythematosus" OR condition:lupus`},
		{"a term of the table", "struma lymphomatosa", `"struma lymphomatosa" OR condition:hashimoto`},
		{"a part of a condition maps to it", "Crohn's disease", `crohn OR "crohn disease" OR condition:ibd`},
		{"mechanism name", "intestinal permeability",
			`"leaky gut" OR "intestinal permeability" OR "intestinal hyperpermeability" OR "gut permeability" OR mechanism:intestinal-permeability`},
		{"a 5R step is a word", "repair", "repair"},
		{"evidence level", "randomized controlled trial", `"randomized controlled trial" OR evidence:rct`},
		{"evidence publication type", "case reports", `"case reports" OR evidence:case-report`},
		{"a one-word evidence label is a word", "review", "review"},
		{"quoted phrase: words only", `"inflammatory bowel disease"`, `"inflammatory bowel disease"`},
		{"tagged: words only", "inflammatory bowel disease[tiab]", `"inflammatory bowel disease"[tiab]`},
		{"tag term", "condition:IBD diet", "condition:ibd AND diet"},
		{"printed tags merge", ibd + " OR condition:ibd", ibd},

		{"ms alone is a word", "ms", "ms"},
		{"MS alone is its group, no tag", "MS", `(MS OR "multiple sclerosis")`},
		{"ms with context", "ms relapsing", `(MS OR "multiple sclerosis" OR condition:multiple-sclerosis) AND relapsing`},
		{"Ms with a prefix context word", "Ms demyelination", `(MS OR "multiple sclerosis" OR condition:multiple-sclerosis) AND demyelination`},
		{"context in another part of the query", "ms AND myelin[ti]", `(MS OR "multiple sclerosis" OR condition:multiple-sclerosis) AND myelin[ti]`},
		{"the group's own words are not context", "MS OR multiple sclerosis", `MS OR "multiple sclerosis" OR condition:multiple-sclerosis`},
		{"ra alone", "ra diet", "ra AND diet"},
		{"ra with context", "ra methotrexate", `(RA OR "rheumatoid arthritis" OR condition:rheumatoid-arthritis) AND methotrexate`},
		{"cd: celiac context", "cd gluten", "(cd OR condition:celiac) AND gluten"},
		{"cd: ibd context", "CD ileal", "(CD OR condition:ibd) AND ileal"},
		{"cd: both contexts", "cd gluten crohn", "(cd OR condition:celiac OR condition:ibd) AND gluten AND (crohn OR \"crohn disease\" OR condition:ibd)"},
		{"cd without context", "cd diet", "cd AND diet"},
		{"uc without context", "uc diet", "uc AND diet"},
		{"context from another term's expansion", "uc mesalamine cd",
			`(UC OR "ulcerative colitis" OR condition:ibd) AND mesalamine AND (cd OR condition:ibd)`},
		{"sle needs no context: the synonym table makes it lupus", "sle", `SLE OR "systemic lupus erythematosus" OR condition:lupus`},
		{"psa without context is a word", "psa", "psa"},
		{"PsA with context", "psa arthritis", "(psa OR condition:psoriasis) AND arthritis"},

		{"surname followed by words", "fasano zonulin", "(fasano OR fasano[au]) AND zonulin"},
		{"surname after words", "zonulin Fasano", "zonulin AND (Fasano OR Fasano[au])"},
		{"surname alone", "wang", "wang OR wang[au]"},
		{"not a surname of the library", "smith zonulin", "smith AND zonulin"},
		{"tagged surname stays tagged", "fasano[au] zonulin", "fasano[au] AND zonulin"},
		{"journal abbreviation", "Am J Gastroenterol celiac",
			`((J AND Gastroenterol) OR "Am J Gastroenterol"[ta]) AND (coeliac OR celiac OR condition:celiac)`},
		{"journal words each as without it", "gut microbes fasano",
			`((gut AND microbes) OR "gut microbes"[ta]) AND (fasano OR fasano[au])`},
		{"journal words that map", "wang gut microbes",
			`((wang OR wang[au]) AND gut AND microbes) OR "wang gut microbes"[ta]`},
		{"one-word journal alone", "Gut", "Gut OR Gut[ta]"},
		{"one-word journal among words is a word", "gut barrier", "gut AND barrier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseMapped(tt.in, m)
			if err != nil {
				t.Fatalf("ParseMapped(%q): %v", tt.in, err)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("ParseMapped(%q).String()\n got %s\nwant %s", tt.in, got, tt.want)
			}
			again, err := ParseMapped(q.String(), m)
			if err != nil {
				t.Fatalf("ParseMapped(String()=%q): %v", q.String(), err)
			}
			if again.String() != q.String() {
				t.Errorf("not canonical: %q reparses as %q", q.String(), again.String())
			}
		})
	}
}

func TestParseMapped_UnknownTagSaysWhich(t *testing.T) {
	m := termMapping(t)
	_, err := ParseMapped("diet condition:crohn", m)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 5 || !strings.Contains(se.Msg, `unknown condition "crohn"`) || !strings.Contains(se.Hint, "ibd") {
		t.Errorf("got %v, want an error at 5 naming crohn and listing ibd", err)
	}
	// Without a table, any slug-shaped tag term is accepted.
	if q, err := Parse("condition:crohn"); err != nil || q.String() != "condition:crohn" {
		t.Errorf("Parse without a table: %v, %v", q, err)
	}
}

func TestNewTags_BadNamesAreErrors(t *testing.T) {
	for _, n := range []TagName{
		{Kind: "species", Slug: "human", Text: "humans"},
		{Kind: KindCondition, Slug: "Bad Slug", Text: "x"},
	} {
		if _, err := NewTags([]TagName{n}); err == nil {
			t.Errorf("NewTags(%+v) succeeded", n)
		}
	}
}

func FuzzParseMapped(f *testing.F) {
	for _, s := range []string{
		`inflammatory bowel disease`, `gluten free diet AND ibd`, `type 1 diabetes zonulin`,
		`ms relapsing`, `cd gluten crohn`, `uc mesalamine cd`, `MS OR multiple sclerosis`,
		`"inflammatory bowel disease"[tiab] OR condition:ibd`, `fasano zonulin Gut`,
		`Am J Gastroenterol (ra OR RA joint*)`, `condition:nope`, `evidence:rct NOT review`,
		`"multiple sclerosis" ms`, `cd "ulcerative colitis" uc`, `Crohn's disease NOT ra`,
		`IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd`,
		`("leaky gut" OR "intestinal permeability") wang`, `Fasano A ms myelin*`,
	} {
		f.Add(s)
	}
	m := termMapping(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseMapped(s, m)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseMapped(%q): %v is %T, want *SyntaxError", s, err, err)
			}
			return
		}
		again, err := ParseMapped(q.String(), m)
		if err != nil {
			t.Fatalf("ParseMapped(%q) = %q, which does not parse: %v", s, q.String(), err)
		}
		if again.String() != q.String() {
			t.Fatalf("ParseMapped(%q) = %q, which parses as %q", s, q.String(), again.String())
		}
	})
}

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
		{"the tag's broadest heading", "Thyroiditis, Autoimmune", `"Thyroiditis, Autoimmune" OR condition:hashimoto`},
		{"a term of the table", "struma lymphomatosa", `"struma lymphomatosa" OR condition:hashimoto`},
		{"a broader phrase maps: every record of the tag is one on it", "thyroid autoimmunity", `"thyroid autoimmunity" OR condition:hashimoto`},

		// Narrower names, marked narrow in the table: their words only.
		{"a part of a condition is its words", "Crohn's disease", `(crohn OR "crohn disease")`},
		{"a narrower term", "crohn", `(crohn OR "crohn disease")`},
		{"a narrower heading", "Crohn Disease", `(crohn OR "crohn disease")`},
		{"a narrower heading as NLM writes it: its synonyms", "Colitis, Ulcerative", `(UC OR "ulcerative colitis" OR "colitis, ulcerative")`},
		{"ulcerative colitis is not IBD", "ulcerative colitis", `(UC OR "ulcerative colitis" OR "colitis, ulcerative")`},
		{"lupus nephritis: lupus records that name nephritis", "lupus nephritis", "(lupus OR condition:lupus) AND nephritis"},
		{"systemic lupus is not all of lupus", "systemic lupus erythematosus", `(SLE OR "systemic lupus erythematosus")`},
		{"a context phrase", "children with diabetes", "children AND diabetes"},
		{"diabetes in children is not type 1", "childhood diabetes", "childhood AND diabetes"},
		{"an adjective", "psoriatic", "psoriatic"},
		{"a subtype's abbreviation", "RRMS", "RRMS"},
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
		{"CD in an ibd context: the abbreviation keeps its tag, which holds Crohn's", "CD ileal", "(CD OR condition:ibd) AND ileal"},
		{"cd: both contexts", "cd gluten crohn", `(cd OR condition:celiac OR condition:ibd) AND gluten AND (crohn OR "crohn disease")`},
		{"cd without context", "cd diet", "cd AND diet"},
		{"uc without context", "uc diet", "uc AND diet"},
		{"context from another term's expansion", "uc mesalamine cd",
			`(UC OR "ulcerative colitis" OR "colitis, ulcerative" OR condition:ibd) AND mesalamine AND (cd OR condition:ibd)`},
		{"sle is its synonym group, not all of lupus", "sle", `(SLE OR "systemic lupus erythematosus")`},
		{"psa without context is a word", "psa", "psa"},
		{"PsA in context is psoriatic arthritis: a word", "psa arthritis", "psa AND arthritis"},

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

// TestParseMapped_NarrowerNamesDoNotMap tries every name the table marks
// narrow, as typed and in lower case, an abbreviation with each of its
// context words that names nothing alone: none is ORed with its whole tag.
// A word inside one that names the tag alone may still map, ANDed with the
// rest ("lupus nephritis": lupus records that name nephritis).
func TestParseMapped_NarrowerNamesDoNotMap(t *testing.T) {
	m := termMapping(t)
	narrower := taxonomy.Default().Narrower()
	if len(narrower) == 0 {
		t.Fatal("the table marks no line narrow: a vacuous test")
	}
	for _, n := range narrower {
		tag := &tagLeaf{ref: tagRef{n.Kind, n.Slug}}
		var inputs []string
		switch {
		case n.Abbr && len(n.Near) > 0:
			for _, w := range n.Near {
				w = strings.TrimSuffix(w, "*")
				if alone, err := ParseMapped(w, m); err != nil || strings.Contains(alone.String(), nodeString(tag)) {
					continue // the context word names the tag itself (ibd)
				}
				inputs = append(inputs, n.Text+" "+w, strings.ToLower(n.Text)+" "+w)
			}
			if len(inputs) == 0 {
				t.Errorf("%s %q: every context word maps alone, nothing tried", n.Slug, n.Text)
			}
		default:
			inputs = []string{n.Text, strings.ToLower(n.Text)}
		}
		for _, in := range inputs {
			q, err := ParseMapped(in, m)
			if err != nil {
				t.Errorf("%q: %v", in, err)
				continue
			}
			var ors []node // the query's top-level alternatives
			switch r := q.root.(type) {
			case *orNode:
				ors = r.kids
			default:
				ors = []node{r}
			}
			if n.Abbr {
				// "CD ileal": the abbreviation is one operand of an AND.
				if a, ok := q.root.(*andNode); ok {
					ors = nil
					for _, k := range a.kids {
						if o, ok := k.(*orNode); ok {
							ors = append(ors, o.kids...)
						} else {
							ors = append(ors, k)
						}
					}
				}
			}
			for _, k := range ors {
				if l, ok := k.(*tagLeaf); ok && l.ref == tag.ref {
					t.Errorf("%q (narrow in %s) is searched as %s: it maps to the whole tag", in, n.Slug, q)
				}
			}
		}
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

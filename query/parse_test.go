package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_SearchedAs(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"single word", "zonulin", "zonulin"},
		{"implicit and", "zonulin gliadin", "zonulin AND gliadin"},
		{"brief example: a quoted phrase is its words only, as in PubMed",
			`(zonulin OR "intestinal permeability") AND hashimoto* AND 2015:2025[dp]`,
			`(zonulin OR "intestinal permeability") AND hashimoto* AND 2015:2025[dp]`},
		{"unquoted, the same words expand",
			`(zonulin OR intestinal permeability) AND hashimoto*`,
			`(zonulin OR "leaky gut" OR "intestinal permeability" OR "intestinal hyperpermeability" OR "gut permeability") AND hashimoto*`},
		{"a printed group's quoted members parse back as the group",
			`"leaky gut" OR "intestinal permeability" OR "intestinal hyperpermeability" OR "gut permeability"`,
			`("leaky gut" OR "intestinal permeability" OR "intestinal hyperpermeability" OR "gut permeability")`},
		{"a member beside its group merges", `crohn OR "crohn disease" OR zonulin`, `crohn OR "crohn disease" OR zonulin`},
		{"synonym run expands", "leaky gut AND hashimoto*",
			`("leaky gut" OR "intestinal permeability" OR "intestinal hyperpermeability" OR "gut permeability") AND hashimoto*`},
		{"hashimoto group", "hashimoto",
			`(hashimoto OR "hashimoto disease" OR "hashimoto's thyroiditis" OR "chronic lymphocytic thyroiditis" OR "autoimmune thyroiditis")`},
		{"spelling variant", "coeliac zonulin", "(coeliac OR celiac) AND zonulin"},
		{"longest synonym wins", "celiac disease", `("celiac disease" OR "coeliac disease" OR "celiac sprue" OR "gluten-sensitive enteropathy")`},
		{"typographic apostrophe", "crohn’s", `(crohn OR "crohn disease")`},
		{"case and possessive ignored", "Crohn's Disease", `(crohn OR "crohn disease")`},
		{"possessive matches", "Hashimoto's", `(hashimoto OR "hashimoto disease" OR "hashimoto's thyroiditis" OR "chronic lymphocytic thyroiditis" OR "autoimmune thyroiditis")`},
		{"acronym in capitals expands", "MS diet", `(MS OR "multiple sclerosis") AND diet`},
		{"ambiguous acronym in lowercase stays a word", "ms diet", "ms AND diet"},
		{"ambiguous ra, uc stay words", "ra OR uc", "ra OR uc"},
		{"acronym in lowercase expands", "ibd diet", `(IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases") AND diet`},
		{"acronym with a digit in lowercase", "t1d", `(T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus")`},
		{"acronym capitalised", "Ncgs", `(NCGS OR "non-celiac gluten sensitivity" OR "non-coeliac gluten sensitivity")`},
		{"quoted acronym is its word only", `"ibs"`, `"ibs"`},
		{"acronyms in both cases merge", "sle OR SLE", `(SLE OR "systemic lupus erythematosus")`},
		{"surname and initial: author or text", "Fasano A", `"Fasano A" OR Fasano A[au]`},
		{"surname and two initials", "Fasano AA zonulin", `("Fasano AA" OR Fasano AA[au]) AND zonulin`},
		{"apostrophe in a surname", "O'Brien AB", `"O'Brien AB" OR O'Brien AB[au]`},
		{"lowercase name is text", "fasano a", "fasano"},
		{"vitamin d is not an author", "Vitamin D", "Vitamin AND D"},
		{"three capitals are not initials", "Fasano ABC", "Fasano AND ABC"},
		{"doi", "10.1038/nature12345", "10.1038/nature12345[doi]"},
		{"doi link with parentheses", "https://doi.org/10.1016/S0140-6736(05)12345-6", `"10.1016/S0140-6736(05)12345-6"[doi]`},
		{"doi label and full stop", "doi: 10.1038/nature12345.", "10.1038/nature12345[doi]"},
		{"doi among words", "zonulin 10.1038/nature12345", "zonulin AND 10.1038/nature12345[doi]"},
		{"doi tag", "10.1038/NATURE12345[aid]", "10.1038/NATURE12345[doi]"},
		{"pubmed link", "https://pubmed.ncbi.nlm.nih.gov/12345678/", "12345678[pmid]"},
		{"pmcid", "pmc1234567", "PMC1234567[pmcid]"},
		{"pmc link", "https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/", "PMC1234567[pmcid]"},
		{"pmcid tag takes digits", "1234567[pmc]", "PMC1234567[pmcid]"},
		{"a list of identifiers is ORed", "123 PMC456 10.1038/x1", "123[pmid] OR PMC456[pmcid] OR 10.1038/x1[doi]"},
		{"hyphen is a phrase, not an expansion", "gluten-free", "gluten-free"},
		{"wildcards never expand", "celiac*", "celiac*"},
		{"tagged terms never expand", "celiac[ti]", "celiac[ti]"},
		{"repeated group members merge", `coeliac OR celiac OR zonulin`, "coeliac OR celiac OR zonulin"},
		{"phrase", `"tight junction"`, `"tight junction"`},
		{"stop words dropped", "the role of zonulin", "role AND zonulin"},
		{"lowercase operators are words", "zonulin or gliadin", "zonulin AND gliadin"},
		{"left to right", "zonulin OR gliadin AND diet", "(zonulin OR gliadin) AND diet"},
		{"not left to right", "gluten NOT mice OR rats", "(gluten NOT mice) OR rats"},
		{"and not", "gluten AND NOT mice", "gluten NOT mice"},
		{"not chain flattens", "gluten NOT mice NOT rats", "gluten NOT mice NOT rats"},
		{"run binds tighter than OR", "zonulin OR intestinal barrier", "zonulin OR (intestinal AND barrier)"},
		{"group keeps grouping", "zonulin OR (gliadin AND diet)", "zonulin OR (gliadin AND diet)"},
		{"group next to term is AND", "diet (zonulin OR gliadin)", "diet AND (zonulin OR gliadin)"},
		{"nested redundant parens", "((zonulin))", "zonulin"},
		{"duplicates dropped", "zonulin AND zonulin", "zonulin"},
		{"author initials", "fasano a[au]", "fasano a[au]"},
		{"author surname", "Fasano[AU]", "Fasano[au]"},
		{"author exact", `"fasano a"[au]`, `"fasano a"[au]`},
		{"author wildcard", "fasan*[au]", "fasan*[au]"},
		{"author run takes the words before it", "zonulin fasano a[au]", "zonulin fasano a[au]"},
		{"tagged run stops at a wildcard", "probiotic* fasano a[au]", "probiotic* AND fasano a[au]"},
		{"year takes one word", "zonulin 2015[dp]", "zonulin AND 2015[dp]"},
		{"pmid takes one word", "zonulin 123[pmid]", "zonulin AND 123[pmid]"},
		{"phrase before tagged words stays untagged", `"tight junction" zonulin[ti]`, `"tight junction" AND zonulin[ti]`},
		{"multi-word title is a phrase", "gut barrier[ti]", `"gut barrier"[ti]`},
		{"tiab", "zonulin[tiab]", "zonulin[tiab]"},
		{"long tag name", "zonulin[Title/Abstract]", "zonulin[tiab]"},
		{"mesh alias", "celiac disease[mesh]", `"celiac disease"[mh]`},
		{"majr", "celiac disease[majr]", `"celiac disease"[majr]`},
		{"publication type", "randomized controlled trial[pt]", `"randomized controlled trial"[pt]`},
		{"publication type prefix", "randomized contr*[pt]", "randomized contr*[pt]"},
		{"journal", "gut[ta]", "gut[ta]"},
		{"year", "2015[dp]", "2015[dp]"},
		{"year range", "2015:2025[dp]", "2015:2025[dp]"},
		{"one-year range", "2015:2015[dp]", "2015[dp]"},
		{"uid", "12345[uid]", "12345[pmid]"},
		{"pmid leading zero", "0012345[pmid]", "12345[pmid]"},
		{"bare numbers are pmids", "12345678 23456789", "12345678[pmid] OR 23456789[pmid]"},
		{"grouped numbers are pmids", "123 (456 OR 789)", "123[pmid] OR 456[pmid] OR 789[pmid]"},
		{"number in a synonym", "type 1 diabetes", `(T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus")`},
		{"number among words is text, shown quoted", "2015 cohort", `"2015" AND cohort`},
		{"number beside stop words stays text", "2015 of the", `"2015"`},
		{"quoted number is text", `"12345"`, `"12345"`},
		{"wildcard on stemmed word", "probiotic*", "probiotic*"},
		{"tag with space", "zonulin [ti]", "zonulin[ti]"},
		{"tagged stop word dropped", "zonulin AND the[ti]", "zonulin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("Parse(%q).String()\n got %s\nwant %s", tt.in, got, tt.want)
			}
			again, err := Parse(q.String())
			if err != nil {
				t.Fatalf("Parse(String()=%q): %v", q.String(), err)
			}
			if again.String() != q.String() {
				t.Errorf("not canonical: %q reparses as %q", q.String(), again.String())
			}
		})
	}
}

func TestParse_BlankIsEmpty(t *testing.T) {
	for _, in := range []string{"", "   ", "\t\n"} {
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if !q.Empty() || q.String() != "" {
			t.Errorf("Parse(%q): Empty()=%v String()=%q, want empty", in, q.Empty(), q.String())
		}
	}
	q, _ := Parse("zonulin")
	if q.Empty() {
		t.Error(`Parse("zonulin").Empty() = true`)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		pos  int
		msg  string // substring of Msg
		hint string // substring of Hint
	}{
		{"not a doi", "zonulin 10.1/x[doi]", 8, "not a DOI", "10.1038"},
		{"not a pmcid", "PMCx[pmcid]", 0, "not a PMC ID", "PMC1234567"},
		{"unbalanced open", "hashimoto AND (zonulin OR gliadin", 14, "unbalanced parenthesis", `add ")"`},
		{"unbalanced close", "zonulin OR gliadin)", 18, "unbalanced parenthesis", `add "("`},
		{"innermost open blamed", "((zonulin) AND (gliadin", 15, "unbalanced parenthesis", `add ")"`},
		{"unbalanced quote", `zonulin AND "leaky gut`, 12, "unbalanced quote", `closing "`},
		{"and at end", "zonulin AND", 8, "AND needs a term after it", "remove it"},
		{"and before close", "(zonulin AND) gliadin", 9, "AND needs a term after it", ""},
		{"or at start", "OR zonulin", 0, "OR needs a term before it", ""},
		{"not at start", "NOT mice", 0, "NOT needs a term before it", "gluten NOT mice"},
		{"or or", "zonulin OR OR gliadin", 11, "OR cannot follow OR", "remove one"},
		{"and or", "zonulin AND OR gliadin", 12, "OR cannot follow AND", ""},
		{"or not", "zonulin OR NOT mice", 11, "NOT cannot follow OR", "(a OR b) NOT c"},
		{"empty parens", "zonulin AND ()", 12, "empty parentheses", "remove them"},
		{"unknown tag", "zonulin[xx]", 7, "unknown field tag [xx]", "[tiab] title/abstract"},
		{"empty tag", "zonulin[]", 7, "empty field tag", ""},
		{"unclosed tag", "zonulin[ti", 7, "unclosed field tag", `"]"`},
		{"stray bracket", "zonulin]", 7, `unexpected "]"`, ""},
		{"tag without term", "[ti] zonulin", 0, "field tag [ti] needs a term before it", ""},
		{"tag after operator", "zonulin AND [ti]", 12, "field tag [ti] needs a term before it", ""},
		{"tag after group", "(zonulin OR gliadin)[ti]", 20, "field tag after parentheses", "zonulin[ti]"},
		{"two tags", "zonulin[ti][ab]", 11, "two field tags", "[tiab]"},
		{"backwards range", "2025:2015[dp]", 0, "date range runs backwards", "2015:2025[dp]"},
		{"not a year", "zonulin 20x5[dp]", 8, "not a year: 20x5", "2015:2025[dp]"},
		{"open range", "2015:[dp]", 0, "not a year", ""},
		{"wildcard too short", "zonulin AND gl*", 12, "wildcard too short", "at least 3"},
		{"lone star", "*", 0, "wildcard too short", ""},
		{"misplaced wildcard", "glu*ten", 3, "misplaced wildcard", "end of a word"},
		{"wildcard after phrase", `"gluten free"*`, 13, "wildcard after a phrase", "single words"},
		{"wildcard after punctuation", "il-6*", 0, "wildcard after punctuation", "plain words"},
		{"wildcard in tagged phrase", "gut micro*[ti]", 4, "wildcard in a multi-word term", "microb*[ti]"},
		{"empty phrase", `zonulin ""`, 8, "empty phrase", ""},
		{"bad pmid", "12a[pmid]", 0, "not a PMID", "1 to 8 digits"},
		{"only stop words", "the of and", 0, "nothing to search", "common words"},
		{"stop word before not", "the NOT mice", 4, "nothing to search before NOT", ""},
		{"too long", strings.Repeat("x", MaxChars+1), MaxChars, "query too long", "1000"},
		{"too many terms", strings.Repeat("zonulin ", MaxTerms+1), 8 * MaxTerms, "query too long", "100 terms"},
		{"too many terms after expansion", manyExpansions(34), 0, "query too long", "searches 102 terms"},
		{"too long after expansion", strings.ReplaceAll(manyExpansions(8), "faecal", "hashimoto"),
			0, "query too long", "characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tt.in, q.String())
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is %T, want *SyntaxError", tt.in, err, err)
			}
			if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) || !strings.Contains(se.Hint, tt.hint) {
				t.Errorf("Parse(%q)\n got pos %d, %q — %q\nwant pos %d, %q — %q",
					tt.in, se.Pos, se.Msg, se.Hint, tt.pos, tt.msg, tt.hint)
			}
			if se.Hint == "" {
				t.Errorf("Parse(%q): error %q has no hint", tt.in, se)
			}
		})
	}
}

func TestSyntaxError_ReadsLikeTheBrief(t *testing.T) {
	_, err := Parse("hashimoto AND (zonulin OR gliadin")
	want := `position 14: unbalanced parenthesis — add ")" or remove "("`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// manyExpansions returns n groups "(faecal OR wI)": 2n typed terms that
// search 3n, since faecal expands to faecal OR fecal and the groups do not
// merge.
func manyExpansions(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "(faecal OR w" + itoa(i) + ")"
	}
	return strings.Join(parts, " AND ")
}

func TestParse_ExpansionJustUnderTheLimitParses(t *testing.T) {
	in := manyExpansions(33) // 99 terms
	q, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse(%q): %v", in, err)
	}
	if n := q.root.terms(); n != 99 {
		t.Errorf("terms = %d, want 99", n)
	}
}

package query

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`(zonulin OR "intestinal permeability") AND hashimoto* AND 2015:2025[dp]`,
		`leaky gut AND hashimoto*`, `fasano a[au] gluten-free diet[ti]`, `12345 67890`,
		`gluten NOT (mice OR rats) OR MS`, `"celiac disease"[majr] AND meta-analysis[pt]`,
		`((a) OR "b" c[tiab]`, `AND OR NOT`, `x[foo]`, `2025:2015[dp]`, `gl*`, `"`, `[`, `]`,
		`Crohn’s [MeSH Terms] 2020[dp]`, `type 1 diabetes OR T1D`, `the of a`, `j clin*[ta]`,
		`(coeliac OR celiac OR zonulin) NOT (faecal NOT fecal)`, `123 (456 OR 789)`,
		`ibd OR t1d NOT ms`, `Fasano A zonulin`, `O'Brien AB[au] OR Smith J`,
		`https://doi.org/10.1016/S0140-6736(05)12345-6`, `doi: 10.1038/x.`, `PMC123 456 10.1038/y`,
		`https://pubmed.ncbi.nlm.nih.gov/123/`, `"10.1038/(a)"[doi]`, `12[pmcid]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %v is %T, want *SyntaxError", s, err, err)
			}
			if se.Pos < 0 || se.Pos > utf8.RuneCountInString(s) || se.Msg == "" || se.Hint == "" {
				t.Fatalf("Parse(%q): malformed error %+v", s, se)
			}
			return
		}
		if _, err := json.Marshal(q.Bleve()); err != nil {
			t.Fatalf("Parse(%q).Bleve() does not marshal: %v", s, err)
		}
		again, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, q.String(), err)
		}
		if again.String() != q.String() {
			t.Fatalf("Parse(%q) = %q, which parses as %q", s, q.String(), again.String())
		}
	})
}

func BenchmarkParse(b *testing.B) {
	const in = `(zonulin OR "intestinal permeability") AND hashimoto* AND fasano a[au] AND 2015:2025[dp] NOT mice`
	for b.Loop() {
		q, err := Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		_ = q.Bleve()
	}
}

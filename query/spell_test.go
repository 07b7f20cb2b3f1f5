package query

import (
	"strings"
	"testing"
	"unicode"
)

// fixes is a stand-in vocabulary: the index's is tested in villi/index.
var fixes = map[string]string{
	"disese": "disease", "psorasis": "psoriasis", "zonulinn": "zonulin", "thyroidits": "thyroiditis",
	"fasano": "fasino", "mize": "mice",
}

func fixFrom(m map[string]string) (func(string) (string, bool), *[]string) {
	var asked []string
	return func(w string) (string, bool) {
		asked = append(asked, w)
		to, ok := m[w]
		return to, ok
	}, &asked
}

func TestCorrect(t *testing.T) {
	for _, c := range []struct {
		in, want string
		asked    string // the words fix was asked about
	}{
		{"coeliac disese", "coeliac disease", "disese"}, // coeliac is in the synonym table
		{"Psorasis", "Psoriasis", "psorasis"},
		{"hashimoto thyroidits AND (zonulinn OR gluten)", "hashimoto thyroiditis AND (zonulin OR gluten)", "thyroidits zonulinn gluten"},
		{"gluten NOT mize", "gluten NOT mice", "gluten mize"},
		// Tagged, quoted, wildcard, identifier, number, author, acronym,
		// mixed case, short and stop words are never asked about.
		{"disese[ti] OR psorasis", "disese[ti] OR psoriasis", "psorasis"},
		{"fasano a[au] disese", "fasano a[au] disease", "disese"},
		{`"coeliac disese" psorasis`, `"coeliac disese" psoriasis`, "psorasis"},
		{"zonulinn* psorasis", "zonulinn* psoriasis", "psorasis"},
		{"10.1038/disese psorasis", "10.1038/disese psoriasis", "psorasis"},
		{"https://doi.org/10.1038/disese", "https://doi.org/10.1038/disese", ""},
		{"2015 psorasis 12345", "2015 psoriasis 12345", "psorasis"},
		{"Fasano A psorasis", "Fasano A psoriasis", "psorasis"},
		{"ZONULINN TNFa McDonald", "ZONULINN TNFa McDonald", ""},
		{"mize the with psorasis", "mice the with psoriasis", "mize psorasis"}, // "with" is a stop word
		{"12345 67890", "12345 67890", ""},
		{"il-6 disese", "il-6 disease", "disese"},
		// The rest of the text is kept as typed.
		{"  psorasis   AND\tdisese ", "  psoriasis   AND\tdisease ", "psorasis disese"},
		// Unparseable input is returned as it is, unasked.
		{"psorasis AND (", "psorasis AND (", ""},
		{"", "", ""},
	} {
		fix, asked := fixFrom(fixes)
		got, changed := Correct(c.in, fix)
		if got != c.want || changed != (c.want != c.in) || strings.Join(*asked, " ") != c.asked {
			t.Errorf("Correct(%q) = %q, %v, asking about %q; want %q, %v, asking about %q",
				c.in, got, changed, strings.Join(*asked, " "), c.want, c.want != c.in, c.asked)
		}
	}
}

func TestCorrect_RefusesWhatIsNotAWord(t *testing.T) {
	for _, to := range []string{"", "AND", "Disease", "dis ease", `dis"ease`, "dis(ease", "disease*", "dis[ti]ease", "disease2"} {
		got, changed := Correct("coeliac disese", func(string) (string, bool) { return to, true })
		if changed || got != "coeliac disese" {
			t.Errorf("fix returning %q: Correct = %q, %v; want the query unchanged", to, got, changed)
		}
	}
}

func FuzzCorrect(f *testing.F) {
	for _, s := range []string{
		"coeliac disese", "hashimotos thyroidits AND zonulinn", `disese[ti] OR "coeliac disese" OR psorasis`,
		"Psorasis A", "fasano a[au] zonulinn", "10.1016/S0140-6736(05)12345-6", "2015 psorasis", "zonulinn*",
		"(a OR b) NOT mize", "Äbcdé öäü", "ZONULINN OR Zonulinn", "\xff\xfe disese",
	} {
		f.Add(s, "disease")
	}
	f.Fuzz(func(t *testing.T, s, to string) {
		_, err := Parse(s)
		var asked []string
		got, changed := Correct(s, func(w string) (string, bool) {
			asked = append(asked, w)
			return to, true
		})
		if err != nil {
			if changed || got != s || len(asked) > 0 {
				t.Fatalf("Correct(%q) of an unparseable query = %q, %v, asking %q", s, got, changed, asked)
			}
			return
		}
		for _, w := range asked {
			if !correctable(w) || strings.ContainsFunc(w, unicode.IsUpper) {
				t.Fatalf("Correct(%q) asked about %q", s, w)
			}
		}
		if !changed {
			if got != s {
				t.Fatalf("Correct(%q) = %q, unchanged", s, got)
			}
			return
		}
		if _, err := Parse(got); err != nil {
			t.Fatalf("Correct(%q) = %q, which does not parse: %v", s, got, err)
		}
		// Only words change, and only to the replacement: the same tags,
		// phrases, wildcards, operators and parentheses, in the same order.
		before, _ := lex(s)
		after, err := lex(got)
		if err != nil || len(after) != len(before) {
			t.Fatalf("Correct(%q) = %q: %d tokens, was %d (%v)", s, got, len(after), len(before), err)
		}
		for i, a := range after {
			b := before[i]
			if a.kind != b.kind || a.tag != b.tag || a.prefix != b.prefix {
				t.Fatalf("Correct(%q) = %q: token %d is %+v, was %+v", s, got, i, a, b)
			}
			if a.text != b.text && (a.kind != tokWord || strings.ToLower(a.text) != to) {
				t.Fatalf("Correct(%q) = %q: %q became %q, not the replacement %q", s, got, b.text, a.text, to)
			}
		}
	})
}

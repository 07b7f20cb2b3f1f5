package taxonomy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// FuzzLoad: a user's table may hold anything; Load returns an error or a
// usable table, never panics.
func FuzzLoad(f *testing.F) {
	f.Add(string(defaultTable))
	f.Add("condition a\n  abbr CD-4 near: x*\n  mesh D000001 A + B / c\n")
	f.Add("condition a\n  term *\n  not **\n")
	f.Add("condition a\n  term x y\n  ref y\n  ref y near: x\n  not z y\n")
	f.Fuzz(func(t *testing.T, table string) {
		tx, err := Load(strings.NewReader(table))
		if err != nil {
			return
		}
		tx.Tag(article("celiac disease (CD) and CD-4", "(CD) CD ( ) , and"))
	})
}

// FuzzTag: any title and abstract tag without panicking, into tags the
// table knows, and the same way whatever the scanner did before. A failure
// quotes the input, because the seed corpus runs in every `go test -race`
// where no engine writes a file, and a fuzz worker that dies (a panic
// outside the test's goroutine, or the engine's 10 s limit per input) is
// reported by the engine with no message of its own.
func FuzzTag(f *testing.F) {
	f.Add("Crohn's disease (CD)", "CD (CD) ZO-1 ZO- (MS) multiple sclerosis (MS")
	f.Add("(", ")")
	f.Add("cœliac’s", "NOD mice, , and (T1D)")
	f.Add("Diabetic children", "type 1 diabetes diabetes, type 2 diabetes (T1D) Hashimoto's thyroiditis thyroiditis")
	// Shapes whose cost once grew with the square of their length: the
	// engine's time limit killed workers on longer forms of them.
	f.Add("x", strings.Repeat("x (CD) celiac disease (CD) ", 50))
	f.Add("x", strings.Repeat("type 1 diabetes type 2 diabetes thyroiditis riedel ", 50))
	// Refs that count only while no "not" phrase of their block occurs: the
	// other article checkTag tags first has one.
	f.Add("Insulin pumps for children", "Diabetes care and diabetes education for children with type 1 diabetes.")
	tx := Default()
	f.Fuzz(func(t *testing.T, title, abstract string) {
		if err := checkTag(tx, title, abstract); err != nil {
			t.Fatalf("title %s, abstract %s: %v", quote(title), quote(abstract), err)
		}
	})
}

// checkTag reports how Tag breaks its contract on an article: tags that
// differ between a fresh scanner, one left over from another article and the
// pool, tags the table does not have, or slices out of table order or nil.
func checkTag(tx *Taxonomy, title, abstract string) error {
	a := article(title, abstract)
	want := tx.tag(tx.newScanner(), a)

	// A scanner that tagged something else, MeSH included, must not carry
	// any of it into the next article.
	s := tx.newScanner()
	other := article(abstract+" celiac disease (CD) mice", title+" (T1D) type 2 diabetes")
	other.MeSH = []pubmed.MeshHeading{{DescriptorUI: "D002446", DescriptorName: "Celiac Disease"}, {DescriptorName: "Probiotics"}, {DescriptorName: "Animals"}}
	tx.tag(s, other)
	if got := tx.tag(s, a); !equalTags(got, want) {
		return fmt.Errorf("reused scanner gives %+v, fresh one %+v", got, want)
	}
	if got := tx.Tag(a); !equalTags(got, want) {
		return fmt.Errorf("Tag gives %+v, a fresh scanner %+v", got, want)
	}

	if want.Conditions == nil || want.Mechanisms == nil {
		return fmt.Errorf("nil slice in %+v", want)
	}
	if err := inTableOrder(want.Conditions, tx.Conditions()); err != nil {
		return fmt.Errorf("conditions %v: %w", want.Conditions, err)
	}
	if err := inTableOrder(want.Mechanisms, tx.Mechanisms()); err != nil {
		return fmt.Errorf("mechanisms %v: %w", want.Mechanisms, err)
	}
	for _, f := range [][2][]string{{want.Focus.Conditions, want.Conditions}, {want.Focus.Mechanisms, want.Mechanisms}} {
		if f[0] == nil {
			return fmt.Errorf("nil focus slice in %+v", want)
		}
		for _, slug := range f[0] {
			if !slices.Contains(f[1], slug) {
				return fmt.Errorf("focus %q is not among the tags %v", slug, f[1])
			}
		}
	}
	if !slices.Contains(EvidenceLevels(), want.Evidence) {
		return fmt.Errorf("evidence %q is no level", want.Evidence)
	}
	if !slices.Contains(SpeciesValues(), want.Species) {
		return fmt.Errorf("species %q is no value", want.Species)
	}
	return nil
}

// inTableOrder reports a slug that is not among terms or comes before one
// it follows in the table (a duplicate included).
func inTableOrder(slugs []string, terms []Term) error {
	last := -1
	for _, s := range slugs {
		i := slices.IndexFunc(terms, func(t Term) bool { return t.Slug == s })
		switch {
		case i < 0:
			return fmt.Errorf("%q is not in the table", s)
		case i <= last:
			return fmt.Errorf("%q out of table order or repeated", s)
		}
		last = i
	}
	return nil
}

// quote shows a fuzz input in a failure message: whole when short enough
// to paste into a test, else its length and both ends.
func quote(s string) string {
	const max = 2000
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("(%d bytes) %q ... %q", len(s), s[:max/2], s[len(s)-max/2:])
}

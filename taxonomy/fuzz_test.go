package taxonomy

import (
	"strings"
	"testing"
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

// FuzzTag: any title and abstract tag without panicking, and the same way
// twice.
func FuzzTag(f *testing.F) {
	f.Add("Crohn's disease (CD)", "CD (CD) ZO-1 ZO- (MS) multiple sclerosis (MS")
	f.Add("(", ")")
	f.Add("cœliac’s", "NOD mice, , and (T1D)")
	f.Add("Diabetic children", "type 1 diabetes diabetes, type 2 diabetes (T1D) Hashimoto's thyroiditis thyroiditis")
	tx := Default()
	f.Fuzz(func(t *testing.T, title, abstract string) {
		a := article(title, abstract)
		first := tx.Tag(a)
		if again := tx.Tag(a); !equalTags(first, again) {
			t.Errorf("Tag not deterministic: %+v then %+v", first, again)
		}
		if first.Conditions == nil || first.Mechanisms == nil {
			t.Error("nil slices")
		}
	})
}

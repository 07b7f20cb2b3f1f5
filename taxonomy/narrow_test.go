package taxonomy

import (
	"bytes"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// narrowMark is the "narrow" that starts a line of the table.
var narrowMark = regexp.MustCompile(`(?m)^(\s*)narrow\s+`)

// TestNarrow_TagsAsWithout tags every topical record with the embedded
// table and with the same table without its narrow marks: a narrow line
// decides what a search maps, never a tag, a reason or the Version.
func TestNarrow_TagsAsWithout(t *testing.T) {
	if testing.Short() {
		t.Skip("tags 8,600 records twice")
	}
	marked := Default()
	if len(marked.Narrower()) == 0 {
		t.Fatal("the embedded table marks no line narrow: a vacuous test")
	}
	plain, err := Load(bytes.NewReader(narrowMark.ReplaceAll(defaultTable, []byte("$1"))))
	if err != nil {
		t.Fatal(err)
	}
	if n := plain.Narrower(); len(n) != 0 {
		t.Fatalf("the table without marks still has narrow names: %v", n)
	}
	if plain.Version() != marked.Version() {
		t.Errorf("Version %s with narrow marks, %s without: a names-only edit would ask for a retag", marked.Version(), plain.Version())
	}
	recs := loadTopical(t)
	diff := 0
	for _, r := range recs {
		a, b := marked.Tag(r.article), plain.Tag(r.article)
		if !reflect.DeepEqual(a, b) {
			if diff++; diff <= 5 {
				t.Errorf("pmid %d: tags %+v with narrow marks, %+v without", r.article.PMID, a, b)
			}
			continue
		}
		ta, wa, la := marked.TagWithReasons(r.article)
		tb, wb, lb := plain.TagWithReasons(r.article)
		if !reflect.DeepEqual(ta, tb) || !reflect.DeepEqual(wa, wb) || la != lb {
			if diff++; diff <= 5 {
				t.Errorf("pmid %d: reasons %+v %q with narrow marks, %+v %q without", r.article.PMID, wa, la, wb, lb)
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d records tagged differently", diff, len(recs))
	}
	t.Logf("%d records, same tags and reasons", len(recs))
}

// TestNarrow_NotANameOfTheTag checks what the table's narrow lines keep out
// of Names: the headings under a condition's own and the phrases for part
// of it, and that each is in Narrower instead.
func TestNarrow_NotANameOfTheTag(t *testing.T) {
	tx := Default()
	names, narrower := tx.Names(), tx.Narrower()
	has := func(ns []Name, slug, text string) bool {
		return slices.ContainsFunc(ns, func(n Name) bool { return n.Slug == slug && strings.EqualFold(n.Text, text) })
	}
	for _, w := range []struct{ slug, text string }{
		{"ibd", "Crohn Disease"}, {"ibd", "Colitis, Ulcerative"}, {"ibd", "Ulcerative Colitis"},
		{"ibd", "crohn"}, {"ibd", "crohns"}, {"ibd", "ulcerative colitis"}, {"ibd", "regional enteritis"},
		{"lupus", "Lupus Nephritis"}, {"lupus", "lupus nephritis"}, {"lupus", "Systemic Lupus Erythematosus"}, {"lupus", "SLE"},
		{"type-1-diabetes", "childhood diabetes"}, {"type-1-diabetes", "diabetic children"}, {"type-1-diabetes", "children with diabetes"},
		{"psoriasis", "psoriatic"}, {"psoriasis", "Arthritis, Psoriatic"}, {"psoriasis", "PsA"},
		{"multiple-sclerosis", "Multiple Sclerosis, Relapsing-Remitting"}, {"multiple-sclerosis", "RRMS"},
		{"hashimoto", "autoimmune hypothyroidism"},
	} {
		if has(names, w.slug, w.text) {
			t.Errorf("%q is a name of %s: it names part of it", w.text, w.slug)
		}
		if !has(narrower, w.slug, w.text) {
			t.Errorf("%q is not in Narrower for %s", w.text, w.slug)
		}
	}
	for _, n := range narrower {
		if has(names, n.Slug, n.Text) {
			t.Errorf("%q is both a name and a narrower name of %s", n.Text, n.Slug)
		}
	}
}

func TestLoad_NarrowLines(t *testing.T) {
	const head = "condition ibd Inflammatory bowel disease\n  mesh Inflammatory Bowel Diseases\n"
	ok, err := Load(strings.NewReader(head + "  narrow mesh Crohn Disease\n  narrow term crohn | crohns\n  narrow abbr CD near: crohn*\n  term inflammatory bowel disease\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range ok.Narrower() {
		got = append(got, n.Text)
	}
	if want := []string{"Crohn Disease", "crohn", "crohns", "CD"}; !slices.Equal(got, want) {
		t.Errorf("Narrower() = %q, want %q", got, want)
	}
	for _, tt := range []struct{ line, want string }{
		{"  narrow ref crohn", `line 3: narrow "ref": only a mesh, term or abbr line`},
		{"  narrow model dss colitis", `line 3: narrow "model"`},
		{"  narrow not crohn", `line 3: narrow "not"`},
		{"  narrow", `line 3: narrow ""`},
		{"  narrow term", "line 3: term: nothing after the keyword"},
		{"mechanism remove Remove\n  narrow term gluten free", "line 4: narrow belongs to condition blocks, not mechanism remove"},
	} {
		_, err := Load(strings.NewReader(head + tt.line + "\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one containing %q", tt.line, err, tt.want)
		}
	}
}

func TestVersion_OnlyRulesCount(t *testing.T) {
	base := Default().Version()
	for _, tt := range []struct {
		name string
		edit func([]byte) []byte
		same bool
	}{
		{"a comment", func(b []byte) []byte { return append(b, "\n# a note on the table\n"...) }, true},
		{"a comment after a rule", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  term   psoriasis\n"), []byte("  term   psoriasis   # the skin disease\n"), 1)
		}, true},
		{"spacing", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  term   psoriasis\n"), []byte("\tterm psoriasis  \n\n"), 1)
		}, true},
		{"a line made narrow", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  term   lupus erythematosus\n"), []byte("  narrow term lupus erythematosus\n"), 1)
		}, true},
		{"a narrow mark dropped", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  narrow term psoriatic\n"), []byte("  term   psoriatic\n"), 1)
		}, true},
		{"a term added", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  term   psoriasis\n"), []byte("  term   psoriasis | psoriases\n"), 1)
		}, false},
		{"a narrow term's words", func(b []byte) []byte {
			return bytes.Replace(b, []byte("  narrow term psoriatic\n"), []byte("  narrow term psoriatics\n"), 1)
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(bytes.Clone(defaultTable))
			if bytes.Equal(edited, defaultTable) {
				t.Fatal("the edit changed nothing: its text is not in the table")
			}
			tx, err := Load(bytes.NewReader(edited))
			if err != nil {
				t.Fatal(err)
			}
			if same := tx.Version() == base; same != tt.same {
				t.Errorf("Version %s after the edit, %s before: same %v, want %v", tx.Version(), base, same, tt.same)
			}
		})
	}
}

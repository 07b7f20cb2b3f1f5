package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"villi/cite"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

// citeFixture imports a real file holding a retracted record and returns
// the data directory and two of its articles, the retracted one first.
func citeFixture(t *testing.T) (string, [2]*pubmed.Article) {
	t.Helper()
	file := fixture.Path(t, "JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz")
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", file); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	var got [2]*pubmed.Article
	for _, a := range pubmedtest.Articles(t, file) {
		switch {
		case a.PMID == 8863847:
			got[0] = a
		case got[1] == nil && !a.Retracted && a.Title != "":
			got[1] = a
		}
	}
	if got[0] == nil || got[1] == nil {
		t.Fatalf("%s: want PMID 8863847 and another unretracted article with a title", file)
	}
	return data, got
}

func TestCite_SameTextAsCitePackageInOrder(t *testing.T) {
	data, arts := citeFixture(t)
	for _, style := range cite.Styles {
		out, errs, code := run(t, data, "cite", "--style", strings.ToUpper(string(style)), itoa(arts[1].PMID), itoa(arts[0].PMID))
		if code != 0 {
			t.Fatalf("cite %s: exit %d: %s", style, code, errs)
		}
		first, _ := cite.Reference(style, arts[1])
		second, _ := cite.Reference(style, arts[0])
		if want := first + "\n" + second + "\n"; out != want {
			t.Errorf("cite --style %s:\n got %q\nwant %q", style, out, want)
		}
		if !strings.Contains(errs, "PMID 8863847 is a retracted publication") {
			t.Errorf("cite %s: stderr %q lacks the retraction warning", style, errs)
		}
	}
}

func TestCite_BadInput(t *testing.T) {
	data, arts := citeFixture(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cite", "--style", "harvard", itoa(arts[0].PMID)}, 2, "harvard"},
		{[]string{"cite", "12ab"}, 2, `"12ab" is not a PMID`},
		{[]string{"cite"}, 2, "PMID"},
		{[]string{"cite", itoa(arts[0].PMID), "99999999", "99999998"}, 1, "99999999, 99999998"},
		{[]string{"export", "--format", "docx", itoa(arts[0].PMID)}, 2, "docx"},
		{[]string{"export", "--format", "ris", "99999999"}, 1, "99999999"},
	}
	for _, tt := range tests {
		out, errs, code := run(t, data, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("villi %s: exit %d, stderr %q; want %d naming %q", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
		if code != 0 && out != "" {
			t.Errorf("villi %s: printed %q despite failing", strings.Join(tt.args, " "), out)
		}
	}
}

func TestExport_EveryFormatToStdoutAndFile(t *testing.T) {
	data, arts := citeFixture(t)
	ids := []string{itoa(arts[0].PMID), itoa(arts[1].PMID)}
	for _, f := range cite.Formats {
		out, errs, code := run(t, data, append([]string{"export", "--format", string(f)}, ids...)...)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", f, code, errs)
		}
		var want strings.Builder
		if err := cite.Export(&want, f, []cite.Item{{Article: arts[0]}, {Article: arts[1]}}); err != nil {
			t.Fatal(err)
		}
		if out != want.String() {
			t.Errorf("export %s differs from cite.Export:\n got %.200q\nwant %.200q", f, out, want.String())
		}
	}
	path := filepath.Join(t.TempDir(), "refs.ris")
	out, errs, code := run(t, data, "export", "--output", path, ids[0])
	if code != 0 || out != "" || !strings.Contains(errs, "wrote 1 record to "+path) {
		t.Fatalf("export --output: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "AN  - "+ids[0]) {
		t.Errorf("refs.ris: %v\n%s", err, b)
	}
}

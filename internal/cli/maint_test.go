package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"villi/internal/fixture"
)

func TestMaintenance_ReindexReparseRetag(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	// A table that adds one condition to the built-in ones: retag must
	// change the records it matches, and only once.
	builtIn, err := os.ReadFile("../../taxonomy/taxonomy.txt")
	if err != nil {
		t.Fatal(err)
	}
	table := filepath.Join(t.TempDir(), "taxonomy.txt")
	extra := "\ncondition test-humans  Humans (test)\n  mesh Humans\n"
	if err := os.WriteFile(table, append(builtIn, extra...), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		args     []string
		wantCode int
		wantOut  string // a regexp
	}{
		{[]string{"reindex"}, 0, `^reindexed [1-9][0-9]* records\n$`},
		{[]string{"reparse"}, 0, `^reparsed: 0 records changed\n$`},
		{[]string{"retag"}, 0, `^retagged: 0 records changed\n$`},
		{[]string{"retag", "--taxonomy", table}, 0, `^retagged: [1-9][0-9]* records? changed\n$`},
		{[]string{"retag", "--taxonomy", table}, 0, `^retagged: 0 records changed\n$`},
		{[]string{"retag", "--nope"}, 2, `^$`},
		{[]string{"reparse", "--taxonomy", filepath.Join(data, "missing.txt")}, 1, `^$`},
	}
	for _, tt := range tests {
		out, errs, code := run(t, data, tt.args...)
		if code != tt.wantCode || !regexp.MustCompile(tt.wantOut).MatchString(out) {
			t.Errorf("villi %s: exit %d, stdout %q, stderr %q; want exit %d, stdout matching %q",
				strings.Join(tt.args, " "), code, out, errs, tt.wantCode, tt.wantOut)
		}
		if tt.wantCode != 0 && !strings.Contains(errs, "villi "+tt.args[0]+":") {
			t.Errorf("villi %s: stderr %q, want the error under the command's name", strings.Join(tt.args, " "), errs)
		}
	}
}

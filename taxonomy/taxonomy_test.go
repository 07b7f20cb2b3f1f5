package taxonomy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"villi/internal/fixture"
)

func slugs(ts []Term) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Slug)
	}
	return out
}

func TestDefault_SlugsFollowDesign(t *testing.T) {
	tx := Default()
	wantConds := []string{"hashimoto", "rheumatoid-arthritis", "multiple-sclerosis", "lupus", "celiac", "psoriasis", "type-1-diabetes", "ibd"}
	if got := slugs(tx.Conditions()); !slices.Equal(got, wantConds) {
		t.Errorf("Conditions() = %q, want %q", got, wantConds)
	}
	wantMechs := []string{"remove", "repair", "rebalance", "regulate", "reintroduce", "intestinal-permeability", "microbiome"}
	if got := slugs(tx.Mechanisms()); !slices.Equal(got, wantMechs) {
		t.Errorf("Mechanisms() = %q, want %q", got, wantMechs)
	}
	if got := tx.Conditions()[0].Label; got != "Hashimoto's thyroiditis" {
		t.Errorf("hashimoto label = %q, want Hashimoto's thyroiditis", got)
	}
	wantLevels := []string{"meta-analysis", "systematic-review", "rct", "clinical-trial", "observational", "case-report", "review", "animal", "in-vitro", "commentary", "other"}
	if got := EvidenceLevels(); !slices.Equal(got, wantLevels) {
		t.Errorf("EvidenceLevels() = %q, want %q", got, wantLevels)
	}
	if got, want := SpeciesValues(), []string{"human", "animal", "both", "unknown"}; !slices.Equal(got, want) {
		t.Errorf("SpeciesValues() = %q, want %q", got, want)
	}
}

func TestEvidenceRank(t *testing.T) {
	tests := []struct {
		level string
		want  int
	}{
		{"meta-analysis", 0}, {"systematic-review", 1}, {"rct", 2}, {"clinical-trial", 3},
		{"observational", 4}, {"case-report", 5}, {"review", 6}, {"animal", 7},
		{"in-vitro", 8}, {"commentary", 9}, {"other", 10}, {"", 10}, {"RCT", 10}, {"expert-opinion", 10},
	}
	for _, tt := range tests {
		if got := EvidenceRank(tt.level); got != tt.want {
			t.Errorf("EvidenceRank(%q) = %d, want %d", tt.level, got, tt.want)
		}
	}
}

func TestEvidenceLevels_ReturnsACopy(t *testing.T) {
	EvidenceLevels()[0] = "changed"
	if EvidenceLevels()[0] != "meta-analysis" {
		t.Error("EvidenceLevels shares its backing array with callers")
	}
}

func TestVersion_ChangesWithTheTable(t *testing.T) {
	a, b := Default().Version(), Default().Version()
	if a != b || len(a) != 12 {
		t.Fatalf("Version() = %q then %q, want the same 12 hex digits", a, b)
	}
	edited, err := Load(bytes.NewReader(append(bytes.Clone(defaultTable), "\n  term leaky gut syndrome\n"...)))
	if err != nil {
		t.Fatal(err)
	}
	if edited.Version() == a {
		t.Error("an edited table has the same Version")
	}
}

func TestLoad_ReplacesTheTable(t *testing.T) {
	tx, err := Load(strings.NewReader(`# a practitioner's own table
condition sibo  Small intestinal bacterial overgrowth
  term   small intestinal bacterial overgrowth | sibo
condition celiac Celiac disease
  mesh   Celiac Disease
  term   celiac
mechanism remove Remove
  term   elimination diet
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slugs(tx.Conditions()), []string{"sibo", "celiac"}; !slices.Equal(got, want) {
		t.Errorf("Conditions() = %q, want %q", got, want)
	}
	got := tx.Tag(article("SIBO and an elimination diet", ""))
	if !slices.Equal(got.Conditions, []string{"sibo"}) || !slices.Equal(got.Mechanisms, []string{"remove"}) {
		t.Errorf("Tag = %+v, want sibo / remove", got)
	}
	// Without evidence and species blocks, the fixed values still come out.
	if got := tx.Tag(article("An elimination diet", "")); got.Evidence != "other" || got.Species != "unknown" {
		t.Errorf("evidence, species = %q, %q, want other, unknown", got.Evidence, got.Species)
	}
}

func TestLoad_ErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, table, want string
	}{
		{"rule before any block", "term celiac\n", "line 1: rule \"term\" before the first block"},
		{"unknown keyword", "condition celiac\n  terms celiac\n", "line 2: unknown keyword \"terms\""},
		{"bad slug", "# c\ncondition Celiac_Disease\n", "line 2: condition: slug \"Celiac_Disease\""},
		{"unknown evidence level", "condition a\nevidence expert-opinion\n", "line 2: evidence \"expert-opinion\" is not a level"},
		{"unknown species", "condition a\nspecies plant\n", "line 2: species \"plant\" is not a species value"},
		{"duplicate block", "condition a\ncondition a\n", "line 2: condition a already defined on line 1"},
		{"malformed UI", "condition a\n  mesh D12 Celiac Disease\n", "line 2: mesh: \"D12\" does not look like a descriptor UI"},
		{"near with a phrase", "condition a\n  abbr CD near: celiac disease\n", "line 2: near: \"celiac disease\" must be a single word"},
		{"abbr with spaces", "condition a\n  abbr C D\n", "line 2: abbr: \"C D\" is not one abbreviation"},
		{"pt outside evidence", "condition a\n  pt Review\n", "line 2: pt rules belong to evidence blocks"},
		{"empty rule", "condition a\n  term\n", "line 2: term: nothing after the keyword"},
		{"one-letter prefix", "condition a\n  term c* disease\n", "line 2: term: \"c* disease\": a word prefix needs at least two letters"},
		{"no conditions", "# nothing\n", "no condition blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.table))
			if err == nil {
				t.Fatalf("Load succeeded, want error containing %q", tt.want)
			}
			if !errors.Is(err, ErrTable) {
				t.Errorf("error %v does not wrap ErrTable", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoad_ReaderErrorIsNotATableError(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := Load(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, ErrTable) {
		t.Errorf("Load(failing reader) = %v, want it to wrap the read error only", err)
	}
}

// TestDefault_MeSHUIsSeenInRealRecords enforces the rule that no descriptor
// UI is invented: every UI in the embedded table must occur as a UI
// attribute in the shared PubMed fixtures.
func TestDefault_MeSHUIsSeenInRealRecords(t *testing.T) {
	dir := fixture.PubMed(t)
	seen := map[string]bool{}
	uiAttr := regexp.MustCompile(`UI="(D[0-9]{6,9})"`)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(p, ".xml") && !strings.HasSuffix(p, ".xml.gz") {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return nil // not every .gz here is valid; those hold no UIs we need
			}
			r = zr
		}
		b, _ := io.ReadAll(r)
		for _, m := range uiAttr.FindAllSubmatch(b, -1) {
			seen[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tx := Default()
	n := 0
	for _, r := range tx.mesh {
		for _, ref := range r.refs {
			if ref.ui == "" {
				continue
			}
			n++
			if !seen[ref.ui] {
				t.Errorf("UI %s (%s) is in the table but in no fixture record: match it by name instead", ref.ui, ref.name)
			}
		}
	}
	t.Logf("%d table UIs, all seen among %d UIs in the fixtures", n, len(seen))
}

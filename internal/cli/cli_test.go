package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/internal/fixture"
	"villi/store"
)

func TestParse_FlagsMayFollowArguments(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantSize int
	}{
		{[]string{"zonulin"}, []string{"zonulin"}, 10},
		{[]string{"-size", "3", "zonulin"}, []string{"zonulin"}, 3},
		{[]string{"zonulin", "--size", "3"}, []string{"zonulin"}, 3},
		{[]string{"gut", "--size=5", "microbiota"}, []string{"gut", "microbiota"}, 5},
		{[]string{"--", "--size", "3"}, []string{"--size", "3"}, 10},
		{[]string{"a", "--", "-b"}, []string{"a", "-b"}, 10},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		size := fs.Int("size", 10, "")
		got, err := parse(fs, tt.args)
		if err != nil {
			t.Fatalf("parse(%q): %v", tt.args, err)
		}
		if !slices.Equal(got, tt.wantPos) || *size != tt.wantSize {
			t.Errorf("parse(%q) = %q, size %d; want %q, size %d", tt.args, got, *size, tt.wantPos, tt.wantSize)
		}
	}
}

func TestParse_UnknownFlagIsAUsageError(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parse(fs, []string{"zonulin", "--nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want a usage error naming -nope", err)
	}
}

// run runs villi with a fresh data directory shared by the calls of one test.
func run(t *testing.T, data string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runAt(t, data, nil, args...)
}

// runAt is run with a clock (nil: the real one).
func runAt(t *testing.T, data string, now func() time.Time, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Getenv: func(k string) string {
			if k == "VILLI_DATA" {
				return data
			}
			return ""
		},
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: now,
	}
	code = Run(context.Background(), args, env)
	return out.String(), errb.String(), code
}

func TestImportSearchShow_EndToEnd(t *testing.T) {
	file := fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", file); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}

	runs := lastRuns(t, data)
	if len(runs) != 1 || runs[0].Kind != "import" || runs[0].Added == 0 || runs[0].Running() {
		t.Errorf("runs after import = %+v, want one ended import run with records added", runs)
	}

	out, errs, code := run(t, data, "search", "--json", "cancer", "--size", "2")
	if code != 0 {
		t.Fatalf("search exit %d: %s", code, errs)
	}
	var res struct {
		Total uint64 `json:"total"`
		Hits  []struct {
			PMID uint64 `json:"pmid"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json output is not JSON: %v\n%s", err, out)
	}
	if res.Total == 0 || len(res.Hits) == 0 || len(res.Hits) > 2 {
		t.Fatalf("search: total %d, %d hits; want some, at most 2 (--size after the query)", res.Total, len(res.Hits))
	}

	pmid := res.Hits[0].PMID
	out, errs, code = run(t, data, "show", itoa(pmid))
	if code != 0 || !strings.HasPrefix(out, "PMID- "+itoa(pmid)) {
		t.Errorf("show exit %d, output starts %.40q, stderr %s; want MEDLINE for PMID %d", code, out, errs, pmid)
	}

	_, errs, code = run(t, data, "show", "1")
	if code == 0 || !strings.Contains(errs, "PMID 1") {
		t.Errorf("show of an unknown PMID: exit %d, stderr %q; want non-zero naming PMID 1", code, errs)
	}

	_, errs, code = run(t, data, "search", "zonulin AND (")
	if code == 0 || !strings.Contains(errs, "parenthesis") {
		t.Errorf("bad query: exit %d, stderr %q; want an error about the parenthesis", code, errs)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func lastRuns(t *testing.T, data string) []store.Run {
	t.Helper()
	s, err := store.Open(filepath.Join(data, "villi.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs("", 10)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

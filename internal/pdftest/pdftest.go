// Package pdftest reads PDFs back for tests with poppler's pdftotext and
// pdfinfo (Debian poppler-utils, scripts/test-deps.sh). Without them a test
// skips, unless it runs under CI (CI=true) or VILLI_REQUIRE_POPPLER=1,
// where it fails: a PDF nobody reads back is a PDF nobody tested.
package pdftest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("VILLI_REQUIRE_POPPLER") == "1"
}

// tool returns the path of a poppler tool, skipping or failing without it.
func tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if required() {
		tb.Fatalf("%s is missing (Debian package poppler-utils; scripts/test-deps.sh installs it) and CI=true or VILLI_REQUIRE_POPPLER=1", name)
	}
	tb.Skipf("skipping: %s is missing (install poppler-utils, or set VILLI_REQUIRE_POPPLER=1 to make this a failure)", name)
	return ""
}

// Require skips or fails the test now, before its set-up, when either
// poppler tool is missing.
func Require(tb testing.TB) {
	tb.Helper()
	tool(tb, "pdftotext")
	tool(tb, "pdfinfo")
}

func run(tb testing.TB, name string, pdf []byte, args ...string) string {
	tb.Helper()
	path := tool(tb, name)
	f := filepath.Join(tb.TempDir(), "handout.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(path, append(args, f)...)
	if name == "pdftotext" {
		cmd.Args = append(cmd.Args, "-")
	}
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s: %v: %s", name, err, errOut.String())
	}
	if errOut.Len() > 0 {
		tb.Errorf("%s complains about the PDF: %s", name, errOut.String())
	}
	return out.String()
}

// Text is the PDF's text as pdftotext -raw reads it (UTF-8, pages separated
// by form feeds): in the order it was written, keeping a hyphen that ends a
// line, which the default mode takes for a broken word and drops.
func Text(tb testing.TB, pdf []byte) string {
	tb.Helper()
	return run(tb, "pdftotext", pdf, "-raw", "-enc", "UTF-8")
}

// Info is pdfinfo's report: "Title", "Author", "Creator", "Pages", ...
func Info(tb testing.TB, pdf []byte) map[string]string {
	tb.Helper()
	info := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(run(tb, "pdfinfo", pdf, "-enc", "UTF-8")))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

// Squeeze drops every space, tab, line break and form feed, so a string
// compares with a PDF's text however the PDF wrapped it: every other
// character still has to match, in order.
func Squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

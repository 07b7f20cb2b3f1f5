package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"villi/internal/fixture"
)

func TestSubscriptionAndDigest_EndToEnd(t *testing.T) {
	data := t.TempDir()
	// A Wednesday: this week's digest time (Monday 07:00) has passed, so a
	// subscriber confirmed now gets the first digest next week, whatever
	// day the test runs on.
	wednesday := func() time.Time { return time.Date(2026, 12, 9, 12, 0, 0, 0, time.UTC) }
	run := func(t *testing.T, data string, args ...string) (string, string, int) {
		t.Helper()
		return runAt(t, data, wednesday, args...)
	}
	file := fixture.Path(t, "PathwayCommons__ncbiutils/tests__data__multiple.xml")
	if _, errs, code := run(t, data, "import", file); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}

	out, errs, code := run(t, data, "subscription", "add", "--email", "Anna@Example.org", "--condition", "lupus", "--condition", "rheumatoid-arthritis", "--min-evidence", "rct", "--humans-only", "--confirmed")
	if code != 0 || !strings.Contains(out, "anna@example.org, confirmed") {
		t.Fatalf("add --confirmed: %d %q %q", code, out, errs)
	}
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"subscription", "add", "--email", "b@example.org", "--condition", "leaky-gut"}, 2, `unknown condition "leaky-gut"`},
		{[]string{"subscription", "add", "--email", "b@example.org", "--empty-week", "never"}, 2, "--empty-week"},
		{[]string{"subscription", "add", "--email", "anna@example.org", "--confirmed"}, 1, "already exists"},
		// Without --confirmed a confirmation mail must go out: no SMTP, a clear error.
		{[]string{"subscription", "add", "--email", "c@example.org"}, 1, "configured (set VILLI_"},
		{[]string{"subscription", "frobnicate"}, 2, "want add, list or remove"},
		{[]string{"subscription", "remove"}, 2, "one subscription ID"},
		{[]string{"digest", "extra"}, 2, "unexpected arguments"},
	}
	for _, c := range cases {
		_, errs, code := run(t, data, c.args...)
		if code != c.code || !strings.Contains(errs, c.contains) {
			t.Errorf("villi %s: exit %d, stderr %q; want %d mentioning %q", strings.Join(c.args, " "), code, errs, c.code, c.contains)
		}
	}

	out, _, code = run(t, data, "subscription", "list")
	if code != 0 || !strings.Contains(out, "anna@example.org") || !strings.Contains(out, "Rheumatoid arthritis, Lupus · RCT or stronger · human studies only") ||
		!strings.Contains(out, "c@example.org") || !strings.Contains(out, "unconfirmed") {
		t.Errorf("list: %d\n%s", code, out)
	}

	// Anna confirmed this week, after its digest time: nothing is due yet.
	out, errs, code = run(t, data, "digest", "--dry-run")
	if code != 0 || !strings.Contains(out, "first digest next week") || strings.Contains(out, "c@example.org") {
		t.Errorf("digest --dry-run: %d %q %q", code, out, errs)
	}

	out, _, code = run(t, data, "subscription", "remove", "anna@example.org")
	if code != 0 || !strings.Contains(out, "removed subscription 1") {
		t.Errorf("remove: %d %q", code, out)
	}
	if out, _, _ = run(t, data, "subscription", "list"); strings.Contains(out, "anna@") {
		t.Errorf("removed subscription still listed:\n%s", out)
	}
	if _, errs, code = run(t, data, "subscription", "remove", "anna@example.org"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("second remove: %d %q", code, errs)
	}
}

// The digest commands read the zone and the digest spec as serve does, and
// a bad value is a usage error that names it, before the library is opened.
func TestDigest_BadZoneOrSpecNamesTheValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"VILLI_TZ", map[string]string{"VILLI_TZ": "Mars/Olympus"}, []string{"digest", "--dry-run"}, `VILLI_TZ: unknown time zone "Mars/Olympus"`},
		{"-tz", nil, []string{"digest", "--dry-run", "-tz", "Europe/Atlantis"}, `-tz: unknown time zone "Europe/Atlantis"`},
		{"VILLI_DIGEST_SPEC", map[string]string{"VILLI_DIGEST_SPEC": "0 7 *"}, []string{"subscription", "list"}, `VILLI_DIGEST_SPEC: schedule "0 7 *"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "never-created")
			var out, errb bytes.Buffer
			e := Env{Getenv: func(k string) string {
				if k == "VILLI_DATA" {
					return data
				}
				return tc.env[k]
			}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
			code := Run(context.Background(), tc.args, e)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("villi %s: exit %d, stderr %q; want 2 mentioning %q", strings.Join(tc.args, " "), code, errb.String(), tc.want)
			}
			if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the data directory was created (%v): the bad value should stop the command first", err)
			}
		})
	}
}

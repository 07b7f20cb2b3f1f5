package cli

import (
	"strings"
	"testing"

	"villi/internal/fixture"
)

func TestSubscriptionAndDigest_EndToEnd(t *testing.T) {
	data := t.TempDir()
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

package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"villi/internal/fixture"
)

// villi search takes PubMed's filters as the page and the API do: each
// narrows to the count its facet gave, and an unknown value is named.
func TestSearch_FilterFlagsNarrowToTheFacetCounts(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", fixture.Path(t, "p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	type result struct {
		Total  uint64 `json:"total"`
		Facets map[string][]struct {
			Value string `json:"value"`
			Count uint64 `json:"count"`
		} `json:"facets"`
	}
	search := func(args ...string) result {
		t.Helper()
		out, errs, code := run(t, data, append([]string{"search", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("search %v: exit %d: %s", args, code, errs)
		}
		var r result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	all := search("--from", "1000")
	count := func(facet, v string) uint64 {
		for _, fc := range all.Facets[facet] {
			if fc.Value == v {
				return fc.Count
			}
		}
		return 0
	}
	for _, tc := range []struct {
		flag, value, facet string
	}{
		{"--language", "chi", "language"},
		{"--age", "aged", "age"},
		{"--article-type", "review", "article_type"},
	} {
		want := count(tc.facet, tc.value)
		if want == 0 {
			t.Fatalf("fixture has no %s=%s", tc.facet, tc.value)
		}
		if got := search(tc.flag, tc.value).Total; got != want {
			t.Errorf("%s %s: %d records, facet counted %d", tc.flag, tc.value, got, want)
		}
	}
	_, errs, code := run(t, data, "search", "--article-type", "blog", "gluten")
	if code == 0 || !strings.Contains(errs, `unknown article type "blog"`) {
		t.Errorf("--article-type blog: exit %d, stderr %q; want a usage error naming it", code, errs)
	}
}

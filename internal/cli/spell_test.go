package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"villi/internal/fixture"
)

func TestSearch_SpellingCorrection(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}

	out, errs, code := run(t, data, "search", "canser")
	if code != 0 {
		t.Fatalf("search exit %d: %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	if lines[0] != "Showing results for cancer. Search instead for canser with --nocorrect." ||
		!strings.Contains(lines[1], "(searched as: cancer)") || strings.HasPrefix(lines[1], "0 ") {
		t.Errorf("search canser printed:\n%s\nwant the correction, then cancer's results", out)
	}

	out, _, _ = run(t, data, "search", "--json", "canser")
	var res struct {
		Total         uint64 `json:"total"`
		SearchedAs    string `json:"searched_as"`
		CorrectedFrom string `json:"corrected_from"`
		Corrected     string `json:"corrected"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	if res.CorrectedFrom != "canser" || res.Corrected != "cancer" || res.SearchedAs != "cancer" || res.Total == 0 {
		t.Errorf("search --json canser = %+v; want corrected from canser to cancer, with its hits", res)
	}

	out, _, code = run(t, data, "search", "--nocorrect", "canser")
	if code != 0 || !strings.HasPrefix(out, "0 results (searched as: canser)") {
		t.Errorf("search --nocorrect canser: exit %d, printed %q; want canser's 0 results", code, out)
	}
}

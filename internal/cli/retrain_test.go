package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/learn"
)

// serve retrains the learned tagger after a crawl that brought at least
// VILLI_RETRAIN_AFTER newly indexed records, and not after one that brought
// fewer: the first crawl of an empty library brings every indexed record
// of the fixture the query matches, so the threshold is set at exactly
// that count, then one above it.
func TestServe_RetrainsAfterACrawlThatBroughtEnoughIndexedRecords(t *testing.T) {
	const efetch = "mattgrayson__pubmed/example-data__efetch.xml"
	fake := fakeeutils.New(fakeeutils.Config{})
	if err := fake.LoadFile(fixture.Path(t, efetch)); err != nil {
		t.Fatal(err)
	}
	matched := fake.Match("cancer", "", "", "")
	indexed := 0
	for _, a := range pubmedtest.Articles(t, fixture.Path(t, efetch)) {
		if slices.Contains(matched, a.PMID) && learn.Indexed(a) {
			indexed++
		}
	}
	if indexed == 0 {
		t.Fatal("no indexed record matches the test query")
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("cancer: cancer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		after   int
		retrain bool
	}{
		{"at the threshold", indexed, true},
		{"one below it", indexed + 1, false},
		{"off", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, logs, _, _ := startServe(t, t.TempDir(), map[string]string{
				"VILLI_PUBLIC":        "true",
				"VILLI_EUTILS_URL":    srv.URL + "/entrez/eutils/",
				"VILLI_NCBI_EMAIL":    "test@example.org",
				"VILLI_QUERIES":       queries,
				"VILLI_RETRAIN_AFTER": strconv.Itoa(tc.after),
			})
			run := waitForCrawl(t, base, logs)
			if run.Err != "" || run.NewlyIndexed != indexed {
				t.Fatalf("crawl: newly indexed %d, error %q; want %d and none", run.NewlyIndexed, run.Err, indexed)
			}
			want := "learned tagger not retrained"
			switch {
			case tc.retrain:
				want = "learned tagger retrained"
			case tc.after == 0:
				want = "crawl done"
			}
			waitForLog(t, logs, want)
			st := statusOf(t, base)
			if got := st.Model != nil; got != tc.retrain {
				t.Errorf("status has a model: %v, want %v\n%s", got, tc.retrain, logs.String())
			}
			if tc.retrain && st.Model.Records != indexed {
				t.Errorf("model trained on %d records, want the %d indexed", st.Model.Records, indexed)
			}
			if !tc.retrain && strings.Contains(logs.String(), "retraining after the crawl") {
				t.Errorf("retrain queued below the threshold:\n%s", logs.String())
			}
		})
	}
}

func waitForLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within 60 s:\n%s", want, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

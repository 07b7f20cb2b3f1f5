package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/store"
)

// runCrawlEnv runs villi with the given environment.
func runCrawlEnv(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	code = Run(context.Background(), args, e)
	return out.String(), errb.String(), code
}

// crawlSetup serves 50 real efetch records from a fake E-utilities server
// and writes a saved-query file of two queries over them.
func crawlSetup(t *testing.T) (srv *fakeeutils.Server, env map[string]string, queries string) {
	t.Helper()
	srv = fakeeutils.New(fakeeutils.Config{Seed: 1})
	if err := srv.LoadFile(fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	queries = filepath.Join(dir, "queries.txt")
	if err := os.WriteFile(queries, []byte("# test set\nhumans: humans[mh]\nrats: rats[mh]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env = map[string]string{
		"VILLI_DATA":       filepath.Join(dir, "data"),
		"VILLI_EUTILS_URL": hs.URL + "/entrez/eutils/",
		"VILLI_NCBI_EMAIL": "cli-test@example.org",
		"VILLI_QUERIES":    queries,
	}
	return srv, env, queries
}

func TestCrawl_DryRunThenCrawl(t *testing.T) {
	srv, env, _ := crawlSetup(t)
	humans, rats := srv.Count("humans[mh]", "", "", ""), srv.Count("rats[mh]", "", "", "")
	if humans == 0 || rats == 0 {
		t.Fatalf("fixture matches %d humans, %d rats", humans, rats)
	}

	out, errs, code := runCrawlEnv(t, env, "crawl", "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"humans                               total " + strconv.Itoa(humans), "rats                                 total " + strconv.Itoa(rats)} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	for _, r := range srv.Requests() {
		if r.Endpoint != "esearch" {
			t.Errorf("dry run made an %s request", r.Endpoint)
		}
	}

	out, errs, code = runCrawlEnv(t, env, "crawl", "--query", "rats")
	if code != 0 {
		t.Fatalf("crawl: exit %d, stderr %q", code, errs)
	}
	if want := "crawl: 1 window; " + strconv.Itoa(rats) + " added"; !strings.HasPrefix(out, want) {
		t.Errorf("crawl printed %q, want it to start %q", out, want)
	}
	if !strings.Contains(errs, "crawl [1/1] rats: done") {
		t.Errorf("no progress lines on a non-terminal: %q", errs)
	}
	st, err := store.Open(filepath.Join(env["VILLI_DATA"], "villi.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := st.Count()
	runs, _ := st.Runs("crawl", 5)
	st.Close()
	if n != rats || len(runs) != 1 || runs[0].Added != rats {
		t.Errorf("store holds %d records and runs %+v, want %d", n, runs, rats)
	}

	out, _, code = runCrawlEnv(t, env, "crawl", "--list")
	if code != 0 || !strings.Contains(out, "rats") || !strings.Contains(out, "crawled through") || !strings.Contains(out, "never crawled") {
		t.Errorf("--list: exit %d\n%s", code, out)
	}
}

func TestCrawl_BadInputIsExplained(t *testing.T) {
	_, env, queries := crawlSetup(t)
	bad := filepath.Join(filepath.Dir(queries), "bad.txt")
	os.WriteFile(bad, []byte("ok: celiac\nbroken line without colon\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"bad since", []string{"crawl", "--since", "2024/01/01"}, nil, 2, `--since "2024/01/01": want a date as YYYY-MM-DD`},
		{"unknown query", []string{"crawl", "--query", "zonulin/celiac"}, nil, 2, `no saved query named "zonulin/celiac" (saved: humans, rats)`},
		{"bad queries file", []string{"crawl", "--queries", bad}, nil, 1, "bad.txt: line 2: want `name: PubMed query`"},
		{"stray argument", []string{"crawl", "celiac"}, nil, 2, `unexpected argument "celiac"`},
		{"unreachable", []string{"crawl", "--retries", "0"}, map[string]string{"VILLI_EUTILS_URL": "http://127.0.0.1:1/entrez/eutils/"}, 1,
			"PubMed could not be reached at http://127.0.0.1:1/entrez/eutils/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range tc.env {
				e[k] = v
			}
			_, errs, code := runCrawlEnv(t, e, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
			if tc.name == "unreachable" && !strings.Contains(errs, "villi import") {
				t.Errorf("unreachable PubMed: no hint to import files instead: %q", errs)
			}
		})
	}
}

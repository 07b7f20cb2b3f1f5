package cli

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"villi/crawler"
	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
	"villi/store"
)

const efetchFixture = "mattgrayson__pubmed/example-data__efetch.xml"

// fetchFake serves the efetch fixture's records with faults, and returns
// the environment of a fresh data directory that fetches from it, and two
// of its records: one with a DOI, one other.
func fetchFake(t *testing.T, faults fakeeutils.Faults) (env map[string]string, srv *fakeeutils.Server, withDOI, other *pubmed.Article) {
	t.Helper()
	items := pubmedtest.Items(t, fixture.Path(t, efetchFixture))
	srv = fakeeutils.New(fakeeutils.Config{Faults: faults})
	srv.Add(items...)
	for _, it := range items {
		a := it.Article
		switch {
		case a == nil:
		case withDOI == nil && a.IDs.DOI != "":
			if _, doi, err := crawler.ParseID(a.IDs.DOI); err == nil && doi != "" {
				withDOI = a
			}
		case other == nil:
			other = a
		}
	}
	if withDOI == nil || other == nil {
		t.Fatal("the fixture lacks a record with a DOI and another")
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	env = map[string]string{
		"VILLI_DATA":       filepath.Join(t.TempDir(), "data"),
		"VILLI_EUTILS_URL": hs.URL + "/entrez/eutils/",
		"VILLI_NCBI_EMAIL": "cli-test@example.org",
	}
	return env, srv, withDOI, other
}

func TestFetch_AddsReportsEachAndExitsNonZeroOnAMiss(t *testing.T) {
	env, _, withDOI, other := fetchFake(t, fakeeutils.Faults{})
	pmid := strconv.FormatUint(other.PMID, 10)
	doi := "https://doi.org/" + withDOI.IDs.DOI

	out, errs, code := runCrawlEnv(t, env, "fetch", pmid, doi, "39999999")
	for _, want := range []string{
		pmid + ": added — " + other.Title,
		doi + ": added as PMID " + strconv.FormatUint(withDOI.PMID, 10),
		"39999999: not found in PubMed",
		"fetch: 2 added, 0 already in the library, 1 not found, 2 requests, 0 retries",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || !strings.Contains(errs, "1 of 3 not in the library") {
		t.Errorf("exit %d, stderr %q; want 1 naming the miss", code, errs)
	}

	out, errs, code = runCrawlEnv(t, env, "fetch", pmid)
	if code != 0 || !strings.Contains(out, pmid+": already in the library — "+other.Title) {
		t.Errorf("again: exit %d, stdout %q, stderr %q; want 0, already in the library", code, out, errs)
	}
	// Found by search, with its tags, like any crawled record.
	if n := searchTotal(t, env["VILLI_DATA"], pmid+"[pmid]"); n != 1 {
		t.Errorf("search %s[pmid] finds %d, want 1", pmid, n)
	}
	runs := lastRuns(t, env["VILLI_DATA"])
	if len(runs) == 0 || runs[0].Kind != store.RunFetch || runs[0].Added != 2 || len(runs[0].Failing) != 1 {
		t.Errorf("runs %+v; want the fetch recorded, 2 added, the miss listed", runs)
	}

	_, errs, code = runCrawlEnv(t, env, "show", "39999999")
	if code != 1 || !strings.Contains(errs, "villi fetch 39999999") || !strings.Contains(errs, "https://pubmed.ncbi.nlm.nih.gov/39999999/") {
		t.Errorf("show of an unknown PMID: exit %d, stderr %q; want how to fetch it and its PubMed link", code, errs)
	}
	_, errs, code = runCrawlEnv(t, env, "fetch", pmid, "zonulin")
	if code != 2 || !strings.Contains(errs, `"zonulin" is neither a PMID`) {
		t.Errorf("fetch zonulin: exit %d, stderr %q; want a usage error naming it", code, errs)
	}
}

func TestFetch_FailuresSayWhy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/entrez/eutils/"
	ln.Close()
	cut := []fakeeutils.Fault{fakeeutils.FaultCut, fakeeutils.FaultCut}
	for _, tc := range []struct {
		name   string
		faults fakeeutils.Faults
		base   string
		says   []string
	}{
		{"5xx until giving up", fakeeutils.Faults{Rate500: 1}, "", []string{"failed: efetch of PMID", "failed after 2 attempts", "HTTP 500"}},
		{"cut XML", fakeeutils.Faults{Script: cut}, "", []string{"failed: efetch of PMID", "cut or unparsable"}},
		{"unreachable", fakeeutils.Faults{}, closed, []string{"cannot reach the PubMed E-utilities server", "PubMed could not be reached"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _, _, a := fetchFake(t, tc.faults)
			if tc.base != "" {
				env["VILLI_EUTILS_URL"] = tc.base
			}
			out, errs, code := runCrawlEnv(t, env, "fetch", "--retries", "1", strconv.FormatUint(a.PMID, 10))
			for _, want := range tc.says {
				if !strings.Contains(out+errs, want) {
					t.Errorf("output lacks %q:\nstdout %s\nstderr %s", want, out, errs)
				}
			}
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if _, err := os.Stat(env["VILLI_DATA"]); err == nil && countRecords(t, env["VILLI_DATA"]) != 0 {
				t.Errorf("records stored after a failed fetch")
			}
		})
	}
}

// While serve runs, villi fetch goes through its control socket: serve
// fetches with its own crawler (its E-utilities and rate limiter).
func TestFetch_WhileServeRunsServeFetches(t *testing.T) {
	env, srv, _, a := fetchFake(t, fakeeutils.Faults{})
	data := env["VILLI_DATA"]
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("none: xyzzynothing[ti]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env["VILLI_QUERIES"], env["VILLI_PUBLIC"] = queries, "true"
	seedUsers(t, data, "ada@example.org")
	base, logs, cancel, wait := startServe(t, data, env)

	pmid := strconv.FormatUint(a.PMID, 10)
	// This process's own E-utilities setting is a dead end: only serve's works.
	here := map[string]string{"VILLI_DATA": data, "VILLI_EUTILS_URL": "http://127.0.0.1:9/entrez/eutils/"}
	out, errs, code := runCrawlEnv(t, here, "fetch", pmid)
	if code != 0 || !strings.Contains(out, pmid+": added") || !strings.Contains(errs, "villi serve runs on this data directory") {
		t.Fatalf("fetch while serving: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	fetched := false
	for _, r := range srv.Requests() {
		fetched = fetched || (r.Endpoint == "efetch" && r.Params.Get("id") == pmid)
	}
	if !fetched {
		t.Errorf("serve's E-utilities never saw the efetch of %s", pmid)
	}

	// The article page's button fetches through serve's crawler too.
	var second *pubmed.Article
	for _, it := range pubmedtest.Items(t, fixture.Path(t, efetchFixture)) {
		if it.Article != nil && it.Article.PMID != a.PMID {
			second = it.Article
			break
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {"ada@example.org"}, "password": {"seed password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := "/articles/" + strconv.FormatUint(second.PMID, 10)
	resp, err = c.PostForm(base+page+"/fetch", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Errorf("POST %s/fetch: status %d, Location %q; want a redirect to the article", page, resp.StatusCode, resp.Header.Get("Location"))
	}

	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, logs.String())
	}
	for _, p := range []uint64{a.PMID, second.PMID} {
		if n := searchTotal(t, data, strconv.FormatUint(p, 10)+"[pmid]"); n != 1 {
			t.Errorf("after serve stopped, search finds %d for %d, want 1", n, p)
		}
	}
	if !strings.Contains(logs.String(), "control: fetch") {
		t.Errorf("serve's log does not record the fetch:\n%s", logs.String())
	}
}

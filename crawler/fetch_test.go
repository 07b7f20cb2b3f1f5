package crawler

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"villi/internal/fakeeutils"
	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// withDOI returns n test records that carry a DOI and a condition tag
// (so that search by condition can find them).
func withDOI(t *testing.T, items []pubmed.Item, n int) []*pubmed.Article {
	t.Helper()
	var out []*pubmed.Article
	for _, it := range items {
		if a := it.Article; a != nil && isDOI(a.IDs.DOI) {
			out = append(out, a)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("fewer than %d test records have a DOI", n)
	return nil
}

func statuses(rep FetchReport) []string {
	var out []string
	for _, r := range rep.Results {
		s := r.ID + "=" + string(r.Status)
		if r.Cause != "" {
			s += "/" + string(r.Cause)
		}
		out = append(out, s)
	}
	return out
}

func TestFetch_PMIDAndDOIAreStoredTaggedIndexedAndRecorded(t *testing.T) {
	items := testItems(t)
	srv, base := fake(t, fakeeutils.Config{Seed: 1}, items)
	arts := withDOI(t, items, 2)
	byPMID, byDOI := arts[0], arts[1]
	lib := openLib(t, t.TempDir())
	c := newCrawler(t, fastConfig(base), lib)

	ids := []string{strconv.FormatUint(byPMID.PMID, 10), "https://doi.org/" + strings.ToUpper(byDOI.IDs.DOI), "99999999", "10.9999/no-such-record"}
	rep, err := c.Fetch(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[0] + "=added", ids[1] + "=added", ids[2] + "=not_found", ids[3] + "=not_found"}
	if got := statuses(rep); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("results %v, want %v", got, want)
	}
	if rep.Results[1].PMID != byDOI.PMID || rep.Results[0].Title != byPMID.Title {
		t.Errorf("results %+v: want the DOI resolved to PMID %d and titles given", rep.Results, byDOI.PMID)
	}
	if rep.Missed() != 2 {
		t.Errorf("Missed = %d, want 2", rep.Missed())
	}

	// Stored as a crawl stores them: the same record, tags and all, as
	// the one library.Ingest makes of the same efetch answer.
	ref := openLib(t, t.TempDir())
	for _, a := range arts {
		var src pubmed.Item
		for _, it := range items {
			if it.Article != nil && it.Article.PMID == a.PMID {
				src = it
			}
		}
		if _, err := ref.Ingest(context.Background(), []pubmed.Item{src}); err != nil {
			t.Fatal(err)
		}
		got, err := lib.Record(a.PMID)
		if err != nil {
			t.Fatalf("PMID %d not stored: %v", a.PMID, err)
		}
		wantRec, _ := ref.Record(a.PMID)
		if g, w := recordJSON(t, got), recordJSON(t, wantRec); g != w {
			t.Errorf("PMID %d stored as\n%s\nwant as ingested\n%s", a.PMID, g, w)
		}
		if len(got.Tags.Conditions) == 0 && got.Tags.Evidence == "" {
			t.Errorf("PMID %d stored untagged: %+v", a.PMID, got.Tags)
		}
		// Found by search, also through its tags.
		req := library.Request{Q: strconv.FormatUint(a.PMID, 10) + "[pmid]", Conditions: got.Tags.Conditions, Evidence: []string{got.Tags.Evidence}}
		res, err := lib.Search(context.Background(), req)
		if err != nil || res.Total != 1 || res.Hits[0].PMID != a.PMID {
			t.Errorf("search %+v: %v hits (err %v), want PMID %d", req, res, err, a.PMID)
		}
	}

	runs, err := lib.Runs(store.RunFetch, 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("fetch runs = %v (err %v), want one", runs, err)
	}
	r := runs[0]
	if r.Added != 2 || r.Running() || r.Requests != len(srv.Requests()) || r.Requests != 3 || r.Query != strings.Join(ids, " ") || len(r.Failing) != 2 || r.Err != "" {
		t.Errorf("run = %+v, want 2 added, 3 requests (2 esearch, 1 efetch) as the server saw %d, the ids as query, 2 not found", r, len(srv.Requests()))
	}

	// Again: all held (DOIs found in the library's own index), nothing asked.
	srv.ResetRequests()
	rep, err = c.Fetch(context.Background(), ids[:2])
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep); got[0] != ids[0]+"=present" || got[1] != ids[1]+"=present" || rep.Results[1].PMID != byDOI.PMID {
		t.Errorf("second fetch: %v (%+v), want both present", got, rep.Results)
	}
	if n := len(srv.Requests()); n != 0 || rep.Run.ID != 0 {
		t.Errorf("second fetch sent %d requests and recorded run %d; want none", n, rep.Run.ID)
	}
}

func recordJSON(t *testing.T, r store.Record) string {
	t.Helper()
	r.Added, r.Updated, r.Seq = time.Time{}, time.Time{}, 0
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFetch_NotAnIdentifierFailsWithoutARequest(t *testing.T) {
	srv, base := fake(t, fakeeutils.Config{}, nil)
	c := newCrawler(t, fastConfig(base), openLib(t, t.TempDir()))
	rep, err := c.Fetch(context.Background(), []string{"zonulin", "0", "10.12/x", "10.1038/has space"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Status != FetchFailed || r.Cause != CauseInput || !strings.Contains(r.Reason, "neither a PMID") {
			t.Errorf("%q: %+v, want failed as input naming what a PMID and a DOI look like", r.ID, r)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for no identifier", n)
	}
}

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pmid uint64
		doi  string
	}{
		{"25911600", 25911600, ""},
		{" PMID: 25911600 ", 25911600, ""},
		{"https://pubmed.ncbi.nlm.nih.gov/25911600/", 25911600, ""},
		{"10.1038/nature12373", 0, "10.1038/nature12373"},
		{"doi:10.1016/S0140-6736(20)30183-5", 0, "10.1016/S0140-6736(20)30183-5"},
		{"https://doi.org/10.1093/Ajcn%2Fnqab001", 0, "10.1093/Ajcn/nqab001"},
		{"DOI:10.1000/ABC", 0, "10.1000/ABC"},
	} {
		pmid, doi, err := ParseID(tc.in)
		if err != nil || pmid != tc.pmid || doi != tc.doi {
			t.Errorf("ParseID(%q) = %d, %q, %v; want %d, %q", tc.in, pmid, doi, err, tc.pmid, tc.doi)
		}
	}
}

func TestFetch_RetriesA429ThenStores(t *testing.T) {
	items := testItems(t)
	a := withDOI(t, items, 1)[0]
	srv, base := fake(t, fakeeutils.Config{Faults: fakeeutils.Faults{RetryAfter: -1,
		Script: []fakeeutils.Fault{fakeeutils.Fault429, fakeeutils.Fault502}}}, items)
	lib := openLib(t, t.TempDir())
	c := newCrawler(t, fastConfig(base), lib)
	rep, err := c.Fetch(context.Background(), []string{a.IDs.DOI})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep); got[0] != a.IDs.DOI+"=added" {
		t.Fatalf("results %v, want added after the 429 and the 502", got)
	}
	if ok, _ := lib.Has(a.PMID); !ok {
		t.Errorf("PMID %d not stored", a.PMID)
	}
	if rep.Run.Retries != 2 || rep.Run.Requests != 4 || len(srv.Requests()) != 4 {
		t.Errorf("run counted %d requests, %d retries (server saw %d); want 4 and 2", rep.Run.Requests, rep.Run.Retries, len(srv.Requests()))
	}
}

func TestFetch_GivesUpOn5xxSayingSoAndStoresNothing(t *testing.T) {
	items := testItems(t)
	a := items[0].Article
	_, base := fake(t, fakeeutils.Config{Faults: fakeeutils.Faults{Rate503: 1}}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base)
	cfg.MaxRetries = 2
	c := newCrawler(t, cfg, lib)
	id := strconv.FormatUint(a.PMID, 10)
	rep, err := c.Fetch(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Status != FetchFailed || r.Cause != CausePubMed || !strings.Contains(r.Reason, "failed after 3 attempts") || !strings.Contains(r.Reason, "HTTP 503") {
		t.Errorf("result %+v, want failed by PubMed after 3 attempts naming HTTP 503", r)
	}
	if n, _ := lib.Count(); n != 0 {
		t.Errorf("library holds %d records, want none", n)
	}
	if rep.Run.Err == "" || rep.Run.Requests != 3 || len(rep.Run.Failing) != 1 {
		t.Errorf("run %+v, want its error and 3 requests recorded", rep.Run)
	}
}

func TestFetch_UnreadableAnswerStoresNothing(t *testing.T) {
	items := testItems(t)
	good := items[0].Article
	const broken = 39999999
	cut := fmt.Sprintf(`<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">%d</PMID><Article><ArticleTitle>A record cut off`, broken)
	for _, tc := range []struct {
		name   string
		faults fakeeutils.Faults
		ids    []uint64
	}{
		// The HTTP exchange is whole; the XML stops in a record, every time.
		{"cut body", fakeeutils.Faults{Script: []fakeeutils.Fault{fakeeutils.FaultCut, fakeeutils.FaultCut, fakeeutils.FaultCut}}, []uint64{good.PMID}},
		// PubMed serves a record that is not well-formed, beside a good one.
		{"malformed record", fakeeutils.Faults{}, []uint64{good.PMID, broken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeeutils.New(fakeeutils.Config{Faults: tc.faults})
			srv.Add(items...)
			srv.Add(pubmed.Item{Article: &pubmed.Article{PMID: broken}, Source: []byte(cut)})
			lib := openLib(t, t.TempDir())
			cfg := fastConfig(serve(t, srv))
			cfg.MaxRetries = 2
			c := newCrawler(t, cfg, lib)
			var ids []string
			for _, id := range tc.ids {
				ids = append(ids, strconv.FormatUint(id, 10))
			}
			rep, err := c.Fetch(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Results {
				if r.Status != FetchFailed || r.Cause != CauseUnreadable || !strings.Contains(r.Reason, "cut or unparsable") {
					t.Errorf("%s: %+v, want failed as unreadable", r.ID, r)
				}
			}
			if n, _ := lib.Count(); n != 0 {
				t.Errorf("library holds %d records, want none", n)
			}
		})
	}
}

func TestFetch_UnreachablePubMedSaysSo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nobody listens on
	lib := openLib(t, t.TempDir())
	cfg := fastConfig("http://" + addr + "/entrez/eutils/")
	cfg.MaxRetries = 1
	c := newCrawler(t, cfg, lib)
	rep, err := c.Fetch(context.Background(), []string{"25911600", "10.1038/nature12373"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Status != FetchFailed || r.Cause != CauseUnreachable {
			t.Errorf("%s: %+v, want failed as unreachable", r.ID, r)
		}
	}
	if rep.Run.Err == "" || rep.Run.Running() {
		t.Errorf("run %+v, want it ended with the error", rep.Run)
	}
}

// A fetch goes through the crawl's client: crawl and fetches together stay
// within NCBI's limit as NCBI counts it, per API key.
func TestFetch_SharesTheCrawlsRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs at NCBI's real rate for seconds; skipped in -short")
	}
	items := testItems(t)
	srv, base := fake(t, fakeeutils.Config{Faults: fakeeutils.Faults{EnforceRate: true}}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qZonulin)
	cfg.Rate, cfg.APIKey, cfg.BatchSize, cfg.MaxRetries = 0, "shared-key", 25, -1
	c := newCrawler(t, cfg, lib)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := c.Run(context.Background(), RunOptions{}); err != nil {
			t.Errorf("crawl: %v", err)
		}
	})
	for _, it := range items[len(items)-12:] {
		wg.Go(func() {
			rep, err := c.Fetch(context.Background(), []string{strconv.FormatUint(it.Article.PMID, 10)})
			if r := rep.Results[0]; err != nil || r.Status == FetchFailed {
				t.Errorf("fetch %s: %+v, %v", r.ID, r, err)
			}
		})
	}
	wg.Wait()
	log := srv.Requests()
	worst := 0
	for i := range log {
		n := 0
		for j := i; j < len(log) && log[j].Time.Sub(log[i].Time) < time.Second; j++ {
			n++
		}
		worst = max(worst, n)
	}
	t.Logf("%d requests, at most %d in one second", len(log), worst)
	for _, r := range log {
		if r.Fault == fakeeutils.FaultRateLimit {
			t.Fatalf("NCBI's rate check refused a request at %v: crawl and fetches together went over %d/s", r.Time, LimitWithKey)
		}
	}
	if worst > LimitWithKey {
		t.Errorf("%d requests within one second, limit %d", worst, LimitWithKey)
	}
}

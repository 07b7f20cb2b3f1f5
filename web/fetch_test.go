package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"villi/crawler"
	"villi/internal/fakeeutils"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// notHeld holds topical records past the first few, which newLibrary(t, 5)
// does not hold: what the fake PubMed serves for fetching.
var notHeld struct {
	once  sync.Once
	items []pubmed.Item
}

func pubmedItems(t *testing.T) []pubmed.Item {
	t.Helper()
	notHeld.once.Do(func() {
		notHeld.items = pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))[100:130]
	})
	return notHeld.items
}

// fetchSetup serves a private library of 5 records with a crawler on a fake
// PubMed holding other records, with the faults given, at base (a fake's
// when ""), and returns the site and a browser logged in as user.
func fetchSetup(t *testing.T, faults fakeeutils.Faults, base string) (*httptest.Server, *http.Client, *library.Library, *fakeeutils.Server) {
	t.Helper()
	lib := newLibrary(t, 5)
	fake := fakeeutils.New(fakeeutils.Config{Faults: faults})
	fake.Add(pubmedItems(t)...)
	if base == "" {
		hs := httptest.NewServer(fake)
		t.Cleanup(hs.Close)
		base = hs.URL + "/entrez/eutils/"
	}
	c, err := crawler.New(crawler.Config{BaseURL: base, Rate: 50, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond,
		MaxRetries: 2, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}, lib)
	if err != nil {
		t.Fatal(err)
	}
	const user = "fetcher@example.org"
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, user, "other@example.org"), Crawler: c})
	b := browserClient(t)
	login(t, b, srv.URL, user)
	return srv, b, lib, fake
}

// post posts an empty form as a same-origin browser and returns the answer.
func post(t *testing.T, c *http.Client, srv, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv+path, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFetch_UnknownArticleOffersPubMedThenOneClickAddsIt(t *testing.T) {
	srv, b, lib, fake := fetchSetup(t, fakeeutils.Faults{}, "")
	a := pubmedItems(t)[3].Article
	id := strconv.FormatUint(a.PMID, 10)
	page, pubmedURL := "/articles/"+id, "https://pubmed.ncbi.nlm.nih.gov/"+id+"/"

	resp, body := fetch(t, browserClient(t), srv.URL, page)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "is not in this library") || !strings.Contains(body, pubmedURL) ||
		!strings.Contains(body, "/login?next=") || strings.Contains(body, `action="/articles/`+id+`/fetch"`) {
		t.Errorf("visitor: status %d; want 404 saying so, linking PubMed and the login, no fetch button:\n%s", resp.StatusCode, body)
	}
	resp, body = fetch(t, b, srv.URL, page)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `action="/articles/`+id+`/fetch"`) || !strings.Contains(body, "Fetch from PubMed") {
		t.Errorf("logged in: status %d; want 404 with the fetch button:\n%s", resp.StatusCode, body)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("viewing the page sent %d requests to PubMed; want none before the click", n)
	}

	resp, body = post(t, b, srv.URL, page+"/fetch")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("fetch: status %d, Location %q; want a redirect to the article:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = fetch(t, b, srv.URL, page)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "is not in this library") {
		t.Errorf("article after the fetch: status %d; want the article", resp.StatusCode)
	}
	rec, err := lib.Record(a.PMID)
	if err != nil {
		t.Fatal(err)
	}
	// Searchable, with its tags, as crawled records are.
	q := "/api/v1/search?q=" + id + "%5Bpmid%5D&evidence=" + rec.Tags.Evidence
	for _, c := range rec.Tags.Conditions {
		q += "&condition=" + c
	}
	_, js := fetch(t, b, srv.URL, q)
	var res struct {
		Total int
		Hits  []struct {
			PMID       uint64
			Conditions []string
			Evidence   string
		}
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil || res.Total != 1 || res.Hits[0].PMID != a.PMID || res.Hits[0].Evidence == "" {
		t.Errorf("search %s: %s (err %v); want the fetched record with its tags", q, js, err)
	}
	runs, _ := lib.Runs(store.RunFetch, 5)
	if len(runs) != 1 || runs[0].Added != 1 || runs[0].Query != id {
		t.Errorf("fetch runs %+v, want one that added PMID %s", runs, id)
	}
	// A second click on a stale page goes to the article, asking PubMed nothing.
	n := len(fake.Requests())
	if resp, _ := post(t, b, srv.URL, page+"/fetch"); resp.StatusCode != http.StatusSeeOther || len(fake.Requests()) != n {
		t.Errorf("fetching a held record: status %d, %d more requests; want a redirect and none", resp.StatusCode, len(fake.Requests())-n)
	}
}

func TestFetch_PageSaysPlainlyWhyNot(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/entrez/eutils/"
	ln.Close()
	known := pubmedItems(t)[0].Article.PMID
	for _, tc := range []struct {
		name   string
		faults fakeeutils.Faults
		base   string
		pmid   uint64
		code   int
		says   string
	}{
		{"unknown to PubMed", fakeeutils.Faults{}, "", 39999998, http.StatusNotFound, "PubMed has no record with PMID 39999998 either"},
		{"5xx until villi gives up", fakeeutils.Faults{Rate503: 1}, "", known, http.StatusBadGateway, "PubMed answered with errors"},
		{"cut XML", fakeeutils.Faults{Script: []fakeeutils.Fault{fakeeutils.FaultCut, fakeeutils.FaultCut, fakeeutils.FaultCut}}, "", known, http.StatusBadGateway, "could not be read"},
		{"unreachable", fakeeutils.Faults{}, closed, known, http.StatusServiceUnavailable, "could not be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, b, lib, _ := fetchSetup(t, tc.faults, tc.base)
			id := strconv.FormatUint(tc.pmid, 10)
			resp, body := post(t, b, srv.URL, "/articles/"+id+"/fetch")
			if resp.StatusCode != tc.code || !strings.Contains(body, tc.says) || !strings.Contains(body, "https://pubmed.ncbi.nlm.nih.gov/"+id+"/") {
				t.Errorf("status %d; want %d saying %q and linking PubMed:\n%s", resp.StatusCode, tc.code, tc.says, body)
			}
			if strings.Contains(body, "efetch.fcgi") {
				t.Errorf("the page shows PubMed's raw error text (it may echo the API key):\n%s", body)
			}
			if ok, _ := lib.Has(tc.pmid); ok {
				t.Errorf("PMID %d stored after a failed fetch", tc.pmid)
			}
		})
	}
	t.Run("429 then success", func(t *testing.T) {
		srv, b, lib, _ := fetchSetup(t, fakeeutils.Faults{RetryAfter: -1, Script: []fakeeutils.Fault{fakeeutils.Fault429}}, "")
		if resp, body := post(t, b, srv.URL, "/articles/"+strconv.FormatUint(known, 10)+"/fetch"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("status %d, want a redirect to the article:\n%s", resp.StatusCode, body)
		}
		if ok, _ := lib.Has(known); !ok {
			t.Errorf("PMID %d not stored", known)
		}
	})
}

func TestFetch_RateLimitedPerUser(t *testing.T) {
	srv, b, _, _ := fetchSetup(t, fakeeutils.Faults{}, "")
	for i := range fetchBurst {
		if resp, _ := post(t, b, srv.URL, "/articles/"+strconv.Itoa(39990000+i)+"/fetch"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("fetch %d: status %d, want 404 (not in PubMed)", i+1, resp.StatusCode)
		}
	}
	resp, body := post(t, b, srv.URL, "/articles/39989999/fetch")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Try again in") {
		t.Errorf("fetch %d: status %d, Retry-After %q; want 429 saying when:\n%s", fetchBurst+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	other := browserClient(t)
	login(t, other, srv.URL, "other@example.org")
	if resp, _ := post(t, other, srv.URL, "/articles/39989999/fetch"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user: status %d, want their own allowance (404, not in PubMed)", resp.StatusCode)
	}
}

func TestFetch_WithoutACrawlerNoButton(t *testing.T) {
	lib := newLibrary(t, 5)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "reader@example.org")})
	b := browserClient(t)
	login(t, b, srv.URL, "reader@example.org")
	if resp, body := fetch(t, b, srv.URL, "/articles/39999997"); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Fetch from PubMed") ||
		!strings.Contains(body, "https://pubmed.ncbi.nlm.nih.gov/39999997/") {
		t.Errorf("status %d; want 404 with PubMed's link and no button:\n%s", resp.StatusCode, body)
	}
	if resp, body := post(t, b, srv.URL, "/articles/39999997/fetch"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not set up to fetch") {
		t.Errorf("POST: status %d; want 503 saying so:\n%s", resp.StatusCode, body)
	}
}

func TestAPIArticle_UnknownPMIDNamesTheWaysToAddIt(t *testing.T) {
	srv := newServer(t, newLibrary(t, 1), Options{})
	resp, body := get(t, srv.URL+"/api/v1/articles/39999996")
	var got missingJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if resp.StatusCode != http.StatusNotFound || got.PMID != 39999996 || got.InLibrary || got.PubMedURL != "https://pubmed.ncbi.nlm.nih.gov/39999996/" ||
		got.Fetch.Method != "POST" || !strings.HasSuffix(got.Fetch.URL, "/articles/39999996/fetch") || got.Fetch.Command != "villi fetch 39999996" ||
		!strings.Contains(got.Error, "not in this library") {
		t.Errorf("status %d, body %s; want 404 naming PubMed, the fetch route and the command", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/articles/x1"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad PMID: status %d, want 400", resp.StatusCode)
	}
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"villi/account"
	"villi/crawler"
)

// Fetches from PubMed per user: each one costs NCBI requests that the
// crawl shares. A person adding the studies a client handed her needs a
// handful at once; a script clicking through PMIDs gets 429s.
const (
	fetchBurst      = 10
	fetchEvery      = 20 * time.Second
	fetchMaxTracked = 10_000
	// defaultFetchTimeout stays below serve's write timeout (60 s), so the
	// page that says PubMed did not answer reaches the browser.
	defaultFetchTimeout = 45 * time.Second
)

// missingPage is article_missing.html's data: a valid PMID the library
// does not hold.
type missingPage struct {
	layout
	Code      int
	PMID      uint64
	PubMedURL string
	// Problem says why a fetch just failed, in plain words; "" before one.
	Problem string
	// CanFetch offers the button: a logged-in user, and a crawler to fetch with.
	CanFetch bool
	// LoginURL, for a visitor where fetching is possible, logs in and comes back.
	LoginURL string
}

func pubMedURL(pmid uint64) string {
	return "https://pubmed.ncbi.nlm.nih.gov/" + strconv.FormatUint(pmid, 10) + "/"
}

// renderMissing shows that pmid is not in the library, with PubMed's link,
// the fetch button where it can work, and what went wrong if a fetch did.
func (s *server) renderMissing(w http.ResponseWriter, r *http.Request, code int, pmid uint64, problem string) {
	d := missingPage{Code: code, PMID: pmid, PubMedURL: pubMedURL(pmid), Problem: problem}
	d.Title, d.TopSearch = fmt.Sprintf("PMID %d is not in this library", pmid), true
	if _, ok := account.CurrentUser(r); ok {
		d.CanFetch = s.crawl != nil
	} else if s.crawl != nil {
		d.LoginURL = "/login?next=" + url.QueryEscape("/articles/"+strconv.FormatUint(pmid, 10))
	}
	s.render(w, r, code, "article_missing", &d)
}

// handleFetch adds a PMID from PubMed through serve's crawler (its rate
// limit, retries and ingest) and shows the article, or says plainly why not.
func (s *server) handleFetch(w http.ResponseWriter, r *http.Request) {
	pmid, err := parsePMID(r.PathValue("pmid"))
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	page := "/articles/" + strconv.FormatUint(pmid, 10)
	if ok, _ := s.lib.Has(pmid); ok {
		http.Redirect(w, r, page, http.StatusSeeOther)
		return
	}
	if s.crawl == nil {
		s.renderMissing(w, r, http.StatusServiceUnavailable, pmid, "This villi is not set up to fetch records from PubMed.")
		return
	}
	if wait := s.fetches.Allow(user(r).Email, time.Now()); wait > 0 {
		secs := int(wait.Seconds())
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.renderMissing(w, r, http.StatusTooManyRequests, pmid,
			fmt.Sprintf("You have fetched many records in a short time. Try again in %s.", plural(secs, "second")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.fetchTimeout)
	defer cancel()
	rep, err := s.crawl.Fetch(ctx, []string{strconv.FormatUint(pmid, 10)})
	if err != nil {
		s.log.Error("fetch: record the run", "pmid", pmid, "err", err)
	}
	res := rep.Results[0]
	if res.Status == crawler.FetchAdded || res.Status == crawler.FetchPresent {
		s.log.Info("fetched from PubMed", "pmid", pmid, "user", user(r).Email, "run", rep.Run.ID)
		http.Redirect(w, r, page, http.StatusSeeOther)
		return
	}
	s.log.Warn("fetch from PubMed failed", "pmid", pmid, "status", res.Status, "cause", res.Cause, "reason", res.Reason)
	code, problem := fetchProblem(res)
	s.renderMissing(w, r, code, pmid, problem)
}

// fetchProblem words a failed or fruitless fetch for the page. PubMed's
// own error text stays in the log: it may echo the API key.
func fetchProblem(res crawler.FetchResult) (int, string) {
	if res.Status == crawler.FetchNotFound {
		return http.StatusNotFound, fmt.Sprintf("PubMed has no record with PMID %d either: check the number.", res.PMID)
	}
	switch res.Cause {
	case crawler.CauseUnreachable:
		return http.StatusServiceUnavailable, "PubMed could not be reached from this server, so the record could not be fetched. Try again later, or read it on PubMed."
	case crawler.CauseUnreadable:
		return http.StatusBadGateway, "PubMed's answer could not be read (it came cut short or malformed), so nothing was stored. Try again later, or read it on PubMed."
	case crawler.CauseLibrary:
		return http.StatusInternalServerError, "The record came from PubMed but could not be stored; the error has been logged."
	}
	return http.StatusBadGateway, "PubMed answered with errors, or not in time, each time villi asked, so the record could not be fetched. Try again later, or read it on PubMed."
}

// missingJSON is /api/v1/articles/{pmid}'s 404 body for a PMID the
// library does not hold: where to read it and how to add it.
type missingJSON struct {
	Error     string    `json:"error"`
	PMID      uint64    `json:"pmid"`
	InLibrary bool      `json:"in_library"`
	PubMedURL string    `json:"pubmed_url"`
	Fetch     fetchJSON `json:"fetch"`
}

// fetchJSON names the ways to add a record: the API is read-only, so the
// route is the article page's form post, which needs a logged-in browser
// session (same-origin, as every form post).
type fetchJSON struct {
	Method  string `json:"method"`
	URL     string `json:"url"`
	Auth    string `json:"auth"`
	Command string `json:"command"`
}

func (s *server) apiMissing(w http.ResponseWriter, r *http.Request, pmid uint64) {
	id := strconv.FormatUint(pmid, 10)
	writeJSON(w, http.StatusNotFound, missingJSON{
		Error: "PMID " + id + " is not in this library", PMID: pmid, PubMedURL: pubMedURL(pmid),
		Fetch: fetchJSON{Method: http.MethodPost, URL: s.absURL(r, "/articles/"+id+"/fetch"),
			Auth: "a logged-in browser session (the article page's button)", Command: "villi fetch " + id},
	})
}

package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"villi/cite"
	"villi/library"
	"villi/pubmed"
	"villi/taxonomy"
)

// maxExport bounds the PMIDs of one export request.
const maxExport = 500

func (s *server) apiSearch(w http.ResponseWriter, r *http.Request) {
	p, err := s.parseSearch(r.URL.RawQuery, true)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	// #n refers to the history of the session cookie the search page set;
	// the API reads and adds to it but never sets the cookie.
	hid := historyID(r)
	req, err := s.withHistory(p, hid)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.lib.Search(r.Context(), req)
	if err != nil {
		s.apiFailed(w, r, "search", err)
		return
	}
	s.record(hid, p, req.Q, res)
	writeJSON(w, http.StatusOK, res)
}

// apiFailed answers a failed call: 400 for input the client can fix, 500
// (logged) for ours.
func (s *server) apiFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if isBadInput(err) {
		writeJSONError(w, http.StatusBadRequest, userMessage(err.Error()))
		return
	}
	if r.Context().Err() != nil {
		return
	}
	s.log.Error("api "+what, "query", clipForLog(r.URL.RawQuery), "err", err)
	writeJSONError(w, http.StatusInternalServerError, what+" failed on our side; the error has been logged")
}

// articleResponse is the body of /api/v1/articles/{pmid}.
type articleResponse struct {
	PMID uint64 `json:"pmid"`
	// Retracted answers for PubMed and Retraction Watch together;
	// article.retracted is PubMed's own flag.
	Retracted  bool            `json:"retracted"`
	Retraction *retractionJSON `json:"retraction,omitempty"`
	Notices    []pubmed.Notice `json:"notices,omitempty"` // Retraction Watch's entries
	// FreeFullText and FullTextURL as in a search hit.
	FreeFullText bool          `json:"free_full_text"`
	FullTextURL  string        `json:"full_text_url,omitempty"`
	Tags         taxonomy.Tags `json:"tags"`
	// Provisional are the tags that are villi's guess: given from text or
	// the learned model to a record NLM has not indexed yet.
	Provisional []string `json:"provisional"`
	// ProvisionalWhy says why each of Provisional was given, as in a hit.
	ProvisionalWhy []taxonomy.Reason `json:"provisional_why"`
	Added          time.Time         `json:"added"`
	Updated        time.Time         `json:"updated"`
	Links          map[string]string `json:"links"`
	Article        pubmed.Article    `json:"article"`
}

func (s *server) apiArticle(w http.ResponseWriter, r *http.Request) {
	rec, code, err := s.loadRecord(r)
	if pmid, perr := parsePMID(r.PathValue("pmid")); code == http.StatusNotFound && perr == nil {
		s.apiMissing(w, r, pmid)
		return
	}
	if err != nil {
		s.apiRecordFailed(w, r, code, err)
		return
	}
	a := &rec.Article
	links := map[string]string{
		"page": s.absURL(r, "/articles/"+strconv.FormatUint(a.PMID, 10)),
	}
	for _, l := range articleLinks(a) {
		links[l.Key] = l.URL
	}
	fullText := a.FreeFullText(time.Now())
	// A record stored before focus existed has none until `villi retag`:
	// say so with empty lists, not null.
	if rec.Tags.Focus.Conditions == nil {
		rec.Tags.Focus.Conditions = []string{}
	}
	if rec.Tags.Focus.Mechanisms == nil {
		rec.Tags.Focus.Mechanisms = []string{}
	}
	writeJSON(w, http.StatusOK, articleResponse{
		PMID: a.PMID, Retracted: a.IsRetracted(), Retraction: newRetractionJSON(a.Retraction()),
		Notices: a.Notices, FreeFullText: fullText != "", FullTextURL: fullText, Tags: rec.Tags,
		Provisional: provisionalOf(rec.Tags), ProvisionalWhy: provisionalWhyOf(rec.Tags), Added: rec.Added, Updated: rec.Updated, Links: links, Article: *a,
	})
}

// retractionJSON is an article's "retraction": who retracts it, and when
// and why when Retraction Watch says.
type retractionJSON struct {
	Sources []string `json:"sources"` // "pubmed", "retraction_watch"
	Date    string   `json:"date,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

func newRetractionJSON(r *pubmed.Retraction) *retractionJSON {
	if r == nil {
		return nil
	}
	j := &retractionJSON{Sources: r.Sources, Reason: r.Reason}
	if !r.Date.IsZero() {
		j.Date = r.Date.Format(time.DateOnly)
	}
	return j
}

func (s *server) apiRecordFailed(w http.ResponseWriter, r *http.Request, code int, err error) {
	if code == http.StatusInternalServerError {
		s.log.Error("api article", "pmid", r.PathValue("pmid"), "err", err)
		writeJSONError(w, code, "the record could not be read; the error has been logged")
		return
	}
	writeJSONError(w, code, err.Error())
}

// citeResponse is the body of /api/v1/articles/{pmid}/cite.
type citeResponse struct {
	PMID      uint64 `json:"pmid"`
	Style     string `json:"style"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
	Retracted bool   `json:"retracted"`
}

func (s *server) apiCite(w http.ResponseWriter, r *http.Request) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "the address has a malformed query string: "+err.Error())
		return
	}
	name := v.Get("style")
	if name == "" {
		writeJSONError(w, http.StatusBadRequest, "name a style: style=ama, apa or vancouver")
		return
	}
	style, err := cite.ParseStyle(name)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	rec, code, err := s.loadRecord(r)
	if err != nil {
		s.apiRecordFailed(w, r, code, err)
		return
	}
	text, html := cite.Reference(style, &rec.Article)
	writeJSON(w, http.StatusOK, citeResponse{PMID: rec.Article.PMID, Style: string(style), Text: text, HTML: html, Retracted: rec.Article.IsRetracted()})
}

// apiExport writes the records named by pmid parameters in one format.
func (s *server) apiExport(w http.ResponseWriter, r *http.Request) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "the address has a malformed query string: "+err.Error())
		return
	}
	name := v.Get("format")
	if name == "" {
		writeJSONError(w, http.StatusBadRequest, "name a format: format=ris, bibtex, csljson, nbib or csv")
		return
	}
	format, err := cite.ParseFormat(name)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	pmids, err := pmidList(v["pmid"])
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	recs, missing, err := s.lib.Records(pmids)
	if err != nil {
		s.apiFailed(w, r, "export", err)
		return
	}
	if len(missing) > 0 {
		writeJSONError(w, http.StatusNotFound, (&library.MissingError{PMIDs: missing}).Error())
		return
	}
	items := make([]cite.Item, len(recs))
	for i := range recs {
		items[i] = cite.Item{Article: &recs[i].Article}
	}
	var buf bytes.Buffer
	if err := cite.Export(&buf, format, items); err != nil {
		s.apiFailed(w, r, "export", err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	filename := "villi-" + strconv.FormatUint(pmids[0], 10)
	if len(pmids) > 1 {
		filename = fmt.Sprintf("villi-%d-records", len(pmids))
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+format.Ext()+`"`)
	w.Write(buf.Bytes())
}

// pmidList parses repeated and comma-separated PMIDs, dropping duplicates.
func pmidList(vals []string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := parsePMID(f)
			if err != nil {
				return nil, err
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	switch {
	case len(out) == 0:
		return nil, badInput("name at least one record: pmid=25911600 (repeat pmid or separate with commas)")
	case len(out) > maxExport:
		return nil, badInput("%d PMIDs: export at most %d at a time", len(out), maxExport)
	}
	return out, nil
}

// apiMethodNotAllowed answers any other method under /api/ in JSON (the
// mux's own 405 is plain text): the API only reads.
func (s *server) apiMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeJSONError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed here: the API is read-only, use GET", r.Method))
}

func (s *server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint at %s; see /api/v1/search, /api/v1/articles/{pmid}, /api/v1/articles/{pmid}/cite, /api/v1/export, /api/v1/status", r.URL.Path))
}

// provisionalOf is a record's provisional tags, [] rather than null.
func provisionalOf(t taxonomy.Tags) []string {
	if t.Provisional == nil {
		return []string{}
	}
	return t.Provisional
}

// provisionalWhyOf is the reasons for a record's provisional tags, []
// rather than null.
func provisionalWhyOf(t taxonomy.Tags) []taxonomy.Reason {
	if t.ProvisionalWhy == nil {
		return []taxonomy.Reason{}
	}
	return t.ProvisionalWhy
}

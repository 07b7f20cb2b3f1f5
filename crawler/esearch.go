package crawler

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// searchResult is what one esearch said about one window.
type searchResult struct {
	Count    int
	IDs      []uint64
	WebEnv   string
	QueryKey string
	// NotFound lists phrases and field tags PubMed did not recognise
	// (ErrorList): the search still ran, but the query may be mistyped.
	NotFound []string
}

type esearchXML struct {
	XMLName   xml.Name `xml:"eSearchResult"`
	Count     string   `xml:"Count"`
	QueryKey  string   `xml:"QueryKey"`
	WebEnv    string   `xml:"WebEnv"`
	IDs       []string `xml:"IdList>Id"`
	Error     string   `xml:"ERROR"`
	ErrorList struct {
		Phrases []string `xml:"PhraseNotFound"`
		Fields  []string `xml:"FieldNotFound"`
	} `xml:"ErrorList"`
}

// esearch searches term in window w by datetype. With history the ids are
// kept on NCBI's history server (WebEnv, query_key) and listed, up to
// MaxIDs; without it only the count is asked for.
func (c *client) esearch(ctx context.Context, what, term, datetype string, w window, history bool) (searchResult, error) {
	p := url.Values{
		"db":       {"pubmed"},
		"term":     {term},
		"datetype": {datetype},
		"mindate":  {w.Min.Format(ncbiDate)},
		"maxdate":  {w.Max.Format(ncbiDate)},
		"retmax":   {"0"},
	}
	if history {
		p.Set("usehistory", "y")
		p.Set("retmax", strconv.Itoa(c.cfg.MaxIDs))
	}
	var res searchResult
	err := c.do(ctx, call{what: what, endpoint: "esearch.fcgi", params: p}, func(body []byte) error {
		r, err := parseESearch(body)
		if err != nil {
			return err
		}
		if history {
			want := min(r.Count, c.cfg.MaxIDs)
			if len(r.IDs) != want {
				return retry("esearch listed %d ids of %d", len(r.IDs), want)
			}
			if r.WebEnv == "" || r.QueryKey == "" {
				return retry("esearch answer has no WebEnv/QueryKey")
			}
		}
		res = r
		return nil
	})
	return res, err
}

// parseESearch reads an esearch XML answer. An <ERROR>, or a body that is
// not a whole eSearchResult, is worth retrying: NCBI's search backends fail
// now and then, and answer so inside a 200.
func parseESearch(body []byte) (searchResult, error) {
	var x esearchXML
	if err := xml.Unmarshal(body, &x); err != nil {
		return searchResult{}, retry("esearch answer unparsable (%v): %s", err, clip(body))
	}
	if e := strings.TrimSpace(x.Error); e != "" {
		return searchResult{}, retry("esearch error: %s", e)
	}
	n, err := strconv.Atoi(strings.TrimSpace(x.Count))
	if err != nil || n < 0 {
		return searchResult{}, retry("esearch answer has no valid Count: %s", clip(body))
	}
	if !bytes.Contains(body, []byte("</eSearchResult>")) {
		return searchResult{}, retry("esearch answer cut short")
	}
	r := searchResult{Count: n, WebEnv: strings.TrimSpace(x.WebEnv), QueryKey: strings.TrimSpace(x.QueryKey)}
	r.IDs = make([]uint64, 0, len(x.IDs))
	for _, s := range x.IDs {
		id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil || id == 0 {
			return searchResult{}, retry("esearch listed a bad id %q", s)
		}
		r.IDs = append(r.IDs, id)
	}
	for _, ph := range x.ErrorList.Phrases {
		r.NotFound = append(r.NotFound, fmt.Sprintf("phrase %q", ph))
	}
	for _, f := range x.ErrorList.Fields {
		r.NotFound = append(r.NotFound, fmt.Sprintf("field [%s]", f))
	}
	return r, nil
}

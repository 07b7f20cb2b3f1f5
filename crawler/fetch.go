package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"villi/library"
	"villi/store"
)

// FetchStatus says what became of one identifier Fetch was asked for.
type FetchStatus string

const (
	FetchAdded    FetchStatus = "added"     // fetched from PubMed and stored
	FetchPresent  FetchStatus = "present"   // already in the library: not fetched again
	FetchNotFound FetchStatus = "not_found" // PubMed has no record by that PMID or DOI
	FetchFailed   FetchStatus = "failed"    // see Cause and Reason
)

// FetchCause says why an identifier could not be fetched, so that a page
// can say which of these it was.
type FetchCause string

const (
	// CauseInput: the identifier is neither a PMID nor a DOI.
	CauseInput FetchCause = "input"
	// CauseUnreachable: no connection to the E-utilities could be made.
	CauseUnreachable FetchCause = "unreachable"
	// CausePubMed: PubMed answered with errors (429, 5xx, <ERROR>, resets,
	// timeouts) until villi gave up, or did not answer in time.
	CausePubMed FetchCause = "pubmed"
	// CauseUnreadable: PubMed's answer, or the record in it, could not be
	// read (cut or malformed XML); nothing of it was stored.
	CauseUnreadable FetchCause = "unreadable"
	// CauseLibrary: the record came but the library could not store it.
	CauseLibrary FetchCause = "library"
)

// FetchResult is what became of one identifier. A DOI that PubMed gives
// to several records has one result per record.
type FetchResult struct {
	ID     string      `json:"id"`             // as asked for
	PMID   uint64      `json:"pmid,omitempty"` // the record it names (a DOI's, once resolved)
	Status FetchStatus `json:"status"`
	Cause  FetchCause  `json:"cause,omitempty"`  // when failed
	Reason string      `json:"reason,omitempty"` // when failed or not found: why, in words
	Title  string      `json:"title,omitempty"`  // when added or present
}

// FetchReport is the outcome of one Fetch: a result per identifier, in
// the order asked, and the run recorded for it (zero when nothing had to
// be asked of PubMed).
type FetchReport struct {
	Results []FetchResult `json:"results"`
	Run     store.Run     `json:"run"`
}

// Missed counts the identifiers that are not in the library afterwards:
// failed or not found.
func (r FetchReport) Missed() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == FetchFailed || res.Status == FetchNotFound {
			n++
		}
	}
	return n
}

// ParseID reads an identifier as people paste it: a PMID ("25911600",
// "PMID: 25911600", a PubMed link) or a DOI ("10.1038/x", "doi:10.1038/x",
// a doi.org link). It returns the PMID, or else the bare DOI.
func ParseID(s string) (pmid uint64, doi string, err error) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	for _, p := range []string{"https://pubmed.ncbi.nlm.nih.gov/", "http://pubmed.ncbi.nlm.nih.gov/", "pubmed.ncbi.nlm.nih.gov/",
		"https://www.ncbi.nlm.nih.gov/pubmed/", "http://www.ncbi.nlm.nih.gov/pubmed/", "pmid:", "pmid"} {
		if rest, ok := strings.CutPrefix(low, p); ok {
			low = strings.TrimSpace(strings.TrimSuffix(rest, "/"))
			s = low
			break
		}
	}
	if n, err := strconv.ParseUint(low, 10, 64); err == nil && n > 0 && len(low) <= 12 {
		return n, "", nil
	}
	for _, p := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "dx.doi.org/", "doi:"} {
		if strings.HasPrefix(low, p) {
			s = strings.TrimSpace(s[len(p):])
			break
		}
	}
	if d, err := url.PathUnescape(s); err == nil && strings.Contains(s, "%") {
		s = d // a DOI copied out of a link
	}
	if isDOI(s) {
		return 0, s, nil
	}
	return 0, "", fmt.Errorf("%q is neither a PMID (a positive whole number such as 25911600) nor a DOI (10.NNNN/...)", s)
}

// isDOI reports whether s is "10." registrant "/" suffix. Spaces and double
// quotes are refused: they cannot be sent inside a quoted esearch term.
func isDOI(s string) bool {
	reg, suffix, ok := strings.Cut(s, "/")
	if !ok || suffix == "" || !strings.HasPrefix(reg, "10.") || len(reg) < 7 || len(s) > 300 {
		return false
	}
	for _, part := range strings.Split(reg[3:], ".") {
		if part == "" || strings.ContainsFunc(part, func(r rune) bool { return r < '0' || r > '9' }) {
			return false
		}
	}
	return !strings.ContainsFunc(suffix, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || !unicode.IsPrint(r) })
}

// Fetch adds the records that ids name (PMIDs or DOIs, as ParseID reads
// them) to the library on demand, through the crawler's client: the same
// rate limit as a crawl running meanwhile, the same retries, and the same
// decoding and library.Ingest as crawled records. DOIs are resolved with
// esearch (`"DOI"[doi]`) unless the library already holds the record.
// Records already held are not fetched again. When anything had to be
// asked of PubMed, the fetch is recorded as a run of kind fetch. The error
// is only for the run's record; what became of each identifier is in the
// report.
func (c *Crawler) Fetch(ctx context.Context, ids []string) (FetchReport, error) {
	rep := FetchReport{Results: make([]FetchResult, len(ids))}
	f := &fetch{c: c, rep: &rep, tally: &tally{}}
	var dois []int // indexes of results still to resolve
	for i, id := range ids {
		res := &rep.Results[i]
		res.ID = id
		pmid, doi, err := ParseID(id)
		switch {
		case err != nil:
			res.Status, res.Cause, res.Reason = FetchFailed, CauseInput, err.Error()
		case pmid != 0:
			res.PMID = pmid
			f.held(res)
		case !f.heldDOI(ctx, res, doi):
			dois = append(dois, i)
		}
	}
	var want []int // indexes of results whose PMID is to be fetched
	for i := range rep.Results {
		if rep.Results[i].Status == "" && rep.Results[i].PMID != 0 {
			want = append(want, i)
		}
	}
	if len(dois) == 0 && len(want) == 0 {
		return rep, nil
	}

	rep.Run = store.Run{Kind: store.RunFetch, Query: strings.Join(ids, " "), Started: c.cfg.Now().UTC()}
	if err := c.lib.SaveRun(&rep.Run); err != nil {
		err = fmt.Errorf("record the fetch run: %w", err)
		for i := range rep.Results {
			if rep.Results[i].Status == "" {
				rep.Results[i].Status, rep.Results[i].Cause, rep.Results[i].Reason = FetchFailed, CauseLibrary, err.Error()
			}
		}
		return rep, err
	}
	for _, i := range dois {
		want = append(want, f.resolve(ctx, i)...)
	}
	for off := 0; off < len(want); off += c.cfg.BatchSize {
		f.fetchBatch(ctx, want[off:min(off+c.cfg.BatchSize, len(want))])
	}
	return rep, f.finish()
}

// fetch is one Fetch's bookkeeping.
type fetch struct {
	c     *Crawler
	rep   *FetchReport
	tally *tally
}

// held marks res present when the library holds its PMID.
func (f *fetch) held(res *FetchResult) {
	rec, err := f.c.lib.Record(res.PMID)
	if err == nil {
		res.Status, res.Title = FetchPresent, rec.Article.Title
	}
}

// heldDOI looks doi up in the library's own index first: a record held
// needs no request to PubMed. A failing lookup leaves it to esearch.
func (f *fetch) heldDOI(ctx context.Context, res *FetchResult, doi string) bool {
	sr, err := f.c.lib.Search(ctx, library.Request{Q: `"` + doi + `"[doi]`, Size: 1})
	if err != nil || len(sr.Hits) == 0 {
		return false
	}
	res.PMID, res.Status, res.Title = sr.Hits[0].PMID, FetchPresent, sr.Hits[0].Title
	return true
}

// resolve asks esearch for the PMIDs of result i's DOI and returns the
// indexes of the results left to fetch: i itself, and one appended result
// for each further record PubMed gives the DOI.
func (f *fetch) resolve(ctx context.Context, i int) []int {
	_, doi, _ := ParseID(f.rep.Results[i].ID)
	p := url.Values{"db": {"pubmed"}, "term": {`"` + doi + `"[doi]`}, "retmax": {"20"}}
	var pmids []uint64
	err := f.c.api.do(ctx, call{what: "esearch for DOI " + doi, endpoint: "esearch.fcgi", params: p, tally: f.tally}, func(body []byte) error {
		r, err := parseESearch(body)
		pmids = r.IDs
		return err
	})
	if err != nil {
		f.fail(&f.rep.Results[i], err)
		return nil
	}
	if len(pmids) == 0 {
		f.rep.Results[i].Status, f.rep.Results[i].Reason = FetchNotFound, "PubMed has no record with DOI "+doi
		return nil
	}
	var out []int
	for k, pmid := range pmids {
		j := i
		if k > 0 {
			f.rep.Results = append(f.rep.Results, FetchResult{ID: f.rep.Results[i].ID})
			j = len(f.rep.Results) - 1
		}
		res := &f.rep.Results[j]
		res.PMID = pmid
		if f.held(res); res.Status == "" {
			out = append(out, j)
		}
	}
	return out
}

// fetchBatch efetches the PMIDs of results idx by id list and ingests what
// comes back. PubMed leaves unknown PMIDs out of its answer.
func (f *fetch) fetchBatch(ctx context.Context, idx []int) {
	var pmids []string
	seen := map[uint64]bool{}
	for _, i := range idx {
		if p := f.rep.Results[i].PMID; !seen[p] {
			seen[p] = true
			pmids = append(pmids, strconv.FormatUint(p, 10))
		}
	}
	what := "efetch of PMID " + strings.Join(pmids, ",")
	if len(pmids) > 3 {
		what = fmt.Sprintf("efetch of %d PMIDs", len(pmids))
	}
	p := url.Values{"db": {"pubmed"}, "id": {strings.Join(pmids, ",")}, "retmode": {"xml"}}
	items, err := f.c.api.efetch(ctx, call{what: what, endpoint: "efetch.fcgi", params: p, tally: f.tally}, false)
	if err != nil {
		for _, i := range idx {
			f.fail(&f.rep.Results[i], err)
		}
		return
	}
	titles := map[uint64]string{}
	for _, it := range items {
		if it.Article != nil {
			titles[it.Article.PMID] = it.Article.Title
		}
	}
	sum, err := f.c.lib.Ingest(ctx, items)
	f.count(sum)
	skipped := map[uint64]string{}
	for _, sk := range sum.Skipped {
		skipped[sk.PMID] = sk.Reason
	}
	for _, i := range idx {
		res := &f.rep.Results[i]
		title, came := titles[res.PMID]
		switch why, skip := skipped[res.PMID]; {
		case !came:
			res.Status, res.Reason = FetchNotFound, fmt.Sprintf("PubMed has no record with PMID %d", res.PMID)
		case skip:
			res.Status, res.Cause, res.Reason = FetchFailed, CauseUnreadable, "PubMed's record could not be stored: "+why
		case err != nil:
			// The batch may be stored in part; what the store holds decides.
			if f.held(res); res.Status == FetchPresent {
				res.Status = FetchAdded
				continue
			}
			res.Status, res.Cause, res.Reason = FetchFailed, CauseLibrary, "storing the record failed: "+err.Error()
		default:
			res.Status, res.Title = FetchAdded, title
		}
	}
}

// fail marks res failed by err, a call's final error.
func (f *fetch) fail(res *FetchResult, err error) {
	res.Status, res.Reason = FetchFailed, err.Error()
	switch {
	case errors.Is(err, ErrUnreachable):
		res.Cause = CauseUnreachable
	case errors.As(err, new(*unreadableError)):
		res.Cause = CauseUnreadable
	case errors.Is(err, context.DeadlineExceeded):
		res.Cause, res.Reason = CausePubMed, "PubMed did not answer in time"
	default:
		res.Cause = CausePubMed
	}
}

func (f *fetch) count(sum library.Summary) {
	r := &f.rep.Run
	r.Added += sum.Added
	r.Updated += sum.Updated
	r.Unchanged += sum.Unchanged + sum.Older
	r.Deleted += sum.Deleted
	r.NewlyIndexed += sum.NewlyIndexed
}

// finish records the run's end: its requests, and every identifier that
// did not end up in the library.
func (f *fetch) finish() error {
	r := &f.rep.Run
	r.Ended = f.c.cfg.Now().UTC()
	r.Requests, r.Retries = int(f.tally.requests.Load()), int(f.tally.retries.Load())
	for _, res := range f.rep.Results {
		switch res.Status {
		case FetchFailed:
			r.Failing = append(r.Failing, res.ID+": "+res.Reason)
			r.Err = res.ID + ": " + res.Reason
		case FetchNotFound:
			r.Failing = append(r.Failing, res.ID+": not found in PubMed")
		}
	}
	if err := f.c.lib.SaveRun(r); err != nil {
		return fmt.Errorf("record the fetch run: %w", err)
	}
	return nil
}

// Package fakeeutils is a fake NCBI E-utilities server for PubMed: esearch
// (term matching, date windows, the history server) and efetch (by WebEnv or
// by id list) over real PubMed records, with the faults NCBI produces injected
// on purpose: 429 with NCBI's JSON body, 5xx, connection resets, truncated
// bodies, <ERROR> inside a 200, slow answers, and an optional per-client rate
// check. Every request is recorded so tests can check what a client did.
//
// It owns the fake's record set, history server, term matcher and fault
// injection. It must not be used by production code paths, must not reach the
// network, and serves exactly the Source bytes it was given (clients re-decode
// them).
package fakeeutils

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"villi/pubmed"
)

// DefaultMaxIDs is how many ids of one search PubMed lets a client page
// through: measured at NCBI, retstart may not exceed 9998, so the first
// 9,999 ids are reachable.
const DefaultMaxIDs = 9999

// Config configures a Server.
type Config struct {
	Faults Faults
	// Seed makes fault injection reproducible: the same requests in the
	// same order get the same faults.
	Seed uint64
	// Now gives request times and "today" for reldate; nil means time.Now.
	Now func() time.Time
	// MaxIDs caps how many ids of one search can be paged (esearch
	// retstart/retmax, and what the history server keeps); Count stays the
	// true count. 0 means DefaultMaxIDs.
	MaxIDs int
	// HistoryTTL forgets a WebEnv not used for this long (NCBI keeps them
	// about eight hours); 0 keeps them until ExpireHistory.
	HistoryTTL time.Duration
	// Observe, when set, is called with each request once it is answered
	// (the command logs with it). It runs on the request's goroutine.
	Observe func(Request)
}

// Request is one request as the server saw and answered it.
type Request struct {
	Time     time.Time
	Endpoint string     // "esearch", "efetch", or the last element of an unknown path
	Method   string     // GET or POST
	Params   url.Values // query string and POST form together
	Client   string     // api_key, or the client's IP when there is none
	Status   int        // HTTP status sent; 0 when the connection was reset or the client left
	Fault    Fault      // the fault injected, "" for none
	Bytes    int        // body bytes sent (fewer than the body when a fault cut it)
	Duration time.Duration
}

// Server is a fake E-utilities http.Handler. It is safe for concurrent use.
type Server struct {
	now        func() time.Time
	maxIDs     int
	historyTTL time.Duration
	observe    func(Request)

	mu      sync.RWMutex
	records map[uint64]*record
	dict    dict

	hmu       sync.Mutex
	histories map[string]*history
	envSeq    uint64
	envSalt   uint64

	fmu    sync.Mutex // guards faults, script, rng and recent
	faults Faults
	script []Fault
	rng    *rand.Rand
	recent map[string][]time.Time // request times per client, for the rate check

	lmu sync.Mutex
	log []Request
}

// record is one stored PubMed record with what searches need precomputed.
type record struct {
	pmid             uint64
	src              []byte
	edat, mdat, pdat int // yyyymmdd; 0 when unknown
	doi              string
	title, abstract  []uint32
	keywords         [][]uint32
	pubTypes         [][]uint32
	mesh             []meshWords
}

// New returns a Server with no records.
func New(cfg Config) *Server {
	s := &Server{
		now:        cfg.Now,
		maxIDs:     cfg.MaxIDs,
		historyTTL: cfg.HistoryTTL,
		observe:    cfg.Observe,
		records:    make(map[uint64]*record),
		histories:  make(map[string]*history),
		envSalt:    cfg.Seed*0x9e3779b97f4a7c15 + 0x5bd1e995,
		rng:        rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xda3e39cb94b95bdb)),
		recent:     make(map[string][]time.Time),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxIDs <= 0 {
		s.maxIDs = DefaultMaxIDs
	}
	s.SetFaults(cfg.Faults)
	return s
}

// Add stores records, replacing any with the same PMID (as a PubMed update
// file does). Items are applied in order: one carrying Deleted removes
// those PMIDs. Items without an Article or Source bytes add nothing, since
// efetch could not serve them. A bare MedlineCitation (from a legacy
// MedlineCitationSet) is wrapped in a PubmedArticle element, which is how
// efetch returns such records.
func (s *Server) Add(items ...pubmed.Item) {
	// Tokenizing is the slow part; do it before taking the lock.
	recs := make([]*record, len(items))
	for i, it := range items {
		if it.Article != nil && len(it.Source) > 0 {
			recs[i] = newRecord(&s.dict, it.Article, it.Source)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		for _, id := range it.Deleted {
			delete(s.records, id)
		}
		if r := recs[i]; r != nil {
			s.records[r.pmid] = r
		}
	}
}

// Delete removes records; unknown PMIDs are ignored.
func (s *Server) Delete(pmids ...uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range pmids {
		delete(s.records, id)
	}
}

// Len returns how many records the server holds.
func (s *Server) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records)
}

// LoadFile adds the records of a PubMed XML file (.xml or .xml.gz; the
// decoder detects gzip), applying its DeleteCitation elements in order. A
// file that fails to decode adds nothing, so the server holds whole files.
func (s *Server) LoadFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Load(f, name)
}

// Load is LoadFile for a reader; name is used in errors.
func (s *Server) Load(r io.Reader, name string) error {
	dec := pubmed.NewDecoder(r)
	var items []pubmed.Item
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			s.Add(items...)
			return nil
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", name, err)
		}
		items = append(items, it)
	}
}

var (
	medlineOpen  = []byte("<MedlineCitation")
	articleOpen  = []byte("<PubmedArticle>")
	articleClose = []byte("</PubmedArticle>")
)

func newRecord(d *dict, a *pubmed.Article, src []byte) *record {
	if bytes.HasPrefix(src, medlineOpen) {
		src = slices.Concat(articleOpen, src, articleClose)
	}
	r := &record{
		pmid:     a.PMID,
		src:      src,
		pdat:     dateInt(a.PubDate),
		title:    d.intern(a.Title),
		abstract: d.intern(a.AbstractText()),
		mesh:     meshOf(d, a.MeSH),
		doi:      a.IDs.DOI,
	}
	if d, ok := a.EntrezDate(); ok {
		r.edat = dateInt(d)
	} else {
		// Records without History (legacy and re-encoded files) have no
		// entrez date; the publication date is the closest stand-in.
		r.edat = r.pdat
	}
	switch {
	case a.DateRevised != nil:
		r.mdat = dateInt(*a.DateRevised)
	case len(a.History) > 0:
		for _, h := range a.History {
			r.mdat = max(r.mdat, dateInt(h.Date))
		}
	default:
		r.mdat = r.edat
	}
	for _, e := range a.ELocationIDs {
		if r.doi == "" && e.Type == "doi" {
			r.doi = e.Value
		}
	}
	for _, k := range a.Keywords {
		r.keywords = append(r.keywords, d.intern(k.Text))
	}
	for _, pt := range a.PublicationTypes {
		r.pubTypes = append(r.pubTypes, d.intern(pt.Name))
	}
	return r
}

// Requests returns a copy of every request seen so far, in arrival order.
// A request still being answered has Status 0 and no Duration yet.
func (s *Server) Requests() []Request {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// ResetRequests forgets the request log (tests that run phases).
func (s *Server) ResetRequests() {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	s.log = nil
}

func (s *Server) begin(r Request) int {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	s.log = append(s.log, r)
	return len(s.log) - 1
}

func (s *Server) finish(i int, status int, fault Fault, n int, d time.Duration) Request {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if i >= len(s.log) { // ResetRequests ran meanwhile
		return Request{}
	}
	r := &s.log[i]
	r.Status, r.Fault, r.Bytes, r.Duration = status, fault, n, d
	return *r
}

// Count returns the true number of records esearch would count for term in
// the date window (datetype edat, mdat or pdat; dates as esearch takes
// them). An unparsable term or date counts 0.
func (s *Server) Count(term, datetype, mindate, maxdate string) int {
	return len(s.Match(term, datetype, mindate, maxdate))
}

// Match returns the PMIDs esearch would find for term in the date window,
// all of them (no MaxIDs cap), in ascending order. An unparsable term or
// date matches nothing.
func (s *Server) Match(term, datetype, mindate, maxdate string) []uint64 {
	q, err := newQuery(term, datetype, mindate, maxdate)
	if err != nil {
		return nil
	}
	ids := s.search(q)
	slices.Sort(ids)
	return ids
}

// ServeHTTP answers esearch.fcgi and efetch.fcgi under any prefix, with
// faults injected as configured.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	ep := strings.TrimSuffix(path.Base(r.URL.Path), ".fcgi")
	// A malformed form leaves what could be read; the request is still
	// answered the way NCBI would answer its parameters.
	_ = r.ParseForm()
	params := url.Values{}
	for k, v := range r.Form {
		params[k] = slices.Clone(v)
	}
	client := params.Get("api_key")
	if client == "" {
		client, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	idx := s.begin(Request{Time: start, Endpoint: ep, Method: r.Method, Params: params, Client: client})

	var (
		fault     Fault
		committed bool
		done      Request
	)
	// The log entry is completed before the body's last byte leaves, so a
	// client that has its answer finds the request logged in full.
	commit := func(status, n int) {
		if !committed {
			committed = true
			done = s.finish(idx, status, fault, n, s.now().Sub(start))
		}
	}
	defer func() {
		commit(0, 0) // no answer: the client left, or the stream was aborted
		if s.observe != nil && done.Endpoint != "" {
			s.observe(done)
		}
	}()

	known := ep == "esearch" || ep == "efetch"
	var pk pick
	if known {
		pk = s.pickFault(ep, client, params.Get("api_key") != "", start)
		fault = pk.fault
	}
	d := delivery{w: w, commit: commit}
	switch fault {
	case Fault429, FaultRateLimit:
		d.send(tooMany(client, pk))
		return
	case Fault500, Fault502, Fault503:
		d.send(serverError(fault))
		return
	case FaultReset:
		d.reset(nil)
		return
	case FaultSlow:
		if !sleep(r, pk.slow) {
			return // the client gave up; nothing more can be sent
		}
	}

	var res response
	switch {
	case !known:
		res = response{status: http.StatusNotFound, contentType: "text/plain; charset=utf-8",
			body: []byte("fake-eutils serves only esearch.fcgi and efetch.fcgi\n")}
	case fault == FaultErrorIn200:
		res = errorIn200(ep, params)
	case ep == "esearch":
		res = s.esearch(params)
	default:
		res = s.efetch(params)
	}
	switch fault {
	case FaultTruncate:
		d.truncate(res, s.cutPoint(len(res.body)), true)
	case FaultCut:
		d.truncate(res, s.cutPoint(len(res.body)), false)
	case FaultResetMidBody:
		d.reset(&res)
	default:
		d.send(res)
	}
}

// response is an answer before delivery, so faults can mangle its bytes.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

func xmlResponse(body []byte) response {
	return response{status: http.StatusOK, contentType: "text/xml; charset=UTF-8", body: body}
}

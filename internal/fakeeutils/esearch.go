package fakeeutils

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"villi/pubmed"
)

// query is a parsed esearch: term, date window and order.
type query struct {
	node        node
	unknownTags []string
	datetype    string // edat, mdat or pdat
	min, max    int    // yyyymmdd, inclusive; 0 means open
	byPubDate   bool   // sort=pub_date
}

func newQuery(term, datetype, mindate, maxdate string) (query, error) {
	var q query
	var err error
	if q.node, q.unknownTags, err = parseTerm(term); err != nil {
		return q, err
	}
	q.datetype = strings.ToLower(strings.TrimSpace(datetype))
	switch q.datetype {
	case "":
		// PubMed limits by publication date unless told otherwise.
		q.datetype = "pdat"
	case "edat", "mdat", "pdat":
	default:
		return q, fmt.Errorf("invalid datetype %q (want edat, mdat or pdat)", datetype)
	}
	if mindate = strings.TrimSpace(mindate); mindate != "" {
		if q.min, err = parseDate(mindate, false); err != nil {
			return q, err
		}
	}
	if maxdate = strings.TrimSpace(maxdate); maxdate != "" {
		if q.max, err = parseDate(maxdate, true); err != nil {
			return q, err
		}
	}
	return q, nil
}

func (q *query) inWindow(r *record) bool {
	if q.min == 0 && q.max == 0 {
		return true
	}
	d := r.pdat
	switch q.datetype {
	case "edat":
		d = r.edat
	case "mdat":
		d = r.mdat
	}
	return d != 0 && (q.min == 0 || d >= q.min) && (q.max == 0 || d <= q.max)
}

// translation is the QueryTranslation NCBI echoes: the term as understood,
// with the date window appended.
func (q *query) translation() string {
	t := q.node.String()
	if q.min == 0 && q.max == 0 {
		return t
	}
	name := map[string]string{"edat": "Date - Entrez", "mdat": "Date - Modification", "pdat": "Date - Publication"}[q.datetype]
	lo, hi := "1000/01/01", "3000/12/31"
	if q.min != 0 {
		lo = fmtDate(q.min)
	}
	if q.max != 0 {
		hi = fmtDate(q.max)
	}
	return fmt.Sprintf("%s AND %s:%s[%s]", t, lo, hi, name)
}

// search returns the matching PMIDs in PubMed's order: newest entrez date
// first (publication date with sort=pub_date), then higher PMID first.
func (s *Server) search(q query) []uint64 {
	type hit struct {
		id  uint64
		key int
	}
	s.mu.RLock()
	q.node.leaves(func(l *leaf) { l.bind(&s.dict) })
	var hits []hit
	for _, r := range s.records {
		if !q.inWindow(r) || !q.node.match(r) {
			continue
		}
		k := r.edat
		if q.byPubDate {
			k = r.pdat
		}
		hits = append(hits, hit{r.pmid, k})
	}
	s.mu.RUnlock()
	slices.SortFunc(hits, func(a, b hit) int {
		if a.key != b.key {
			return b.key - a.key
		}
		if a.id > b.id {
			return -1
		}
		if a.id < b.id {
			return 1
		}
		return 0
	})
	ids := make([]uint64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids
}

// notFound lists the term's words and phrases that match no record at
// all, for NCBI's PhraseNotFound.
func (s *Server) notFound(n node) []string {
	var out []string
	s.mu.RLock()
	defer s.mu.RUnlock()
	n.leaves(func(l *leaf) {
		if l.words == nil { // dates and DOIs are never "not found"
			return
		}
		l.bind(&s.dict)
		for _, r := range s.records {
			if l.match(r) {
				return
			}
		}
		out = append(out, l.raw)
	})
	return out
}

// esearchResult is what an esearch answer carries.
type esearchResult struct {
	count, retstart int
	ids             []uint64
	queryKey        int
	webEnv          string
	translation     string
	notFound        []string
	unknownTags     []string
}

func (s *Server) esearch(p url.Values) response {
	if db := first(p, "db"); db != "" && db != "pubmed" {
		return esearchError(p, "Invalid db name specified: "+db)
	}
	term := first(p, "term")
	if term == "" {
		return esearchError(p, "Empty term and query_key - nothing todo")
	}
	retstart := intParam(p, "retstart", 0)
	retmax := min(intParam(p, "retmax", 20), s.maxIDs)
	if retstart >= s.maxIDs {
		// NCBI's own words, numbers included, scaled to MaxIDs.
		return esearchError(p, fmt.Sprintf("Search Backend failed: Exception:\n'retstart' cannot be larger than %d. "+
			"For PubMed, ESearch can only retrieve the first %s records matching the query. "+
			"To obtain more than %[2]s PubMed records, consider using EDirect that contains additional logic "+
			"to batch PubMed search results automatically so that an arbitrary number can be retrieved. "+
			"For details see https://www.ncbi.nlm.nih.gov/books/NBK25499/", s.maxIDs-1, thousands(s.maxIDs)))
	}
	mindate, maxdate := first(p, "mindate"), first(p, "maxdate")
	if days := first(p, "reldate"); days != "" && mindate == "" && maxdate == "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return esearchError(p, "Invalid reldate: "+days)
		}
		today := s.now()
		mindate, maxdate = today.AddDate(0, 0, -n).Format("2006/01/02"), today.Format("2006/01/02")
	}
	q, err := newQuery(term, first(p, "datetype"), mindate, maxdate)
	if err != nil {
		return esearchError(p, err.Error())
	}
	q.byPubDate = first(p, "sort") == "pub_date"

	all := s.search(q)
	res := esearchResult{
		count:       len(all),
		retstart:    retstart,
		translation: q.translation(),
		notFound:    s.notFound(q.node),
		unknownTags: q.unknownTags,
	}
	all = all[:min(len(all), s.maxIDs)]
	if strings.EqualFold(first(p, "usehistory"), "y") {
		res.webEnv, res.queryKey = s.remember(first(p, "WebEnv"), all)
	}
	if retstart < len(all) {
		res.ids = all[retstart:min(len(all), retstart+max(retmax, 0))]
	}
	if first(p, "retmode") == "json" {
		return res.json()
	}
	return res.xml()
}

const esearchHead = `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">
`

func (e *esearchResult) xml() response {
	var b bytes.Buffer
	b.WriteString(esearchHead)
	fmt.Fprintf(&b, "<eSearchResult><Count>%d</Count><RetMax>%d</RetMax><RetStart>%d</RetStart>", e.count, len(e.ids), e.retstart)
	if e.webEnv != "" {
		fmt.Fprintf(&b, "<QueryKey>%d</QueryKey><WebEnv>%s</WebEnv>", e.queryKey, e.webEnv)
	}
	if len(e.ids) == 0 {
		b.WriteString("<IdList/>")
	} else {
		b.WriteString("<IdList>\n")
		for _, id := range e.ids {
			fmt.Fprintf(&b, "<Id>%d</Id>\n", id)
		}
		b.WriteString("</IdList>")
	}
	b.WriteString("<TranslationSet/><QueryTranslation>")
	escapeText(&b, e.translation)
	b.WriteString("</QueryTranslation>")
	if len(e.notFound)+len(e.unknownTags) > 0 {
		b.WriteString("<ErrorList>")
		for _, ph := range e.notFound {
			b.WriteString("<PhraseNotFound>")
			escapeText(&b, ph)
			b.WriteString("</PhraseNotFound>")
		}
		for _, t := range e.unknownTags {
			b.WriteString("<FieldNotFound>")
			escapeText(&b, t)
			b.WriteString("</FieldNotFound>")
		}
		b.WriteString("</ErrorList>")
	}
	if e.count == 0 {
		b.WriteString("<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>")
	}
	b.WriteString("</eSearchResult>\n")
	return xmlResponse(b.Bytes())
}

// The JSON shape of NCBI's esearch (retmode=json), fields in NCBI's order.
type jsonHeader struct {
	Type    string `json:"type"`
	Version string `json:"version"`
}

type jsonErrorList struct {
	PhrasesNotFound []string `json:"phrasesnotfound"`
	FieldsNotFound  []string `json:"fieldsnotfound"`
}

type jsonWarningList struct {
	PhrasesIgnored        []string `json:"phrasesignored"`
	QuotedPhrasesNotFound []string `json:"quotedphrasesnotfound"`
	OutputMessages        []string `json:"outputmessages"`
}

type jsonResult struct {
	Count            string           `json:"count"`
	RetMax           string           `json:"retmax"`
	RetStart         string           `json:"retstart"`
	QueryKey         string           `json:"querykey,omitempty"`
	WebEnv           string           `json:"webenv,omitempty"`
	IDList           []string         `json:"idlist"`
	TranslationSet   []any            `json:"translationset"`
	QueryTranslation string           `json:"querytranslation"`
	ErrorList        *jsonErrorList   `json:"errorlist,omitempty"`
	WarningList      *jsonWarningList `json:"warninglist,omitempty"`
}

func (e *esearchResult) json() response {
	r := jsonResult{
		Count:            strconv.Itoa(e.count),
		RetMax:           strconv.Itoa(len(e.ids)),
		RetStart:         strconv.Itoa(e.retstart),
		WebEnv:           e.webEnv,
		IDList:           make([]string, len(e.ids)),
		TranslationSet:   []any{},
		QueryTranslation: e.translation,
	}
	if e.webEnv != "" {
		r.QueryKey = strconv.Itoa(e.queryKey)
	}
	for i, id := range e.ids {
		r.IDList[i] = strconv.FormatUint(id, 10)
	}
	if len(e.notFound)+len(e.unknownTags) > 0 {
		r.ErrorList = &jsonErrorList{PhrasesNotFound: nonNil(e.notFound), FieldsNotFound: nonNil(e.unknownTags)}
	}
	if e.count == 0 {
		r.WarningList = &jsonWarningList{PhrasesIgnored: []string{}, QuotedPhrasesNotFound: []string{}, OutputMessages: []string{"No items found."}}
	}
	return jsonResponse(struct {
		Header jsonHeader `json:"header"`
		Result jsonResult `json:"esearchresult"`
	}{jsonHeader{"esearch", "0.3"}, r})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonResponse(v any) response {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		panic(err) // only fixed, marshalable types reach here
	}
	return response{status: 200, contentType: "application/json; charset=UTF-8", body: append(b, '\n')}
}

// esearchError is NCBI's error inside a 200, as XML or JSON per retmode.
func esearchError(p url.Values, msg string) response {
	if first(p, "retmode") == "json" {
		return jsonResponse(struct {
			Header jsonHeader        `json:"header"`
			Result map[string]string `json:"esearchresult"`
		}{jsonHeader{"esearch", "0.3"}, map[string]string{"ERROR": msg}})
	}
	var b bytes.Buffer
	b.WriteString(esearchHead)
	b.WriteString("<eSearchResult>\n\t<ERROR>")
	escapeText(&b, msg)
	b.WriteString("</ERROR>\n</eSearchResult>\n")
	return xmlResponse(b.Bytes())
}

// escapeText escapes what XML text requires and no more: NCBI writes
// quotes and newlines in element text as they are.
func escapeText(b *bytes.Buffer, s string) {
	for _, c := range []byte(s) {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
}

func intParam(p url.Values, k string, def int) int {
	v := first(p, k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return def
	}
	return n
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// history is one WebEnv's stored searches; query_key k is queries[k-1].
type history struct {
	queries [][]uint64
	used    time.Time
}

// remember stores ids under webEnv (appending a query to it, as NCBI does
// when a request names its WebEnv) or under a new WebEnv.
func (s *Server) remember(webEnv string, ids []uint64) (string, int) {
	now := s.now()
	s.hmu.Lock()
	defer s.hmu.Unlock()
	h := s.liveHistory(webEnv, now)
	if h == nil {
		s.envSeq++
		x := s.envSeq ^ s.envSalt
		x = bits.RotateLeft64(x*0xbf58476d1ce4e5b9, 31) * 0x94d049bb133111eb
		webEnv = fmt.Sprintf("MCID_%016x%08x", x, uint32(s.envSeq))
		h = &history{}
		s.histories[webEnv] = h
	}
	h.used = now
	h.queries = append(h.queries, ids)
	return webEnv, len(h.queries)
}

// recall returns the ids stored under webEnv and queryKey.
func (s *Server) recall(webEnv string, queryKey int) ([]uint64, bool) {
	now := s.now()
	s.hmu.Lock()
	defer s.hmu.Unlock()
	h := s.liveHistory(webEnv, now)
	if h == nil || queryKey < 1 || queryKey > len(h.queries) {
		return nil, false
	}
	h.used = now
	return h.queries[queryKey-1], true
}

func (s *Server) liveHistory(webEnv string, now time.Time) *history {
	h := s.histories[webEnv]
	if h != nil && s.historyTTL > 0 && now.Sub(h.used) > s.historyTTL {
		delete(s.histories, webEnv)
		return nil
	}
	return h
}

// ExpireHistory forgets every WebEnv, as NCBI's history server eventually
// does: efetch by WebEnv then answers "Unable to obtain query #N".
func (s *Server) ExpireHistory() {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	clear(s.histories)
}

// parseDate reads an esearch date (YYYY, YYYY/MM or YYYY/MM/DD; '-' or '.'
// also separate) as yyyymmdd. A missing month or day is the first of the
// period, or its last when end is set.
func parseDate(s string, end bool) (int, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) == 0 || len(parts) > 3 {
		return 0, fmt.Errorf("invalid date %q (want YYYY, YYYY/MM or YYYY/MM/DD)", s)
	}
	nums := [3]int{0, 1, 1}
	if end {
		nums = [3]int{0, 12, 31}
	}
	lim := [3][2]int{{1000, 3000}, {1, 12}, {1, 31}}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < lim[i][0] || n > lim[i][1] {
			return 0, fmt.Errorf("invalid date %q (want YYYY, YYYY/MM or YYYY/MM/DD)", s)
		}
		nums[i] = n
	}
	return nums[0]*10000 + nums[1]*100 + nums[2], nil
}

// dateInt is a PubMed date as yyyymmdd, with a missing month or day the
// first of the period (as pubmed.Date.Sort orders them); 0 when unknown.
func dateInt(d pubmed.Date) int {
	if d.Year == 0 {
		return 0
	}
	m, day := d.Month, d.Day
	if m < 1 || m > 12 {
		m = 1
	}
	if day < 1 || day > 31 {
		day = 1
	}
	return d.Year*10000 + m*100 + day
}

func fmtDate(d int) string {
	return fmt.Sprintf("%04d/%02d/%02d", d/10000, d/100%100, d%100)
}

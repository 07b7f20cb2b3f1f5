package web

import (
	"container/list"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"villi/library"
)

// Search history, as PubMed's Advanced page keeps it: the last searches of
// this browser session, numbered, and #n in a query standing for search n's
// query. It is held in server memory under a random cookie (HttpOnly, no
// expiry: it ends with the browser session), not in the store: it is a
// reader's scratch pad, anonymous readers of a public library have it too,
// and nothing grows without bound — each session keeps its last
// historyEntries searches, an idle session is forgotten after historyIdle,
// and all sessions together stay within historyBytes, the least recently
// used going first. A restart forgets every history, as closing the browser
// does. A signed cookie would survive restarts but cannot carry twenty
// queries of up to 1,000 characters within a cookie's 4 kB.
const (
	historyCookie  = "villi_history"
	historyEntries = 20
	historyIdle    = 8 * time.Hour
	historyBytes   = 8 << 20
	// maxExpanded bounds a query after #n expansion: nested references
	// could otherwise double it at every step.
	maxExpanded = 8000
)

// historyEntry is one search of a session.
type historyEntry struct {
	N int
	// Query is what the reader typed (with any #n); Expanded is it with
	// every #n replaced, what #N of this entry expands to.
	Query, Expanded string
	SearchedAs      string
	Filters         string // the filters in words, "" for none
	URL             string // runs the search again
	Total           uint64
	At              time.Time
}

func (e *historyEntry) size() int {
	return len(e.Query) + len(e.Expanded) + len(e.SearchedAs) + len(e.Filters) + len(e.URL) + 96
}

// session is one browser session's history, newest entry last.
type session struct {
	id      string
	next    int // the number the next new entry gets
	entries []historyEntry
	bytes   int
	seen    time.Time
}

// histories holds every session's history.
type histories struct {
	mu       sync.Mutex
	byID     map[string]*list.Element // of *session
	lru      list.List                // front: most recently used
	bytes    int
	maxBytes int
	idle     time.Duration
}

func newHistories(maxBytes int, idle time.Duration) *histories {
	return &histories{byID: map[string]*list.Element{}, maxBytes: maxBytes, idle: idle}
}

// entries returns a copy of session id's entries, newest first; nil for an
// unknown or idle session.
func (h *histories) entries(id string, now time.Time) []historyEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(id, now)
	if s == nil {
		return nil
	}
	out := make([]historyEntry, len(s.entries))
	for i, e := range s.entries {
		out[len(out)-1-i] = e
	}
	return out
}

// get returns the live session id, touching it; nil if none.
func (h *histories) get(id string, now time.Time) *session {
	el, ok := h.byID[id]
	if !ok {
		return nil
	}
	s := el.Value.(*session)
	if now.Sub(s.seen) > h.idle {
		h.drop(el)
		return nil
	}
	s.seen = now
	h.lru.MoveToFront(el)
	return s
}

func (h *histories) drop(el *list.Element) {
	s := el.Value.(*session)
	h.bytes -= s.bytes + len(s.id)
	delete(h.byID, s.id)
	h.lru.Remove(el)
}

// add records e in session id (made if new) and returns e's number. A
// search the same as the session's last one (same query and filters) only
// updates that entry, as PubMed does when a search is run again.
func (h *histories) add(id string, e historyEntry, now time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(id, now)
	if s == nil {
		s = &session{id: id, next: 1, seen: now}
		h.byID[id] = h.lru.PushFront(s)
		h.bytes += len(id)
	}
	if n := len(s.entries); n > 0 {
		last := &s.entries[n-1]
		if last.Expanded == e.Expanded && last.Filters == e.Filters {
			last.Total, last.At, last.Query, last.URL = e.Total, now, e.Query, e.URL
			return last.N
		}
	}
	e.N, e.At = s.next, now
	s.next++
	s.entries = append(s.entries, e)
	s.bytes += e.size()
	h.bytes += e.size()
	if len(s.entries) > historyEntries {
		old := s.entries[0].size()
		s.entries = append(s.entries[:0:0], s.entries[1:]...)
		s.bytes -= old
		h.bytes -= old
	}
	// Idle sessions go first, then the least recently used.
	for el := h.lru.Back(); el != nil && h.bytes > h.maxBytes; {
		prev := el.Prev()
		if el.Value.(*session) != s {
			h.drop(el)
		}
		el = prev
	}
	for el := h.lru.Back(); el != nil; {
		prev := el.Prev()
		if ss := el.Value.(*session); ss != s && now.Sub(ss.seen) > h.idle {
			h.drop(el)
		} else {
			break
		}
		el = prev
	}
	return e.N
}

// historyID returns the request's history cookie, or "" when it has none
// of the right shape.
func historyID(r *http.Request) string {
	c, err := r.Cookie(historyCookie)
	if err != nil || len(c.Value) != 22 {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil {
		return ""
	}
	return c.Value
}

// ensureHistoryID returns the request's history cookie, setting a new one
// on w when it has none.
func (s *server) ensureHistoryID(w http.ResponseWriter, r *http.Request) string {
	if id := historyID(r); id != "" {
		return id
	}
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	id := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name:     historyCookie,
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil || (s.base != nil && s.base.Scheme == "https"),
		SameSite: http.SameSiteLaxMode,
	})
	return id
}

// expandHistory replaces each #n (a # and digits) outside quotes in q
// with search n's expanded query in parentheses. It fails, naming the
// number, when the session has no such search.
func expandHistory(q string, entries []historyEntry) (string, error) {
	if !strings.Contains(q, "#") {
		return q, nil
	}
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '"' {
			inQuote = !inQuote
		}
		if c != '#' || inQuote {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j == i+1 {
			b.WriteByte(c) // not a reference ("C#"): the query parser's to read
			continue
		}
		n, err := strconv.Atoi(q[i+1 : j])
		if err != nil {
			return "", badInput("%s is not a search number", q[i:j])
		}
		e := findEntry(entries, n)
		if e == nil {
			return "", badInput("there is no search #%d in this session's history%s", n, historyRange(entries))
		}
		if e.Expanded == "" {
			return "", badInput("search #%d has filters but no query words, so it cannot be combined with #%d; set its filters here instead", n, n)
		}
		b.WriteString("(" + e.Expanded + ")")
		if b.Len() > maxExpanded {
			return "", badInput("the query with its # references expanded is over %d characters; combine fewer searches", maxExpanded)
		}
		i = j - 1
	}
	return b.String(), nil
}

func findEntry(entries []historyEntry, n int) *historyEntry {
	for i := range entries {
		if entries[i].N == n {
			return &entries[i]
		}
	}
	return nil
}

// historyRange says which numbers the history holds, for an error message.
func historyRange(entries []historyEntry) string {
	switch len(entries) {
	case 0:
		return " (it is empty: search first, then combine searches by number)"
	case 1:
		return " (it holds #" + strconv.Itoa(entries[0].N) + ")"
	}
	nums := make([]string, len(entries))
	for i, e := range entries {
		nums[len(entries)-1-i] = "#" + strconv.Itoa(e.N)
	}
	return " (it holds " + strings.Join(nums, ", ") + "; it keeps the last " + strconv.Itoa(historyEntries) + ")"
}

func clipQuery(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// withHistory is the request for p with any #n in its query expanded from
// session hid's history.
func (s *server) withHistory(p searchParams, hid string) (library.Request, error) {
	req := p.request(true)
	if !strings.Contains(p.Q, "#") {
		return req, nil
	}
	q, err := expandHistory(p.Q, s.hist.entries(hid, time.Now()))
	if err != nil {
		return req, err
	}
	req.Q = q
	return req, nil
}

// record adds a search to session hid's history: a first page with a
// query or filters (paging through results is the same search).
func (s *server) record(hid string, p searchParams, expanded string, res *library.SearchResult) {
	if hid == "" || p.Page > 1 || p.Cursor != "" || (p.Q == "" && !p.filtered()) {
		return
	}
	chips, _ := s.activeFilters(p)
	filters := make([]string, len(chips))
	for i, c := range chips {
		filters[i] = c.Label
	}
	again := p.clone()
	again.Q = expanded
	s.hist.add(hid, historyEntry{
		Query:      p.Q,
		Expanded:   expanded,
		SearchedAs: res.SearchedAs,
		Filters:    strings.Join(filters, ", "),
		URL:        again.url("/search"),
		Total:      res.Total,
	}, time.Now())
}

// historyJSON is one entry of /api/v1/history.
type historyJSON struct {
	N          int       `json:"n"`
	Query      string    `json:"query"`
	SearchedAs string    `json:"searched_as"`
	Filters    string    `json:"filters,omitempty"`
	Total      uint64    `json:"total"`
	At         time.Time `json:"at"`
}

// apiHistory lists the session's searches, newest first: the session is
// the history cookie the search page sets, which API calls may send.
func (s *server) apiHistory(w http.ResponseWriter, r *http.Request) {
	out := []historyJSON{}
	for _, e := range s.hist.entries(historyID(r), time.Now()) {
		out = append(out, historyJSON{N: e.N, Query: e.Query, SearchedAs: e.SearchedAs, Filters: e.Filters, Total: e.Total, At: e.At})
	}
	writeJSON(w, http.StatusOK, map[string]any{"history": out})
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"villi/account"
	"villi/collection"
	"villi/library"
	"villi/query"
	"villi/taxonomy"
)

// pages holds the parsed page templates.
type pages struct {
	sets map[string]*template.Template
}

func parsePages(static *staticFiles) (*pages, error) {
	funcs := template.FuncMap{
		"static":        static.url,
		"evidenceLabel": taxonomy.EvidenceLabel,
		"evidenceAbbr":  taxonomy.EvidenceAbbr,
		"speciesLabel":  taxonomy.SpeciesLabel,
		"languageName":  languageName,
		"shortAuthors":  shortAuthors,
		// Provisional tags: see tagChip.
		"entryBadges":            entryBadges,
		"anyProvisional":         anyProvisional,
		"anyEvidenceProvisional": anyEvidenceProvisional,
		"num":                    formatCount,
		"ago":                    ago,
		"add":                    func(a, b int) int { return a + b },
		"handoutLimits":          func() any { return handoutLimits },
		"disclaimer":             func() string { return collection.Disclaimer },
		"provisionalNote":        func() string { return collection.ProvisionalNote },
		"isoTime":                func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dateTime":               func(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") },
		// These mark as safe only HTML that its producer documents as safe:
		// library snippets (escaped text with <mark>), cite's reference HTML
		// (escaped, with <i>) and pubmed's *HTML fields (escaped text with
		// i, b, sup, sub, u).
		"snippetHTML": func(s string) template.HTML { return template.HTML(s) },
		"citeHTML":    func(s string) template.HTML { return template.HTML(s) },
		"pubmedHTML":  func(s string) template.HTML { return template.HTML(s) },
	}
	p := &pages{sets: map[string]*template.Template{}}
	// Each page is parsed with layout.html and partials.html into its own set.
	for _, name := range [...]string{"home", "search", "article", "article_missing", "error", "login", "collections", "collection", "print", "shared",
		"subscribe", "subscribe_message", "admin", "digest_preview"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets,
			"templates/layout.html", "templates/partials.html", "templates/handout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		if t.Lookup("main") == nil {
			return nil, fmt.Errorf("web: template %s defines no \"main\" block", name)
		}
		p.sets[name] = t
	}
	return p, nil
}

// layout is what every page passes to layout.html.
type layout struct {
	Title     string
	TopSearch bool   // show the search box in the header (pages without their own)
	Q         string // the search box's text
	AtomURL   string // a feed for the page, if any
	NoIndex   bool   // ask search engines not to index the page (share links)
	User      string // the logged-in user's email; "" for a visitor
	Admin     bool
	// Degraded is why the library cannot write (a full disk), shown on
	// every page; "" when it can.
	Degraded string
	// Flash is the message about the write that led here, if any.
	Flash *flash
	// Bare leaves out the site around the page (search, navigation,
	// footer links): a share link's reader sees the handout and nothing
	// that leads into the library.
	Bare bool
}

func (l *layout) base() *layout { return l }

// page is any page's data: a struct embedding layout, passed by pointer.
type page interface{ base() *layout }

// render writes a page. It renders into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, name string, data page) {
	l := data.base()
	if u, ok := account.CurrentUser(r); ok {
		l.User, l.Admin = u.Email, u.Admin
		l.Flash = s.takeFlash(w, r) // only writes, which need a login, leave one
	}
	l.Title = clipTitle(l.Title)
	if d := s.lib.Degraded(); d != nil {
		l.Degraded = d.Reason
	}
	var buf bytes.Buffer
	if err := s.pages.sets[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "the page could not be rendered; the error has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" { // share pages set a stricter one
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// clipTitle keeps a page title short enough for a tab and a search result.
func clipTitle(t string) string {
	const max = 60
	rs := []rune(t)
	if len(rs) <= max {
		return t
	}
	cut := string(rs[:max])
	if i := strings.LastIndex(cut, " "); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// errorPage is error.html's data.
type errorPage struct {
	layout
	Code    int
	Heading string
	Message string
	Syntax  *syntaxView
}

// syntaxView shows a query syntax error: the query with the spot marked.
type syntaxView struct {
	Before, At, After string
	Msg, Hint         string
}

func newSyntaxView(q string, se *query.SyntaxError) *syntaxView {
	rs := []rune(q)
	pos := min(max(se.Pos, 0), len(rs))
	v := &syntaxView{Before: string(rs[:pos]), Msg: se.Msg, Hint: se.Hint}
	if pos < len(rs) {
		v.At, v.After = string(rs[pos:pos+1]), string(rs[pos+1:])
	}
	return v
}

// renderError renders the error page; err, when it holds a query syntax
// error, shows where in q the problem is.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	d := errorPage{layout: layout{TopSearch: true}, Code: code, Message: userMessage(msg)}
	switch code {
	case http.StatusNotFound:
		d.Heading = "Not found"
	case http.StatusBadRequest, http.StatusRequestURITooLong:
		d.Heading = "That request could not be understood"
	case http.StatusForbidden:
		d.Heading = "Not allowed"
	case http.StatusGone:
		d.Heading = "Link expired"
	case http.StatusTooManyRequests:
		d.Heading = "Too many requests"
	default:
		d.Heading = "Something went wrong"
	}
	var se *query.SyntaxError
	if errors.As(err, &se) {
		q := r.URL.Query().Get("q")
		d.Heading = "The query has a syntax error"
		d.Syntax = newSyntaxView(q, se)
		d.Q, d.TopSearch = q, false
	}
	d.Title = d.Heading
	s.render(w, r, code, "error", &d)
}

func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+". Try a search instead.", nil)
}

// userMessage drops the index's error-kind prefix, which says nothing to a
// person reading the page.
func userMessage(msg string) string {
	return strings.TrimPrefix(msg, library.ErrBadRequest.Error()+": ")
}

// writeJSON writes v as the response.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "the response could not be encoded")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(code)
	w.Write(b)
	w.Write([]byte{'\n'})
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

// formatCount writes 12345 as "12,345".
func formatCount(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case uint64:
		v = int64(x)
	case int64:
		v = x
	default:
		return fmt.Sprint(n)
	}
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

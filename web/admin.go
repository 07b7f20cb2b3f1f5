package web

import (
	"net/http"
	"strconv"
	"time"

	"villi/account"
	"villi/digest"
	"villi/library"
	"villi/store"
)

// adminRuns is how many recent runs the admin page lists.
const adminRuns = 30

// adminPage is admin.html's data.
type adminPage struct {
	layout
	DigestOff   bool
	Subscribers []subscriberView
	Runs        []store.Run
	Users       []userView
	Queries     []queryView
	// Orphans are cursors of queries no longer saved: kept, not crawled.
	Orphans []store.Cursor
	// Retractions is the last Retraction Watch import and what it flags.
	Retractions library.RetractionStatus
	// Model is the learned tagger in use (nil: none trained yet); Agreement
	// how often its guesses and the rules' matched NLM's indexing.
	Model     *library.ModelInfo
	Agreement library.Agreement
	Agreeing  []agreementView
}

// agreementView is one row of the agreement table.
type agreementView struct {
	Kind, Label          string
	Guessed, NLM, Agreed int
	Precision, Recall    string // "93 %", or "—" where nothing was guessed or given
}

func (s *server) agreementViews(ag library.Agreement) []agreementView {
	pct := func(f *float64) string {
		if f == nil {
			return "—"
		}
		return strconv.Itoa(int(*f*100+0.5)) + " %"
	}
	out := make([]agreementView, 0, len(ag.Tags))
	for _, t := range ag.Tags {
		v := agreementView{Kind: "Evidence level", Label: s.label(fieldEvidence, t.Slug),
			Guessed: t.Guessed, NLM: t.NLM, Agreed: t.Agreed, Precision: pct(t.Precision), Recall: pct(t.Recall)}
		if t.Kind == library.KindCondition {
			v.Kind, v.Label = "Condition", s.label(fieldCondition, t.Slug)
		}
		out = append(out, v)
	}
	return out
}

// subscriberView is one subscription as the admin sees it.
type subscriberView struct {
	ID         uint64
	Email      string
	Filters    string
	Confirmed  bool
	Since      time.Time // confirmed at, or signed up at while pending
	Last       *store.SendEntry
	PreviewURL string
}

// userView is a login without its password hash, which never leaves the
// store's user record.
type userView struct {
	Email   string
	Admin   bool
	Created time.Time
}

// queryView is one saved crawl query with its cursor, if it has one.
type queryView struct {
	Name, Term  string
	Cursor      *store.Cursor
	TermChanged bool // the cursor was built for another term: the next crawl starts over
}

// requireAdmin lets administrators through; other logged-in users get a
// 403 page. Routes put it behind RequireLogin, which sends visitors to log in.
func (s *server) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if u, ok := account.CurrentUser(r); !ok || !u.Admin {
			s.renderError(w, r, http.StatusForbidden, "This page is for administrators. Ask one to grant you the admin flag if you need it.", nil)
			return
		}
		next(w, r)
	}
}

func (s *server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	d := &adminPage{layout: layout{Title: "Admin", TopSearch: true}, DigestOff: s.digest == nil}
	if s.digest != nil {
		subs, err := s.digest.Subscribers()
		if err != nil {
			s.adminFailed(w, r, "list subscribers", err)
			return
		}
		for _, sub := range subs {
			v := subscriberView{ID: sub.ID, Email: sub.Email, Filters: s.digest.Describe(&sub.Subscription),
				Confirmed: sub.Confirmed, Since: sub.Created, Last: sub.Last, PreviewURL: previewURL(sub.ID)}
			if sub.Confirmed {
				v.Since = sub.ConfirmedAt
			}
			d.Subscribers = append(d.Subscribers, v)
		}
	}
	runs, err := s.lib.Runs("", adminRuns)
	if err != nil {
		s.adminFailed(w, r, "list runs", err)
		return
	}
	d.Runs = runs
	d.Model = s.lib.Model()
	if d.Agreement, err = s.lib.Agreement(); err != nil {
		s.adminFailed(w, r, "read the agreement log", err)
		return
	}
	d.Agreeing = s.agreementViews(d.Agreement)
	if d.Retractions, err = s.lib.RetractionStatus(); err != nil {
		s.adminFailed(w, r, "read the Retraction Watch import", err)
		return
	}
	users, err := s.accounts.Users(r.Context())
	if err != nil {
		s.adminFailed(w, r, "list users", err)
		return
	}
	for _, u := range users {
		d.Users = append(d.Users, userView{Email: u.Email, Admin: u.Admin, Created: u.Created})
	}
	cursors, err := s.lib.Cursors()
	if err != nil {
		s.adminFailed(w, r, "list crawl cursors", err)
		return
	}
	byName := make(map[string]*store.Cursor, len(cursors))
	for i := range cursors {
		byName[cursors[i].Query] = &cursors[i]
	}
	for _, q := range s.queries {
		v := queryView{Name: q.Name, Term: q.Term, Cursor: byName[q.Name]}
		v.TermChanged = v.Cursor != nil && v.Cursor.Term != q.Term
		delete(byName, q.Name)
		d.Queries = append(d.Queries, v)
	}
	for _, c := range cursors {
		if _, ok := byName[c.Query]; ok {
			d.Orphans = append(d.Orphans, c)
		}
	}
	s.render(w, r, http.StatusOK, "admin", d)
}

func (s *server) adminFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if r.Context().Err() != nil {
		return
	}
	s.log.Error("admin: "+what, "err", err)
	s.renderError(w, r, http.StatusInternalServerError, "The admin page could not be built ("+what+" failed); the error has been logged.", nil)
}

func previewURL(id uint64) string {
	return digest.PathPreview + "?subscription=" + strconv.FormatUint(id, 10)
}

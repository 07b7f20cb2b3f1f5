package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"villi/account"
	"villi/collection"
	"villi/store"
)

// The collection workflow: adding many studies at once, friendly answers
// to repeats, confirmations after a write, moving to a position, copying a
// collection. Each write redirects (post/redirect/get) and the page it
// leads to shows a flash: a one-time message in a short-lived cookie.

// flashCookie carries a flash from a write to the page it redirects to.
const flashCookie = "villi_flash"

// flash is a one-time message about the write just done.
type flash struct {
	Text string `json:"t"`
	// Place is the id of the element the message belongs beside
	// ("item-123", "collect"); "" puts it at the top of the page.
	Place string `json:"p,omitempty"`
	// Link leads on, e.g. to the collection studies were added to.
	Link *link `json:"l,omitempty"`
	// Alert marks a write that was refused: announced at once.
	Alert bool `json:"a,omitempty"`
}

var flashPlace = regexp.MustCompile(`^[a-z]+(-[0-9]+)?$`)

// setFlash stores f for the next page this browser renders.
func (s *server) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	js, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(js), Path: "/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
}

// takeFlash returns the request's flash, if any, and clears it. The cookie
// is ours but arrives from the browser: what does not look like a flash we
// wrote is dropped.
func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
	js, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flash
	if err != nil || json.Unmarshal(js, &f) != nil || f.Text == "" || len(f.Text) > 600 ||
		(f.Place != "" && !flashPlace.MatchString(f.Place)) ||
		(f.Link != nil && account.SafeNext(f.Link.URL) != f.Link.URL) {
		return nil
	}
	return &f
}

func (s *server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || (s.base != nil && s.base.Scheme == "https")
}

// redirectFlash redirects to next with f for the page there.
func (s *server) redirectFlash(w http.ResponseWriter, r *http.Request, next string, f flash) {
	s.setFlash(w, r, f)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// personMessage is a refused input's message without the sentinel's words.
func personMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), collection.ErrInvalid.Error()+": ")
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func quoted(name string) string { return "“" + name + "”" }

// handleCollectMany adds the studies ticked on a result list to a
// collection (or a new one named in the form) and goes back to the list,
// saying how many were added and how many were already there.
func (s *server) handleCollectMany(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	back := account.SafeNext(r.PostForm.Get("next"))
	var pmids []uint64
	for _, v := range r.PostForm["pmid"] {
		p, err := parsePMID(v)
		if err != nil {
			s.collectionFailed(w, r, err)
			return
		}
		pmids = append(pmids, p)
	}
	if len(pmids) == 0 {
		s.redirectFlash(w, r, back, flash{Text: "Nothing added: tick the studies to add first.", Alert: true})
		return
	}
	u := user(r)
	id, created, ok := s.targetCollection(w, r, u)
	if !ok {
		return
	}
	res, err := s.colls.AddMany(r.Context(), u, id, pmids)
	if err != nil && created {
		// A refused add must not leave a new, empty collection behind.
		if derr := s.colls.Delete(r.Context(), u, id); derr != nil {
			s.log.Error("collect: remove the new collection", "collection", id, "err", derr)
		}
	}
	switch {
	case errors.Is(err, collection.ErrInvalid):
		s.redirectFlash(w, r, back, flash{Text: personMessage(err), Alert: true})
		return
	case err != nil:
		s.collectionFailed(w, r, err)
		return
	}
	s.redirectFlash(w, r, back, flash{Text: addedText(res), Link: &link{Label: "Open " + quoted(res.Collection.Name), URL: collectionURL(id)}})
}

// addedText says what a bulk add did: "3 added to “Gut”, 1 already there."
func addedText(res collection.Added) string {
	name := quoted(res.Collection.Name)
	switch {
	case len(res.Added) == 0 && len(res.Held) == 1:
		return "Already in " + name + ": nothing changed."
	case len(res.Added) == 0:
		return fmt.Sprintf("All %d were already in %s: nothing changed.", len(res.Held), name)
	case len(res.Held) == 0:
		return fmt.Sprintf("%d added to %s.", len(res.Added), name)
	}
	return fmt.Sprintf("%d added to %s, %d already there.", len(res.Added), name, len(res.Held))
}

// collectedFlash answers an add from an article page: done, or a friendly
// no-op when the collection already holds it.
func (s *server) collectedFlash(w http.ResponseWriter, r *http.Request, err error, id, pmid uint64) {
	next := "/articles/" + strconv.FormatUint(pmid, 10) + "#collect"
	if err != nil && !errors.Is(err, store.ErrExists) {
		s.collectionFailed(w, r, err)
		return
	}
	c, gerr := s.colls.Get(r.Context(), user(r), id)
	if gerr != nil {
		s.collectionFailed(w, r, gerr)
		return
	}
	f := flash{Place: "collect", Text: "Added to " + quoted(c.Name) + ".", Link: &link{Label: "Open it", URL: collectionURL(id) + itemAnchor(pmid)}}
	if err != nil {
		f.Text = "Already in " + quoted(c.Name) + ": nothing changed (its note there is kept)."
	}
	s.redirectFlash(w, r, next, f)
}

// noteSavedFlash confirms a note beside its item.
func noteSavedFlash(it store.CollectionItem) flash {
	text := "Note saved."
	switch {
	case it.Note == "":
		text = "Note cleared."
	case it.Private:
		text = "Note saved; private: the handout, its PDF and Markdown, and the share link leave it out."
	}
	return flash{Place: itemAnchor(it.PMID)[1:], Text: text}
}

// handleMoveTo moves an item to a position (1 is first) typed in its form,
// or dropped on by drag and drop, which posts the same form.
func (s *server) handleMoveTo(w http.ResponseWriter, r *http.Request, id, pmid uint64) {
	v := strings.TrimSpace(r.PostForm.Get("position"))
	pos, err := strconv.Atoi(v)
	if err != nil {
		s.collectionFailed(w, r, badInput("position %q: give the number of the place to move it to, such as 1 for the top", v))
		return
	}
	c, err := s.colls.MoveTo(r.Context(), user(r), id, pmid, pos)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	s.redirectFlash(w, r, collectionURL(id)+itemAnchor(pmid), movedFlash(c, pmid))
}

func movedFlash(c store.Collection, pmid uint64) flash {
	i := c.Index(pmid)
	return flash{Place: itemAnchor(pmid)[1:], Text: fmt.Sprintf("Moved to position %d of %d.", i+1, len(c.Items))}
}

// handleDuplicateCollection copies a collection the user may see into a
// new one of theirs, "Copy of NAME", the start of the next handout.
func (s *server) handleDuplicateCollection(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	c, err := s.colls.Duplicate(r.Context(), user(r), id)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	s.redirectFlash(w, r, collectionURL(c.ID), flash{
		Text: "This is a new copy: " + plural(len(c.Items), "reference") + " with their notes, in the same order. The original and its share link are unchanged.",
		Link: &link{Label: "Open the original", URL: collectionURL(id)},
	})
}

// targetCollection reads the collection an add form names: its number in
// "collection", or "new" (or nothing) with the "name" of one to create now;
// created says which. On bad input it answers and reports ok false.
func (s *server) targetCollection(w http.ResponseWriter, r *http.Request, u store.User) (id uint64, created, ok bool) {
	if v := r.PostForm.Get("collection"); v != "" && v != "new" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.collectionFailed(w, r, badInput("%q is not a collection number", v))
			return 0, false, false
		}
		return id, false, true
	}
	c, err := s.colls.Create(r.Context(), u, r.PostForm.Get("name"))
	if err != nil {
		s.collectionFailed(w, r, err)
		return 0, false, false
	}
	return c.ID, true, true
}

package web

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"villi/account"
	"villi/cite"
	"villi/collection"
	"villi/store"
)

// collectionsPage is collections.html's data: the user's collections and
// the form that creates one.
type collectionsPage struct {
	layout
	Collections []store.Collection
	// Practice is the user's practice name, DefaultPractice the site's.
	Practice, DefaultPractice string
}

// collectionPage is collection.html's and print.html's data.
type collectionPage struct {
	layout
	List    *collection.ReferenceList
	Styles  []link
	Exports []link
	Print   string // the print page in the current style
	Back    string // where the print page leads back to
	// Share is the collection's share link, nil when it has none (owner
	// page only); ShareURL the link just created, shown once.
	Share        *store.ShareLink
	ShareExpired bool
	ShareURL     string
	ShareOptions []struct{ Value, Label string }
}

// user is the logged-in user; every collection route is behind RequireLogin.
func user(r *http.Request) store.User {
	u, _ := account.CurrentUser(r)
	return u
}

func collectionID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, badInput("%q is not a collection number", r.PathValue("id"))
	}
	return id, nil
}

func collectionURL(id uint64) string { return "/collections/" + strconv.FormatUint(id, 10) }

// collectionFailed answers a collection error: the person's to fix (400,
// 404, 409 with collection's message) or ours (500, logged).
func (s *server) collectionFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ie *inputError
	switch {
	case errors.As(err, &ie), errors.Is(err, collection.ErrInvalid):
		s.renderError(w, r, http.StatusBadRequest, err.Error(), nil)
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, err.Error(), nil)
	case errors.Is(err, store.ErrExists):
		s.renderError(w, r, http.StatusConflict, err.Error(), nil)
	default:
		if r.Context().Err() != nil {
			return
		}
		s.log.Error("collection", "path", r.URL.Path, "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "The collection could not be read or saved; the error has been logged.", nil)
	}
}

func (s *server) handleCollections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.colls.List(r.Context(), user(r))
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	practice, err := s.colls.Practice(r.Context(), user(r))
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "collections", &collectionsPage{layout: layout{Title: "Collections", TopSearch: true}, Collections: cs,
		Practice: practice, DefaultPractice: s.practice})
}

func (s *server) handleCreateCollection(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, err := s.colls.Create(r.Context(), user(r), r.PostForm.Get("name"))
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	http.Redirect(w, r, collectionURL(c.ID), http.StatusSeeOther)
}

// references loads a collection rendered in the style the URL names
// (Vancouver by default): for handing out (collection.Service.Handout:
// without private notes) or, for the owner's own page, whole.
func (s *server) references(w http.ResponseWriter, r *http.Request, handout bool) (*collectionPage, bool) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return nil, false
	}
	style := cite.Vancouver
	if name := r.URL.Query().Get("style"); name != "" {
		if style, err = cite.ParseStyle(name); err != nil {
			s.renderError(w, r, http.StatusBadRequest, err.Error(), nil)
			return nil, false
		}
	}
	load := s.colls.References
	if handout {
		load = s.colls.Handout
	}
	list, err := load(r.Context(), user(r), id, style)
	if err != nil {
		s.collectionFailed(w, r, err)
		return nil, false
	}
	s.practiceFallback(list)
	base := collectionURL(id)
	d := &collectionPage{layout: layout{Title: list.Collection.Name, TopSearch: true}, List: list,
		Print: base + "/print?style=" + string(style), Back: base, ShareOptions: shareOptions}
	if l, ok, err := s.colls.ShareStatus(r.Context(), user(r), id); err != nil {
		s.collectionFailed(w, r, err)
		return nil, false
	} else if ok {
		d.Share, d.ShareExpired = &l, l.Expired(time.Now())
	}
	d.Styles = styleLinks(base, style)
	d.Exports = append(d.Exports, link{Label: "Markdown", URL: base + "/export?format=markdown&style=" + string(style)})
	for _, f := range cite.Formats {
		d.Exports = append(d.Exports, link{Label: formatLabel(f), URL: base + "/export?format=" + string(f)})
	}
	return d, true
}

func (s *server) handleCollection(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.references(w, r, false); ok {
		s.render(w, r, http.StatusOK, "collection", d)
	}
}

// handleCollectionPrint renders the reference list for printing: a handout.
func (s *server) handleCollectionPrint(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.references(w, r, true); ok {
		s.render(w, r, http.StatusOK, "print", d)
	}
}

// handleCollectionExport downloads a collection as Markdown (in a style) or
// in an export format.
func (s *server) handleCollectionExport(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	q := r.URL.Query()
	var (
		buf         bytes.Buffer
		ctype, ext  string
		name        string
		formatParam = q.Get("format")
	)
	switch strings.ToLower(formatParam) {
	case "markdown", "md":
		style, err := cite.ParseStyle(cmp.Or(q.Get("style"), string(cite.Vancouver)))
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, err.Error(), nil)
			return
		}
		list, err := s.colls.Handout(r.Context(), user(r), id, style)
		if err != nil {
			s.collectionFailed(w, r, err)
			return
		}
		if err := list.WriteMarkdown(&buf); err != nil {
			s.collectionFailed(w, r, err)
			return
		}
		ctype, ext, name = "text/markdown; charset=utf-8", ".md", list.Collection.Name
	default:
		f, err := cite.ParseFormat(formatParam)
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, err.Error()+" (or markdown)", nil)
			return
		}
		c, err := s.colls.Get(r.Context(), user(r), id)
		if err != nil {
			s.collectionFailed(w, r, err)
			return
		}
		if err := s.colls.Export(r.Context(), user(r), id, &buf, f); err != nil {
			s.collectionFailed(w, r, err)
			return
		}
		ctype, ext, name = f.ContentType(), f.Ext(), c.Name
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(name)+ext+`"`)
	w.Write(buf.Bytes())
}

// fileName makes a collection name safe as a download's file name.
func fileName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "collection"
	}
	return out
}

func (s *server) handleRenameCollection(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	_, err = s.colls.Rename(r.Context(), user(r), id, r.PostForm.Get("name"))
	s.afterWrite(w, r, err, collectionURL(id))
}

func (s *server) handleDeleteCollection(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.renderError(w, r, http.StatusBadRequest, "Tick the box to confirm that the collection should be deleted.", nil)
		return
	}
	s.afterWrite(w, r, s.colls.Delete(r.Context(), user(r), id), "/collections")
}

// itemRequest reads the {id} and {pmid} of an item route and its form.
func (s *server) itemRequest(w http.ResponseWriter, r *http.Request) (id, pmid uint64, ok bool) {
	id, err := collectionID(r)
	if err == nil {
		pmid, err = parsePMID(r.PathValue("pmid"))
	}
	if err != nil {
		s.collectionFailed(w, r, err)
		return 0, 0, false
	}
	return id, pmid, s.parseForm(w, r)
}

func (s *server) handleSetNote(w http.ResponseWriter, r *http.Request) {
	if id, pmid, ok := s.itemRequest(w, r); ok {
		c, err := s.colls.SetItemNote(r.Context(), user(r), id, pmid, r.PostForm.Get("note"), r.PostForm.Get("private") == "yes")
		if err == nil {
			s.setFlash(w, r, noteSavedFlash(c.Items[c.Index(pmid)]))
		}
		s.afterWrite(w, r, err, collectionURL(id)+itemAnchor(pmid))
	}
}

func (s *server) handleMoveItem(w http.ResponseWriter, r *http.Request) {
	id, pmid, ok := s.itemRequest(w, r)
	if !ok {
		return
	}
	if r.PostForm.Has("position") {
		s.handleMoveTo(w, r, id, pmid)
		return
	}
	to, err := strconv.Atoi(r.PostForm.Get("to"))
	if err != nil {
		s.collectionFailed(w, r, badInput("move to %q: give a position number", r.PostForm.Get("to")))
		return
	}
	c, err := s.colls.Move(r.Context(), user(r), id, pmid, to)
	if err == nil {
		s.setFlash(w, r, movedFlash(c, pmid))
	}
	s.afterWrite(w, r, err, collectionURL(id)+itemAnchor(pmid))
}

func (s *server) handleRemoveItem(w http.ResponseWriter, r *http.Request) {
	if id, pmid, ok := s.itemRequest(w, r); ok {
		_, err := s.colls.Remove(r.Context(), user(r), id, pmid)
		s.afterWrite(w, r, err, collectionURL(id))
	}
}

// handleCollect adds the article to a collection from its page: an existing
// one, or a new one named in the same form.
func (s *server) handleCollect(w http.ResponseWriter, r *http.Request) {
	pmid, err := parsePMID(r.PathValue("pmid"))
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	// An unknown article must not leave a new, empty collection behind.
	if _, err := s.lib.Record(pmid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("PMID %d is not in this library: %w", pmid, err)
		}
		s.collectionFailed(w, r, err)
		return
	}
	u := user(r)
	id, _, ok := s.targetCollection(w, r, u)
	if !ok {
		return
	}
	_, err = s.colls.Add(r.Context(), u, id, pmid, r.PostForm.Get("note"))
	s.collectedFlash(w, r, err, id, pmid)
}

// afterWrite redirects to next after a successful write (post/redirect/get)
// or shows what went wrong.
func (s *server) afterWrite(w http.ResponseWriter, r *http.Request, err error, next string) {
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func itemAnchor(pmid uint64) string { return "#item-" + strconv.FormatUint(pmid, 10) }

// styleLinks links a reference list at base in each citation style, the
// current one marked.
func styleLinks(base string, current cite.Style) []link {
	links := make([]link, 0, len(cite.Styles))
	for _, st := range cite.Styles {
		links = append(links, link{Label: citeStyleLabel(st), URL: base + "?style=" + string(st), Current: st == current})
	}
	return links
}

package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"villi/cite"
	"villi/collection"
	"villi/store"
)

// shareOptions are the lifetimes the share form offers, as form values.
var shareOptions = []struct{ Value, Label string }{
	{"7", "7 days"}, {"30", "30 days"}, {"90", "90 days"}, {"never", "Never"},
}

// shareTTL reads the share form's lifetime: days, or "never".
func shareTTL(v string) (time.Duration, error) {
	if v == "never" {
		return 0, nil
	}
	days, err := strconv.Atoi(v)
	if err != nil || days <= 0 {
		return 0, badInput("%q is not a link lifetime: choose 7, 30 or 90 days, or never", v)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// sharedPage guards every share-link route: it sets the headers that keep
// the token out of search engines, referrers and shared caches, and
// throttles each client, so links cannot be scraped or guessed in bulk.
// It loads no session: a share link is the whole authority of its request.
func (s *server) sharedPage(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Robots-Tag", "noindex")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "private, no-store")
		if wait := s.shareOpens.Allow(s.clientIP(r), time.Now()); wait > 0 {
			secs := int(wait.Seconds())
			hd.Set("Retry-After", strconv.Itoa(secs))
			s.renderError(w, r, http.StatusTooManyRequests, "Too many requests for shared lists from your network. Try again in "+plural(secs, "second")+".", nil)
			return
		}
		h(w, r)
	})
}

// sharedReferences renders the collection of the request's share link.
func (s *server) sharedReferences(w http.ResponseWriter, r *http.Request) (*collectionPage, bool) {
	token := r.PathValue("token")
	style := cite.Vancouver
	if name := r.URL.Query().Get("style"); name != "" {
		var err error
		if style, err = cite.ParseStyle(name); err != nil {
			s.renderError(w, r, http.StatusBadRequest, err.Error(), nil)
			return nil, false
		}
	}
	list, err := s.colls.Shared(r.Context(), token, style, time.Now())
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "This share link does not exist or has been revoked. Ask whoever sent it for a new one.", nil)
		return nil, false
	case errors.Is(err, collection.ErrLinkExpired):
		s.renderError(w, r, http.StatusGone, err.Error()+". Ask whoever sent it for a new one.", nil)
		return nil, false
	default:
		s.collectionFailed(w, r, err)
		return nil, false
	}
	s.practiceFallback(list)
	base := collection.ShareURLPath(token)
	d := &collectionPage{layout: layout{Title: list.Collection.Name, NoIndex: true, Bare: true}, List: list,
		Print: base + "/print?style=" + string(style), Back: base + "?style=" + string(style)}
	d.Styles = styleLinks(base, style)
	return d, true
}

// handleShared shows a shared collection read-only: the handout.
func (s *server) handleShared(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.sharedReferences(w, r); ok {
		s.render(w, r, http.StatusOK, "shared", d)
	}
}

// handleSharedPrint is the handout's print view.
func (s *server) handleSharedPrint(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.sharedReferences(w, r); ok {
		s.render(w, r, http.StatusOK, "print", d)
	}
}

// handleShare gives the collection a new share link (replacing any old one)
// and shows the collection page with it: the token is stored hashed, so
// this page is the only time its owner sees it.
func (s *server) handleShare(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ttl, err := shareTTL(r.PostForm.Get("expires"))
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	token, _, err := s.colls.Share(r.Context(), user(r), id, ttl, time.Now())
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	d, ok := s.references(w, r, false)
	if !ok {
		return
	}
	d.ShareURL = s.absURL(r, collection.ShareURLPath(token))
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "collection", d)
}

// handleUnshare revokes the collection's share link: it stops opening at once.
func (s *server) handleUnshare(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	s.afterWrite(w, r, s.colls.Unshare(r.Context(), user(r), id), collectionURL(id)+"#share")
}

package web

import (
	"bytes"
	"net/http"
	"strings"

	"villi/collection"
)

// handoutLimits are the handout form's limits, for its maxlength attributes.
var handoutLimits = struct{ Title, Text, Practice int }{
	collection.MaxTitleChars, collection.MaxTextChars, collection.MaxPracticeChars,
}

// practiceFallback gives a list whose owner has set no practice name the
// site's (VILLI_PRACTICE_NAME).
func (s *server) practiceFallback(l *collection.ReferenceList) {
	if l.Handout.Practice == "" {
		l.Handout.Practice = s.practice
	}
}

// handleSetHandout saves the collection's handout title, introduction and
// closing text.
func (s *server) handleSetHandout(w http.ResponseWriter, r *http.Request) {
	id, err := collectionID(r)
	if err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	_, err = s.colls.SetHandout(r.Context(), user(r), id, f.Get("title"), f.Get("intro"), f.Get("closing"))
	s.afterWrite(w, r, err, collectionURL(id)+"#handout")
}

// handleSetPractice saves the practice name of the user's handouts.
func (s *server) handleSetPractice(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, err := s.colls.SetPractice(r.Context(), user(r), r.PostForm.Get("practice"))
	s.afterWrite(w, r, err, "/collections#practice")
}

// handleCollectionPDF downloads the owner's handout as a PDF.
func (s *server) handleCollectionPDF(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.references(w, r, true); ok {
		s.writePDF(w, r, d.List)
	}
}

// handleSharedPDF downloads a share link's handout as a PDF, under the share
// page's rules (sharedPage: noindex, no referrer, throttled; revoked or
// unknown 404, expired 410).
func (s *server) handleSharedPDF(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.sharedReferences(w, r); ok {
		s.writePDF(w, r, d.List)
	}
}

// writePDF renders the whole PDF before answering, so a failure is an
// error page rather than half a file.
func (s *server) writePDF(w http.ResponseWriter, r *http.Request, l *collection.ReferenceList) {
	var buf bytes.Buffer
	if err := l.WritePDF(&buf); err != nil {
		s.collectionFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(l.Handout.Title)+`.pdf"`)
	w.Write(buf.Bytes())
}

// PDF is the handout's PDF in the page's style: beside its print view.
func (d *collectionPage) PDF() string {
	return strings.Replace(d.Print, "/print?", "/pdf?", 1)
}

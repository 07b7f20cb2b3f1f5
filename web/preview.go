package web

import (
	"errors"
	"net/http"
	"strconv"

	"villi/digest"
	"villi/store"
)

// pathPreviewMail serves a preview's HTML part alone, for the preview page's
// sandboxed frame.
const pathPreviewMail = digest.PathPreview + "/mail"

// previewPolicy is the preview page's CSP: the site's, plus frames from the
// site itself (the mail's HTML part).
const previewPolicy = contentSecurityPolicy + "; frame-src 'self'"

// mailPolicy is the CSP of the mail's HTML part shown in that frame. A mail
// carries its CSS inline (mail clients ignore style sheets), so inline
// styles are allowed here and only here; the document is sandboxed (no
// scripts, an opaque origin without cookies), loads nothing from anywhere,
// and may be framed only by the site. Its links open outside the frame.
const mailPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

// previewPage is digest_preview.html's data.
type previewPage struct {
	layout
	Sub     store.Subscription
	Filters string
	Msg     *digest.Message
	MailURL string
}

// preview renders the digest the URL's subscription would get next.
func (s *server) preview(w http.ResponseWriter, r *http.Request) (store.Subscription, *digest.Message, bool) {
	if s.digest == nil {
		s.digestOff(w, r)
		return store.Subscription{}, nil, false
	}
	raw := r.URL.Query().Get("subscription")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		s.renderError(w, r, http.StatusBadRequest, "subscription="+strconv.Quote(raw)+" is not a subscription number; pick one on the admin page.", nil)
		return store.Subscription{}, nil, false
	}
	msg, err := s.digest.Preview(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, "There is no subscription "+raw+" (it may have been cancelled).", nil)
		return store.Subscription{}, nil, false
	}
	if err != nil {
		if r.Context().Err() == nil {
			s.log.Error("digest preview", "subscription", id, "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "The digest could not be built; the error has been logged.", nil)
		}
		return store.Subscription{}, nil, false
	}
	sub, err := s.digest.Subscription(id)
	if err != nil {
		// Cancelled between the two reads: show the mail without its owner.
		sub = store.Subscription{ID: id, Email: msg.To}
	}
	return sub, msg, true
}

// handlePreview shows exactly what a subscription's next digest would be:
// the HTML part in a sandboxed frame, the text part as text, the headers
// that matter.
func (s *server) handlePreview(w http.ResponseWriter, r *http.Request) {
	sub, msg, ok := s.preview(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Security-Policy", previewPolicy)
	s.render(w, r, http.StatusOK, "digest_preview", &previewPage{
		layout:  layout{Title: "Digest preview: " + sub.Email, TopSearch: true},
		Sub:     sub,
		Filters: s.digest.Describe(&sub),
		Msg:     msg,
		MailURL: pathPreviewMail + "?subscription=" + strconv.FormatUint(sub.ID, 10),
	})
}

// handlePreviewMail serves the HTML part byte for byte.
func (s *server) handlePreviewMail(w http.ResponseWriter, r *http.Request) {
	_, msg, ok := s.preview(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", mailPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(msg.HTML))
}

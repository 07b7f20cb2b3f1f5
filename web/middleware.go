package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"villi/digest"
)

// Request limits: a search needs a few hundred bytes; a pasted document
// should not become a query.
const (
	maxQueryBytes = 16 << 10 // raw query string
	maxParams     = 64       // query parameters, counting repeats
	maxBodyBytes  = 64 << 10 // form bodies (login, collections)
)

// contentSecurityPolicy allows scripts, styles and images only from the site
// itself: no inline script or style anywhere, so none can be injected.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// middleware wraps the mux, outermost first: panic recovery, metrics,
// security headers, request limits, cross-origin protection.
func (s *server) middleware(mux http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross-origin request refused: submit forms from villi's own pages")
	}))
	// RFC 8058 one-click unsubscribe: mail providers POST from their own
	// servers, and a webmail page may POST cross-site. The signed token in
	// the URL, not a cookie, authorises it, so a forged request gains
	// nothing a link holder could not do anyway.
	cop.AddInsecureBypassPattern("POST " + digest.PathUnsubscribe)
	h := cop.Handler(mux)
	h = s.limits(h)
	h = s.securityHeaders(h)
	h = s.metrics.instrument(h)
	return s.recoverPanics(h)
}

func (s *server) securityHeaders(next http.Handler) http.Handler {
	hsts := s.base != nil && s.base.Scheme == "https"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// limits bounds the query string, the number of parameters and the body.
func (s *server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.RawQuery
		if len(raw) > maxQueryBytes {
			s.fail(w, r, http.StatusRequestURITooLong, fmt.Sprintf("the address is too long: keep the query string under %d KiB", maxQueryBytes>>10))
			return
		}
		if raw != "" && strings.Count(raw, "&")+strings.Count(raw, ";")+1 > maxParams {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("too many parameters: at most %d", maxParams))
			return
		}
		if r.Body != nil {
			limit := int64(maxBodyBytes)
			if r.Method == http.MethodPost && r.URL.Path == pathAdminImport {
				limit = maxImportBytes // PubMed files; the route is admins only
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into a logged 500 rather than a dropped
// connection; http.ErrAbortHandler keeps its meaning.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.fail(w, r, http.StatusInternalServerError, "something went wrong on our side; the error has been logged")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// isAPI reports whether a request gets JSON errors.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail answers an error in the form the client expects: JSON under /api/,
// a plain page elsewhere.
func (s *server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if isAPI(r) {
		writeJSONError(w, code, msg)
		return
	}
	s.renderError(w, r, code, msg, nil)
}

// since returns seconds since t for the latency histogram.
func since(t time.Time) float64 { return time.Since(t).Seconds() }

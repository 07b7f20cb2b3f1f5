package account

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"villi/store"
)

// tokenLen is the length of a session token (32 bytes, base64url): any
// other cookie value is refused without a database lookup.
const tokenLen = 43

// Login throttles, authenticates, and on success ends the session the
// request came with (if any) and starts a new one, setting its cookie on w.
// Rotating the token at login means a token planted before login is worth
// nothing after it. Errors: *ThrottledError, ErrInvalidCredentials, or a
// storage error.
func (s *Service) Login(ctx context.Context, w http.ResponseWriter, r *http.Request, email, password string) (store.User, error) {
	now := s.cfg.Now()
	if wait := s.throttle.attempt(store.NormalizeEmail(email), s.cfg.ClientIP(r), now); wait > 0 {
		return store.User{}, &ThrottledError{RetryAfter: wait}
	}
	u, err := s.Authenticate(ctx, email, password)
	if err != nil {
		return store.User{}, err
	}
	if old := s.token(r); old != "" {
		if err := s.st.DeleteSession(old); err != nil {
			return store.User{}, fmt.Errorf("login: end previous session: %w", err)
		}
	}
	token, ss, err := s.st.CreateSession(u.Email, now, s.cfg.SessionTTL)
	if err != nil {
		return store.User{}, fmt.Errorf("login: %w", err)
	}
	http.SetCookie(w, s.sessionCookie(token, ss.Expires, now))
	return u, nil
}

// Logout ends the request's session and clears the cookie.
func (s *Service) Logout(w http.ResponseWriter, r *http.Request) error {
	if t := s.token(r); t != "" {
		if err := s.st.DeleteSession(t); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	c := s.sessionCookie("", time.Unix(0, 0), s.cfg.Now())
	c.MaxAge = -1
	http.SetCookie(w, c)
	return nil
}

func (s *Service) sessionCookie(token string, expires, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     s.cookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   max(1, int(expires.Sub(now)/time.Second)),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// token is the request's session cookie value if it has a token's shape.
func (s *Service) token(r *http.Request) string {
	c, err := r.Cookie(s.cookie)
	if err != nil || len(c.Value) != tokenLen {
		return ""
	}
	return c.Value
}

// UserFrom returns the user of the request's session cookie. No cookie,
// an expired or unknown session or a removed user all give false.
func (s *Service) UserFrom(r *http.Request) (store.User, bool) {
	t := s.token(r)
	if t == "" {
		return store.User{}, false
	}
	ss, err := s.st.Session(t, s.cfg.Now())
	if err != nil {
		return store.User{}, false
	}
	u, err := s.st.User(ss.Email)
	if err != nil {
		return store.User{}, false
	}
	return u, true
}

type ctxKey struct{}

// loaded is what Sessions puts on a request's context.
type loaded struct {
	user store.User
	ok   bool
}

// Sessions loads the request's user (if any) into its context for
// CurrentUser. Wrap the whole router with it; the Require* guards load the
// user themselves when it is missing.
func (s *Service) Sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, s.withUser(r))
	})
}

func (s *Service) withUser(r *http.Request) *http.Request {
	if _, ok := r.Context().Value(ctxKey{}).(loaded); ok {
		return r
	}
	u, ok := s.UserFrom(r)
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, loaded{u, ok}))
}

// CurrentUser returns the logged-in user of a request that passed through
// Sessions or a Require* guard.
func CurrentUser(r *http.Request) (store.User, bool) {
	l, _ := r.Context().Value(ctxKey{}).(loaded)
	return l.user, l.ok
}

// RequireLogin lets logged-in users through. Others get, under /api/, a 401
// with a JSON error; elsewhere a redirect to the login page carrying the
// page they wanted as ?next= (GET and HEAD only: a form post cannot be
// replayed by a redirect).
func (s *Service) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withUser(r)
		if _, ok := CurrentUser(r); !ok {
			s.deny(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireRead guards reading: everyone passes when the library is public
// (Config.Public), otherwise it is RequireLogin.
func (s *Service) RequireRead(next http.Handler) http.Handler {
	guarded := s.RequireLogin(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Public {
			next.ServeHTTP(w, s.withUser(r))
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// RequireAdmin is RequireLogin for administrators; a logged-in user who is
// not one gets 403.
func (s *Service) RequireAdmin(next http.Handler) http.Handler {
	return s.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := CurrentUser(r); !u.Admin {
			const msg = "administrators only"
			if isAPI(r) {
				writeJSONError(w, http.StatusForbidden, msg)
				return
			}
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

func (s *Service) deny(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		writeJSONError(w, http.StatusUnauthorized, "login required")
		return
	}
	target := s.cfg.LoginPath
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// SafeNext returns next if it is a path on this site, else "/": a login
// form's ?next= must not send the user to another site.
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

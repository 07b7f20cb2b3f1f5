package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"villi/account"
)

// loginPage is login.html's data.
type loginPage struct {
	layout
	Email, Next string
	Message     string
	NoUsers     bool
}

func (s *server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	d := loginPage{layout: layout{Title: "Log in"}, Next: account.SafeNext(r.URL.Query().Get("next"))}
	users, err := s.accounts.Users(r.Context())
	if err != nil {
		s.log.Error("login page: list users", "err", err)
	}
	d.NoUsers = err == nil && len(users) == 0
	s.render(w, r, http.StatusOK, "login", &d)
}

func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email, next := r.PostForm.Get("email"), account.SafeNext(r.PostForm.Get("next"))
	_, err := s.accounts.Login(r.Context(), w, r, email, r.PostForm.Get("password"))
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := loginPage{layout: layout{Title: "Log in"}, Email: email, Next: next}
	var te *account.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.Message = fmt.Sprintf("Too many login attempts. Try again in %s.", plural(secs, "second"))
		s.render(w, r, http.StatusTooManyRequests, "login", &d)
	case errors.Is(err, account.ErrInvalidCredentials):
		d.Message = "Wrong email or password."
		s.render(w, r, http.StatusUnauthorized, "login", &d)
	default:
		s.log.Error("login", "err", err)
		d.Message = "Logging in failed on our side; the error has been logged. Try again in a moment."
		s.render(w, r, http.StatusInternalServerError, "login", &d)
	}
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.accounts.Logout(w, r); err != nil {
		s.log.Error("logout", "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "Logging out failed on our side; the error has been logged.", nil)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// parseForm reads a posted form within the body limit; on failure it has
// answered (413 or 400) and returns false.
func (s *server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil && len(r.PostForm) > maxParams {
		err = badInput("too many form fields: at most %d", maxParams)
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the form is too large: at most %d KiB", maxBodyBytes>>10))
		return false
	}
	s.fail(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
	return false
}

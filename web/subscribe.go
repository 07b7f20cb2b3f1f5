package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"villi/digest"
	"villi/query"
	"villi/store"
	"villi/taxonomy"
)

// maxTokenBytes bounds a link token: a genuine one is well under 200 bytes.
const maxTokenBytes = 512

// subscribePage is subscribe.html's data: the sign-up form, or the manage
// form of an existing subscription (Token set).
type subscribePage struct {
	layout
	signUpForm
	Token   string // the manage link's token; "" on the sign-up form
	Address string // the subscription's address (manage form)
	Filters string // what the subscription follows now, in words (manage form)
	Saved   bool   // the manage form was just saved
	Message string // a form-level error
}

// signUpForm is the filters of a sign-up as the form shows them.
type signUpForm struct {
	Email      string
	Conditions []option
	Mechanisms []option
	Query      string
	Evidence   []option // the minimum-evidence choices, "" (any) first
	HumansOnly bool
	SkipEmpty  bool
	Errors     map[string]string // by digest.FieldError.Field
	Syntax     *syntaxView       // where the query's syntax error is
}

// option is one checkbox or select choice.
type option struct {
	Value, Label string
	Checked      bool
}

// messagePage is subscribe_message.html's data: one outcome of the digest
// life cycle, with an optional button that POSTs the token (confirm and
// unsubscribe ask for a click, so mail scanners that fetch links change
// nothing).
type messagePage struct {
	layout
	Heading string
	Lines   []string
	Action  *tokenAction
	Links   []link
}

type tokenAction struct {
	URL, Token, Button string
}

// form builds the form's view of a sign-up.
func (s *server) form(u digest.SignUp) signUpForm {
	f := signUpForm{Email: u.Email, Query: u.Query, HumansOnly: u.HumansOnly, SkipEmpty: u.EmptyWeek == store.EmptyWeekSkip}
	for _, t := range s.tax.Conditions() {
		f.Conditions = append(f.Conditions, option{Value: t.Slug, Label: t.Label, Checked: slices.Contains(u.Conditions, t.Slug)})
	}
	for _, t := range s.tax.Mechanisms() {
		f.Mechanisms = append(f.Mechanisms, option{Value: t.Slug, Label: t.Label, Checked: slices.Contains(u.Mechanisms, t.Slug)})
	}
	f.Evidence = append(f.Evidence, option{Value: "", Label: "Any level", Checked: u.MinEvidence == ""})
	for i, lvl := range taxonomy.EvidenceLevels() {
		label := taxonomy.EvidenceLabel(lvl) + " or stronger"
		if i == 0 {
			label = taxonomy.EvidenceLabel(lvl) + " only"
		}
		f.Evidence = append(f.Evidence, option{Value: lvl, Label: label, Checked: u.MinEvidence == lvl})
	}
	return f
}

// withError puts a sign-up error on the form: beside its field when it is
// a *digest.FieldError, with the spot marked for a query syntax error.
func (f *signUpForm) withError(err error) bool {
	var fe *digest.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	f.Errors = map[string]string{fe.Field: fe.Msg}
	if fe.Field == "query" {
		var se *query.SyntaxError
		if _, perr := query.Parse(f.Query); errors.As(perr, &se) {
			f.Syntax = newSyntaxView(f.Query, se)
			f.Errors["query"] = se.Msg
		}
	}
	return true
}

// signUpFrom reads the sign-up and manage forms (and, leniently, the
// sign-up page's query string, to pre-fill it from a search).
func signUpFrom(v url.Values) digest.SignUp {
	u := digest.SignUp{
		Email:       strings.TrimSpace(v.Get("email")),
		Conditions:  v["condition"],
		Mechanisms:  append(slices.Clone(v["mechanism"]), v[fieldTopic]...),
		Query:       strings.TrimSpace(v.Get("q")),
		MinEvidence: v.Get("min_evidence"),
		HumansOnly:  v.Get("humans_only") != "",
		EmptyWeek:   store.EmptyWeekSend,
	}
	if v.Get("empty_week") == store.EmptyWeekSkip {
		u.EmptyWeek = store.EmptyWeekSkip
	}
	return u
}

// digestOff answers every digest page when the server sends no mail.
func (s *server) digestOff(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusServiceUnavailable, "subscribe_message", &messagePage{
		layout:  layout{Title: "Weekly digest unavailable", TopSearch: true},
		Heading: "Digest e-mails are not configured on this server",
		Lines: []string{
			"This villi server does not send mail, so nobody can sign up for the weekly digest or change a subscription here yet.",
			"Its administrator can turn digests on by setting VILLI_SMTP_URL, VILLI_MAIL_FROM and VILLI_BASE_URL and restarting it.",
		},
		Links: []link{{Label: "Search the library", URL: "/search?sort=date"}},
	})
}

func (s *server) handleSubscribeForm(w http.ResponseWriter, r *http.Request) {
	if s.digest == nil {
		s.digestOff(w, r)
		return
	}
	// A link from a search may pre-fill the filters; unknown values are
	// simply not ticked.
	u := signUpFrom(r.URL.Query())
	u.Email = ""
	s.render(w, r, http.StatusOK, "subscribe", &subscribePage{layout: layout{Title: "Weekly digest", TopSearch: true}, signUpForm: s.form(u)})
}

func (s *server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	if s.digest == nil {
		s.digestOff(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	u := signUpFrom(r.PostForm)
	d := &subscribePage{layout: layout{Title: "Weekly digest", TopSearch: true}, signUpForm: s.form(u)}
	if _, err := s.digest.Validate(u); err != nil {
		d.withError(err)
		d.Title = "Check the form · Weekly digest"
		s.render(w, r, http.StatusBadRequest, "subscribe", d)
		return
	}
	// Only a valid sign-up, which sends a mail, costs a token: a person
	// fixing a typo is never held back.
	if wait := s.signUps.Allow(s.clientIP(r), time.Now()); wait > 0 {
		secs := int(wait.Seconds())
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.Message = "Too many sign-ups from your network in a short time. Try again in " + plural(secs, "second") + "."
		s.render(w, r, http.StatusTooManyRequests, "subscribe", d)
		return
	}
	err := s.digest.Subscribe(r.Context(), u)
	switch {
	case err == nil, errors.Is(err, digest.ErrTooSoon):
		// The same answer for a new, a pending and a confirmed address, so
		// the page tells nobody who subscribes.
		s.render(w, r, http.StatusOK, "subscribe_message", &messagePage{
			layout:  layout{Title: "Check your inbox", TopSearch: true},
			Heading: "Check your inbox",
			Lines: []string{
				"If " + u.Email + " can receive mail, a message from villi is on its way with a link to confirm your subscription (or, if this address already gets the digest, a link to change it).",
				"Nothing is sent before you click that link. If no mail arrives within a few minutes, look in the spam folder.",
			},
			Links: []link{{Label: "Back to the library", URL: "/"}},
		})
	case d.withError(err):
		s.render(w, r, http.StatusBadRequest, "subscribe", d)
	default:
		if r.Context().Err() != nil {
			return
		}
		s.log.Error("digest sign-up", "err", err)
		d.Message = "The confirmation mail could not be sent just now; the error has been logged. Please try again in a few minutes."
		s.render(w, r, http.StatusServiceUnavailable, "subscribe", d)
	}
}

// token reads the link token from a posted form, else from the URL.
func token(r *http.Request) string {
	if t := r.PostForm.Get("token"); t != "" {
		return t
	}
	return r.URL.Query().Get("token")
}

// checkToken answers a missing or oversized token itself and returns false.
func (s *server) checkToken(w http.ResponseWriter, r *http.Request, tok string) bool {
	if tok == "" || len(tok) > maxTokenBytes {
		s.tokenFailed(w, r, digest.ErrBadToken)
		return false
	}
	return true
}

// tokenFailed answers an error of a confirm, manage or unsubscribe link:
// a page saying what happened and what to do (4xx), or ours (500, logged).
func (s *server) tokenFailed(w http.ResponseWriter, r *http.Request, err error) {
	d := &messagePage{layout: layout{TopSearch: true}, Links: []link{{Label: "Sign up again", URL: "/subscribe"}}}
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, digest.ErrBadToken):
		d.Heading = "This link is not valid"
		d.Lines = []string{
			"The link may have been cut off or changed on its way. Open it again from the mail (copy the whole address if it spans two lines).",
			"If that does not help, sign up again: you will get a new link.",
		}
	case errors.Is(err, digest.ErrExpiredToken):
		code = http.StatusGone
		d.Heading = "This link has expired"
		d.Lines = []string{
			"Confirmation links last a week; the links in digests last about a year.",
			"Sign up again for a new confirmation link, or use the link in your most recent digest.",
		}
	case errors.Is(err, digest.ErrUnsubscribed):
		code = http.StatusGone
		d.Heading = "This subscription no longer exists"
		d.Lines = []string{"It was cancelled, so no digest goes to this address. Sign up again to get the digest."}
	default:
		if r.Context().Err() != nil {
			return
		}
		s.log.Error("digest link", "path", r.URL.Path, "err", err)
		code = http.StatusInternalServerError
		d.Heading = "Something went wrong"
		d.Lines = []string{"The subscription could not be read or saved; the error has been logged. Please try the link again later."}
		d.Links = nil
	}
	d.Title = d.Heading
	s.render(w, r, code, "subscribe_message", d)
}

// linkToken reads the token of a link from a mail (a GET). When digests
// are off or the token is missing or oversized it answers itself and
// returns false.
func (s *server) linkToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.digest == nil {
		s.digestOff(w, r)
		return "", false
	}
	tok := r.URL.Query().Get("token")
	return tok, s.checkToken(w, r, tok)
}

// formToken reads the token a link's page posts back, as linkToken does.
func (s *server) formToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.digest == nil {
		s.digestOff(w, r)
		return "", false
	}
	if !s.parseForm(w, r) {
		return "", false
	}
	tok := token(r)
	return tok, s.checkToken(w, r, tok)
}

// tokenButton shows d, a page whose one button POSTs the link's token to
// d.Action.URL: a GET changes nothing, so a mail scanner opening the link
// changes nothing either.
func (s *server) tokenButton(w http.ResponseWriter, r *http.Request, d *messagePage, check func(string) error) {
	tok, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	// Say now, not after the click, that the link has expired or is void.
	if err := check(tok); err != nil {
		s.tokenFailed(w, r, err)
		return
	}
	d.Action.Token = tok
	s.render(w, r, http.StatusOK, "subscribe_message", d)
}

// handleConfirmForm shows the button that confirms, so a mail scanner
// opening the link does not subscribe anyone.
func (s *server) handleConfirmForm(w http.ResponseWriter, r *http.Request) {
	s.tokenButton(w, r, &messagePage{
		layout:  layout{Title: "Confirm your subscription", TopSearch: true},
		Heading: "Confirm your subscription",
		Lines:   []string{"One click to start the villi weekly digest at this address. If you did not ask for it, close this page: nothing will be sent."},
		Action:  &tokenAction{URL: digest.PathConfirm, Button: "Confirm my subscription"},
	}, s.digest.CheckConfirm)
}

func (s *server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.formToken(w, r)
	if !ok {
		return
	}
	sub, err := s.digest.Confirm(r.Context(), tok)
	if err != nil {
		s.tokenFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "subscribe_message", &messagePage{
		layout:  layout{Title: "Subscription confirmed", TopSearch: true},
		Heading: "Your subscription is confirmed",
		Lines: []string{
			"The weekly digest goes to " + sub.Email + ": " + s.digest.Describe(&sub) + ".",
			"The first one covers what arrives from now on. Every digest has a link to change what you follow or to unsubscribe.",
		},
		Links: []link{{Label: "Search the library", URL: "/"}},
	})
}

// manageForm renders the manage form of sub.
func (s *server) manageForm(w http.ResponseWriter, r *http.Request, code int, sub store.Subscription, tok string, f signUpForm) {
	d := &subscribePage{layout: layout{Title: "Your weekly digest", TopSearch: true}, signUpForm: f, Token: tok,
		Address: sub.Email, Filters: s.digest.Describe(&sub), Saved: r.URL.Query().Get("saved") == "1" && r.Method == http.MethodGet}
	s.render(w, r, code, "subscribe", d)
}

func signUpOf(sub store.Subscription) digest.SignUp {
	return digest.SignUp{Email: sub.Email, Conditions: sub.Conditions, Mechanisms: sub.Mechanisms, Query: sub.Query,
		MinEvidence: sub.MinEvidence, HumansOnly: sub.HumansOnly, EmptyWeek: sub.EmptyWeek}
}

func (s *server) handleManageForm(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	sub, err := s.digest.Manage(r.Context(), tok)
	if err != nil {
		s.tokenFailed(w, r, err)
		return
	}
	s.manageForm(w, r, http.StatusOK, sub, tok, s.form(signUpOf(sub)))
}

func (s *server) handleManage(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.formToken(w, r)
	if !ok {
		return
	}
	u := signUpFrom(r.PostForm)
	_, err := s.digest.Update(r.Context(), tok, u)
	if err == nil {
		http.Redirect(w, r, digest.PathManage+"?token="+url.QueryEscape(tok)+"&saved=1", http.StatusSeeOther)
		return
	}
	f := s.form(u)
	if !f.withError(err) {
		s.tokenFailed(w, r, err)
		return
	}
	// The subscription is unchanged: show its address and filters as they
	// stand beside the form with the error.
	sub, err := s.digest.Manage(r.Context(), tok)
	if err != nil {
		s.tokenFailed(w, r, err)
		return
	}
	s.manageForm(w, r, http.StatusBadRequest, sub, tok, f)
}

// handleUnsubscribeForm shows the button that unsubscribes; mail clients
// use the RFC 8058 one-click POST to the same address instead.
func (s *server) handleUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	s.tokenButton(w, r, &messagePage{
		layout:  layout{Title: "Unsubscribe", TopSearch: true},
		Heading: "Unsubscribe from the weekly digest?",
		Lines:   []string{"One click and no more digests go to this address."},
		Action:  &tokenAction{URL: digest.PathUnsubscribe, Button: "Unsubscribe"},
	}, s.digest.CheckUnsubscribe)
}

// handleUnsubscribe serves the page's button and the RFC 8058 one-click
// POST (body List-Unsubscribe=One-Click, urlencoded or multipart, no cookie,
// no Origin): the token in the URL or the form is all it needs.
func (s *server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	if s.digest == nil {
		s.digestOff(w, r)
		return
	}
	if err := r.ParseMultipartForm(maxBodyBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "the form is too large")
			return
		}
		// The body is not needed: the token in the URL decides.
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
	}
	tok := token(r)
	if !s.checkToken(w, r, tok) {
		return
	}
	if err := s.digest.Unsubscribe(r.Context(), tok); err != nil {
		s.tokenFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "subscribe_message", &messagePage{
		layout:  layout{Title: "Unsubscribed", TopSearch: true},
		Heading: "You are unsubscribed",
		Lines:   []string{"No more digests go to this address. Changed your mind? You can sign up again at any time."},
		Links:   []link{{Label: "Sign up again", URL: "/subscribe"}, {Label: "Search the library", URL: "/"}},
	})
}

package digest

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"villi/store"
	"villi/taxonomy"
)

// SignUp is what a person asks to follow: the subscribe and manage forms and
// `villi subscription add` fill it.
type SignUp struct {
	Email       string
	Conditions  []string // condition slugs
	Mechanisms  []string // mechanism slugs
	Query       string   // PubMed-style query, optional
	MinEvidence string   // weakest evidence level wanted; "" for all
	HumansOnly  bool
	EmptyWeek   string // store.EmptyWeekSend (default) or store.EmptyWeekSkip
}

// FieldError says which field of a SignUp is wrong and why, in words a
// person understands; the web form shows it beside the field.
type FieldError struct {
	Field string // "email", "condition", "mechanism", "query", "min_evidence", "empty_week"
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

var (
	// ErrTooSoon is returned by Subscribe when a confirmation mail went to
	// the address minutes ago; the page should ask to check the inbox.
	ErrTooSoon = errors.New("a confirmation mail was sent to this address a few minutes ago; please check your inbox (and spam folder)")
	// ErrUnsubscribed is returned for a link whose subscription no longer exists.
	ErrUnsubscribed = errors.New("this subscription no longer exists (already unsubscribed)")
)

// resendAfter is how long Subscribe waits before mailing an address again.
const resendAfter = 10 * time.Minute

// Validate checks and normalises a sign-up: a bare e-mail address, known
// slugs (deduplicated, in table order), a query that parses, a known evidence
// level. Errors are *FieldError.
func (s *Service) Validate(u SignUp) (SignUp, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(u.Email))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 {
		return SignUp{}, &FieldError{"email", fmt.Sprintf("%q is not an e-mail address", u.Email)}
	}
	u.Email = strings.ToLower(addr.Address) // as logins are kept: collection owners match by address
	if u.Conditions, err = slugsIn(s.lib.Taxonomy().Conditions(), u.Conditions, "condition"); err != nil {
		return SignUp{}, err
	}
	if u.Mechanisms, err = slugsIn(s.lib.Taxonomy().Mechanisms(), u.Mechanisms, "mechanism"); err != nil {
		return SignUp{}, err
	}
	u.Query = strings.TrimSpace(u.Query)
	if u.Query != "" {
		if err := s.lib.CheckQuery(u.Query); err != nil {
			return SignUp{}, &FieldError{"query", err.Error()}
		}
	}
	u.MinEvidence = strings.TrimSpace(u.MinEvidence)
	if u.MinEvidence != "" && !slices.Contains(taxonomy.EvidenceLevels(), u.MinEvidence) {
		return SignUp{}, &FieldError{"min_evidence", fmt.Sprintf("unknown evidence level %q (one of %s)", u.MinEvidence, strings.Join(taxonomy.EvidenceLevels(), ", "))}
	}
	switch u.EmptyWeek {
	case "":
		u.EmptyWeek = store.EmptyWeekSend
	case store.EmptyWeekSend, store.EmptyWeekSkip:
	default:
		return SignUp{}, &FieldError{"empty_week", fmt.Sprintf("%q: want send or skip", u.EmptyWeek)}
	}
	return u, nil
}

func slugsIn(terms []taxonomy.Term, slugs []string, field string) ([]string, error) {
	var out []string
	for _, t := range terms {
		if slices.Contains(slugs, t.Slug) {
			out = append(out, t.Slug)
		}
	}
	for _, sl := range slugs {
		if !slices.ContainsFunc(terms, func(t taxonomy.Term) bool { return t.Slug == sl }) {
			known := make([]string, len(terms))
			for i, t := range terms {
				known[i] = t.Slug
			}
			return nil, &FieldError{field, fmt.Sprintf("unknown %s %q (one of %s)", field, sl, strings.Join(known, ", "))}
		}
	}
	return out, nil
}

func (u SignUp) apply(sub *store.Subscription) {
	sub.Conditions, sub.Mechanisms, sub.Query = u.Conditions, u.Mechanisms, u.Query
	sub.MinEvidence, sub.HumansOnly, sub.EmptyWeek = u.MinEvidence, u.HumansOnly, u.EmptyWeek
}

// Subscribe starts a double opt-in: it stores an unconfirmed subscription
// and queues a mail with a signed confirmation link, which a worker sends in
// the background (Shutdown stops the workers). Nothing else is ever sent to
// an unconfirmed address. For an address that is already confirmed it
// changes nothing and mails a "you are already subscribed" note with the
// manage link instead, so the page must say the same thing in every case
// ("check your inbox") and reveal nobody's subscription. A sign-up repeated
// within minutes of a sent mail returns ErrTooSoon; one repeated while the
// mail is still queued queues nothing more. A mail that cannot be sent is
// logged, and the next sign-up of the address sends it again.
func (s *Service) Subscribe(ctx context.Context, u SignUp) error {
	if err := s.canSend(); err != nil {
		return err
	}
	sub, err := s.signUp(u)
	if err != nil {
		return err
	}
	return s.enqueue(sub)
}

// signUp stores what a valid sign-up asks for: a new unconfirmed
// subscription, or the latest form over a still unconfirmed one. A
// confirmed subscription is left as it is.
func (s *Service) signUp(u SignUp) (store.Subscription, error) {
	u, err := s.Validate(u)
	if err != nil {
		return store.Subscription{}, err
	}
	now := s.cfg.Clock()
	sub, err := s.st.SubscriptionByEmail(u.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sub = store.Subscription{Email: u.Email, Created: now}
		u.apply(&sub)
		if err := s.st.PutSubscription(&sub); err != nil {
			return store.Subscription{}, fmt.Errorf("subscribe %s: %w", u.Email, err)
		}
	case err != nil:
		return store.Subscription{}, fmt.Errorf("subscribe %s: %w", u.Email, err)
	case now.Sub(sub.ConfirmSent) < resendAfter:
		return store.Subscription{}, ErrTooSoon
	case !sub.Confirmed:
		// Still unconfirmed: the latest form wins.
		if sub, err = s.st.UpdateSubscription(sub.ID, func(x *store.Subscription) error { u.apply(x); return nil }); err != nil {
			return store.Subscription{}, fmt.Errorf("subscribe %s: %w", u.Email, err)
		}
	}
	return sub, nil
}

// canSend says what is missing before a sign-up is taken whose mail could
// never go out.
func (s *Service) canSend() error {
	if s.smtp == nil {
		return errors.New("no SMTP server configured (set VILLI_SMTP_URL, e.g. smtp://user:pass@mail.example.org:587)")
	}
	if s.from == nil {
		return errors.New("no sender configured (set VILLI_MAIL_FROM, e.g. \"villi <digest@example.org>\")")
	}
	return nil
}

// confirmation renders the confirmation (or already-subscribed) mail.
func (s *Service) confirmation(sub *store.Subscription, now time.Time) (*Message, error) {
	exp := now.Add(s.cfg.ConfirmTTL)
	v := confirmView{Filters: s.describe(sub), BaseURL: s.cfg.BaseURL, Expires: exp.In(s.cfg.Location).Format("2 Jan 2006 15:04 MST")}
	if sub.Confirmed {
		v.Subject = "Your villi weekly digest subscription"
		v.ManageURL, _ = s.digestLinks(sub.ID, now)
	} else {
		v.Subject = "Please confirm your villi weekly digest"
		v.ConfirmURL = s.link(PathConfirm, s.sign.sign(purposeConfirm, sub.ID, exp))
	}
	html, text, err := s.tpl.render("confirm", v)
	if err != nil {
		return nil, err
	}
	return &Message{To: sub.Email, Subject: v.Subject, MessageID: fmt.Sprintf("confirm.%d.%d@%s", sub.ID, now.UnixNano(), s.mailDomain()),
		Text: text, HTML: html, ManageURL: v.ManageURL}, nil
}

// Confirm completes a double opt-in from the link's token and returns the
// subscription. Confirming twice is not an error. The first digest covers
// what arrives after this moment.
func (s *Service) Confirm(ctx context.Context, token string) (store.Subscription, error) {
	id, err := s.sign.verify(token, purposeConfirm, s.cfg.Clock())
	if err != nil {
		return store.Subscription{}, err
	}
	now := s.cfg.Clock()
	sub, err := s.st.UpdateSubscription(id, func(x *store.Subscription) error {
		if !x.Confirmed {
			x.Confirmed, x.ConfirmedAt, x.LastSent = true, now, now
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Subscription{}, ErrUnsubscribed
	}
	return sub, err
}

// CheckConfirm reports what Confirm would refuse (a bad or expired token, a
// subscription that is gone) without confirming anything, so the page behind
// the link can say so before its button is clicked.
func (s *Service) CheckConfirm(token string) error {
	id, err := s.sign.verify(token, purposeConfirm, s.cfg.Clock())
	if err != nil {
		return err
	}
	if _, err := s.st.Subscription(id); errors.Is(err, store.ErrNotFound) {
		return ErrUnsubscribed
	} else if err != nil {
		return err
	}
	return nil
}

// CheckUnsubscribe reports what Unsubscribe would refuse (a bad or expired
// token) without unsubscribing.
func (s *Service) CheckUnsubscribe(token string) error {
	_, err := s.unsubscribeID(token)
	return err
}

// Manage returns the subscription a manage link names, for the form that
// changes it.
func (s *Service) Manage(ctx context.Context, token string) (store.Subscription, error) {
	id, err := s.sign.verify(token, purposeManage, s.cfg.Clock())
	if err != nil {
		return store.Subscription{}, err
	}
	sub, err := s.st.Subscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Subscription{}, ErrUnsubscribed
	}
	return sub, err
}

// Update changes what the subscription of a manage link follows. The e-mail
// address stays (u.Email is ignored): a new address needs a new sign-up.
func (s *Service) Update(ctx context.Context, token string, u SignUp) (store.Subscription, error) {
	cur, err := s.Manage(ctx, token)
	if err != nil {
		return store.Subscription{}, err
	}
	u.Email = cur.Email
	if u, err = s.Validate(u); err != nil {
		return store.Subscription{}, err
	}
	return s.st.UpdateSubscription(cur.ID, func(x *store.Subscription) error { u.apply(x); return nil })
}

// Unsubscribe removes the subscription of an unsubscribe or manage link:
// the RFC 8058 one-click POST and the page's button both call it. It is
// idempotent: a subscription already gone is success, so one-click clients
// get their 200.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	id, err := s.unsubscribeID(token)
	if err != nil {
		return err
	}
	if err := s.st.DeleteSubscription(id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// unsubscribeID is the subscription an unsubscribe or manage link names.
func (s *Service) unsubscribeID(token string) (uint64, error) {
	now := s.cfg.Clock()
	id, err := s.sign.verify(token, purposeUnsubscribe, now)
	if errors.Is(err, ErrBadToken) {
		id, err = s.sign.verify(token, purposeManage, now)
	}
	return id, err
}

// Add is the admin's way in (`villi subscription add`): confirmed adds a
// confirmed subscription without mail; otherwise it is Subscribe. An address
// that already has a subscription is refused with store.ErrExists.
func (s *Service) Add(ctx context.Context, u SignUp, confirmed bool) (store.Subscription, error) {
	u, err := s.Validate(u)
	if err != nil {
		return store.Subscription{}, err
	}
	if cur, err := s.st.SubscriptionByEmail(u.Email); err == nil && (cur.Confirmed || confirmed) {
		return store.Subscription{}, fmt.Errorf("%s: %w (remove it first, or let the subscriber change it through the manage link)", u.Email, store.ErrExists)
	}
	if !confirmed {
		// The admin waits at a terminal: the mail goes now, not queued.
		sub, err := s.signUp(u)
		if err != nil {
			return store.Subscription{}, err
		}
		if err := s.sendConfirmationNow(ctx, sub.ID); err != nil {
			return store.Subscription{}, err
		}
		return s.st.Subscription(sub.ID)
	}
	now := s.cfg.Clock()
	sub := store.Subscription{Email: u.Email, Created: now, Confirmed: true, ConfirmedAt: now, LastSent: now}
	u.apply(&sub)
	if err := s.st.PutSubscription(&sub); err != nil {
		return store.Subscription{}, err
	}
	return sub, nil
}

// Subscriber is a subscription with its latest send-log entry, for the admin
// page and `villi subscription list`.
type Subscriber struct {
	store.Subscription
	Last *store.SendEntry // nil before the first digest
}

// Subscribers lists every subscription, confirmed or not, in ID order.
func (s *Service) Subscribers() ([]Subscriber, error) {
	subs, err := s.st.Subscriptions()
	if err != nil {
		return nil, err
	}
	log, err := s.st.SendLog(0)
	if err != nil {
		return nil, err
	}
	last := map[uint64]store.SendEntry{}
	for _, e := range log {
		last[e.Subscription] = e // ordered by week within a subscription
	}
	out := make([]Subscriber, len(subs))
	for i, sub := range subs {
		out[i].Subscription = sub
		if e, ok := last[sub.ID]; ok {
			out[i].Last = &e
		}
	}
	return out, nil
}

// Remove deletes a subscription by ID or e-mail address (the admin's
// `villi subscription remove`).
func (s *Service) Remove(idOrEmail string) (store.Subscription, error) {
	sub, err := s.lookup(idOrEmail)
	if err != nil {
		return store.Subscription{}, err
	}
	return sub, s.st.DeleteSubscription(sub.ID)
}

func (s *Service) lookup(idOrEmail string) (store.Subscription, error) {
	var id uint64
	if _, err := fmt.Sscan(idOrEmail, &id); err == nil && !strings.Contains(idOrEmail, "@") {
		return s.st.Subscription(id)
	}
	return s.st.SubscriptionByEmail(idOrEmail)
}

// Subscription returns subscription id, or an error wrapping
// store.ErrNotFound.
func (s *Service) Subscription(id uint64) (store.Subscription, error) {
	return s.st.Subscription(id)
}

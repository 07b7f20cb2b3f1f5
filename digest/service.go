package digest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"villi/library"
	"villi/schedule"
	"villi/store"
)

// Paths of the pages the links in mails point to; the web package serves
// them and passes the token query parameter to Confirm, Manage, Update or
// Unsubscribe.
const (
	PathConfirm     = "/subscribe/confirm"
	PathManage      = "/subscribe/manage"
	PathUnsubscribe = "/unsubscribe" // GET shows a button; POST (RFC 8058 one-click too) unsubscribes
	PathPreview     = "/digest/preview"
)

// Service builds and sends digests and runs the subscription life cycle.
// Make exactly one per open library and share it (scheduler, start-up
// catch-up, web pages): it serialises runs with a mutex, and a run reads a
// send-log entry left "sending" or "committing" as the trace of a crash.
// Sign-ups queue their confirmation mails for its workers: Shutdown stops
// them when the web pages are gone.
type Service struct {
	lib   *library.Library
	st    *store.Store
	cfg   Config
	sign  signer
	tpl   *templates
	from  *mail.Address // nil until configured
	smtp  *smtpTarget   // nil until configured
	sleep func(ctx context.Context, d time.Duration) error

	runMu    sync.Mutex
	confirms *confirmQueue
}

// New checks cfg and returns a Service over lib. The SMTP URL and sender may
// be empty for previews and dry runs; sending then fails with an error that
// says what to set.
func New(lib *library.Library, cfg Config) (*Service, error) {
	cfg.fill()
	if cfg.BaseURL == "" {
		return nil, errors.New("digest: no base URL for links (set VILLI_BASE_URL, e.g. https://villi.example.org)")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("digest: VILLI_BASE_URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Schedule == nil {
		sch, err := schedule.Parse(schedule.DefaultDigestSpec, cfg.Location)
		if err != nil {
			return nil, err
		}
		cfg.Schedule = sch
	}
	if cfg.Handouts == nil {
		cfg.Handouts = collectionHandouts{st: lib.DB(), baseURL: cfg.BaseURL}
	}
	s := &Service{lib: lib, st: lib.DB(), cfg: cfg, sleep: sleepCtx, confirms: newConfirmQueue()}
	if len(cfg.Secret) == 0 {
		sec, err := lib.DB().Secret("digest")
		if err != nil {
			return nil, fmt.Errorf("digest: signing secret: %w", err)
		}
		s.sign = signer{secret: sec}
	} else {
		if len(cfg.Secret) < 16 {
			return nil, errors.New("digest: VILLI_SECRET is too short (want at least 16 bytes)")
		}
		s.sign = signer{secret: cfg.Secret}
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s.tpl = tpl
	if cfg.From != "" {
		if s.from, err = parseFrom(cfg.From); err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
	}
	if cfg.SMTPURL != "" {
		t, err := parseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		s.smtp = &t
	}
	return s, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// link is an absolute URL to one of villi's pages with a token.
func (s *Service) link(path, token string) string {
	return s.cfg.BaseURL + path + "?token=" + url.QueryEscape(token)
}

// digestLinks are the manage and unsubscribe links of a week's digest. Their
// expiry follows the week, not the clock, so a preview and the mail sent that
// week carry the same links.
func (s *Service) digestLinks(subID uint64, week time.Time) (manage, unsubscribe string) {
	exp := weekStart(week, s.cfg.Location).Add(s.cfg.LinkTTL)
	return s.link(PathManage, s.sign.sign(purposeManage, subID, exp)),
		s.link(PathUnsubscribe, s.sign.sign(purposeUnsubscribe, subID, exp))
}

// messageID is the stable Message-ID of a subscription's digest for a week:
// a resend after an interruption carries the same one, so mail systems and
// people can tell it is the same digest. The tag keeps IDs unguessable.
func (s *Service) messageID(subID uint64, week string) string {
	m := hmac.New(sha256.New, s.sign.secret)
	fmt.Fprintf(m, "message-id\x00%d\x00%s", subID, week)
	return "digest." + week + "." + strconv.FormatUint(subID, 10) + "." + hex.EncodeToString(m.Sum(nil)[:6]) + "@" + s.mailDomain()
}

func (s *Service) mailDomain() string {
	if s.from != nil {
		if _, d, ok := strings.Cut(s.from.Address, "@"); ok && d != "" {
			return d
		}
	}
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "villi.invalid"
}

// build renders the digest of sub for week, covering (since, until].
func (s *Service) build(ctx context.Context, sub *store.Subscription, week string, since, until time.Time) (*Message, error) {
	sel, err := s.selectItems(ctx, sub, since, until)
	if err != nil {
		return nil, err
	}
	health, err := s.health(since, until)
	if err != nil {
		return nil, err
	}
	all, err := s.cfg.Handouts.Handouts(ctx, sub.Email)
	if err != nil {
		return nil, fmt.Errorf("handouts of %s: %w", sub.Email, err)
	}
	handouts, told := newHandouts(all, sub.Told)
	manage, unsub := s.digestLinks(sub.ID, until)
	loc := s.cfg.Location
	ws := weekStart(until, loc)
	v := view{
		WeekLabel:      fmt.Sprintf("week %s, %s – %s", strings.TrimLeft(week[strings.Index(week, "W")+1:], "0"), ws.Format("2 Jan"), dayLabel(ws.AddDate(0, 0, 6), loc)),
		SinceLabel:     dayLabel(since, loc),
		Filters:        s.describe(sub),
		Groups:         sel.Groups,
		Total:          sel.Total,
		Truncated:      sel.Truncated,
		Provisional:    anyProvisional(sel.Groups),
		Health:         health,
		Handouts:       handouts,
		ManageURL:      manage,
		UnsubscribeURL: unsub,
		BaseURL:        s.cfg.BaseURL,
		SearchURL:      s.searchURL(sub, "", since, until),
	}
	switch {
	case sel.Total > 0:
		v.Subject = fmt.Sprintf("villi weekly: %s — %s", plural(sel.Total, "new study", "new studies"), groupNames(sel.Groups))
		v.Preheader = sel.Groups[0].Items[0].Title
	case len(handouts) > 0:
		v.Subject = "villi weekly: check your handouts"
		v.Preheader = handouts[0].Notice + ": " + handouts[0].Title
	default:
		v.Subject = "villi weekly: nothing new this week"
		v.Preheader = "No new records matched what you follow."
	}
	html, text, err := s.tpl.render("digest", v)
	if err != nil {
		return nil, err
	}
	empty := sel.Total == 0 && len(handouts) == 0
	return &Message{
		To: sub.Email, Subject: v.Subject, MessageID: s.messageID(sub.ID, week),
		Text: text, HTML: html, Week: week, Since: since, Until: until,
		Items: sel.Total, Empty: empty, Skip: empty && sub.EmptyWeek == store.EmptyWeekSkip,
		ManageURL: manage, UnsubscribeURL: unsub, Handouts: handouts, told: told,
	}, nil
}

// groupNames names the groups for a subject line: at most three.
func groupNames(gs []Group) string {
	var names []string
	for i, g := range gs {
		if i == 3 {
			names = append(names, "and more")
			break
		}
		names = append(names, g.Label)
	}
	return strings.Join(names, ", ")
}

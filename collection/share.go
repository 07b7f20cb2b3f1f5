package collection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"villi/cite"
	"villi/store"
)

// ErrLinkExpired wraps a share link past its expiry: it is known, and says
// so (HTTP 410), where a revoked or made-up token is simply not found.
var ErrLinkExpired = errors.New("this share link has expired")

// ShareTTLs are the lifetimes an owner may give a share link; 0 is never.
var ShareTTLs = []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour, 0}

// touchEvery is how stale a link's LastOpened may get before an open
// records it: an owner needs "opened today", not a write per request.
const touchEvery = time.Minute

// validToken reports whether token has the shape the store issues, so a
// made-up one costs no lookup.
func validToken(token string) bool {
	if len(token) != store.ShareTokenLen {
		return false
	}
	for _, r := range token {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Share gives collection id a new read-only link lasting ttl (0: never; one
// of ShareTTLs), replacing any link it had, and returns the token. Only the
// owner (or an admin) may.
func (s *Service) Share(ctx context.Context, u store.User, id uint64, ttl time.Duration, now time.Time) (string, store.ShareLink, error) {
	known := false
	for _, d := range ShareTTLs {
		known = known || d == ttl
	}
	if !known {
		return "", store.ShareLink{}, fmt.Errorf("%w: a share link lasts 7, 30 or 90 days, or never expires", ErrInvalid)
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return "", store.ShareLink{}, err
	}
	var expires time.Time
	if ttl > 0 {
		expires = now.Add(ttl)
	}
	return s.st.CreateShareLink(id, now, expires)
}

// Unshare revokes collection id's link: it stops opening at once.
func (s *Service) Unshare(ctx context.Context, u store.User, id uint64) error {
	if _, err := s.Get(ctx, u, id); err != nil {
		return err
	}
	_, err := s.st.RevokeShareLinks(id)
	return err
}

// ShareStatus returns collection id's link for its owner's page; ok is
// false when it has none.
func (s *Service) ShareStatus(ctx context.Context, u store.User, id uint64) (l store.ShareLink, ok bool, err error) {
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.ShareLink{}, false, err
	}
	return s.st.ShareLinkOf(id)
}

// Shared renders, for anyone holding token, the one collection its link
// names: without private notes and without the owner. A malformed, unknown
// or revoked token wraps store.ErrNotFound; an expired one ErrLinkExpired.
// Opening records LastOpened at most once per touchEvery.
func (s *Service) Shared(ctx context.Context, token string, style cite.Style, now time.Time) (*ReferenceList, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validToken(token) {
		return nil, fmt.Errorf("share link: %w", store.ErrNotFound)
	}
	l, err := s.st.ShareLink(token)
	if err != nil {
		return nil, err
	}
	if l.Expired(now) {
		return nil, fmt.Errorf("%w on %s", ErrLinkExpired, l.Expires.Format("2 January 2006"))
	}
	c, err := s.st.Collection(l.Collection)
	if err != nil {
		return nil, err
	}
	list, err := s.render(c, style)
	if err != nil {
		return nil, err
	}
	list.Collection.Owner = ""
	list.dropPrivateNotes()
	if now.Sub(l.LastOpened) >= touchEvery {
		// A revoke racing this open wins: TouchShareLink does not recreate.
		if err := s.st.TouchShareLink(token, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return list, nil
}

// ShareURLPath is the path of a share link's handout.
func ShareURLPath(token string) string { return "/s/" + token }

// Package collection owns the meaning of collections: named, ordered lists
// of articles with a note each, kept by a practitioner for client materials.
// It checks who may see and change a collection, enforces limits, renders a
// collection as a formatted reference list (data for a print page, and
// Markdown) or an export file, and flags items that were retracted or
// corrected since they were added — per collection and across all of them
// (Watch) for the digest.
//
// It stores through package store and formats through package cite; it must
// not parse HTTP or hold templates.
package collection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"villi/store"
)

// Limits on what a person can put in a collection.
const (
	MaxNameChars = 120
	MaxNoteChars = 2000
	MaxItems     = 500
)

// ErrInvalid wraps input a person must correct (an empty or overlong name,
// an overlong note, a full collection). Unknown collections and PMIDs wrap
// store.ErrNotFound; duplicates wrap store.ErrExists.
var ErrInvalid = errors.New("invalid collection input")

// Service edits and renders collections on behalf of a user. A collection
// is visible only to its owner and to admins; to anyone else it does not
// exist (store.ErrNotFound), so ids reveal nothing.
type Service struct {
	st       *store.Store
	maxItems int // MaxItems; tests lower it
}

// New returns a Service over st.
func New(st *store.Store) *Service { return &Service{st: st, maxItems: MaxItems} }

// cleanName trims a collection name and checks its length.
func cleanName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "", fmt.Errorf("%w: the collection needs a name", ErrInvalid)
	case n > MaxNameChars:
		return "", fmt.Errorf("%w: a name of %d characters is too long (at most %d)", ErrInvalid, n, MaxNameChars)
	}
	return name, nil
}

// tidyText trims a text a person typed, keeps its line breaks and tabs,
// and drops other control characters.
func tidyText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, strings.ReplaceAll(s, "\r\n", "\n")))
}

// cleanNote tidies a note and checks its length.
func cleanNote(note string) (string, error) {
	note = tidyText(note)
	if n := utf8.RuneCountInString(note); n > MaxNoteChars {
		return "", fmt.Errorf("%w: a note of %d characters is too long (at most %d)", ErrInvalid, n, MaxNoteChars)
	}
	return note, nil
}

func mayEdit(u store.User, c *store.Collection) bool {
	return u.Email != "" && (c.Owner == store.NormalizeEmail(u.Email) || u.Admin)
}

// Get returns collection id if u may see it.
func (s *Service) Get(ctx context.Context, u store.User, id uint64) (store.Collection, error) {
	if err := ctx.Err(); err != nil {
		return store.Collection{}, err
	}
	c, err := s.st.Collection(id)
	if err != nil {
		return store.Collection{}, err
	}
	if !mayEdit(u, &c) {
		return store.Collection{}, fmt.Errorf("collection %d: %w", id, store.ErrNotFound)
	}
	return c, nil
}

// List returns u's own collections, ordered by name.
func (s *Service) List(ctx context.Context, u store.User) ([]store.Collection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.st.Collections(u.Email)
}

// Containing returns those of u's collections that hold pmid (for an
// article page's "in your collections").
func (s *Service) Containing(ctx context.Context, u store.User, pmid uint64) ([]store.Collection, error) {
	all, err := s.List(ctx, u)
	if err != nil {
		return nil, err
	}
	out := []store.Collection{}
	for _, c := range all {
		if c.Index(pmid) >= 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// Create makes a new, empty collection for u.
func (s *Service) Create(ctx context.Context, u store.User, name string) (store.Collection, error) {
	if err := ctx.Err(); err != nil {
		return store.Collection{}, err
	}
	if u.Email == "" {
		return store.Collection{}, errors.New("create collection: no user")
	}
	name, err := cleanName(name)
	if err != nil {
		return store.Collection{}, err
	}
	return s.st.CreateCollection(u.Email, name)
}

// Rename renames collection id.
func (s *Service) Rename(ctx context.Context, u store.User, id uint64, name string) (store.Collection, error) {
	name, err := cleanName(name)
	if err != nil {
		return store.Collection{}, err
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.RenameCollection(id, name)
}

// Delete removes collection id.
func (s *Service) Delete(ctx context.Context, u store.User, id uint64) error {
	if _, err := s.Get(ctx, u, id); err != nil {
		return err
	}
	return s.st.DeleteCollection(id)
}

// Add appends pmid, with a note, to collection id. The PMID must be in the
// library (else store.ErrNotFound); one already in the collection gives
// store.ErrExists and keeps its note and place.
func (s *Service) Add(ctx context.Context, u store.User, id, pmid uint64, note string) (store.Collection, error) {
	note, err := cleanNote(note)
	if err != nil {
		return store.Collection{}, err
	}
	c, err := s.Get(ctx, u, id)
	if err != nil {
		return store.Collection{}, err
	}
	if len(c.Items) >= s.maxItems && c.Index(pmid) < 0 {
		return store.Collection{}, fmt.Errorf("%w: collection %q is full (%d items)", ErrInvalid, c.Name, s.maxItems)
	}
	if _, err := s.st.Get(pmid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Collection{}, fmt.Errorf("PMID %d is not in the library: %w", pmid, store.ErrNotFound)
		}
		return store.Collection{}, err
	}
	return s.st.AddItem(id, store.CollectionItem{PMID: pmid, Note: note})
}

// Remove takes pmid out of collection id.
func (s *Service) Remove(ctx context.Context, u store.User, id, pmid uint64) (store.Collection, error) {
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.RemoveItem(id, pmid)
}

// SetNote replaces pmid's note in collection id ("" clears it).
func (s *Service) SetNote(ctx context.Context, u store.User, id, pmid uint64, note string) (store.Collection, error) {
	note, err := cleanNote(note)
	if err != nil {
		return store.Collection{}, err
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.SetNote(id, pmid, note)
}

// SetItemNote replaces pmid's note in collection id ("" clears it) and
// whether it is private: a private note is left out of share links.
func (s *Service) SetItemNote(ctx context.Context, u store.User, id, pmid uint64, note string, private bool) (store.Collection, error) {
	note, err := cleanNote(note)
	if err != nil {
		return store.Collection{}, err
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.SetItemNote(id, pmid, note, private)
}

// Move puts pmid at position to (0 is first; past either end means that
// end) in collection id.
func (s *Service) Move(ctx context.Context, u store.User, id, pmid uint64, to int) (store.Collection, error) {
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.MoveItem(id, pmid, to)
}

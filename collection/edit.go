package collection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"villi/store"
)

// Added is what a bulk add did: the PMIDs added, in order, and those the
// collection already held (left as they were).
type Added struct {
	Collection store.Collection
	Added      []uint64
	Held       []uint64
}

// AddMany adds pmids to collection id in one transaction, in order, each
// without a note. PMIDs the collection already holds are left as they are
// and reported, not refused. Every PMID must be in the library (else
// nothing is added and the error wraps store.ErrNotFound, naming them), and
// the new ones must fit: past MaxItems nothing is added and the error wraps
// ErrInvalid, naming how many fit.
func (s *Service) AddMany(ctx context.Context, u store.User, id uint64, pmids []uint64) (Added, error) {
	if len(pmids) == 0 {
		return Added{}, fmt.Errorf("%w: select at least one study to add", ErrInvalid)
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return Added{}, err
	}
	recs, err := s.st.GetMany(pmids)
	if err != nil {
		return Added{}, err
	}
	have := make(map[uint64]bool, len(recs))
	for i := range recs {
		have[recs[i].Article.PMID] = true
	}
	var missing []string
	items := make([]store.CollectionItem, 0, len(pmids))
	for _, p := range pmids {
		if !have[p] {
			missing = append(missing, fmt.Sprint(p))
		}
		items = append(items, store.CollectionItem{PMID: p})
	}
	if len(missing) > 0 {
		return Added{}, fmt.Errorf("PMID %s not in the library, nothing added: %w", strings.Join(missing, ", "), store.ErrNotFound)
	}
	c, added, held, err := s.st.AddItems(id, items, s.maxItems)
	if errors.Is(err, store.ErrFull) {
		return Added{}, fmt.Errorf("%w: nothing added: %w", ErrInvalid, err)
	}
	if err != nil {
		return Added{}, err
	}
	return Added{Collection: c, Added: added, Held: held}, nil
}

// MoveTo puts pmid at position (1 is first) in collection id. A position
// outside 1 to the number of items is refused, naming the range.
func (s *Service) MoveTo(ctx context.Context, u store.User, id, pmid uint64, position int) (store.Collection, error) {
	c, err := s.Get(ctx, u, id)
	if err != nil {
		return store.Collection{}, err
	}
	if c.Index(pmid) < 0 {
		return store.Collection{}, fmt.Errorf("PMID %d in collection %q: %w", pmid, c.Name, store.ErrNotFound)
	}
	if n := len(c.Items); position < 1 || position > n {
		return store.Collection{}, fmt.Errorf("%w: position %d is not in the list: give a number from 1 to %d", ErrInvalid, position, n)
	}
	return s.st.MoveItem(id, pmid, position-1)
}

// copyPrefix starts a duplicate's name.
const copyPrefix = "Copy of "

// Duplicate copies collection id, which u may see, into a new collection
// of u's named "Copy of NAME" ("Copy of NAME (2)" and on when taken): the
// same items in the same order with their notes, and every other field of
// the collection. Its share link stays with the original.
func (s *Service) Duplicate(ctx context.Context, u store.User, id uint64) (store.Collection, error) {
	c, err := s.Get(ctx, u, id)
	if err != nil {
		return store.Collection{}, err
	}
	for n := 1; n <= 100; n++ {
		name := copyName(c.Name, n)
		dup, err := s.st.CopyCollection(id, u.Email, name)
		if errors.Is(err, store.ErrExists) {
			continue
		}
		return dup, err
	}
	return store.Collection{}, fmt.Errorf("%w: you already have 100 copies of %q; rename some first", ErrInvalid, c.Name)
}

// copyName is the n-th candidate name of a copy of name, cut so that it
// stays within MaxNameChars.
func copyName(name string, n int) string {
	suffix := ""
	if n > 1 {
		suffix = fmt.Sprintf(" (%d)", n)
	}
	room := MaxNameChars - utf8.RuneCountInString(copyPrefix) - utf8.RuneCountInString(suffix)
	if r := []rune(name); len(r) > room {
		name = strings.TrimSpace(string(r[:room-1])) + "…"
	}
	return copyPrefix + name + suffix
}

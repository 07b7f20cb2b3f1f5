package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Collection is a named, ordered list of articles a user keeps for client
// materials, each with a note.
type Collection struct {
	ID      uint64           `json:"id"`
	Owner   string           `json:"owner"` // the owner's normalised email
	Name    string           `json:"name"`
	Created time.Time        `json:"created"`
	Updated time.Time        `json:"updated"`
	Items   []CollectionItem `json:"items"` // in the owner's order
	// Handout is the text around the references on the print view, the
	// share page and the PDF; zero until the owner writes some.
	Handout Handout `json:"handout,omitzero"`
}

// Handout is what turns a collection's reference list into a handout: a
// title (the collection's name when empty) and an introduction and closing
// text in Markdown. Collections stored before it decode with a zero one.
type Handout struct {
	Title   string `json:"title,omitempty"`
	Intro   string `json:"intro,omitempty"`
	Closing string `json:"closing,omitempty"`
}

// CollectionItem is one article in a collection.
type CollectionItem struct {
	PMID  uint64    `json:"pmid"`
	Note  string    `json:"note,omitempty"`
	Added time.Time `json:"added"`
	// Private keeps the note out of share links: only the owner sees it.
	Private bool `json:"private,omitempty"`
}

// Index returns the position of pmid in the collection, or -1.
func (c *Collection) Index(pmid uint64) int {
	for i, it := range c.Items {
		if it.PMID == pmid {
			return i
		}
	}
	return -1
}

// PMIDs returns the collection's PMIDs in order.
func (c *Collection) PMIDs() []uint64 {
	out := make([]uint64, len(c.Items))
	for i, it := range c.Items {
		out[i] = it.PMID
	}
	return out
}

// sameName compares collection names as a person would: case and
// surrounding space do not make a new name.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func decodeCollection(k, v []byte, c *Collection) error {
	if err := json.Unmarshal(v, c); err != nil {
		return fmt.Errorf("decode collection %d: %w", keyU64(k), err)
	}
	return nil
}

// nameTaken reports whether owner already has another collection called name.
func nameTaken(b *bolt.Bucket, owner, name string, except uint64) (bool, error) {
	taken := false
	err := b.ForEach(func(k, v []byte) error {
		var c Collection
		if err := decodeCollection(k, v, &c); err != nil {
			return err
		}
		if c.ID != except && c.Owner == owner && sameName(c.Name, name) {
			taken = true
		}
		return nil
	})
	return taken, err
}

// CreateCollection stores a new, empty collection named name for owner and
// returns it with its ID. Names are unique per owner, ignoring case: a second
// one gives an error wrapping ErrExists.
func (s *Store) CreateCollection(owner, name string) (Collection, error) {
	owner = NormalizeEmail(owner)
	name = strings.TrimSpace(name)
	if owner == "" {
		return Collection{}, errors.New("create collection: owner is empty")
	}
	if name == "" {
		return Collection{}, errors.New("create collection: name is empty")
	}
	now := time.Now().UTC()
	c := Collection{Owner: owner, Name: name, Created: now, Updated: now, Items: []CollectionItem{}}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCollections)
		taken, err := nameTaken(b, owner, name, 0)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("collection %q of %s: %w", name, owner, ErrExists)
		}
		if c.ID, err = b.NextSequence(); err != nil {
			return err
		}
		return putCollection(b, &c)
	})
	if err != nil {
		return Collection{}, err
	}
	return c, nil
}

func putCollection(b *bolt.Bucket, c *Collection) error {
	js, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode collection %d: %w", c.ID, err)
	}
	return b.Put(u64key(c.ID), js)
}

// Collection returns the collection with id, or an error wrapping ErrNotFound.
func (s *Store) Collection(id uint64) (Collection, error) {
	var c Collection
	err := s.db.View(func(tx *bolt.Tx) error {
		k := u64key(id)
		v := tx.Bucket(bucketCollections).Get(k)
		if v == nil {
			return fmt.Errorf("collection %d: %w", id, ErrNotFound)
		}
		return decodeCollection(k, v, &c)
	})
	return c, err
}

// Collections returns the collections of owner, ordered by name.
func (s *Store) Collections(owner string) ([]Collection, error) {
	owner = NormalizeEmail(owner)
	return s.collectionsWhere(func(c *Collection) bool { return c.Owner == owner })
}

// AllCollections returns every collection, ordered by owner, then name.
func (s *Store) AllCollections() ([]Collection, error) {
	return s.collectionsWhere(func(*Collection) bool { return true })
}

func (s *Store) collectionsWhere(keep func(*Collection) bool) ([]Collection, error) {
	out := []Collection{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCollections).ForEach(func(k, v []byte) error {
			var c Collection
			if err := decodeCollection(k, v, &c); err != nil {
				return err
			}
			if keep(&c) {
				out = append(out, c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Owner != b.Owner {
			return a.Owner < b.Owner
		}
		if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
			return la < lb
		}
		return a.ID < b.ID
	})
	return out, nil
}

// updateCollection loads collection id, lets fn change it, and stores it with
// a new Updated time, all in one transaction; an error from fn stores nothing.
func (s *Store) updateCollection(id uint64, fn func(b *bolt.Bucket, c *Collection) error) (Collection, error) {
	var c Collection
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCollections)
		k := u64key(id)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("collection %d: %w", id, ErrNotFound)
		}
		if err := decodeCollection(k, v, &c); err != nil {
			return err
		}
		if err := fn(b, &c); err != nil {
			return err
		}
		c.Updated = time.Now().UTC()
		return putCollection(b, &c)
	})
	if err != nil {
		return Collection{}, err
	}
	return c, nil
}

// RenameCollection gives collection id a new name, unique among its owner's.
func (s *Store) RenameCollection(id uint64, name string) (Collection, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Collection{}, fmt.Errorf("rename collection %d: name is empty", id)
	}
	return s.updateCollection(id, func(b *bolt.Bucket, c *Collection) error {
		taken, err := nameTaken(b, c.Owner, name, c.ID)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("rename collection %d: %q of %s: %w", id, name, c.Owner, ErrExists)
		}
		c.Name = name
		return nil
	})
}

// SetHandout replaces collection id's handout text.
func (s *Store) SetHandout(id uint64, h Handout) (Collection, error) {
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		c.Handout = h
		return nil
	})
}

// DeleteCollection removes collection id and its share links; an unknown id
// gives an error wrapping ErrNotFound.
func (s *Store) DeleteCollection(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCollections)
		k := u64key(id)
		if b.Get(k) == nil {
			return fmt.Errorf("collection %d: %w", id, ErrNotFound)
		}
		if _, err := deleteShareLinksOf(tx, id); err != nil {
			return err
		}
		return b.Delete(k)
	})
}

// AddItem appends it to collection id. A zero Added becomes now. A PMID the
// collection already holds gives an error wrapping ErrExists and changes
// nothing (its note and place are kept).
func (s *Store) AddItem(id uint64, it CollectionItem) (Collection, error) {
	if it.PMID == 0 {
		return Collection{}, fmt.Errorf("add to collection %d: PMID is 0", id)
	}
	if it.Added.IsZero() {
		it.Added = time.Now().UTC()
	}
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		if c.Index(it.PMID) >= 0 {
			return fmt.Errorf("PMID %d is already in collection %q: %w", it.PMID, c.Name, ErrExists)
		}
		c.Items = append(c.Items, it)
		return nil
	})
}

// itemIndex finds pmid in c or returns an error wrapping ErrNotFound.
func itemIndex(c *Collection, pmid uint64) (int, error) {
	i := c.Index(pmid)
	if i < 0 {
		return -1, fmt.Errorf("PMID %d in collection %q: %w", pmid, c.Name, ErrNotFound)
	}
	return i, nil
}

// RemoveItem takes pmid out of collection id.
func (s *Store) RemoveItem(id, pmid uint64) (Collection, error) {
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		i, err := itemIndex(c, pmid)
		if err != nil {
			return err
		}
		c.Items = append(c.Items[:i], c.Items[i+1:]...)
		return nil
	})
}

// SetNote replaces the note of pmid in collection id ("" clears it).
func (s *Store) SetNote(id, pmid uint64, note string) (Collection, error) {
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		i, err := itemIndex(c, pmid)
		if err != nil {
			return err
		}
		c.Items[i].Note = note
		return nil
	})
}

// SetItemNote replaces the note of pmid in collection id ("" clears it) and
// whether it is private (left out of share links).
func (s *Store) SetItemNote(id, pmid uint64, note string, private bool) (Collection, error) {
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		i, err := itemIndex(c, pmid)
		if err != nil {
			return err
		}
		c.Items[i].Note, c.Items[i].Private = note, private
		return nil
	})
}

// MoveItem moves pmid to position to (0 is first) in collection id, shifting
// the items between. A position past either end means that end, so "up" on
// the first item and "down" on the last change nothing.
func (s *Store) MoveItem(id, pmid uint64, to int) (Collection, error) {
	return s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		from, err := itemIndex(c, pmid)
		if err != nil {
			return err
		}
		to = max(0, min(to, len(c.Items)-1))
		it := c.Items[from]
		c.Items = append(c.Items[:from], c.Items[from+1:]...)
		c.Items = append(c.Items[:to], append([]CollectionItem{it}, c.Items[to:]...)...)
		return nil
	})
}

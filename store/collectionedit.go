package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrFull wraps a bulk add that would take a collection past its limit; the
// error says how many more items fit.
var ErrFull = errors.New("collection is full")

// AddItems appends those of items that collection id does not hold yet, in
// order, in one transaction, and returns the PMIDs it added and those it
// already held (a PMID twice in items counts once). When the new ones would
// take the collection past limit items (limit > 0), nothing is added and the
// error wraps ErrFull, naming how many fit.
func (s *Store) AddItems(id uint64, items []CollectionItem, limit int) (c Collection, added, held []uint64, err error) {
	now := time.Now().UTC()
	c, err = s.updateCollection(id, func(_ *bolt.Bucket, c *Collection) error {
		added, held = nil, nil
		seen := make(map[uint64]bool, len(items))
		var fresh []CollectionItem
		for _, it := range items {
			if it.PMID == 0 {
				return fmt.Errorf("add to collection %d: PMID is 0", id)
			}
			switch {
			case seen[it.PMID]:
				continue
			case c.Index(it.PMID) >= 0:
				held = append(held, it.PMID)
			default:
				if it.Added.IsZero() {
					it.Added = now
				}
				fresh = append(fresh, it)
				added = append(added, it.PMID)
			}
			seen[it.PMID] = true
		}
		if limit > 0 && len(c.Items)+len(fresh) > limit {
			return fmt.Errorf("%w: %q holds %d of %d studies, so only %d more fit (%d new chosen)",
				ErrFull, c.Name, len(c.Items), limit, max(0, limit-len(c.Items)), len(fresh))
		}
		c.Items = append(c.Items, fresh...)
		return nil
	})
	if err != nil {
		return Collection{}, nil, nil, err
	}
	return c, added, held, nil
}

// CopyCollection stores a copy of collection id for owner under name: every
// field of the collection (items in order, with their notes and privacy),
// with a new ID, owner and times. Share links are not copied: they belong
// to the original. A name owner already uses gives an error wrapping
// ErrExists.
func (s *Store) CopyCollection(id uint64, owner, name string) (Collection, error) {
	owner = NormalizeEmail(owner)
	name = strings.TrimSpace(name)
	if owner == "" || name == "" {
		return Collection{}, fmt.Errorf("copy collection %d: owner and name are required", id)
	}
	var c Collection
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCollections)
		k := u64key(id)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("collection %d: %w", id, ErrNotFound)
		}
		// Decoding the stored JSON afresh gives a copy that shares nothing
		// with the original and carries whatever fields Collection has.
		if err := decodeCollection(k, v, &c); err != nil {
			return err
		}
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
		now := time.Now().UTC()
		c.Owner, c.Name, c.Created, c.Updated = owner, name, now, now
		if c.Items == nil {
			c.Items = []CollectionItem{}
		}
		return putCollection(b, &c)
	})
	if err != nil {
		return Collection{}, err
	}
	return c, nil
}

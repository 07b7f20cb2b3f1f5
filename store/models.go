package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketModels holds learned models (migration 6), one value per name: the
// bytes package learn encodes, format version and training date inside.
var bucketModels = []byte("models")

func migrateCreateModels(tx *bolt.Tx, _ time.Time) error {
	_, err := tx.CreateBucketIfNotExists(bucketModels)
	return err
}

// PutModel stores a model's bytes under name, replacing any before.
func (s *Store) PutModel(name string, model []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketModels).Put([]byte(name), model)
	})
	if err != nil {
		return fmt.Errorf("store model %s: %w", name, err)
	}
	return nil
}

// Model returns the bytes stored under name, or an error wrapping
// ErrNotFound when no model of that name was stored.
func (s *Store) Model(name string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketModels).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("model %s: %w", name, ErrNotFound)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func TestModels_RoundTripAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Model("provisional"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Model before any put: error = %v, want ErrNotFound", err)
	}
	blob := bytes.Repeat([]byte{1, 2, 3}, 1<<20)
	if err := s.PutModel("provisional", blob); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Model("provisional")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("Model after reopen: %d bytes, %v; want the %d bytes put", len(got), err, len(blob))
	}
}

package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestCursor_RoundTripReplaceAndList(t *testing.T) {
	s := openTest(t)
	if _, err := s.Cursor("zonulin/celiac"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Cursor of an unknown query: err = %v, want ErrNotFound", err)
	}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	a := Cursor{
		Query: "zonulin/celiac", Term: "zonulin AND celiac", EdatThrough: day(1), MdatThrough: day(2),
		Pass: &CursorPass{DateType: "edat", From: day(1), Next: day(3),
			Window: &CursorWindow{Min: day(3), Max: day(9), Count: 1200, IDs: "abc", Done: 400}},
		Updated: day(4),
	}
	b := Cursor{Query: "diet/ibd", Term: "diet AND ibd", EdatThrough: day(5)}
	for _, c := range []Cursor{a, b} {
		if err := s.PutCursor(c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Cursor(a.Query)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("Cursor = %+v\nwant %+v", got, a)
	}

	// A later put replaces the query's cursor; the other stays.
	a.Pass, a.EdatThrough = nil, day(9)
	if err := s.PutCursor(a); err != nil {
		t.Fatal(err)
	}
	all, err := s.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Cursor{b, a}; !reflect.DeepEqual(all, want) {
		t.Errorf("Cursors = %+v\nwant %+v (by name)", all, want)
	}
}

func TestPutCursor_EmptyNameRefused(t *testing.T) {
	s := openTest(t)
	if err := s.PutCursor(Cursor{Term: "x"}); err == nil {
		t.Fatal("PutCursor without a query name succeeded")
	}
	if all, _ := s.Cursors(); len(all) != 0 {
		t.Errorf("stored %d cursors, want none", len(all))
	}
}

func TestCursor_SurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Cursor{Query: "gluten/hashimoto", Term: "gluten AND hashimoto", EdatThrough: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}
	if err := s.PutCursor(want); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Cursor(want.Query)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen: %+v, want %+v", got, want)
	}
}

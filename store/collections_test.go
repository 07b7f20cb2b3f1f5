package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func mustCollection(t *testing.T, s *Store, owner, name string, pmids ...uint64) Collection {
	t.Helper()
	c, err := s.CreateCollection(owner, name)
	if err != nil {
		t.Fatalf("CreateCollection(%s, %q): %v", owner, name, err)
	}
	for _, p := range pmids {
		if c, err = s.AddItem(c.ID, CollectionItem{PMID: p}); err != nil {
			t.Fatalf("AddItem(%d): %v", p, err)
		}
	}
	return c
}

func TestCollections_CreateGetListRenameDelete(t *testing.T) {
	s := openTest(t)
	thyroid := mustCollection(t, s, "Ada@example.org", "  Thyroid handout ")
	if thyroid.ID == 0 || thyroid.Owner != "ada@example.org" || thyroid.Name != "Thyroid handout" {
		t.Errorf("created %+v, want an id, normalised owner and trimmed name", thyroid)
	}
	gut := mustCollection(t, s, "ada@example.org", "gut barrier")
	mustCollection(t, s, "bob@example.org", "Celiac")

	got, err := s.Collection(thyroid.ID)
	if err != nil || got.Name != "Thyroid handout" || got.Items == nil {
		t.Errorf("Collection(%d) = %+v, %v", thyroid.ID, got, err)
	}
	if _, err := s.Collection(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Collection(999) error = %v, want ErrNotFound", err)
	}

	names := func(cs []Collection) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.Owner+"/"+c.Name)
		}
		return out
	}
	mine, err := s.Collections("ADA@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(mine), []string{"ada@example.org/gut barrier", "ada@example.org/Thyroid handout"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Collections(ada) = %q, want %q", got, want)
	}
	all, _ := s.AllCollections()
	if got, want := names(all), []string{"ada@example.org/gut barrier", "ada@example.org/Thyroid handout", "bob@example.org/Celiac"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AllCollections = %q, want %q", got, want)
	}
	if none, err := s.Collections("carol@example.org"); err != nil || len(none) != 0 {
		t.Errorf("Collections(carol) = %v, %v; want empty", none, err)
	}

	tests := []struct {
		name    string
		owner   string
		cname   string
		wantOK  bool
		wantErr error // checked with errors.Is when not nil
	}{
		{"same name other case", "ada@example.org", "THYROID HANDOUT", false, ErrExists},
		{"same name other owner", "bob@example.org", "Thyroid handout", true, nil},
		{"empty name", "ada@example.org", "  ", false, nil},
		{"empty owner", "", "x", false, nil},
	}
	for _, tt := range tests {
		_, err := s.CreateCollection(tt.owner, tt.cname)
		if tt.wantOK != (err == nil) {
			t.Errorf("%s: error = %v, want success %v", tt.name, err, tt.wantOK)
		}
		if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.wantErr)
		}
	}

	if _, err := s.RenameCollection(gut.ID, "thyroid handout"); !errors.Is(err, ErrExists) {
		t.Errorf("rename onto a sibling's name: error = %v, want ErrExists", err)
	}
	renamed, err := s.RenameCollection(gut.ID, "Gut Barrier")
	if err != nil || renamed.Name != "Gut Barrier" || renamed.Updated.Before(gut.Updated) {
		t.Errorf("rename to a case variant of its own name = %+v, %v", renamed, err)
	}
	if _, err := s.RenameCollection(gut.ID, ""); err == nil {
		t.Error("rename to empty name succeeded")
	}
	if _, err := s.RenameCollection(999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rename unknown: error = %v, want ErrNotFound", err)
	}

	if err := s.DeleteCollection(gut.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Collection(gut.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted collection still found: %v", err)
	}
	if err := s.DeleteCollection(gut.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: error = %v, want ErrNotFound", err)
	}
	if c, _ := s.CreateCollection("ada@example.org", "Fresh"); c.ID <= gut.ID {
		t.Errorf("new id %d reuses a deleted one (%d)", c.ID, gut.ID)
	}
}

func TestCollections_ItemEdits(t *testing.T) {
	s := openTest(t)
	c := mustCollection(t, s, "ada@example.org", "Handout", 11, 22, 33)
	id := c.ID
	added := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

	tests := []struct {
		name    string
		edit    func() (Collection, error)
		wantErr error
		want    []uint64
	}{
		{"add keeps given time", func() (Collection, error) { return s.AddItem(id, CollectionItem{PMID: 44, Note: "n", Added: added}) }, nil, []uint64{11, 22, 33, 44}},
		{"add duplicate", func() (Collection, error) { return s.AddItem(id, CollectionItem{PMID: 22, Note: "dup"}) }, ErrExists, nil},
		{"add zero pmid", func() (Collection, error) { return s.AddItem(id, CollectionItem{}) }, nil, nil},
		{"add to unknown collection", func() (Collection, error) { return s.AddItem(999, CollectionItem{PMID: 1}) }, ErrNotFound, nil},
		{"move last to first", func() (Collection, error) { return s.MoveItem(id, 44, 0) }, nil, []uint64{44, 11, 22, 33}},
		{"move first down one", func() (Collection, error) { return s.MoveItem(id, 44, 1) }, nil, []uint64{11, 44, 22, 33}},
		{"move past the end", func() (Collection, error) { return s.MoveItem(id, 11, 99) }, nil, []uint64{44, 22, 33, 11}},
		{"move before the start", func() (Collection, error) { return s.MoveItem(id, 33, -1) }, nil, []uint64{33, 44, 22, 11}},
		{"move unknown pmid", func() (Collection, error) { return s.MoveItem(id, 55, 0) }, ErrNotFound, nil},
		{"remove middle", func() (Collection, error) { return s.RemoveItem(id, 44) }, nil, []uint64{33, 22, 11}},
		{"remove unknown", func() (Collection, error) { return s.RemoveItem(id, 44) }, ErrNotFound, nil},
		{"note", func() (Collection, error) { return s.SetNote(id, 22, "show page 3") }, nil, []uint64{33, 22, 11}},
		{"note unknown", func() (Collection, error) { return s.SetNote(id, 99, "x") }, ErrNotFound, nil},
	}
	for _, tt := range tests {
		before, _ := s.Collection(id)
		got, err := tt.edit()
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s: succeeded, want an error", tt.name)
			} else if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if after, _ := s.Collection(id); !reflect.DeepEqual(after, before) {
				t.Errorf("%s: failed edit changed the collection:\n got %+v\nwant %+v", tt.name, after, before)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if g := got.PMIDs(); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("%s: order = %v, want %v", tt.name, g, tt.want)
		}
		stored, _ := s.Collection(id)
		if !reflect.DeepEqual(stored, got) {
			t.Errorf("%s: returned %+v, stored %+v", tt.name, got, stored)
		}
	}

	final, _ := s.Collection(id)
	if i := final.Index(22); i < 0 || final.Items[i].Note != "show page 3" {
		t.Errorf("note of 22 = %+v, want %q", final.Items, "show page 3")
	}
	if _, err := s.AddItem(id, CollectionItem{PMID: 44, Added: added}); err != nil {
		t.Fatal(err)
	}
	final, _ = s.Collection(id)
	if it := final.Items[final.Index(44)]; !it.Added.Equal(added) || it.Note != "" {
		t.Errorf("re-added item = %+v, want Added %v and no note", it, added)
	}
	if it := final.Items[final.Index(11)]; it.Added.IsZero() {
		t.Error("item added without a time got no Added time")
	}
}

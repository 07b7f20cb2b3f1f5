package collection

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"villi/store"
)

func TestEdits_OwnerAdminAndStrangers(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	c, err := s.Create(ctx, ada, "  Thyroid   handout ")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Thyroid handout" || c.Owner != "ada@example.org" {
		t.Errorf("created %q owned by %q", c.Name, c.Owner)
	}
	id := c.ID

	tests := []struct {
		name    string
		do      func() (store.Collection, error)
		wantErr error // nil: success
		want    []uint64
	}{
		{"owner adds", func() (store.Collection, error) { return s.Add(ctx, ada, id, pmidRetracted, "slide 2") }, nil, []uint64{pmidRetracted}},
		{"owner adds another", func() (store.Collection, error) { return s.Add(ctx, ada, id, pmidConcern, "") }, nil, []uint64{pmidRetracted, pmidConcern}},
		{"admin adds", func() (store.Collection, error) { return s.Add(ctx, root, id, pmidErratum, "") }, nil, []uint64{pmidRetracted, pmidConcern, pmidErratum}},
		{"stranger adds", func() (store.Collection, error) { return s.Add(ctx, bob, id, pmidRetractedErrata, "") }, store.ErrNotFound, nil},
		{"anonymous adds", func() (store.Collection, error) { return s.Add(ctx, store.User{}, id, pmidRetractedErrata, "") }, store.ErrNotFound, nil},
		{"duplicate", func() (store.Collection, error) { return s.Add(ctx, ada, id, pmidRetracted, "again") }, store.ErrExists, nil},
		{"PMID not in library", func() (store.Collection, error) { return s.Add(ctx, ada, id, 1, "") }, store.ErrNotFound, nil},
		{"unknown collection", func() (store.Collection, error) { return s.Add(ctx, ada, 999, pmidRetracted, "") }, store.ErrNotFound, nil},
		{"note too long", func() (store.Collection, error) {
			return s.Add(ctx, ada, id, pmidRetractedErrata, strings.Repeat("x", MaxNoteChars+1))
		}, ErrInvalid, nil},
		{"move to top", func() (store.Collection, error) { return s.Move(ctx, ada, id, pmidErratum, 0) }, nil, []uint64{pmidErratum, pmidRetracted, pmidConcern}},
		{"stranger moves", func() (store.Collection, error) { return s.Move(ctx, bob, id, pmidErratum, 2) }, store.ErrNotFound, nil},
		{"note", func() (store.Collection, error) { return s.SetNote(ctx, ada, id, pmidConcern, " see box 1\r\n") }, nil, []uint64{pmidErratum, pmidRetracted, pmidConcern}},
		{"note on absent PMID", func() (store.Collection, error) { return s.SetNote(ctx, ada, id, pmidRetractedErrata, "x") }, store.ErrNotFound, nil},
		{"remove", func() (store.Collection, error) { return s.Remove(ctx, ada, id, pmidErratum) }, nil, []uint64{pmidRetracted, pmidConcern}},
		{"stranger removes", func() (store.Collection, error) { return s.Remove(ctx, bob, id, pmidRetracted) }, store.ErrNotFound, nil},
		{"rename", func() (store.Collection, error) { return s.Rename(ctx, ada, id, "Hashimoto handout") }, nil, []uint64{pmidRetracted, pmidConcern}},
		{"rename empty", func() (store.Collection, error) { return s.Rename(ctx, ada, id, "   ") }, ErrInvalid, nil},
		{"rename too long", func() (store.Collection, error) { return s.Rename(ctx, ada, id, strings.Repeat("n", MaxNameChars+1)) }, ErrInvalid, nil},
		{"stranger renames", func() (store.Collection, error) { return s.Rename(ctx, bob, id, "mine now") }, store.ErrNotFound, nil},
	}
	for _, tt := range tests {
		before, _ := st.Collection(id)
		got, err := tt.do()
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if after, _ := st.Collection(id); !reflect.DeepEqual(after, before) {
				t.Errorf("%s: refused edit changed the collection", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if g := got.PMIDs(); !reflect.DeepEqual(g, tt.want) {
			t.Errorf("%s: items %v, want %v", tt.name, g, tt.want)
		}
	}

	c, _ = s.Get(ctx, ada, id)
	if c.Name != "Hashimoto handout" || c.Items[c.Index(pmidConcern)].Note != "see box 1" || c.Items[c.Index(pmidRetracted)].Note != "slide 2" {
		t.Errorf("after edits: %+v", c)
	}
	if _, err := s.Get(ctx, bob, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stranger reads: error = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, root, id); err != nil {
		t.Errorf("admin reads: %v", err)
	}
	if mine, _ := s.List(ctx, bob); len(mine) != 0 {
		t.Errorf("bob's list shows %d collections of others", len(mine))
	}
	in, err := s.Containing(ctx, ada, pmidConcern)
	if err != nil || len(in) != 1 || in[0].ID != id {
		t.Errorf("Containing(concern) = %v, %v", in, err)
	}
	if err := s.Delete(ctx, bob, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stranger deletes: error = %v", err)
	}
	if err := s.Delete(ctx, ada, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ada, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted collection still readable: %v", err)
	}
}

func TestCreate_RefusesBadNames(t *testing.T) {
	s := New(fixtureStore(t))
	ctx := context.Background()
	tests := []struct {
		user store.User
		name string
		want error
	}{
		{ada, "", ErrInvalid},
		{ada, strings.Repeat("é", MaxNameChars+1), ErrInvalid},
		{store.User{}, "Handout", nil}, // any error: nobody to own it
	}
	for _, tt := range tests {
		_, err := s.Create(ctx, tt.user, tt.name)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Create(%q, %d chars) error = %v, want %v", tt.user.Email, len(tt.name), err, tt.want)
		}
	}
	if _, err := s.Create(ctx, ada, strings.Repeat("é", MaxNameChars)); err != nil {
		t.Errorf("name of exactly %d characters: %v", MaxNameChars, err)
	}
	s.Create(ctx, ada, "Gut")
	if _, err := s.Create(ctx, ada, "gut"); !errors.Is(err, store.ErrExists) {
		t.Errorf("same name twice: error = %v, want ErrExists", err)
	}
}

func TestAdd_FullCollectionRefused(t *testing.T) {
	s := New(fixtureStore(t))
	s.maxItems = 3 // MaxItems real items would take 500 transactions
	ctx := context.Background()
	c, _ := s.Create(ctx, ada, "Big")
	for _, p := range []uint64{pmidRetracted, pmidPlain, pmidConcern} {
		if _, err := s.Add(ctx, ada, c.ID, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Add(ctx, ada, c.ID, pmidErratum, "")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `collection "Big" is full (3 items)`) {
		t.Errorf("4th item: error = %v, want ErrInvalid saying the collection is full", err)
	}
	if _, err := s.Add(ctx, ada, c.ID, pmidPlain, ""); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate in a full collection: error = %v, want ErrExists (not 'full')", err)
	}
	if New(nil).maxItems != MaxItems {
		t.Error("New does not apply MaxItems")
	}
}

func TestCleanNote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  plain  ", "plain"},
		{"line 1\r\nline 2", "line 1\nline 2"},
		{"tab\there", "tab\there"},
		{"bell\a and nul\x00", "bell and nul"},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := cleanNote(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("cleanNote(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

package collection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"villi/store"
)

func TestAddMany_AddsNewKeepsHeldInOneGo(t *testing.T) {
	s := New(fixtureStore(t))
	ctx := context.Background()
	c, _ := s.Create(ctx, ada, "Gut")
	if _, err := s.Add(ctx, ada, c.ID, pmidConcern, "kept note"); err != nil {
		t.Fatal(err)
	}
	res, err := s.AddMany(ctx, ada, c.ID, []uint64{pmidPlain, pmidConcern, pmidRetracted, pmidPlain})
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{pmidPlain, pmidRetracted}; !slices.Equal(res.Added, want) {
		t.Errorf("added %v, want %v", res.Added, want)
	}
	if want := []uint64{pmidConcern}; !slices.Equal(res.Held, want) {
		t.Errorf("held %v, want %v", res.Held, want)
	}
	got, _ := s.Get(ctx, ada, c.ID)
	if want := []uint64{pmidConcern, pmidPlain, pmidRetracted}; !slices.Equal(got.PMIDs(), want) {
		t.Errorf("items %v, want %v", got.PMIDs(), want)
	}
	if got.Items[0].Note != "kept note" {
		t.Errorf("held item's note %q, want it kept", got.Items[0].Note)
	}
}

func TestAddMany_RefusalsAddNothing(t *testing.T) {
	s := New(fixtureStore(t))
	s.maxItems = 3
	ctx := context.Background()
	c, _ := s.Create(ctx, ada, "Small")
	if _, err := s.Add(ctx, ada, c.ID, pmidConcern, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		user  store.User
		pmids []uint64
		is    error
		msg   string
	}{
		{"over the limit", ada, []uint64{pmidPlain, pmidRetracted, pmidErratum, pmidConcern}, ErrInvalid, `"Small" holds 1 of 3 studies, so only 2 more fit (3 new chosen)`},
		{"unknown PMID", ada, []uint64{pmidPlain, 99999999}, store.ErrNotFound, "PMID 99999999 not in the library, nothing added"},
		{"none", ada, nil, ErrInvalid, "select at least one study"},
		{"another user's", bob, []uint64{pmidPlain}, store.ErrNotFound, ""},
	}
	for _, tt := range tests {
		_, err := s.AddMany(ctx, tt.user, c.ID, tt.pmids)
		if !errors.Is(err, tt.is) || !strings.Contains(fmt.Sprint(err), tt.msg) {
			t.Errorf("%s: error = %v, want %v saying %q", tt.name, err, tt.is, tt.msg)
		}
		if got, _ := s.Get(ctx, ada, c.ID); !slices.Equal(got.PMIDs(), []uint64{pmidConcern}) {
			t.Errorf("%s: items %v, want only the first", tt.name, got.PMIDs())
		}
	}
	// Exactly what fits is fine, and a held PMID does not count.
	if _, err := s.AddMany(ctx, ada, c.ID, []uint64{pmidConcern, pmidPlain, pmidRetracted}); err != nil {
		t.Errorf("filling to the limit: %v", err)
	}
}

func TestMoveTo_Positions(t *testing.T) {
	s := New(fixtureStore(t))
	ctx := context.Background()
	c, _ := s.Create(ctx, ada, "Order")
	start := []uint64{pmidRetracted, pmidPlain, pmidConcern, pmidErratum}
	if _, err := s.AddMany(ctx, ada, c.ID, start); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pmid uint64
		pos  int
		want []uint64 // nil: refused, order unchanged
	}{
		{"last to first", pmidErratum, 1, []uint64{pmidErratum, pmidRetracted, pmidPlain, pmidConcern}},
		{"first to last", pmidErratum, 4, start},
		{"to the middle", pmidRetracted, 3, []uint64{pmidPlain, pmidConcern, pmidRetracted, pmidErratum}},
		{"same place", pmidConcern, 2, []uint64{pmidPlain, pmidConcern, pmidRetracted, pmidErratum}},
		{"zero", pmidConcern, 0, nil},
		{"past the end", pmidConcern, 5, nil},
		{"negative", pmidConcern, -1, nil},
	}
	prev := start
	for _, tt := range tests {
		got, err := s.MoveTo(ctx, ada, c.ID, tt.pmid, tt.pos)
		if tt.want == nil {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "give a number from 1 to 4") {
				t.Errorf("%s: error = %v, want ErrInvalid naming 1 to 4", tt.name, err)
			}
			got, _ = s.Get(ctx, ada, c.ID)
			tt.want = prev
		} else if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(got.PMIDs(), tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got.PMIDs(), tt.want)
		}
		prev = tt.want
	}
	if _, err := s.MoveTo(ctx, bob, c.ID, pmidPlain, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob moves in ada's collection: %v, want ErrNotFound", err)
	}
	if _, err := s.MoveTo(ctx, ada, c.ID, pmidPlain+1, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("move a PMID not in the collection: %v, want ErrNotFound", err)
	}
}

func TestDuplicate_CopiesEverythingButTheShareLink(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	c, _ := s.Create(ctx, ada, "Thyroid")
	if _, err := s.AddMany(ctx, ada, c.ID, []uint64{pmidPlain, pmidRetracted, pmidConcern}); err != nil {
		t.Fatal(err)
	}
	s.SetItemNote(ctx, ada, c.ID, pmidRetracted, "retracted: say so", false)
	s.SetItemNote(ctx, ada, c.ID, pmidConcern, "only for me", true)
	s.Move(ctx, ada, c.ID, pmidConcern, 0)
	if _, _, err := s.Share(ctx, ada, c.ID, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	orig, _ := s.Get(ctx, ada, c.ID)

	dup, err := s.Duplicate(ctx, ada, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dup.ID == orig.ID || dup.Name != "Copy of Thyroid" || dup.Owner != orig.Owner {
		t.Errorf("copy: id %d name %q owner %q", dup.ID, dup.Name, dup.Owner)
	}
	// Every item field, in order: the stored copy equals the original's.
	if !slices.Equal(dup.Items, orig.Items) {
		t.Errorf("copy's items\n%+v\nwant\n%+v", dup.Items, orig.Items)
	}
	// Every other field of the collection too (whatever fields it has).
	cmp := dup
	cmp.ID, cmp.Name, cmp.Created, cmp.Updated, cmp.Items = orig.ID, orig.Name, orig.Created, orig.Updated, orig.Items
	if fmt.Sprintf("%+v", cmp) != fmt.Sprintf("%+v", orig) {
		t.Errorf("copy differs beyond id, name and times:\n%+v\n%+v", cmp, orig)
	}
	if _, ok, _ := s.ShareStatus(ctx, ada, dup.ID); ok {
		t.Error("the copy has a share link: it must stay with the original")
	}
	if _, ok, _ := s.ShareStatus(ctx, ada, c.ID); !ok {
		t.Error("duplicating took the original's share link")
	}
	// Changing the copy leaves the original alone.
	s.SetItemNote(ctx, ada, dup.ID, pmidPlain, "changed in the copy", false)
	if again, _ := s.Get(ctx, ada, c.ID); !slices.Equal(again.Items, orig.Items) {
		t.Error("editing the copy changed the original")
	}

	if d2, err := s.Duplicate(ctx, ada, c.ID); err != nil || d2.Name != "Copy of Thyroid (2)" {
		t.Errorf("second copy: %q, %v; want Copy of Thyroid (2)", d2.Name, err)
	}
	if _, err := s.Duplicate(ctx, bob, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob duplicates ada's collection: %v, want ErrNotFound", err)
	}
	if cs, _ := s.List(ctx, bob); len(cs) != 0 {
		t.Errorf("bob has %d collections after a refused copy", len(cs))
	}
	// An admin may copy it, and the copy is the admin's.
	if d, err := s.Duplicate(ctx, root, c.ID); err != nil || d.Owner != store.NormalizeEmail(root.Email) {
		t.Errorf("admin copy: owner %q, %v", d.Owner, err)
	}
}

func TestCopyName(t *testing.T) {
	long := strings.Repeat("é", MaxNameChars)
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"Gut", 1, "Copy of Gut"},
		{"Gut", 3, "Copy of Gut (3)"},
		{long, 1, "Copy of " + strings.Repeat("é", MaxNameChars-9) + "…"},
		{long, 12, "Copy of " + strings.Repeat("é", MaxNameChars-14) + "… (12)"},
	}
	for _, tt := range tests {
		got := copyName(tt.name, tt.n)
		if got != tt.want {
			t.Errorf("copyName(%d runes, %d) = %q, want %q", utf8.RuneCountInString(tt.name), tt.n, got, tt.want)
		}
		if _, err := cleanName(got); err != nil {
			t.Errorf("copyName(%d runes, %d): %v", utf8.RuneCountInString(tt.name), tt.n, err)
		}
	}
}

package store

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAddItems_OneTransactionWithinTheLimit(t *testing.T) {
	s := openTest(t)
	c := mustCollection(t, s, "ada@example.org", "Gut", 10)
	items := func(pmids ...uint64) []CollectionItem {
		var out []CollectionItem
		for _, p := range pmids {
			out = append(out, CollectionItem{PMID: p, Note: "bulk"})
		}
		return out
	}
	got, added, held, err := s.AddItems(c.ID, items(20, 10, 30, 20), 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []uint64{20, 30}) || !slices.Equal(held, []uint64{10}) {
		t.Errorf("added %v held %v, want [20 30] and [10]", added, held)
	}
	if !slices.Equal(got.PMIDs(), []uint64{10, 20, 30}) || got.Items[0].Note != "" || got.Items[1].Added.IsZero() {
		t.Errorf("items %+v, want 10 untouched, then 20 and 30 with an Added time", got.Items)
	}
	// Two new ones where one fits: nothing added, the error says so.
	_, _, _, err = s.AddItems(c.ID, items(40, 10, 50), 4)
	if !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), `"Gut" holds 3 of 4 studies, so only 1 more fit (2 new chosen)`) {
		t.Errorf("over the limit: error = %v", err)
	}
	if _, _, _, err := s.AddItems(c.ID, items(40, 0), 0); err == nil {
		t.Error("PMID 0 accepted")
	}
	if now, _ := s.Collection(c.ID); !slices.Equal(now.PMIDs(), []uint64{10, 20, 30}) {
		t.Errorf("after refusals: %v, want [10 20 30]", now.PMIDs())
	}
	if _, _, _, err := s.AddItems(999, items(1), 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown collection: %v, want ErrNotFound", err)
	}
}

func TestCopyCollection_EveryFieldNewOwnerNoShareLink(t *testing.T) {
	s := openTest(t)
	c := mustCollection(t, s, "ada@example.org", "Thyroid", 3, 1, 2)
	if _, err := s.SetItemNote(c.ID, 1, "private aside", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetHandout(c.ID, Handout{Title: "Your thyroid", Intro: "Read *this*.", Closing: "Ask me."}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateShareLink(c.ID, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	orig, _ := s.Collection(c.ID)
	if orig.Handout.Title == "" {
		t.Fatal("the handout text was not stored")
	}
	dup, err := s.CopyCollection(c.ID, "Bob@example.org", "Copy of Thyroid")
	if err != nil {
		t.Fatal(err)
	}
	if dup.ID == orig.ID || dup.Owner != "bob@example.org" || dup.Name != "Copy of Thyroid" || !dup.Created.After(orig.Created) {
		t.Errorf("copy %+v: want a new id, bob's, the new name, new times", dup)
	}
	want := orig
	want.ID, want.Owner, want.Name, want.Created, want.Updated = dup.ID, dup.Owner, dup.Name, dup.Created, dup.Updated
	if stored, _ := s.Collection(dup.ID); !reflect.DeepEqual(stored, want) {
		t.Errorf("stored copy\n%+v\nwant\n%+v", stored, want)
	}
	if _, ok, _ := s.ShareLinkOf(dup.ID); ok {
		t.Error("the copy has the original's share link")
	}
	if _, err := s.SetNote(dup.ID, 3, "changed in the copy"); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Collection(c.ID); !reflect.DeepEqual(again, orig) {
		t.Error("editing the copy changed the original")
	}
	if _, err := s.CopyCollection(c.ID, "bob@example.org", "copy of thyroid"); !errors.Is(err, ErrExists) {
		t.Errorf("a name bob uses: %v, want ErrExists", err)
	}
	if _, err := s.CopyCollection(999, "bob@example.org", "X"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown collection: %v, want ErrNotFound", err)
	}
}

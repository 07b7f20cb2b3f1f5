package store

import (
	"errors"
	"testing"
)

func TestSetHandout_StoredWithTheCollectionAndKeepsItems(t *testing.T) {
	s := openTest(t)
	c := mustCollection(t, s, "ada@example.org", "Thyroid", 1, 2)
	want := Handout{Title: "Your thyroid and gut", Intro: "Read *these*.", Closing: "Questions? Ask."}
	if _, err := s.SetHandout(c.ID, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Collection(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Handout != want {
		t.Errorf("Handout = %+v, want %+v", got.Handout, want)
	}
	if len(got.Items) != 2 || got.Name != "Thyroid" {
		t.Errorf("collection after SetHandout = %+v, want its name and 2 items kept", got)
	}
	if _, err := s.SetHandout(999, want); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetHandout(999) error = %v, want ErrNotFound", err)
	}
}

func TestSetPractice_KeepsTheRestOfTheUser(t *testing.T) {
	s := openTest(t)
	if err := s.CreateUser(User{Email: "ada@example.org", PasswordHash: []byte("h"), Admin: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPractice("ADA@example.org", "Gut & Thyroid Clinic"); err != nil {
		t.Fatal(err)
	}
	u, err := s.User("ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Practice != "Gut & Thyroid Clinic" || !u.Admin || string(u.PasswordHash) != "h" {
		t.Errorf("user = %+v, want the practice set and admin flag and hash kept", u)
	}
	if _, err := s.SetPractice("nobody@example.org", "X"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPractice(unknown) error = %v, want ErrNotFound", err)
	}
}

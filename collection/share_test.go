package collection

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"villi/cite"
	"villi/store"
)

func TestShare_OwnerOnlyNoPrivateNotesNoOwner(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := s.Create(ctx, ada, "Handout")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, ada, c.ID, pmidRetracted, "shared note"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, ada, c.ID, pmidConcern, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemNote(ctx, ada, c.ID, pmidConcern, "client is anxious", true); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		u    store.User
		ttl  time.Duration
		want error
	}{
		{"stranger", bob, 0, store.ErrNotFound},
		{"anonymous", store.User{}, 0, store.ErrNotFound},
		{"odd lifetime", ada, time.Hour, ErrInvalid},
	} {
		if _, _, err := s.Share(ctx, tc.u, c.ID, tc.ttl, now); !errors.Is(err, tc.want) {
			t.Errorf("%s shares: error = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.Shared(ctx, "not-a-token", cite.Vancouver, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("malformed token: error = %v, want ErrNotFound", err)
	}

	token, _, err := s.Share(ctx, ada, c.ID, 7*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Shared(ctx, token, cite.Vancouver, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Collection.Owner != "" {
		t.Errorf("shared list names its owner %q", l.Collection.Owner)
	}
	if got := len(l.Entries); got != 2 {
		t.Fatalf("shared list has %d entries, want 2", got)
	}
	if l.Entries[0].Note != "shared note" || l.Entries[1].Note != "" {
		t.Errorf("shared notes = %q, %q; want the shared one only", l.Entries[0].Note, l.Entries[1].Note)
	}
	for _, it := range l.Collection.Items {
		if strings.Contains(it.Note, "anxious") {
			t.Error("the private note is still in the shared list's collection items")
		}
	}
	// The owner still has the private note.
	if own, _ := s.References(ctx, ada, c.ID, cite.Vancouver); own.Entries[1].Note != "client is anxious" {
		t.Errorf("owner's note = %q, want it kept", own.Entries[1].Note)
	}

	// Opening records LastOpened, at most once a minute.
	status := func() store.ShareLink {
		t.Helper()
		l, ok, err := s.ShareStatus(ctx, ada, c.ID)
		if err != nil || !ok {
			t.Fatalf("ShareStatus: %v, %v", ok, err)
		}
		return l
	}
	if got := status().LastOpened; !got.Equal(now) {
		t.Errorf("LastOpened after the first open = %v, want %v", got, now)
	}
	if _, err := s.Shared(ctx, token, cite.AMA, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := status().LastOpened; !got.Equal(now) {
		t.Errorf("LastOpened 30 s later = %v, want it left at %v (no write per request)", got, now)
	}
	if _, err := s.Shared(ctx, token, cite.AMA, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := status().LastOpened; !got.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("LastOpened 2 min later = %v, want it updated", got)
	}

	if _, err := s.Shared(ctx, token, cite.Vancouver, now.Add(7*24*time.Hour)); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("after 7 days: error = %v, want ErrLinkExpired", err)
	}
	if err := s.Unshare(ctx, bob, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stranger revokes: error = %v, want ErrNotFound", err)
	}
	if err := s.Unshare(ctx, ada, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Shared(ctx, token, cite.Vancouver, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked: error = %v, want ErrNotFound", err)
	}
}

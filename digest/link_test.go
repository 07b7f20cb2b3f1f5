package digest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"villi/store"
)

// "See all N" names the digest window exactly: the web's added_since is
// inclusive and the window excludes its start, so the link starts one
// nanosecond later, and it ends at the window's end, so records stored
// after the digest was sent stay out.
func TestSelect_MoreURLNamesTheWindow(t *testing.T) {
	lib, _ := selectionLib(t)
	cfg := testConfig(farOff)
	cfg.GroupCap = 1
	s := newService(t, lib, cfg)
	since := time.Date(1980, 1, 1, 7, 0, 0, 0, time.FixedZone("CET", 3600))
	until := time.Date(2030, 1, 1, 7, 0, 0, 0, time.UTC)
	sub := store.Subscription{ID: 1, Email: "a@example.org"}
	sel, err := s.selectItems(context.Background(), &sub, since, until)
	if err != nil {
		t.Fatal(err)
	}
	var links int
	for _, g := range sel.Groups {
		if g.MoreURL == "" {
			continue
		}
		links++
		u, err := url.Parse(g.MoreURL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if got, want := q.Get("added_since"), "1980-01-01T06:00:00.000000001Z"; got != want {
			t.Errorf("group %q: added_since = %q, want %q", g.Label, got, want)
		}
		if got, want := q.Get("added_until"), "2030-01-01T07:00:00Z"; got != want {
			t.Errorf("group %q: added_until = %q, want %q", g.Label, got, want)
		}
	}
	if links == 0 {
		t.Fatal("no group has a See all link; the test proves nothing")
	}
}

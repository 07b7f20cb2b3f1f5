package web

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"villi/collection"
	"villi/store"
)

// TestBrowser_HandoutPrintsWithDisclaimer opens a share link's print view in
// a fresh browser, as a client would, and prints it (print media): the
// title, practice, introduction, references with their evidence levels, the
// closing text and the disclaimer must all still show, while the site's
// header and footer do not.
func TestBrowser_HandoutPrintsWithDisclaimer(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{PracticeName: "Print Test Practice"})
	colls := collection.New(lib.DB())
	u := store.User{Email: "printer@example.org"}
	c, err := colls.Create(t.Context(), u, "Print handout "+time.Now().Format("150405.000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { colls.Delete(context.Background(), u, c.ID) })
	if _, err := colls.Add(t.Context(), u, c.ID, retractedPMID, "Read the notice"); err != nil {
		t.Fatal(err)
	}
	if _, err := colls.SetHandout(t.Context(), u, c.ID, "Printed handout", "Intro for **you**.", "Closing words."); err != nil {
		t.Fatal(err)
	}
	token, _, err := colls.Share(t.Context(), u, c.ID, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	step(t, ctx, "open the shared print view", chromedp.Navigate(srv.URL+"/s/"+token+"/print"))
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown := `sel => { const e = document.querySelector(sel); return !!e && getComputedStyle(e).display !== "none" && getComputedStyle(e).visibility !== "hidden" && e.getClientRects().length > 0 && e.innerText.trim() !== ""; }`
	for sel, want := range map[string]bool{
		".handout-head h1": true, ".handout-head .practice": true, ".handout-intro": true, "ol.print-refs li": true,
		".print-evidence": true, ".handout-closing": true, ".handout-disclaimer": true,
		"header.site": false, "footer.site": false,
	} {
		got := value(t, ctx, "printed "+sel, chromedp.Evaluate[bool](`(`+shown+`)(`+strconv.Quote(sel)+`)`))
		if got != want {
			t.Errorf("printed page: %s shown %v, want %v", sel, got, want)
		}
	}
}

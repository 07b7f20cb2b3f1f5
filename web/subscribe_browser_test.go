package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"villi/digest"
)

// TestBrowser_DigestSignUp signs up in chromium from the nav link, follows
// the confirmation link from the mail and clicks the button: the browser's
// own headers must pass cross-origin protection at each step.
func TestBrowser_DigestSignUp(t *testing.T) {
	rg := newDigestRig(t, Options{})
	ctx := newBrowser(t)

	step(t, ctx, "open a search", chromedp.Navigate(rg.srv.URL+"/search?q=gluten"))
	clickAndLoad(t, ctx, "follow the Weekly digest link", chromedp.CSS(`.site-nav a[href="/subscribe"]`))
	step(t, ctx, "fill in the form",
		chromedp.SendKeys(chromedp.CSS("#email"), "browser@example.org"),
		chromedp.Click(chromedp.CSS(`input[name=condition][value=hashimoto]`)),
		chromedp.Click(chromedp.CSS(`input[name=mechanism][value=intestinal-permeability]`)),
		chromedp.SendKeys(chromedp.CSS("#q"), "zonulin"),
		chromedp.SetValue(chromedp.CSS("#min_evidence"), "clinical-trial"),
		chromedp.Click(chromedp.CSS(`input[name=empty_week][value=skip]`)))
	clickAndLoad(t, ctx, "subscribe", chromedp.CSS(".signup button[type=submit]"))
	if h := value(t, ctx, "heading", chromedp.Text(chromedp.CSS("h1"))); h != "Check your inbox" {
		t.Fatalf("after subscribing the page says %q", h)
	}
	sub, err := rg.lib.DB().SubscriptionByEmail("browser@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := filtersOf(sub); got != "browser@example.org | hashimoto | intestinal-permeability | zonulin | clinical-trial | false | skip" {
		t.Errorf("stored %s", got)
	}

	confirm, _ := mailLink(t, rg.sink.nth(t, "browser@example.org", 1), digest.PathConfirm)
	step(t, ctx, "open the confirmation link", chromedp.Navigate(rg.srv.URL+confirm))
	clickAndLoad(t, ctx, "confirm", chromedp.CSS(`form[action="/subscribe/confirm"] button`))
	if h := value(t, ctx, "heading", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(h, "confirmed") {
		t.Fatalf("after confirming the page says %q", h)
	}
	if sub, _ = rg.lib.DB().Subscription(sub.ID); !sub.Confirmed {
		t.Error("the browser's click did not confirm the subscription")
	}
}

package web

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/digest"
	"villi/library"
	"villi/store"
)

// digestRig is a server with digests on: a private library, a mail sink
// and a clock the test moves.
type digestRig struct {
	lib   *library.Library
	sink  *mailSink
	clock *testClock
	svc   *digest.Service
	srv   *httptest.Server
}

// rigStart is a Tuesday: the weekly digest (Monday 07:00 UTC) is past.
var rigStart = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

func newDigestRig(t *testing.T, opts Options) *digestRig {
	t.Helper()
	rg := &digestRig{lib: newLibrary(t, 20), sink: startMailSink(t), clock: &testClock{t: rigStart}}
	rg.svc = newDigest(t, rg.lib, rg.sink, rg.clock)
	opts.Digest = rg.svc
	rg.srv = newServer(t, rg.lib, opts)
	return rg
}

// submit posts a form as a same-origin browser would and returns the answer
// with its body.
func submit(t *testing.T, c *http.Client, srv, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", srv+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, code int, contains ...string) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, code, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("%s: page lacks %q", what, c)
		}
	}
}

// TestSubscribe_LifeCycle follows a subscriber through the pages as she
// would: the form, the confirmation mail's link, the button, the manage
// link of a second sign-up, a change, and the one-click unsubscribe.
func TestSubscribe_LifeCycle(t *testing.T) {
	rg := newDigestRig(t, Options{})
	c := browserClient(t)
	st := rg.lib.DB()

	// The form offers every condition and mechanism of the table.
	resp, body := fetch(t, c, rg.srv.URL, "/subscribe?condition=celiac")
	wantStatus(t, "GET /subscribe", resp, body, 200, `name="email"`, `name="min_evidence"`, `name="humans_only"`,
		`value="skip"`, `id="q-hint"`, `value="celiac" checked`)
	for _, term := range append(rg.lib.Taxonomy().Conditions(), rg.lib.Taxonomy().Mechanisms()...) {
		if !strings.Contains(body, `value="`+term.Slug+`"`) {
			t.Errorf("the form lacks a checkbox for %s", term.Slug)
		}
	}

	form := url.Values{"email": {"Anna@Example.org"}, "condition": {"celiac", "ibd"}, "mechanism": {"microbiome"},
		"q": {"zonulin OR gluten"}, "min_evidence": {"rct"}, "humans_only": {"1"}, "empty_week": {"skip"}}
	resp, body = submit(t, c, rg.srv.URL, "/subscribe", form)
	wantStatus(t, "sign up", resp, body, 200, "Check your inbox", "Anna@Example.org")
	sub, err := st.SubscriptionByEmail("anna@example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Subscription{ID: sub.ID, Email: "anna@example.org", Conditions: []string{"celiac", "ibd"}, Mechanisms: []string{"microbiome"},
		Query: "zonulin OR gluten", MinEvidence: "rct", HumansOnly: true, EmptyWeek: store.EmptyWeekSkip}
	if got := filtersOf(sub); got != filtersOf(want) || sub.Confirmed {
		t.Fatalf("stored %+v (confirmed %v), want %+v unconfirmed", got, sub.Confirmed, filtersOf(want))
	}

	// The confirmation link shows a button; opening it confirms nothing.
	confirmPath, confirmTok := mailLink(t, rg.sink.nth(t, "anna@example.org", 1), digest.PathConfirm)
	resp, body = fetch(t, c, rg.srv.URL, confirmPath)
	wantStatus(t, "open the confirmation link", resp, body, 200, `action="/subscribe/confirm"`, "Confirm my subscription")
	if sub, _ = st.Subscription(sub.ID); sub.Confirmed {
		t.Fatal("a GET of the confirmation link confirmed the subscription")
	}
	resp, body = submit(t, c, rg.srv.URL, digest.PathConfirm, url.Values{"token": {confirmTok}})
	wantStatus(t, "confirm", resp, body, 200, "Your subscription is confirmed", "anna@example.org")
	if sub, _ = st.Subscription(sub.ID); !sub.Confirmed {
		t.Fatal("the button did not confirm the subscription")
	}

	// Signing up again later mails the manage link; the page says the same.
	rg.clock.add(time.Hour)
	resp, body = submit(t, c, rg.srv.URL, "/subscribe", url.Values{"email": {"anna@example.org"}})
	wantStatus(t, "sign up again", resp, body, 200, "Check your inbox")
	managePath, manageTok := mailLink(t, rg.sink.nth(t, "anna@example.org", 2), digest.PathManage)
	resp, body = fetch(t, c, rg.srv.URL, managePath)
	wantStatus(t, "open the manage link", resp, body, 200, "anna@example.org", `value="celiac" checked`,
		`value="microbiome" checked`, `value="rct" selected`, `value="zonulin OR gluten"`, `value="skip" checked`)
	if strings.Contains(body, `name="email"`) {
		t.Error("the manage form offers to change the address")
	}

	// A change is saved and shown.
	change := url.Values{"token": {manageTok}, "condition": {"lupus"}, "min_evidence": {""}, "empty_week": {"send"}, "email": {"evil@example.org"}}
	resp, _ = submit(t, c, rg.srv.URL, digest.PathManage, change)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), digest.PathManage+"?token=") {
		t.Fatalf("save: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = fetch(t, c, rg.srv.URL, resp.Header.Get("Location"))
	wantStatus(t, "after saving", resp, body, 200, "Your changes are saved", `value="lupus" checked`)
	sub, _ = st.Subscription(sub.ID)
	want = store.Subscription{Email: "anna@example.org", Conditions: []string{"lupus"}, EmptyWeek: store.EmptyWeekSend}
	if got := filtersOf(sub); got != filtersOf(want) {
		t.Errorf("after saving: %s, want %s", got, filtersOf(want))
	}

	// A bad change is refused beside its field and changes nothing.
	bad := url.Values{"token": {manageTok}, "condition": {"celiac"}, "q": {"zonulin AND (gluten"}}
	resp, body = submit(t, c, rg.srv.URL, digest.PathManage, bad)
	wantStatus(t, "save a bad query", resp, body, 400, `id="q-err"`, `<mark class="at">`, `aria-invalid="true"`, `value="celiac" checked`)
	if after, _ := st.Subscription(sub.ID); filtersOf(after) != filtersOf(sub) {
		t.Errorf("a refused change was stored: %s", filtersOf(after))
	}

	// The manage page's unsubscribe button works with the manage token.
	if !strings.Contains(body, `action="/unsubscribe"`) {
		t.Error("the manage page has no unsubscribe button")
	}

	// The digest's own one-click link: a provider's server POSTs it with no
	// cookie, no Origin and no Sec-Fetch-Site.
	msg, err := rg.svc.Preview(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(msg.UnsubscribeURL)
	if err != nil || u.Path != digest.PathUnsubscribe {
		t.Fatalf("unsubscribe URL %q: %v", msg.UnsubscribeURL, err)
	}
	resp, body = fetch(t, c, rg.srv.URL, u.RequestURI())
	wantStatus(t, "open the unsubscribe link", resp, body, 200, `action="/unsubscribe"`, "Unsubscribe")
	if _, err := st.Subscription(sub.ID); err != nil {
		t.Fatalf("a GET of the unsubscribe link unsubscribed: %v", err)
	}
	resp, body = oneClick(t, rg.srv.URL+u.RequestURI(), nil)
	wantStatus(t, "one-click unsubscribe", resp, body, 200, "You are unsubscribed")
	if _, err := st.Subscription(sub.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after one-click unsubscribe: %v, want the subscription gone", err)
	}
	// A second click (a retrying provider) still gets its 200.
	resp, body = oneClick(t, rg.srv.URL+u.RequestURI(), nil)
	wantStatus(t, "one-click unsubscribe again", resp, body, 200, "You are unsubscribed")
	// The manage link of a cancelled subscription says so.
	resp, body = fetch(t, c, rg.srv.URL, managePath)
	wantStatus(t, "manage after unsubscribing", resp, body, 410, "This subscription no longer exists")
}

// filtersOf renders what a subscription follows, for comparison.
func filtersOf(s store.Subscription) string {
	return strings.Join([]string{s.Email, strings.Join(s.Conditions, ","), strings.Join(s.Mechanisms, ","),
		s.Query, s.MinEvidence, strconv.FormatBool(s.HumansOnly), s.EmptyWeek}, " | ")
}

// oneClick POSTs an RFC 8058 one-click unsubscribe as a mail provider's
// server does: no cookie, no Origin, no Sec-Fetch-Site; headers adds any.
func oneClick(t *testing.T, target string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", target, strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(t, http.DefaultClient, req)
}

// The page must answer every sign-up alike, so it tells nobody whether an
// address is new, pending or subscribed.
func TestSubscribe_SameAnswerForEveryAddress(t *testing.T) {
	rg := newDigestRig(t, Options{})
	if _, err := rg.svc.Add(t.Context(), digest.SignUp{Email: "confirmed@example.org"}, true); err != nil {
		t.Fatal(err)
	}
	c := browserClient(t)
	answer := func(email string) string {
		t.Helper()
		resp, body := submit(t, c, rg.srv.URL, "/subscribe", url.Values{"email": {email}})
		wantStatus(t, "sign up "+email, resp, body, 200)
		return strings.ReplaceAll(body, email, "EMAIL")
	}
	fresh := answer("new@example.org")
	for _, email := range []string{"new@example.org" /* pending, minutes later */, "confirmed@example.org"} {
		if got := answer(email); got != fresh {
			t.Errorf("the answer for %s differs from a new address's", email)
		}
	}
	// One confirmation to the new address (not two), the manage note to the
	// confirmed one: Shutdown returns when what was queued is sent.
	rg.svc.Shutdown(t.Context())
	var toNew, toConfirmed int
	for _, m := range rg.sink.messages() {
		switch m.To[0] {
		case "new@example.org":
			toNew++
		case "confirmed@example.org":
			toConfirmed++
			mailLink(t, m, digest.PathManage)
		}
	}
	if toNew != 1 || toConfirmed != 1 {
		t.Errorf("mails: %d to the new address, %d to the confirmed one; want 1 and 1", toNew, toConfirmed)
	}
}

func TestSubscribe_FieldErrors(t *testing.T) {
	rg := newDigestRig(t, Options{})
	c := browserClient(t)
	tests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"bad address", url.Values{"email": {"anna at example"}, "condition": {"lupus"}},
			[]string{`id="email-err"`, `is not an e-mail address`, `value="anna at example"`, `value="lupus" checked`}},
		{"address with a name", url.Values{"email": {"Anna <anna@example.org>"}}, []string{`id="email-err"`}},
		{"query syntax", url.Values{"email": {"anna@example.org"}, "q": {"zonulin AND (gluten"}},
			[]string{`id="q-err"`, `<pre class="syntax-q"><code>zonulin AND <mark class="at">(</mark>gluten</code></pre>`, "How to fix it", `value="zonulin AND (gluten"`}},
		{"unknown condition", url.Values{"email": {"anna@example.org"}, "condition": {"gout"}}, []string{`id="condition-err"`, `unknown condition &#34;gout&#34;`}},
		{"unknown mechanism", url.Values{"email": {"anna@example.org"}, "mechanism": {"magic"}}, []string{`id="mechanism-err"`}},
		{"unknown evidence level", url.Values{"email": {"anna@example.org"}, "min_evidence": {"anecdote"}}, []string{`id="min_evidence-err"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := submit(t, c, rg.srv.URL, "/subscribe", tt.form)
			wantStatus(t, tt.name, resp, body, 400, tt.want...)
			if n := strings.Count(body, `class="field-error"`); n != 1 {
				t.Errorf("%d field errors shown, want 1", n)
			}
		})
	}
	if subs, _ := rg.lib.DB().Subscriptions(); len(subs) != 0 {
		t.Errorf("refused sign-ups stored %d subscriptions", len(subs))
	}
	rg.svc.Shutdown(t.Context()) // sends whatever was queued
	if n := len(rg.sink.messages()); n != 0 {
		t.Errorf("refused sign-ups sent %d mails", n)
	}
}

// Sign-ups send mail, so each client address gets a few, then waits.
// Mistakes in the form cost nothing.
func TestSubscribe_RateLimitedPerClient(t *testing.T) {
	rg := newDigestRig(t, Options{})
	c := browserClient(t)
	for i := range signUpBurst + 2 {
		resp, body := submit(t, c, rg.srv.URL, "/subscribe", url.Values{"email": {"not an address " + strconv.Itoa(i)}})
		wantStatus(t, "bad form", resp, body, 400)
	}
	for i := range signUpBurst {
		resp, body := submit(t, c, rg.srv.URL, "/subscribe", url.Values{"email": {"reader" + strconv.Itoa(i) + "@example.org"}})
		wantStatus(t, "sign-up "+strconv.Itoa(i), resp, body, 200, "Check your inbox")
	}
	resp, body := submit(t, c, rg.srv.URL, "/subscribe", url.Values{"email": {"one-too-many@example.org"}})
	wantStatus(t, "one sign-up too many", resp, body, 429, "Too many sign-ups")
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > int(signUpEvery.Seconds()) {
		t.Errorf("Retry-After %q, want 1–%d seconds", resp.Header.Get("Retry-After"), int(signUpEvery.Seconds()))
	}
	if _, err := rg.lib.DB().SubscriptionByEmail("one-too-many@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused sign-up was stored: %v", err)
	}
	// Another client address is not held back.
	other := newServer(t, rg.lib, Options{Digest: rg.svc, ClientIP: func(*http.Request) string { return "192.0.2.7" }})
	resp, body = submit(t, c, other.URL, "/subscribe", url.Values{"email": {"neighbour@example.org"}})
	wantStatus(t, "sign-up from another address", resp, body, 200, "Check your inbox")
}

func TestDigestLinks_BadAndExpiredTokens(t *testing.T) {
	rg := newDigestRig(t, Options{})
	c := browserClient(t)
	ctx := t.Context()

	// A pending sign-up and its genuine confirmation token.
	if err := rg.svc.Subscribe(ctx, digest.SignUp{Email: "late@example.org"}); err != nil {
		t.Fatal(err)
	}
	_, confirmTok := mailLink(t, rg.sink.nth(t, "late@example.org", 1), digest.PathConfirm)
	// A confirmed subscription and its manage token.
	gone, err := rg.svc.Add(ctx, digest.SignUp{Email: "gone@example.org"}, true)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := rg.svc.Preview(ctx, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	manageTok := tokenOf(t, msg.ManageURL)
	if _, err := rg.svc.Remove("gone@example.org"); err != nil {
		t.Fatal(err)
	}
	altered := confirmTok[:len(confirmTok)-2] + "xx"

	type step struct {
		method, path string
		token        string
		code         int
		want         string
	}
	run := func(t *testing.T, steps []step) {
		for _, s := range steps {
			var resp *http.Response
			var body string
			if s.method == "GET" {
				resp, body = fetch(t, c, rg.srv.URL, s.path+"?token="+url.QueryEscape(s.token))
			} else {
				resp, body = submit(t, c, rg.srv.URL, s.path, url.Values{"token": {s.token}})
			}
			wantStatus(t, s.method+" "+s.path+" "+s.want, resp, body, s.code, s.want)
		}
	}
	run(t, []step{
		{"POST", digest.PathConfirm, "", 400, "This link is not valid"},
		{"GET", digest.PathConfirm, "", 400, "This link is not valid"},
		{"POST", digest.PathConfirm, altered, 400, "This link is not valid"},
		{"POST", digest.PathConfirm, strings.Repeat("a", maxTokenBytes+1), 400, "This link is not valid"},
		{"GET", digest.PathManage, confirmTok, 400, "This link is not valid"}, // signed for another purpose
		{"POST", digest.PathUnsubscribe, confirmTok, 400, "This link is not valid"},
		{"POST", digest.PathUnsubscribe, "garbage", 400, "This link is not valid"},
		{"GET", digest.PathManage, manageTok, 410, "This subscription no longer exists"},
		{"POST", digest.PathManage, manageTok, 410, "This subscription no longer exists"},
		{"POST", digest.PathUnsubscribe, manageTok, 200, "You are unsubscribed"}, // already gone is success
	})
	if sub, _ := rg.lib.DB().SubscriptionByEmail("late@example.org"); sub.Confirmed {
		t.Fatal("a bad link confirmed the subscription")
	}

	// A week and a day later the confirmation link has expired.
	rg.clock.add(8 * 24 * time.Hour)
	run(t, []step{
		{"GET", digest.PathConfirm, confirmTok, 410, "This link has expired"}, // said at once, before any click
		{"POST", digest.PathConfirm, confirmTok, 410, "This link has expired"},
	})
	if sub, _ := rg.lib.DB().SubscriptionByEmail("late@example.org"); sub.Confirmed {
		t.Fatal("an expired link confirmed the subscription")
	}
}

// tokenOf returns the token parameter of a link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %q has no token (%v)", link, err)
	}
	return u.Query().Get("token")
}

// One-click unsubscribe must get through cross-origin protection however a
// provider sends it; every other digest form stays protected.
func TestUnsubscribe_OneClickPassesCrossOriginProtection(t *testing.T) {
	rg := newDigestRig(t, Options{})
	ctx := t.Context()
	link := func(email string) string {
		t.Helper()
		sub, err := rg.svc.Add(ctx, digest.SignUp{Email: email}, true)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := rg.svc.Preview(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(msg.UnsubscribeURL)
		return rg.srv.URL + u.RequestURI()
	}
	tests := []struct {
		name    string
		headers map[string]string
	}{
		{"from a provider's server", nil},
		{"from a webmail page, cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.com"}},
		{"from an old browser, cross-origin", map[string]string{"Origin": "https://mail.example.com"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := "reader" + strconv.Itoa(i) + "@example.org"
			resp, body := oneClick(t, link(email), tt.headers)
			wantStatus(t, tt.name, resp, body, 200, "You are unsubscribed")
			if _, err := rg.lib.DB().SubscriptionByEmail(email); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("still subscribed: %v", err)
			}
		})
	}
	t.Run("multipart/form-data body", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("List-Unsubscribe", "One-Click")
		mw.Close()
		req, _ := http.NewRequest("POST", link("multipart@example.org"), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, body := do(t, http.DefaultClient, req)
		wantStatus(t, "multipart one-click", resp, body, 200, "You are unsubscribed")
		if _, err := rg.lib.DB().SubscriptionByEmail("multipart@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("still subscribed: %v", err)
		}
	})
	t.Run("other digest forms refuse cross-site posts", func(t *testing.T) {
		for _, path := range []string{"/subscribe", digest.PathConfirm, digest.PathManage} {
			req, _ := http.NewRequest("POST", rg.srv.URL+path, strings.NewReader("email=x%40example.org&token=abc"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example.com")
			resp, body := do(t, http.DefaultClient, req)
			wantStatus(t, "cross-site POST "+path, resp, body, 403)
		}
		if _, err := rg.lib.DB().SubscriptionByEmail("x@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a cross-site sign-up was stored: %v", err)
		}
	})
}

// Without a digest service every digest page says so, plainly.
func TestDigestPages_NotConfigured(t *testing.T) {
	srv := newServer(t, newLibrary(t, 5), Options{})
	c := browserClient(t)
	for _, path := range []string{"/subscribe", digest.PathConfirm + "?token=abc", digest.PathManage + "?token=abc", digest.PathUnsubscribe + "?token=abc"} {
		resp, body := fetch(t, c, srv.URL, path)
		wantStatus(t, "GET "+path, resp, body, 503, "Digest e-mails are not configured on this server")
	}
	for _, path := range []string{"/subscribe", digest.PathConfirm, digest.PathManage, digest.PathUnsubscribe} {
		resp, body := submit(t, c, srv.URL, path, url.Values{"email": {"anna@example.org"}, "token": {"abc"}})
		wantStatus(t, "POST "+path, resp, body, 503, "Digest e-mails are not configured on this server")
	}
}

// Sign-up follows the read rule: on a login-only library a visitor is sent
// to log in; the links in mails work without a login.
func TestSubscribe_FollowsTheReadRule(t *testing.T) {
	lib := newLibrary(t, 5)
	sink := startMailSink(t)
	svc := newDigest(t, lib, sink, nil)
	srv := newServer(t, lib, Options{Digest: svc, Accounts: newAccounts(t, lib, false, "member@example.org")})
	c := browserClient(t)
	resp, _ := fetch(t, c, srv.URL, "/subscribe")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=%2Fsubscribe") {
		t.Errorf("visitor on a private library: status %d, location %q; want a redirect to log in", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = submit(t, c, srv.URL, "/subscribe", url.Values{"email": {"anna@example.org"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor's sign-up on a private library: status %d, want a redirect to log in", resp.StatusCode)
	}
	if n := len(sink.messages()); n != 0 {
		t.Errorf("a visitor's sign-up on a private library sent %d mails", n)
	}
	// A subscriber added by the admin has no login but can manage and leave.
	sub, err := svc.Add(t.Context(), digest.SignUp{Email: "client@example.org"}, true)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := svc.Preview(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(msg.ManageURL)
	resp, body := fetch(t, c, srv.URL, u.RequestURI())
	wantStatus(t, "manage without a login", resp, body, 200, "client@example.org")
	// Logged in, the member signs up.
	login(t, c, srv.URL, "member@example.org")
	resp, body = submit(t, c, srv.URL, "/subscribe", url.Values{"email": {"member@example.org"}})
	wantStatus(t, "member's sign-up", resp, body, 200, "Check your inbox")
}

func TestSearchPage_OffersTheSearchAsADigest(t *testing.T) {
	tests := []struct {
		name   string
		digest bool
		want   string
	}{
		{"digests on", true, `href="/subscribe?condition=celiac&amp;mechanism=microbiome&amp;q=gluten"`},
		{"digests off", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv string
			if tt.digest {
				srv = newDigestRig(t, Options{Public: true}).srv.URL
			} else {
				srv = newServer(t, newLibrary(t, 20), Options{Public: true}).URL
			}
			resp, body := do(t, http.DefaultClient, mustRequest(t, "GET", srv+"/search?q=gluten&condition=celiac&topic=microbiome"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("search page: %d", resp.StatusCode)
			}
			got := strings.Contains(body, "/subscribe?")
			if got != tt.digest || (tt.digest && !strings.Contains(body, tt.want)) {
				t.Errorf("digest link present = %v, want %v (%s)", got, tt.digest, tt.want)
			}
		})
	}
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A mail server that accepts and never answers must not hold the sign-up
// page: it answers at once that the mail is on its way, a second try
// meanwhile sends nothing more, and when the server answers the mail
// arrives once and its link confirms.
func TestSubscribe_HungMailServerDoesNotHoldThePage(t *testing.T) {
	lib := newLibrary(t, 5)
	sink := startHungSink(t)
	clock := &testClock{t: rigStart}
	svc := newDigest(t, lib, sink, clock) // 5 s per SMTP attempt
	srv := newServer(t, lib, Options{Digest: svc})
	// Shorter than one SMTP attempt: a page that waits on the mail fails.
	c := browserClient(t)
	c.Timeout = 2 * time.Second

	for _, what := range []string{"sign up", "sign up again while the mail waits"} {
		resp, body := submit(t, c, srv.URL, "/subscribe", url.Values{"email": {"patient@example.org"}})
		wantStatus(t, what, resp, body, 200, "Check your inbox", "is on its way")
	}
	if n := len(sink.messages()); n != 0 {
		t.Fatalf("%d mails from a server that has not answered", n)
	}

	sink.answer()
	confirmPath, confirmTok := mailLink(t, sink.nth(t, "patient@example.org", 1), digest.PathConfirm)
	resp, body := fetch(t, c, srv.URL, confirmPath)
	wantStatus(t, "open the confirmation link", resp, body, 200, "Confirm my subscription")
	resp, body = submit(t, c, srv.URL, digest.PathConfirm, url.Values{"token": {confirmTok}})
	wantStatus(t, "confirm", resp, body, 200, "Your subscription is confirmed")

	svc.Shutdown(t.Context()) // whatever else was queued is sent now
	if n := len(sink.messages()); n != 1 {
		t.Errorf("%d mails to patient@example.org, want exactly 1", n)
	}
}

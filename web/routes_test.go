package web

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"villi/account"
	"villi/digest"
	"villi/library"
)

// loginRule is who may reach a state-changing route's handler.
type loginRule int

const (
	loginAlways       loginRule = iota + 1 // RequireLogin (and admin): collections, imports
	loginUnlessPublic                      // the read rule: sign-up follows VILLI_PUBLIC
	loginNever                             // the route authorises itself: login form, signed mail links, API 405s
)

// writeRule is what a state-changing route promises.
type writeRule struct {
	login loginRule
	// crossSite is set where a foreign page may post: only RFC 8058
	// one-click unsubscribe, which a signed token, not a cookie, authorises.
	crossSite bool
}

// writeRoutes holds every state-changing route of routes(). A route added
// there without a line here fails TestRoutes_EveryWriteRouteHasARule, so
// whoever adds one decides who may call it and from where.
var writeRoutes = map[string]writeRule{
	"POST /login":                                {login: loginNever},
	"POST /logout":                               {login: loginNever},
	"POST /collections":                          {login: loginAlways},
	"POST /collections/{id}/rename":              {login: loginAlways},
	"POST /collections/{id}/delete":              {login: loginAlways},
	"POST /collections/{id}/items/{pmid}/note":   {login: loginAlways},
	"POST /collections/{id}/items/{pmid}/move":   {login: loginAlways},
	"POST /collections/{id}/items/{pmid}/remove": {login: loginAlways},
	"POST /articles/{pmid}/collect":              {login: loginAlways},
	"POST /articles/{pmid}/fetch":                {login: loginAlways},
	"POST /collections/{id}/share":               {login: loginAlways},
	"POST /collections/{id}/share/revoke":        {login: loginAlways},
	"POST /collections/collect":                  {login: loginAlways},
	"POST /collections/{id}/duplicate":           {login: loginAlways},
	"POST /collections/{id}/handout":             {login: loginAlways},
	"POST /collections/practice":                 {login: loginAlways},
	"POST /subscribe":                            {login: loginUnlessPublic},
	"POST " + digest.PathConfirm:                 {login: loginNever},
	"POST " + digest.PathManage:                  {login: loginNever},
	"POST " + digest.PathUnsubscribe:             {login: loginNever, crossSite: true},
	"POST " + pathAdminImport:                    {login: loginAlways},
	"POST " + pathAdminRetractions:               {login: loginAlways},
	"POST /api/":                                 {login: loginNever},
	"PUT /api/":                                  {login: loginNever},
	"PATCH /api/":                                {login: loginNever},
	"DELETE /api/":                               {login: loginNever},
}

// routePatterns returns the patterns New registered, in order.
func routePatterns(t *testing.T, h http.Handler) []string {
	t.Helper()
	rh, ok := h.(routedHandler)
	if !ok {
		t.Fatalf("New returned %T, want routedHandler (the route list is how these tests find every route)", h)
	}
	if len(rh.patterns) == 0 {
		t.Fatal("New registered no routes")
	}
	return rh.patterns
}

// splitPattern splits a ServeMux pattern into its method ("" for any) and
// path, leaving out a host if there is one.
func splitPattern(p string) (method, path string) {
	method, path, ok := strings.Cut(p, " ")
	if !ok {
		method, path = "", p
	}
	if i := strings.Index(path, "/"); i > 0 {
		path = path[i:]
	}
	return method, strings.TrimSpace(path)
}

// changesState reports whether a pattern accepts a method that is not safe
// by http.CrossOriginProtection's rules; a pattern without a method accepts
// them all.
func changesState(pattern string) bool {
	method, _ := splitPattern(pattern)
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

var wildcard = regexp.MustCompile(`\{([a-z]*)(\.\.\.)?\}`)

// samplePath fills a pattern's wildcards with plausible values: the guards
// under test answer before the handler would look them up.
func samplePath(pattern string) (method, path string) {
	method, path = splitPattern(pattern)
	if method == "" {
		method = http.MethodPost
	}
	path = wildcard.ReplaceAllStringFunc(path, func(w string) string {
		switch name := wildcard.FindStringSubmatch(w)[1]; name {
		case "":
			return "" // {$}
		case "pmid":
			return "1452072"
		case "id":
			return "1"
		default:
			return name
		}
	})
	return method, path
}

func TestRoutes_EveryWriteRouteHasARule(t *testing.T) {
	h, err := New(Options{Library: newLibrary(t, 1), Public: true})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, p := range routePatterns(t, h) {
		registered[p] = true
		if _, ok := writeRoutes[p]; changesState(p) && !ok {
			t.Errorf("route %q changes state but has no line in writeRoutes: decide who may call it and whether a foreign page may", p)
		}
	}
	for p := range writeRoutes {
		if !registered[p] {
			t.Errorf("writeRoutes has %q, which routes() does not register: remove or rename it", p)
		}
	}
}

// unthrottledAccounts is a private library's account service holding user,
// without login throttling: these tests log in once per route, and the
// throttle has its own tests.
func unthrottledAccounts(t *testing.T, lib *library.Library, user string) *account.Service {
	t.Helper()
	free := account.Limit{Every: time.Millisecond, Burst: 1 << 20}
	svc, err := account.New(lib.DB(), account.Config{BcryptCost: bcrypt.MinCost, EmailLimit: free, IPLimit: free})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(t.Context(), user, testPassword, false); err != nil {
		t.Fatal(err)
	}
	return svc
}

// refused reports whether a response is the cross-origin refusal page, not
// a 403 of some other guard.
func refused(code int, body string) bool {
	return code == http.StatusForbidden && strings.Contains(body, "cross-origin request refused")
}

// sentToLogin reports whether a response sends the visitor to log in.
func sentToLogin(resp *http.Response) bool {
	return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
}

// send makes one request of a state-changing route with an empty form and
// the given headers.
func send(t *testing.T, c *http.Client, base, method, path string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Every state-changing route, walked from the router itself: a foreign page
// cannot post to it (unless its rule says so), and a visitor without a
// session is sent to log in exactly where its rule says.
func TestRoutes_WriteRoutesRefuseCrossSiteAndAnonymous(t *testing.T) {
	lib := newLibrary(t, 5)
	const user = "routes@example.org"
	private := newServer(t, lib, Options{Accounts: unthrottledAccounts(t, lib, user)})
	public := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true)})
	h, err := New(Options{Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	sameOrigin := map[string]string{"Sec-Fetch-Site": "same-origin"}
	var checked int
	for _, pattern := range routePatterns(t, h) {
		if !changesState(pattern) {
			continue
		}
		rule, ok := writeRoutes[pattern]
		if !ok {
			continue // TestRoutes_EveryWriteRouteHasARule reports it
		}
		checked++
		method, path := samplePath(pattern)
		t.Run(pattern, func(t *testing.T) {
			foreign := []struct {
				name    string
				headers map[string]string
			}{
				{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}},
				{"foreign origin", map[string]string{"Origin": "https://evil.example"}},
			}
			for _, f := range foreign {
				// A logged-in browser: a cookie is what a forged post would ride on.
				c := browserClient(t)
				login(t, c, private.URL, user)
				resp, body := send(t, c, private.URL, method, path, f.headers)
				if got, want := refused(resp.StatusCode, body), !rule.crossSite; got != want {
					t.Errorf("%s %s, %s: refused %v (status %d), want %v", method, path, f.name, got, resp.StatusCode, want)
				}
			}

			for _, srv := range []struct {
				name   string
				url    string
				public bool
			}{{"private library", private.URL, false}, {"public library", public.URL, true}} {
				resp, _ := send(t, browserClient(t), srv.url, method, path, sameOrigin)
				want := rule.login == loginAlways || (rule.login == loginUnlessPublic && !srv.public)
				if got := sentToLogin(resp); got != want {
					t.Errorf("%s %s, no session, %s: sent to login %v (status %d, Location %q), want %v",
						method, path, srv.name, got, resp.StatusCode, resp.Header.Get("Location"), want)
				}
			}

			// The guard lets a session through: a route that sent everyone
			// to log in would pass the checks above.
			c := browserClient(t)
			login(t, c, private.URL, user)
			if resp, _ := send(t, c, private.URL, method, path, sameOrigin); sentToLogin(resp) {
				t.Errorf("%s %s, logged in: sent to login (status %d)", method, path, resp.StatusCode)
			}
		})
	}
	if checked != len(writeRoutes) {
		t.Errorf("checked %d state-changing routes, writeRoutes has %d", checked, len(writeRoutes))
	}
}

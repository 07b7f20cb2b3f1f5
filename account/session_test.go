package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"villi/store"
)

// site is a small router guarded the way web wires account in.
func site(s *Service) http.Handler {
	mux := http.NewServeMux()
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := CurrentUser(r)
		fmt.Fprintf(w, "user=%s ok=%v", u.Email, ok)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		_, err := s.Login(r.Context(), w, r, r.FormValue("email"), r.FormValue("password"))
		var te *ThrottledError
		switch {
		case errors.As(err, &te):
			w.Header().Set("Retry-After", fmt.Sprint(int(te.RetryAfter.Seconds())))
			http.Error(w, err.Error(), http.StatusTooManyRequests)
		case err != nil:
			http.Error(w, err.Error(), http.StatusUnauthorized)
		default:
			http.Redirect(w, r, SafeNext(r.FormValue("next")), http.StatusSeeOther)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		s.Logout(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.Handle("GET /{$}", whoami)
	mux.Handle("GET /search", s.RequireRead(whoami))
	mux.Handle("GET /api/v1/search", s.RequireRead(whoami))
	mux.Handle("/collections/", s.RequireLogin(whoami))
	mux.Handle("/api/v1/collections", s.RequireLogin(whoami))
	mux.Handle("GET /admin", s.RequireAdmin(whoami))
	return s.Sessions(mux)
}

func addUsers(t *testing.T, s *Service) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.AddUser(ctx, "ada@example.org", goodPassword, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, "root@example.org", goodPassword, true); err != nil {
		t.Fatal(err)
	}
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// loginCookie logs in email and returns the session cookie set.
func loginCookie(t *testing.T, s *Service, h http.Handler, email string) *http.Cookie {
	t.Helper()
	r := newRequest("POST", "/login", "192.0.2.1")
	r.PostForm = url.Values{"email": {email}, "password": {goodPassword}}
	w := serve(h, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login %s: status %d: %s", email, w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == s.CookieName() {
			return c
		}
	}
	t.Fatalf("login %s set no %s cookie", email, s.CookieName())
	return nil
}

func TestLogin_CookieFlags(t *testing.T) {
	tests := []struct {
		baseURL    string
		wantName   string
		wantSecure bool
	}{
		{"", "villi_session", false},
		{"http://127.0.0.1:8080", "villi_session", false},
		{"https://villi.example.org/", "__Host-villi_session", true},
	}
	for _, tt := range tests {
		s, _ := newService(t, Config{BaseURL: tt.baseURL, SessionTTL: 48 * time.Hour})
		addUsers(t, s)
		c := loginCookie(t, s, site(s), "ada@example.org")
		if c.Name != tt.wantName || c.Secure != tt.wantSecure || !c.HttpOnly ||
			c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("base %q: cookie %s=… secure=%v httponly=%v samesite=%v path=%q domain=%q; want %s, secure=%v, HttpOnly, Lax, /",
				tt.baseURL, c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain, tt.wantName, tt.wantSecure)
		}
		if c.MaxAge != 48*3600 {
			t.Errorf("base %q: Max-Age = %d, want the session lifetime %d", tt.baseURL, c.MaxAge, 48*3600)
		}
		if len(c.Value) != tokenLen {
			t.Errorf("base %q: token length %d", tt.baseURL, len(c.Value))
		}
	}
}

func TestGuards_RedirectPagesRefuseAPI(t *testing.T) {
	for _, public := range []bool{false, true} {
		s, _ := newService(t, Config{Public: public})
		addUsers(t, s)
		h := site(s)
		ada := loginCookie(t, s, h, "ada@example.org")
		root := loginCookie(t, s, h, "root@example.org")

		tests := []struct {
			method, target string
			cookie         *http.Cookie
			wantCode       int
			wantLocation   string // for redirects
			wantBody       string // substring
		}{
			{"GET", "/search?q=zonulin&condition=hashimoto", nil, readCode(public), readLocation(public, "/login?next=%2Fsearch%3Fq%3Dzonulin%26condition%3Dhashimoto"), readBody(public, "user= ok=false")},
			{"GET", "/api/v1/search?q=x", nil, apiReadCode(public), "", apiReadBody(public)},
			{"GET", "/search", ada, 200, "", "user=ada@example.org ok=true"},
			{"GET", "/api/v1/search", ada, 200, "", "user=ada@example.org ok=true"},
			{"GET", "/collections/7", nil, 303, "/login?next=%2Fcollections%2F7", ""},
			{"POST", "/collections/7/items", nil, 303, "/login", ""},
			{"POST", "/api/v1/collections", nil, 401, "", `{"error":"login required"}`},
			{"POST", "/collections/7/items", ada, 200, "", "user=ada@example.org ok=true"},
			{"GET", "/", nil, 200, "", "user= ok=false"},
			{"GET", "/", ada, 200, "", "user=ada@example.org ok=true"},
			{"GET", "/admin", ada, 403, "", "administrators only"},
			{"GET", "/admin", root, 200, "", "user=root@example.org"},
			{"GET", "/admin", nil, 303, "/login?next=%2Fadmin", ""},
			{"GET", "/collections/7", &http.Cookie{Name: s.CookieName(), Value: strings.Repeat("A", tokenLen)}, 303, "/login?next=%2Fcollections%2F7", ""},
			{"GET", "/collections/7", &http.Cookie{Name: s.CookieName(), Value: "forged"}, 303, "/login?next=%2Fcollections%2F7", ""},
		}
		for _, tt := range tests {
			r := newRequest(tt.method, tt.target, "192.0.2.1")
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			w := serve(h, r)
			name := fmt.Sprintf("public=%v %s %s cookie=%v", public, tt.method, tt.target, tt.cookie != nil)
			if w.Code != tt.wantCode {
				t.Errorf("%s: status %d, want %d (%s)", name, w.Code, tt.wantCode, w.Body)
				continue
			}
			if loc := w.Header().Get("Location"); loc != tt.wantLocation {
				t.Errorf("%s: Location %q, want %q", name, loc, tt.wantLocation)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("%s: body %q, want it to contain %q", name, w.Body, tt.wantBody)
			}
			if w.Code == 401 {
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s: 401 Content-Type %q, want JSON", name, ct)
				}
				var body map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] == "" {
					t.Errorf("%s: 401 body %q is not {\"error\": ...}", name, w.Body)
				}
			}
		}
	}
}

func readCode(public bool) int {
	if public {
		return 200
	}
	return 303
}

func readLocation(public bool, loc string) string {
	if public {
		return ""
	}
	return loc
}

func readBody(public bool, body string) string {
	if public {
		return body
	}
	return ""
}

func apiReadCode(public bool) int {
	if public {
		return 200
	}
	return 401
}

func apiReadBody(public bool) string {
	if public {
		return "user= ok=false"
	}
	return "login required"
}

func TestLogin_RotatesLogoutEndsExpiryEnds(t *testing.T) {
	s, clk := newService(t, Config{SessionTTL: time.Hour})
	addUsers(t, s)
	h := site(s)
	get := func(c *http.Cookie) int {
		r := newRequest("GET", "/collections/1", "192.0.2.1")
		if c != nil {
			r.AddCookie(c)
		}
		return serve(h, r).Code
	}

	first := loginCookie(t, s, h, "ada@example.org")
	// Logging in again from the same browser replaces its token.
	r := newRequest("POST", "/login", "192.0.2.1")
	r.PostForm = url.Values{"email": {"ada@example.org"}, "password": {goodPassword}}
	r.AddCookie(first)
	w := serve(h, r)
	var second *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == s.CookieName() {
			second = c
		}
	}
	if second == nil || second.Value == first.Value {
		t.Fatalf("second login cookie %v, want a new token", second)
	}
	if code := get(first); code != 303 {
		t.Errorf("token from before the login: status %d, want 303 (rotated out)", code)
	}
	if code := get(second); code != 200 {
		t.Errorf("new token: status %d, want 200", code)
	}

	clk.Add(time.Hour)
	if code := get(second); code != 303 {
		t.Errorf("token after its lifetime: status %d, want 303", code)
	}

	third := loginCookie(t, s, h, "ada@example.org")
	r = newRequest("POST", "/logout", "192.0.2.1")
	r.AddCookie(third)
	w = serve(h, r)
	var cleared *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == s.CookieName() {
			cleared = c
		}
	}
	if cleared == nil || cleared.Value != "" || cleared.MaxAge >= 0 {
		t.Errorf("logout cookie %v, want an emptied, expired cookie", cleared)
	}
	if code := get(third); code != 303 {
		t.Errorf("token after logout: status %d, want 303", code)
	}

	fourth := loginCookie(t, s, h, "ada@example.org")
	if err := s.RemoveUser(context.Background(), "ada@example.org"); err != nil {
		t.Fatal(err)
	}
	if code := get(fourth); code != 303 {
		t.Errorf("token of a removed user: status %d, want 303", code)
	}
}

// TestLogin_RealServerFlow drives a real server with a cookie jar, as a
// browser does: redirect to login, log in, land on the page asked for.
func TestLogin_RealServerFlow(t *testing.T) {
	s, _ := newService(t, Config{})
	addUsers(t, s)
	srv := httptest.NewServer(site(s))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := client.Get(srv.URL + "/collections/3?print=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc.Path != "/login" {
		t.Fatalf("anonymous page: %d → %q", resp.StatusCode, loc)
	}
	next := loc.Query().Get("next")

	resp, err = client.PostForm(srv.URL+"/login", url.Values{"email": {"Ada@example.org"}, "password": {goodPassword}, "next": {next}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Location"); resp.StatusCode != 303 || got != "/collections/3?print=1" {
		t.Fatalf("login: %d → %q, want 303 → /collections/3?print=1", resp.StatusCode, got)
	}
	resp, err = client.Get(srv.URL + "/collections/3?print=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "user=ada@example.org") {
		t.Errorf("after login: %d %q", resp.StatusCode, body)
	}

	// Wrong passwords from this client until the throttle answers 429.
	var last *http.Response
	for range 6 {
		last, err = client.PostForm(srv.URL+"/login", url.Values{"email": {"root@example.org"}, "password": {"not the password"}})
		if err != nil {
			t.Fatal(err)
		}
		last.Body.Close()
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("6th wrong password: %d Retry-After %q, want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/collections/3?print=1", "/collections/3?print=1"},
		{"/", "/"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/ok\r\nSet-Cookie: x=1", "/"},
		{"collections", "/"},
	}
	for _, tt := range tests {
		if got := SafeNext(tt.in); got != tt.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpireSessions(t *testing.T) {
	s, clk := newService(t, Config{SessionTTL: time.Hour})
	addUsers(t, s)
	loginCookie(t, s, site(s), "ada@example.org")
	if n, err := s.ExpireSessions(context.Background()); err != nil || n != 0 {
		t.Errorf("ExpireSessions before expiry = %d, %v", n, err)
	}
	clk.Add(2 * time.Hour)
	if n, err := s.ExpireSessions(context.Background()); err != nil || n != 1 {
		t.Errorf("ExpireSessions after expiry = %d, %v; want 1", n, err)
	}
	if _, err := s.st.User("ada@example.org"); errors.Is(err, store.ErrNotFound) {
		t.Error("expiring sessions removed the user")
	}
}

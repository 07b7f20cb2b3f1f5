package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPrivateLibrary_ReadingNeedsLogin(t *testing.T) {
	lib := newLibrary(t, 20)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, false, "ada@example.org")})
	c := browserClient(t)

	tests := []struct {
		path, location string
		code           int
	}{
		{"/", "/login?next=%2F", http.StatusSeeOther},
		{"/search?q=diet", "/login?next=%2Fsearch%3Fq%3Ddiet", http.StatusSeeOther},
		{"/articles/1", "/login?next=%2Farticles%2F1", http.StatusSeeOther},
		{"/api/v1/search?q=diet", "", http.StatusUnauthorized},
		{"/api/v1/status", "", http.StatusUnauthorized},
		{"/healthz", "", http.StatusOK},
		{"/login", "", http.StatusOK},
	}
	for _, tt := range tests {
		resp, _ := fetch(t, c, srv.URL, tt.path)
		if resp.StatusCode != tt.code || resp.Header.Get("Location") != tt.location {
			t.Errorf("GET %s as a visitor: %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.code, tt.location)
		}
	}

	login(t, c, srv.URL, "ada@example.org")
	resp, body := fetch(t, c, srv.URL, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Log out") || !strings.Contains(body, `href="/collections"`) {
		t.Errorf("home after login: %d, want the page with Log out and Collections", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, srv.URL, "/api/v1/search?q=diet"); resp.StatusCode != http.StatusOK {
		t.Errorf("API after login: %d", resp.StatusCode)
	}

	resp = postForm(t, c, srv.URL, "/logout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, srv.URL, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("home after logout: %d, want a redirect to the login page", resp.StatusCode)
	}
}

func TestLogin_WrongPasswordThrottleAndSafeNext(t *testing.T) {
	lib := newLibrary(t, 0)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org")})
	c := browserClient(t)

	resp, body := fetch(t, c, srv.URL, "/login?next=/search?q=x")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="next" value="/search?q=x"`) || !strings.Contains(body, `autocomplete="current-password"`) {
		t.Errorf("login form: %d, want the form carrying next", resp.StatusCode)
	}

	// An outside next is replaced by the home page.
	resp = postForm(t, c, srv.URL, "/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("login with an outside next: %d %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}

	var last *http.Response
	for range 8 {
		last = postForm(t, browserClient(t), srv.URL, "/login", url.Values{"email": {"ada@example.org"}, "password": {"wrong password here"}})
		if last.StatusCode != http.StatusUnauthorized {
			break
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("repeated wrong passwords end with %d (Retry-After %q), want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestLogin_WrongPasswordSaysSoAndKeepsEmail(t *testing.T) {
	lib := newLibrary(t, 0)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org")})
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"email": {"ada@example.org"}, "password": {"nope nope nope"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	if _, err := io.Copy(buf, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(buf.String(), "Wrong email or password.") || !strings.Contains(buf.String(), `value="ada@example.org"`) {
		t.Errorf("wrong password: %d, want 401 with the message and the email kept", resp.StatusCode)
	}
}

func TestLogin_NoUsersSaysHowToAddOne(t *testing.T) {
	lib := newLibrary(t, 0)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, false)})
	wantPage(t, srv.URL, "/login", 200, "villi user add EMAIL")
}

func TestForms_BodyLimit(t *testing.T) {
	lib := newLibrary(t, 0)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org")})
	big := url.Values{"email": {"ada@example.org"}, "password": {strings.Repeat("x", maxBodyBytes)}}
	resp := postForm(t, browserClient(t), srv.URL, "/login", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized form: %d, want 413", resp.StatusCode)
	}
}

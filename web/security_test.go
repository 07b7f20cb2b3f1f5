package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestSecurityHeaders_OnEveryResponse(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	paths := []string{
		"/", "/search?q=gluten", "/search?q=%28", "/articles/8863847", "/articles/1", "/nope",
		"/search.atom?q=gluten", "/api/v1/search?q=gluten", "/api/v1/search?sort=x", "/api/v1/status",
		"/api/v1/articles/8863847", "/api/v1/export?format=ris&pmid=8863847", "/healthz", "/metrics",
		"/static/style.css",
	}
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	}
	for _, p := range paths {
		resp, _ := get(t, srv.URL+p)
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", p, k, got, v)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, must := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, must) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, must)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows unsafe code", p, csp)
		}
	}
}

func TestSecurityHeaders_HSTSOnlyBehindHTTPS(t *testing.T) {
	lib := testLibrary(t)
	plain := newServer(t, lib, Options{})
	tls := newServer(t, lib, Options{BaseURL: "https://villi.example.org/"})
	if resp, _ := get(t, plain.URL+"/healthz"); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent without an https base URL")
	}
	if resp, _ := get(t, tls.URL+"/healthz"); resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS with an https base URL")
	}
}

// Pages must carry no inline script, style or event handler: the CSP would
// block them, and their absence is what makes the CSP safe.
func TestPages_NoInlineScriptOrStyle(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	scriptTag := regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`)
	inline := regexp.MustCompile(`\sstyle="|<style|\son[a-z]+="|javascript:`)
	for _, p := range []string{"/", "/search?q=gluten&condition=celiac", "/articles/8863847", "/search?q=%28", "/nope"} {
		_, body := get(t, srv.URL+p)
		scripts := scriptTag.FindAllStringSubmatch(body, -1)
		if n := strings.Count(body, "<script"); n != len(scripts) {
			t.Errorf("%s: %d script tags, %d of them well-formed", p, n, len(scripts))
		}
		for _, m := range scripts {
			if !strings.Contains(m[1], `src="/static/`) || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s: inline script %q", p, m[0])
			}
		}
		for _, m := range inline.FindAllString(body, -1) {
			t.Errorf("%s: inline style or handler %q", p, m)
		}
	}
}

func TestCrossOriginProtection_RefusesCrossSiteWrites(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		// Same-origin writes pass the check and reach the router.
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/search", strings.NewReader("q=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestLimits_LongQueryStringAndManyParameters(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	long := "/search?q=" + strings.Repeat("a", maxQueryBytes+1)
	if resp, _ := get(t, srv.URL+long); resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("query string over the limit: %d, want 414", resp.StatusCode)
	}
	many := "/search?" + strings.Repeat("species=human&", maxParams+1)
	if resp, body := get(t, srv.URL+many); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too many parameters") {
		t.Errorf("too many parameters: %d, want 400 with a message", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/search?q=%zz"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed query string: %d, want 400", resp.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	resp, body := get(t, srv.URL+"/healthz")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
}

func TestNew_RejectsBadOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a library succeeded")
	}
	if _, err := New(Options{Library: testLibrary(t), BaseURL: "villi.example.org"}); err == nil || !strings.Contains(err.Error(), "villi.example.org") {
		t.Errorf("relative base URL: err %v, want one naming it", err)
	}
}

// A forged Host header never becomes an absolute link: Atom feeds and the
// API's links name the address villi listens on (or VILLI_BASE_URL).
func TestAbsoluteLinks_IgnoreTheHostHeader(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	based := newServer(t, lib, Options{BaseURL: "https://villi.example.org"})
	for _, tt := range []struct {
		srv  *httptest.Server
		path string
		want string
	}{
		{srv, "/search.atom?q=zonulin", srv.URL + "/articles/"},
		{srv, "/api/v1/articles/8863847", srv.URL + "/articles/8863847"},
		{based, "/search.atom?q=zonulin", "https://villi.example.org/articles/"},
		{based, "/api/v1/articles/8863847", "https://villi.example.org/articles/8863847"},
	} {
		req, err := http.NewRequest(http.MethodGet, tt.srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "evil.example") || !strings.Contains(body, tt.want) {
			t.Errorf("%s with Host: evil.example: status %d, evil.example in body %v, %q in body %v",
				tt.path, resp.StatusCode, strings.Contains(body, "evil.example"), tt.want, strings.Contains(body, tt.want))
		}
	}
}

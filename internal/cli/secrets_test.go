package cli

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"villi/internal/fakeeutils"
	"villi/library"
	"villi/web"
)

// The secrets of these tests: NCBI's 429 answer echoes the API key, and a
// URL error echoes the URL's credentials.
const (
	testAPIKey   = "k3y-0f-the-ncbi-acc0unt-7f1e2d"
	testPassword = "pa55-w0rd-0f-the-mirr0r"
)

// leaks names where a secret (in any of the forms it is sent in) appears in text.
func leaks(text string, secrets ...string) []string {
	var found []string
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if strings.Contains(text, form) {
				found = append(found, form)
			}
		}
	}
	return found
}

// A fake E-utilities answering 429 with the key in its body, as NCBI does,
// until the crawler gives up: the key must reach no log line, no byte of the
// data directory and no page or API answer.
func TestSecrets_NCBIKeyEchoedIn429LeavesNoTrace(t *testing.T) {
	srv, env, _ := crawlSetup(t)
	// Every attempt of the first request is refused (1 + the crawler's
	// retries), then a few more 429s are retried through.
	script := make([]fakeeutils.Fault, 9)
	for i := range script {
		script[i] = fakeeutils.Fault429
	}
	srv.SetFaults(fakeeutils.Faults{Script: script, RetryAfter: 1})
	env["VILLI_NCBI_API_KEY"] = testAPIKey
	u, _ := url.Parse(env["VILLI_EUTILS_URL"])
	u.User = url.UserPassword("mirror", testPassword)
	env["VILLI_EUTILS_URL"] = u.String()

	out, errs, code := runCrawlEnv(t, env, "crawl", "-v")
	if code == 0 {
		t.Fatalf("crawl succeeded though its first query was refused every time:\n%s", errs)
	}
	if !strings.Contains(errs, "429") || !strings.Contains(errs, "retrying") {
		t.Fatalf("the log does not show the refused, retried requests (the test would prove nothing):\n%s", errs)
	}
	if !strings.Contains(errs, `"api-key":"[redacted]"`) {
		t.Errorf("the 429 body in the log is not masked where the key was:\n%s", errs)
	}
	for _, line := range strings.Split(out+errs, "\n") {
		if l := leaks(line, testAPIKey, testPassword); l != nil {
			t.Errorf("output line shows %q: %s", l, line)
		}
	}

	// No byte of the data directory holds the key (the run's failures are
	// stored, and the home page and /api/v1/status show them).
	err := filepath.WalkDir(env["VILLI_DATA"], func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range []string{testAPIKey, url.QueryEscape(testAPIKey), testPassword} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every page and API answer that shows runs.
	if _, errs, code := runWithStdin(t, env, testPassword+"-admin\n", "user", "add", "--admin", "ada@example.org"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	lib, err := library.Open(context.Background(), env["VILLI_DATA"], library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	st, err := lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.LastCrawl == nil || (st.LastCrawl.Err == "" && len(st.LastCrawl.Failing) == 0) {
		t.Fatalf("the crawl recorded no failure: %+v", st.LastCrawl)
	}
	h, err := web.New(web.Options{Library: lib, Public: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(hs.URL+"/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword + "-admin"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, path := range []string{"/", "/api/v1/status", "/admin", "/metrics"} {
		resp, err := client.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		if path == "/admin" && !strings.Contains(string(body), "Crawl cursors") && !strings.Contains(string(body), "ada@example.org") {
			t.Errorf("/admin did not show the admin page (not logged in?)")
		}
		if l := leaks(string(body), testAPIKey, testPassword); l != nil {
			t.Errorf("%s shows %q", path, l)
		}
	}
}

// A mirror URL with credentials that cannot be reached: the message that
// says so names the address, not the password.
func TestSecrets_UnreachableURLHidesItsPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	dir := t.TempDir()
	env := map[string]string{
		"VILLI_DATA":       dir,
		"VILLI_EUTILS_URL": "http://mirror:" + testPassword + "@" + addr + "/entrez/eutils/",
		"VILLI_NCBI_EMAIL": "cli-test@example.org",
	}
	_, errs, code := runCrawlEnv(t, env, "crawl", "-v", "--query", "zonulin/celiac")
	if code == 0 {
		t.Fatal("crawl of an unreachable server succeeded")
	}
	if !strings.Contains(errs, "could not be reached") || !strings.Contains(errs, addr) {
		t.Fatalf("stderr does not say where PubMed could not be reached:\n%s", errs)
	}
	if l := leaks(errs, testPassword); l != nil {
		t.Errorf("stderr shows %q:\n%s", l, errs)
	}
}

// runWithStdin runs villi with env and the given standard input.
func runWithStdin(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb}
	code = Run(context.Background(), args, e)
	return out.String(), errb.String(), code
}

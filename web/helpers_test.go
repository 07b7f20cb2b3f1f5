package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"villi/account"
	"villi/internal/fixture"
	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// The test library: real records from the shared fixtures, ingested once per
// test binary through the one ingest path into a real store and index.
const (
	// Every fifth of the 8,600 topical records (celiac, IBD, diet): the file
	// runs by topic, so a stride keeps every topic in the sample.
	topicalRecords = 1500
	topicalStride  = 5
	// PubMed's own bytes: retracted records, conditions across the table.
	retractedFixture = "JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz"
	conditionFixture = "mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml"
	retractedPMID    = 8863847 // "Mechanism of extracellular ATP-induced proliferation..."
)

var shared struct {
	once sync.Once
	dir  string
	lib  *library.Library
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.lib != nil {
		shared.lib.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// testLibrary returns the shared library, building it on first use. Tests
// only read it; tests that write open their own with newLibrary.
func testLibrary(tb testing.TB) *library.Library {
	tb.Helper()
	topical := filepath.Join(fixture.Topical(tb), "gut-diet-topics.xml")
	retracted := fixture.Path(tb, retractedFixture)
	conditions := fixture.Path(tb, conditionFixture)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "villi-web-test-")
		if shared.err != nil {
			return
		}
		shared.lib, shared.err = buildLibrary(filepath.Join(shared.dir, "data"), topical, retracted, conditions)
	})
	if shared.err != nil {
		tb.Fatalf("build test library: %v", shared.err)
	}
	return shared.lib
}

// newLibrary builds a small private library, for tests that write (runs)
// or must see the library change: the first n topical records.
func newLibrary(tb testing.TB, n int) *library.Library {
	tb.Helper()
	ctx := context.Background()
	lib, err := library.Open(ctx, filepath.Join(tb.TempDir(), "data"), library.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { lib.Close() })
	if err := ingestFirst(ctx, lib, filepath.Join(fixture.Topical(tb), "gut-diet-topics.xml"), n); err != nil {
		tb.Fatal(err)
	}
	return lib
}

func buildLibrary(dir, topical string, files ...string) (*library.Library, error) {
	ctx := context.Background()
	lib, err := library.Open(ctx, dir, library.Options{})
	if err != nil {
		return nil, err
	}
	if err := ingestSample(ctx, lib, topical, topicalRecords, topicalStride); err != nil {
		lib.Close()
		return nil, err
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			lib.Close()
			return nil, err
		}
		_, err = lib.Import(ctx, fh, nil)
		fh.Close()
		if err != nil {
			lib.Close()
			return nil, err
		}
	}
	return lib, nil
}

// ingestFirst ingests the first n records of a PubMed XML file.
func ingestFirst(ctx context.Context, lib *library.Library, path string, n int) error {
	return ingestSample(ctx, lib, path, n, 1)
}

// ingestSample ingests every stride-th record of a PubMed XML file, n in all.
func ingestSample(ctx context.Context, lib *library.Library, path string, n, stride int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := pubmed.NewDecoder(f)
	var batch []pubmed.Item
	for got, seen := 0, 0; got < n; {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if it.Article == nil {
			continue
		}
		if seen++; (seen-1)%stride != 0 {
			continue
		}
		batch = append(batch, it)
		got++
		if len(batch) == 500 {
			if _, err := lib.Ingest(ctx, batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		_, err = lib.Ingest(ctx, batch)
	}
	return err
}

// newServer serves lib through New. Without opts.Accounts reading is
// public, as most tests read; login tests pass their own accounts.
func newServer(tb testing.TB, lib *library.Library, opts Options) *httptest.Server {
	tb.Helper()
	opts.Library = lib
	if opts.Accounts == nil {
		opts.Public = true
	}
	h, err := New(opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// testPassword is long enough for account's rules.
const testPassword = "correct horse battery staple"

// newAccounts returns an account service over lib's store with the cheapest
// bcrypt cost, holding one user per email (an existing one, from an earlier
// test on the shared library, has the same password).
func newAccounts(tb testing.TB, lib *library.Library, public bool, emails ...string) *account.Service {
	tb.Helper()
	svc, err := account.New(lib.DB(), account.Config{Public: public, BcryptCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range emails {
		if _, err := svc.AddUser(context.Background(), e, testPassword, false); err != nil && !errors.Is(err, store.ErrExists) {
			tb.Fatalf("add user %s: %v", e, err)
		}
	}
	return svc
}

// browserClient is an HTTP client that keeps cookies and does not follow
// redirects, so tests see each answer.
func browserClient(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs c in as email.
func login(tb testing.TB, c *http.Client, srv, email string) {
	tb.Helper()
	resp := postForm(tb, c, srv, "/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/collections"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/collections" {
		tb.Fatalf("login %s: status %d location %q", email, resp.StatusCode, resp.Header.Get("Location"))
	}
}

// postForm posts a form as a same-origin browser would.
func postForm(tb testing.TB, c *http.Client, srv, path string, form url.Values) *http.Response {
	tb.Helper()
	req, err := http.NewRequest("POST", srv+path, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// fetch GETs path with client c and returns the response and body.
func fetch(tb testing.TB, c *http.Client, srv, path string) (*http.Response, string) {
	tb.Helper()
	resp, err := c.Get(srv + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// get fetches url and returns the response with its body read.
func get(tb testing.TB, url string) (*http.Response, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, string(b)
}

// putRun records a finished run in lib's store.
func putRun(tb testing.TB, st *store.Store, r store.Run) store.Run {
	tb.Helper()
	if r.Started.IsZero() {
		r.Started = time.Now().Add(-time.Hour)
	}
	if err := st.PutRun(&r); err != nil {
		tb.Fatal(err)
	}
	return r
}

package web

import (
	"bytes"
	"compress/gzip"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/store"
)

// upload posts files (name → content) to the admin import as a same-origin
// browser form would.
func upload(t *testing.T, c *http.Client, srv string, files map[string][]byte, headers map[string]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req, err := http.NewRequest("POST", srv+pathAdminImport, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(t, c, req)
}

func TestAdminImport_StreamsFilesThroughTheIngestPath(t *testing.T) {
	lib := newLibrary(t, 20)
	srv := newServer(t, lib, Options{Accounts: adminAccounts(t, lib)})
	xml, err := os.ReadFile(fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(xml)
	zw.Close()
	before, _ := lib.DB().Count()

	visitor := browserClient(t)
	if resp, _ := upload(t, visitor, srv.URL, map[string][]byte{"a.xml": xml}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor upload: %d, want a redirect to log in", resp.StatusCode)
	}
	dora := browserClient(t)
	login(t, dora, srv.URL, "dora@example.org")
	if resp, _ := upload(t, dora, srv.URL, map[string][]byte{"a.xml": xml}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("non-admin upload: %d, want 403", resp.StatusCode)
	}
	ada := browserClient(t)
	login(t, ada, srv.URL, "ada@example.org")
	if resp, _ := upload(t, ada, srv.URL, map[string][]byte{"a.xml": xml}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site upload: %d, want 403", resp.StatusCode)
	}
	if n, _ := lib.DB().Count(); n != before {
		t.Fatalf("refused uploads changed the library: %d → %d records", before, n)
	}

	resp, body := upload(t, ada, srv.URL, map[string][]byte{"efetch.xml.gz": gz.Bytes()}, nil)
	wantStatus(t, "admin upload", resp, body, 200, "Imported 1 file")
	after, _ := lib.DB().Count()
	if after <= before {
		t.Fatalf("records %d → %d after importing a 50-record file", before, after)
	}
	runs, err := lib.Runs(store.RunImport, 1)
	if err != nil || len(runs) != 1 || !slices.Equal(runs[0].Files, []string{"efetch.xml.gz"}) || runs[0].Added != after-before || runs[0].Running() {
		t.Errorf("import run = %+v (%v); want an ended run naming the file with %d added", runs, err, after-before)
	}
	if n, err := lib.IndexCount(); err != nil || int(n) != after {
		t.Errorf("index holds %d records (%v), store %d", n, err, after)
	}

	// A cut file: the page names the problem; the records before it stay.
	cut := xml[:len(xml)*2/3]
	resp, body = upload(t, ada, srv.URL, map[string][]byte{"cut.xml": cut}, nil)
	wantStatus(t, "truncated upload", resp, body, 400, "cut.xml")
	if !strings.Contains(body, "before the problem was kept") {
		t.Errorf("the page does not say the earlier records were kept:\n%s", body)
	}
	resp, body = upload(t, ada, srv.URL, nil, nil)
	wantStatus(t, "empty upload", resp, body, 400, "No file was uploaded")
}

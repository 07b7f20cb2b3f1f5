package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"villi/library"
)

const rwHeader = "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,Reason,Paywalled,Notes\n"

func rwRow(id int, date string, pmid uint64, nature, reason string) string {
	return fmt.Sprintf("%d,\"A title\",(HSC) Medicine;,Uni;,Gut,Elsevier,China,A Author,,Research Article;,%s,10.1000/n.%d,0,1/1/2020 0:00,unavailable,%d,%s,%s,No,\n",
		id, date, id, pmid, nature, reason)
}

func uploadRetractions(t *testing.T, c *http.Client, srv, name string, content []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest("POST", srv+pathAdminRetractions, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return do(t, c, req)
}

func TestAdminRetractions_BannerNamesRetractionWatch(t *testing.T) {
	lib := newLibrary(t, 20)
	srv := newServer(t, lib, Options{Accounts: adminAccounts(t, lib)})
	res, err := lib.Search(t.Context(), library.Request{ExcludeRetracted: true, Size: 2})
	if err != nil || len(res.Hits) < 2 {
		t.Fatalf("want 2 records PubMed does not retract, got %v (%v)", res, err)
	}
	retracted, concern := res.Hits[0].PMID, res.Hits[1].PMID
	if _, body := get(t, fmt.Sprintf("%s/articles/%d", srv.URL, retracted)); strings.Contains(body, "has been retracted") {
		t.Fatal("the article page shows a retraction before the import")
	}

	csv := rwHeader + rwRow(1, "3/1/2024 0:00", retracted, "Retraction", "+Falsification/Fabrication of Data;") +
		rwRow(2, "5/2/2024 0:00", concern, "Expression of concern", "+Investigation by Journal/Publisher;") +
		"3,short,row\n"
	dora := browserClient(t)
	login(t, dora, srv.URL, "dora@example.org")
	if resp, _ := uploadRetractions(t, dora, srv.URL, "rw.csv", []byte(csv)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("non-admin upload: %d, want 403", resp.StatusCode)
	}
	ada := browserClient(t)
	login(t, ada, srv.URL, "ada@example.org")
	resp, body := uploadRetractions(t, ada, srv.URL, "rw.csv", []byte(csv))
	wantStatus(t, "retractions upload", resp, body, 200, "Imported rw.csv")
	if !strings.Contains(body, "line 4 skipped: 3 columns, want 20") {
		t.Errorf("the page does not name the bad row by its line:\n%s", body)
	}
	resp, body = uploadRetractions(t, ada, srv.URL, "x.csv", []byte("a,b\n1,2\n"))
	wantStatus(t, "wrong file", resp, body, 400, "not a Retraction Watch CSV file")

	_, body = get(t, fmt.Sprintf("%s/articles/%d", srv.URL, retracted))
	for _, want := range []string{"This article has been retracted.", "Source: Retraction Watch, 1 Mar 2024: Falsification/Fabrication of Data."} {
		if !strings.Contains(body, want) {
			t.Errorf("article page of %d lacks %q", retracted, want)
		}
	}
	_, body = get(t, fmt.Sprintf("%s/articles/%d", srv.URL, concern))
	if !strings.Contains(body, `class="concern-banner"`) || !strings.Contains(body, "Retraction Watch, 2 May 2024") || strings.Contains(body, "has been retracted") {
		t.Errorf("article page of %d: want the amber concern notice and no retraction", concern)
	}

	_, body = get(t, fmt.Sprintf("%s/api/v1/articles/%d", srv.URL, retracted))
	var js struct {
		Retracted  bool `json:"retracted"`
		Retraction struct {
			Sources      []string
			Date, Reason string
		} `json:"retraction"`
	}
	if err := json.Unmarshal([]byte(body), &js); err != nil {
		t.Fatal(err)
	}
	if !js.Retracted || strings.Join(js.Retraction.Sources, ",") != "retraction_watch" || js.Retraction.Date != "2024-03-01" {
		t.Errorf("API article = %+v, want retracted by retraction_watch on 2024-03-01", js)
	}

	_, body = fetch(t, ada, srv.URL, "/admin")
	if !strings.Contains(body, "Last imported") || !strings.Contains(body, "<strong>1</strong> library record that PubMed does not flag") {
		t.Errorf("admin page does not say the import and the one record it flags beyond PubMed")
	}
}

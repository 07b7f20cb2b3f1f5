package fakeeutils

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

// corpus is what the tests loaded, decoded independently of the server so
// expectations come from the records themselves.
type corpus struct {
	arts map[uint64]*pubmed.Article
	src  map[uint64][]byte
}

// Real records used by most tests: the topical set (no History, so edat is
// the publication date) and two efetch/baseline samples with History dates.
var (
	sharedOnce   sync.Once
	sharedItems  []pubmed.Item
	sharedCorpus corpus
)

func fixtureItems(t testing.TB) ([]pubmed.Item, corpus) {
	t.Helper()
	files := []string{
		filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"),
		fixture.Path(t, "mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml"),
		fixture.Path(t, "JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz"),
	}
	sharedOnce.Do(func() {
		c := corpus{arts: map[uint64]*pubmed.Article{}, src: map[uint64][]byte{}}
		for _, f := range files {
			for _, it := range pubmedtest.Items(t, f) {
				if it.Article != nil {
					sharedItems = append(sharedItems, it)
					c.arts[it.Article.PMID] = it.Article
					c.src[it.Article.PMID] = it.Source
				}
			}
		}
		sharedCorpus = c
	})
	if len(sharedItems) == 0 {
		t.Fatal("no fixture records decoded")
	}
	return sharedItems, sharedCorpus
}

// newFixtureServer serves the shared fixture records through httptest.
func newFixtureServer(t testing.TB, cfg Config) (*Server, *httptest.Server, corpus) {
	t.Helper()
	items, c := fixtureItems(t)
	s := New(cfg)
	s.Add(items...)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs, c
}

var (
	readOnlyOnce sync.Once
	readOnly     *Server
	readOnlyHTTP *httptest.Server
)

// sharedFixtureServer is one default-configured fixture server for tests
// that only read: building one costs seconds.
func sharedFixtureServer(t testing.TB) (*Server, *httptest.Server, corpus) {
	t.Helper()
	items, c := fixtureItems(t)
	readOnlyOnce.Do(func() {
		readOnly = New(Config{})
		readOnly.Add(items...)
		readOnlyHTTP = httptest.NewServer(readOnly) // lives as long as the test binary
	})
	return readOnly, readOnlyHTTP, c
}

// smallServer serves 500 real records, for fault tests.
func smallServer(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s := New(cfg)
	if err := s.LoadFile(fixture.Path(t, "mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml")); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

type eSearchResult struct {
	Count            int      `xml:"Count"`
	RetMax           int      `xml:"RetMax"`
	RetStart         int      `xml:"RetStart"`
	QueryKey         int      `xml:"QueryKey"`
	WebEnv           string   `xml:"WebEnv"`
	IDs              []uint64 `xml:"IdList>Id"`
	QueryTranslation string   `xml:"QueryTranslation"`
	Error            string   `xml:"ERROR"`
	PhraseNotFound   []string `xml:"ErrorList>PhraseNotFound"`
	OutputMessages   []string `xml:"WarningList>OutputMessage"`
}

func get(t testing.TB, base, endpoint string, params url.Values) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(base + "/entrez/eutils/" + endpoint + ".fcgi?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func esearch(t testing.TB, base string, params url.Values) eSearchResult {
	t.Helper()
	resp, body := get(t, base, "esearch", params)
	if resp.StatusCode != 200 {
		t.Fatalf("esearch %v: status %d: %s", params, resp.StatusCode, body)
	}
	var r eSearchResult
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("esearch %v: %v\n%s", params, err, body)
	}
	return r
}

func TestServer_AddReplacesAndDeleteRemoves(t *testing.T) {
	items, _ := fixtureItems(t)
	s := New(Config{})
	s.Add(items[0], items[1], items[0])
	if got := s.Len(); got != 2 {
		t.Fatalf("Len after adding a record twice = %d, want 2", got)
	}
	id := items[0].Article.PMID
	s.Add(pubmed.Item{Deleted: []uint64{id}}, items[0]) // applied in order: delete, then add again
	if got := s.Count(items[0].Article.Title, "", "", ""); got == 0 {
		t.Errorf("record deleted then re-added in one Add is missing")
	}
	s.Delete(id)
	if got := s.Len(); got != 1 {
		t.Errorf("Len after Delete = %d, want 1", got)
	}
}

func TestLoadFile_AppliesDeleteCitationAndWrapsMedlineCitations(t *testing.T) {
	// medsamp2014 is a legacy MedlineCitationSet with a DeleteCitation.
	name := fixture.Path(t, "ziy__medline-indexer/src__test__resources__medline__xml__medsamp2014.xml")
	s := New(Config{})
	if err := s.LoadFile(name); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()

	var records, deleted int
	for _, it := range pubmedtest.Items(t, name) {
		if it.Article != nil {
			records++
		}
		deleted += len(it.Deleted)
	}
	if s.Len() == 0 || s.Len() > records {
		t.Fatalf("Len = %d, want between 1 and %d records (%d deletions)", s.Len(), records, deleted)
	}
	ids := s.Match("1000:3000[dp]", "", "", "")
	if len(ids) != s.Len() {
		t.Fatalf("a catch-all date term matched %d of %d records", len(ids), s.Len())
	}
	_, body := get(t, hs.URL, "efetch", url.Values{"db": {"pubmed"}, "id": {fmtIDs(ids[:1])}})
	if !strings.Contains(string(body), "<PubmedArticle><MedlineCitation") || !strings.Contains(string(body), "</MedlineCitation></PubmedArticle>") {
		t.Errorf("efetch of a MedlineCitationSet record is not wrapped in PubmedArticle:\n%.300s", body)
	}
	if got, err := decodeBytes(body); err != nil || len(got) != 1 || got[0].Article.PMID != ids[0] {
		t.Errorf("efetch body decodes to %d items, err %v; want PMID %d", len(got), err, ids[0])
	}
}

func TestLoadFile_NotPubMedAddsNothing(t *testing.T) {
	s := New(Config{})
	err := s.LoadFile(fixture.Path(t, "biopython__biopython/Tests__Entrez__esearch1.xml"))
	if !errors.Is(err, pubmed.ErrNotPubMed) {
		t.Errorf("LoadFile(esearch result) error = %v, want ErrNotPubMed", err)
	}
	err = s.LoadFile(fixture.Path(t, "iAmGiG__Python-PostgreSQL/data__pubmed_sample.xml")) // truncated file
	if err == nil {
		t.Errorf("LoadFile(truncated file) error = nil, want a decoding error")
	}
	if s.Len() != 0 {
		t.Errorf("Len = %d after failed loads, want 0 (a broken file adds nothing)", s.Len())
	}
}

func fmtIDs(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, ",")
}

// decodeBytes decodes a PubmedArticleSet body, returning what it read
// before any error.
func decodeBytes(b []byte) ([]pubmed.Item, error) {
	dec := pubmed.NewDecoder(bytes.NewReader(b))
	var items []pubmed.Item
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		items = append(items, it)
	}
}

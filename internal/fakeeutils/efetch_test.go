package fakeeutils

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEfetch_HistoryPagesReturnExactSourceInOrder(t *testing.T) {
	_, hs, c := sharedFixtureServer(t)
	r := esearch(t, hs.URL, url.Values{"db": {"pubmed"}, "term": {"gluten OR zonulin"}, "usehistory": {"y"}, "retmax": {"0"},
		"datetype": {"edat"}, "mindate": {"2008"}, "maxdate": {"2016/12/31"}})
	if r.WebEnv == "" || r.QueryKey != 1 || r.Count < 500 || len(r.IDs) != 0 {
		t.Fatalf("esearch: WebEnv %q, QueryKey %d, Count %d, %d ids; want a history of 500+ and no ids", r.WebEnv, r.QueryKey, r.Count, len(r.IDs))
	}
	order := esearch(t, hs.URL, url.Values{"term": {"gluten OR zonulin"}, "retmax": {"10000"},
		"datetype": {"edat"}, "mindate": {"2008"}, "maxdate": {"2016/12/31"}}).IDs

	const batch = 200
	var got []uint64
	for start := 0; start < r.Count; start += batch {
		resp, body := get(t, hs.URL, "efetch", url.Values{"db": {"pubmed"}, "WebEnv": {r.WebEnv}, "query_key": {"1"},
			"retstart": {strconv.Itoa(start)}, "retmax": {strconv.Itoa(batch)}, "retmode": {"xml"}})
		if ct := resp.Header.Get("Content-Type"); ct != "text/xml; charset=UTF-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if !bytes.HasPrefix(body, []byte("<?xml")) || !bytes.HasSuffix(body, []byte("</PubmedArticleSet>\n")) {
			t.Fatalf("efetch body is not a whole PubmedArticleSet: %.200s ... %s", body, body[max(0, len(body)-60):])
		}
		items, err := decodeBytes(body)
		if err != nil {
			t.Fatalf("efetch retstart %d: %v", start, err)
		}
		if want := min(batch, r.Count-start); len(items) != want {
			t.Fatalf("efetch retstart %d returned %d records, want %d", start, len(items), want)
		}
		for _, it := range items {
			id := it.Article.PMID
			if !bytes.Equal(it.Source, c.src[id]) {
				t.Fatalf("PMID %d: served bytes differ from the loaded Source", id)
			}
			if !bytes.Contains(body, c.src[id]) {
				t.Fatalf("PMID %d: Source not in the body verbatim", id)
			}
			got = append(got, id)
		}
	}
	if len(got) != len(order) {
		t.Fatalf("history paging returned %d records, esearch lists %d", len(got), len(order))
	}
	for i := range got {
		if got[i] != order[i] {
			t.Fatalf("record %d is PMID %d, esearch order has %d", i, got[i], order[i])
		}
	}
}

func TestEfetch_IDListByGETAndPOST(t *testing.T) {
	_, hs, c := sharedFixtureServer(t)
	ids := esearch(t, hs.URL, url.Values{"term": {"celiac disease[mh]"}, "retmax": {"300"}}).IDs
	if len(ids) != 300 {
		t.Fatalf("need 300 ids, got %d", len(ids))
	}
	check := func(how string, body []byte, want []uint64) {
		t.Helper()
		items, err := decodeBytes(body)
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if len(items) != len(want) {
			t.Fatalf("%s: %d records, want %d", how, len(items), len(want))
		}
		for i, it := range items {
			if it.Article.PMID != want[i] || !bytes.Equal(it.Source, c.src[want[i]]) {
				t.Fatalf("%s: record %d is PMID %d, want %d with its exact Source", how, i, it.Article.PMID, want[i])
			}
		}
	}

	// GET, with an unknown PMID (left out, as NCBI does) and a duplicate.
	_, body := get(t, hs.URL, "efetch", url.Values{"db": {"pubmed"}, "id": {fmtIDs([]uint64{ids[0], 1, ids[1], ids[0], ids[2]})}, "retmode": {"xml"}})
	check("GET", body, ids[:3])

	form := url.Values{"db": {"pubmed"}, "id": {fmtIDs(ids)}, "retmode": {"xml"}, "tool": {"villi"}, "email": {"a@example.org"}}
	resp, err := http.PostForm(hs.URL+"/entrez/eutils/efetch.fcgi", form)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	check("POST", buf.Bytes(), ids)

	_, body = get(t, hs.URL, "efetch", url.Values{"id": {"1,2"}})
	if items, err := decodeBytes(body); err != nil || len(items) != 0 {
		t.Errorf("unknown ids: %d records, err %v; want an empty PubmedArticleSet", len(items), err)
	}
	_, body = get(t, hs.URL, "efetch", url.Values{"id": {"abc"}})
	if !bytes.Contains(body, []byte("<ERROR>ID list is empty! Possibly it has no correct IDs.</ERROR>")) {
		t.Errorf("non-numeric ids: %s", body)
	}
	_, body = get(t, hs.URL, "efetch", url.Values{"db": {"pubmed"}})
	if !bytes.Contains(body, []byte("<ERROR>Empty id list - nothing todo</ERROR>")) {
		t.Errorf("no ids: %s", body)
	}
}

func TestEfetch_UnknownOrExpiredWebEnvIsNCBIError(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, hs := smallServer(t, Config{Now: clock, HistoryTTL: time.Hour})
	fetch := func(env, key string) string {
		_, body := get(t, hs.URL, "efetch", url.Values{"WebEnv": {env}, "query_key": {key}, "retmax": {"1"}})
		return string(body)
	}
	r := esearch(t, hs.URL, url.Values{"term": {"human"}, "usehistory": {"y"}})
	if r.Count == 0 {
		t.Fatal("no record matches human")
	}
	if got := fetch(r.WebEnv, "1"); !strings.Contains(got, "<PubmedArticle>") {
		t.Fatalf("live WebEnv: %s", got)
	}
	// A second search naming the WebEnv adds query #2 to it.
	r2 := esearch(t, hs.URL, url.Values{"term": {"mice"}, "usehistory": {"y"}, "WebEnv": {r.WebEnv}})
	if r2.WebEnv != r.WebEnv || r2.QueryKey != 2 {
		t.Errorf("second search: WebEnv %q key %d, want %q key 2", r2.WebEnv, r2.QueryKey, r.WebEnv)
	}
	if got := fetch(r.WebEnv, "3"); !strings.Contains(got, "<ERROR>Unable to obtain query #3</ERROR>") {
		t.Errorf("unknown query_key: %s", got)
	}
	if got := fetch("MCID_nope", "1"); !strings.Contains(got, "<ERROR>Unable to obtain query #1</ERROR>") || !strings.Contains(got, "<eFetchResult>") {
		t.Errorf("unknown WebEnv: %s", got)
	}
	now = now.Add(59 * time.Minute)
	if got := fetch(r.WebEnv, "1"); strings.Contains(got, "ERROR") {
		t.Errorf("WebEnv used 59 minutes ago expired: %s", got)
	}
	now = now.Add(61 * time.Minute)
	if got := fetch(r.WebEnv, "1"); !strings.Contains(got, "Unable to obtain query #1") {
		t.Errorf("WebEnv idle for 61 minutes with a 1h TTL still answers: %.200s", got)
	}
	r = esearch(t, hs.URL, url.Values{"term": {"human"}, "usehistory": {"y"}})
	s.ExpireHistory()
	if got := fetch(r.WebEnv, "1"); !strings.Contains(got, "Unable to obtain query #1") {
		t.Errorf("after ExpireHistory: %.200s", got)
	}
}

func TestEfetch_DeletedRecordIsLeftOut(t *testing.T) {
	s, hs := smallServer(t, Config{})
	r := esearch(t, hs.URL, url.Values{"term": {"human"}, "usehistory": {"y"}, "retmax": {"3"}})
	s.Delete(r.IDs[1])
	_, body := get(t, hs.URL, "efetch", url.Values{"WebEnv": {r.WebEnv}, "query_key": {"1"}, "retmax": {"3"}})
	items, err := decodeBytes(body)
	if err != nil || len(items) != 2 || items[0].Article.PMID != r.IDs[0] || items[1].Article.PMID != r.IDs[2] {
		t.Errorf("after deleting the 2nd record, efetch gave %d records (err %v), want PMIDs %d and %d", len(items), err, r.IDs[0], r.IDs[2])
	}
}

package web

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"villi/library"
)

// recordWhere finds a record of the test library (real topical records)
// whose hit satisfies keep.
func recordWhere(t *testing.T, lib *library.Library, keep func(library.Hit) bool) library.Hit {
	t.Helper()
	req := library.Request{Size: library.MaxSize}
	for {
		res, err := lib.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(res.Hits, keep); i >= 0 {
			return res.Hits[i]
		}
		if res.Next == "" {
			t.Fatal("no record of the test library fits")
		}
		if req.After, err = library.DecodeCursor(res.Next); err != nil {
			t.Fatal(err)
		}
	}
}

// Tags that are villi's guess — on a record NLM has not indexed — are
// marked provisional (issue 13, item 6) in the API's hits and articles and
// on the article page; an indexed record's tags are not, and its lists are
// empty, not null.
func TestProvisional_APIAndArticlePageMarkVillisGuess(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	guess := recordWhere(t, lib, func(h library.Hit) bool {
		return len(h.Record.Article.MeSH) == 0 && len(h.Conditions) > 0 && h.Evidence != "other"
	})
	indexed := recordWhere(t, lib, func(h library.Hit) bool { return len(h.Record.Article.MeSH) > 0 })
	want := append(append(slices.Clone(guess.Conditions), guess.Mechanisms...), guess.Evidence)

	for _, c := range []struct {
		pmid uint64
		want []string
	}{{guess.PMID, want}, {indexed.PMID, []string{}}} {
		id := strconv.FormatUint(c.pmid, 10)
		_, body := get(t, srv.URL+"/api/v1/search?q="+id+"%5Bpmid%5D")
		var res struct {
			Hits []struct {
				Provisional []string `json:"provisional"`
			} `json:"hits"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Hits) != 1 {
			t.Fatalf("api search %s: %v, %d hits", id, err, len(res.Hits))
		}
		if got := res.Hits[0].Provisional; got == nil || !slices.Equal(got, c.want) {
			t.Errorf("api hit %s provisional = %#v, want %#v", id, got, c.want)
		}
		_, body = get(t, srv.URL+"/api/v1/articles/"+id)
		var art struct {
			Provisional []string `json:"provisional"`
		}
		if err := json.Unmarshal([]byte(body), &art); err != nil {
			t.Fatal(err)
		}
		if art.Provisional == nil || !slices.Equal(art.Provisional, c.want) {
			t.Errorf("api article %s provisional = %#v, want %#v", id, art.Provisional, c.want)
		}
		_, page := get(t, srv.URL+"/articles/"+id)
		marked := strings.Contains(page, `class="tags provisional"`) && strings.Contains(page, `(provisional)</span>`)
		if marked != (len(c.want) > 0) {
			t.Errorf("article page %s marks provisional tags: %v, want %v", id, marked, len(c.want) > 0)
		}
	}
}

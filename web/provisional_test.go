package web

import (
	"encoding/json"
	"html"
	"slices"
	"strconv"
	"strings"
	"testing"

	"villi/library"
	"villi/taxonomy"
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

// Every hit of a search over the test library's real records, through the
// API, says why each of its provisional tags was given: exactly one reason
// per provisional tag, in its order, with the words or the type that gave
// it; a hit with no provisional tag has an empty list, not null. The
// article API says the same.
func TestProvisionalWhy_OneReasonPerProvisionalTagInEveryHit(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	type reason struct {
		Tag, Kind, Source, Phrase, Field string
	}
	type hit struct {
		PMID           uint64    `json:"pmid"`
		Provisional    []string  `json:"provisional"`
		ProvisionalWhy *[]reason `json:"provisional_why"`
	}
	check := func(where string, provisional []string, why *[]reason) {
		t.Helper()
		if why == nil {
			t.Errorf("%s: provisional_why is null or missing, want a list", where)
			return
		}
		var tags []string
		for _, r := range *why {
			tags = append(tags, r.Tag)
			if r.Kind == "" || r.Phrase == "" || r.Source == "text" && r.Field == "" {
				t.Errorf("%s: reason %+v lacks what gave it", where, r)
			}
		}
		if !slices.Equal(tags, provisional) {
			t.Errorf("%s: reasons for %q, want one for each of provisional %q", where, tags, provisional)
		}
	}
	hits, guessed := 0, 0
	for cursor := ""; ; {
		_, body := get(t, srv.URL+"/api/v1/search?size=100&cursor="+cursor)
		var res struct {
			Hits []hit  `json:"hits"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			hits++
			if len(h.Provisional) > 0 {
				guessed++
			}
			check("hit "+strconv.FormatUint(h.PMID, 10), h.Provisional, h.ProvisionalWhy)
		}
		if res.Next == "" {
			break
		}
		cursor = res.Next
	}
	if hits < 1000 || guessed < 10 {
		t.Fatalf("%d hits, %d with provisional tags; want the whole test library and its unindexed records", hits, guessed)
	}
	guess := recordWhere(t, lib, func(h library.Hit) bool { return len(h.Provisional) > 2 })
	id := strconv.FormatUint(guess.PMID, 10)
	_, body := get(t, srv.URL+"/api/v1/articles/"+id)
	var art hit
	if err := json.Unmarshal([]byte(body), &art); err != nil {
		t.Fatal(err)
	}
	check("article "+id, art.Provisional, art.ProvisionalWhy)
}

// The article page says in plain words why each provisional tag was given:
// the words and where they stand, the publication type, or the model's
// probability and terms.
func TestArticlePage_SaysWhyEachProvisionalTagWasGiven(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	guess := recordWhere(t, lib, func(h library.Hit) bool {
		return len(h.Provisional) > 2 && h.Evidence != "other"
	})
	_, page := get(t, srv.URL+"/articles/"+strconv.FormatUint(guess.PMID, 10))
	for _, r := range guess.ProvisionalWhy {
		want := html.EscapeString(reasonWords(r))
		if reasonWords(r) == "" || !strings.Contains(page, want) {
			t.Errorf("article page %d does not say %q for %s", guess.PMID, want, r.Tag)
		}
	}

	for _, c := range []struct {
		r    taxonomy.Reason
		want string
	}{
		{taxonomy.Reason{Source: taxonomy.SourceText, Phrase: "double-blind, placebo-controlled", Field: "abstract"},
			"from the words “double-blind, placebo-controlled” in the abstract"},
		{taxonomy.Reason{Source: taxonomy.SourceText, Phrase: "coeliac", Field: "title"}, "from the word “coeliac” in the title"},
		{taxonomy.Reason{Source: taxonomy.SourcePublicationType, Phrase: "Randomized Controlled Trial"},
			"from the publication type “Randomized Controlled Trial” the publisher gave"},
		{taxonomy.Reason{Source: taxonomy.SourceModel, Probability: 0.934, Terms: []string{"crohn", "ileal", "anti tnf"}},
			"learned from NLM's indexing of similar records (probability 0.93), from the words “crohn”, “ileal”, “anti tnf”"},
		{taxonomy.Reason{Source: taxonomy.SourceModel, Probability: 0.954, Terms: []string{"patient"}, Signs: []string{"4–7 authors", "2–3 pages"}},
			"learned from NLM's indexing of similar records (probability 0.95), from the words “patient” and its form: 4–7 authors, 2–3 pages"},
		{taxonomy.Reason{Source: taxonomy.SourceModel, Probability: 0.9, Signs: []string{"no abstract"}},
			"learned from NLM's indexing of similar records (probability 0.90), from its form: no abstract"},
		{taxonomy.Reason{Source: taxonomy.SourceModel, Probability: 0.5}, "learned from NLM's indexing of similar records (probability 0.50)"},
		{taxonomy.Reason{}, ""},
	} {
		if got := reasonWords(c.r); got != c.want {
			t.Errorf("reasonWords(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

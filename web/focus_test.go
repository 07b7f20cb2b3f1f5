package web

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"villi/library"
)

// focusRecord finds a record of the test library (real topical records)
// that has a condition in focus, and a condition and a mechanism it only
// mentions.
func focusRecord(t *testing.T, lib *library.Library) library.Hit {
	t.Helper()
	req := library.Request{Size: library.MaxSize}
	for {
		res, err := lib.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			mc, mm := h.Record.Tags.Mentions()
			if len(h.Focus.Conditions) > 0 && len(mc) > 0 && len(mm) > 0 {
				return h
			}
		}
		if res.Next == "" {
			t.Fatal("no record in the test library has a condition in focus and mentions of both kinds")
		}
		if req.After, err = library.DecodeCursor(res.Next); err != nil {
			t.Fatal(err)
		}
	}
}

// The API, the result list and the article page say which tags are the
// record's focus and which are mentions (issue 13, item 4): hits and
// articles carry "focus", the chips of a hit are its focus, and the article
// page lists the mentions apart.
func TestFocus_APIAndPagesTellFocusFromMentions(t *testing.T) {
	lib := testLibrary(t)
	srv := newServer(t, lib, Options{})
	rec := focusRecord(t, lib)
	focusPMID := strconv.FormatUint(rec.PMID, 10)
	wantFocus := [2][]string{rec.Focus.Conditions, rec.Focus.Mechanisms}
	mentionCond, mentionMech := rec.Record.Tags.Mentions()

	resp, body := get(t, srv.URL+"/api/v1/search?q="+focusPMID+"%5Bpmid%5D")
	if resp.StatusCode != 200 {
		t.Fatalf("api search: %d %s", resp.StatusCode, body)
	}
	var res library.SearchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Hits) != 1 {
		t.Fatalf("api search: %v, %d hits", err, len(res.Hits))
	}
	h := res.Hits[0]
	if !slices.Equal(h.Focus.Conditions, wantFocus[0]) || !slices.Equal(h.Focus.Mechanisms, wantFocus[1]) {
		t.Errorf("hit focus = %+v, want %q", h.Focus, wantFocus)
	}
	if !slices.Contains(h.Conditions, mentionCond[0]) || !slices.Contains(h.Mechanisms, mentionMech[0]) {
		t.Errorf("hit tags %q %q lost the mentions", h.Conditions, h.Mechanisms)
	}

	resp, body = get(t, srv.URL+"/api/v1/articles/"+focusPMID)
	if resp.StatusCode != 200 {
		t.Fatalf("api article: %d %s", resp.StatusCode, body)
	}
	focusJSON, _ := json.Marshal(rec.Focus)
	if !strings.Contains(body, `"focus":`+string(focusJSON)) {
		t.Errorf("api article lacks the focus in its tags: %.400s", body)
	}

	// The result list's chips are the focus.
	_, page := get(t, srv.URL+"/search?q="+focusPMID+"%5Bpmid%5D")
	_, hit, _ := strings.Cut(page, `<article class="hit`)
	hit, _, _ = strings.Cut(hit, `</article>`)
	for _, c := range []string{`class="tag cond" href="/search?condition=` + wantFocus[0][0] + `&amp;focus=1"`} {
		if !strings.Contains(hit, c) {
			t.Errorf("result list hit lacks the focus chip %s:\n%s", c, hit)
		}
	}
	for _, c := range []string{"condition=" + mentionCond[0], "topic=" + mentionMech[0]} {
		if strings.Contains(hit, c) {
			t.Errorf("result list hit shows the mention %s as a chip:\n%s", c, hit)
		}
	}

	// The article page: focus under "About", the rest under "Also mentions".
	_, art := get(t, srv.URL+"/articles/"+focusPMID)
	_, about, _ := strings.Cut(art, `<span class="tags-what">About:</span>`)
	about, mentions, ok := strings.Cut(about, `<span class="tags-what">Also mentions:</span>`)
	if !ok {
		t.Fatalf("article page lacks About and Also mentions:\n%.2000s", art)
	}
	mentions, _, _ = strings.Cut(mentions, `</p>`)
	if !strings.Contains(about, "condition="+wantFocus[0][0]+"&amp;focus=1") || strings.Contains(about, "condition="+mentionCond[0]) {
		t.Errorf("About chips wrong: %s", about)
	}
	if !strings.Contains(mentions, `href="/search?condition=`+mentionCond[0]+`"`) || !strings.Contains(mentions, `href="/search?topic=`+mentionMech[0]+`"`) || strings.Contains(mentions, "condition="+wantFocus[0][0]) {
		t.Errorf("Also mentions chips wrong: %s", mentions)
	}
}

// focus=1 narrows the condition and topic filters to the records about
// them; a bad value is a clear error.
func TestFocus_SearchParam(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	count := func(q string) int {
		resp, body := get(t, srv.URL+"/api/v1/search?"+q)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
		var res library.SearchResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		return int(res.Total)
	}
	all, about := count("condition=celiac&topic=remove"), count("condition=celiac&topic=remove&focus=1")
	if about == 0 || about >= all {
		t.Errorf("celiac × remove: %d tagged, %d about both; want fewer about both, and some", all, about)
	}
	if resp, body := get(t, srv.URL+"/api/v1/search?condition=celiac&focus=yes"); resp.StatusCode != 400 || !strings.Contains(body, "focus") {
		t.Errorf("focus=yes: %d %s, want 400 naming focus", resp.StatusCode, body)
	}
}

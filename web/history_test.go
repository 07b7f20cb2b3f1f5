package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// searchAs runs a search page with client c and returns the status and body.
func searchAs(t *testing.T, c *http.Client, srv, q string, extra ...string) (int, string) {
	t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Add(extra[i], extra[i+1])
	}
	resp, body := fetch(t, c, srv, "/search?"+v.Encode())
	return resp.StatusCode, body
}

// historyRows reads the history table's rows as "#n|query|searched as|filters|count".
func historyRows(t *testing.T, body string) []string {
	t.Helper()
	i := strings.Index(body, `<section class="history"`)
	if i < 0 {
		return nil
	}
	tbody := body[i:]
	tbody = tbody[strings.Index(tbody, "<tbody>"):strings.Index(tbody, "</tbody>")]
	var rows []string
	for _, tr := range strings.Split(tbody, "<tr>")[1:] {
		var cells []string
		for _, td := range strings.Split(tr, "<td>")[1:] {
			td = td[:strings.Index(td, "</td>")]
			for strings.Contains(td, "<") { // drop tags, keep text
				a, b := strings.Index(td, "<"), strings.Index(td, ">")
				td = td[:a] + td[b+1:]
			}
			cells = append(cells, html.UnescapeString(td))
		}
		rows = append(rows, strings.Join(cells[:5], "|"))
	}
	return rows
}

func TestHistory_NumbersSearchesAndCombinesThem(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	c := browserClient(t)
	// #1's OR must stay inside its parentheses: "gluten AND zonulin OR
	// celiac" (read left to right, as PubMed does) finds other records.
	one := apiSearch(t, srv, url.Values{"q": {"zonulin OR celiac"}})
	two := apiSearch(t, srv, url.Values{"q": {"gluten"}, "language": {"eng"}})
	both := apiSearch(t, srv, url.Values{"q": {"(gluten) AND (zonulin OR celiac)"}})
	loose := apiSearch(t, srv, url.Values{"q": {"gluten AND zonulin OR celiac"}})
	if both.Total == 0 || both.Total >= one.Total || loose.Total == both.Total {
		t.Fatalf("fixture: #1 %d, both %d, without parentheses %d: want a narrower non-empty combination that parentheses change", one.Total, both.Total, loose.Total)
	}

	searchAs(t, c, srv, "zonulin OR celiac")
	searchAs(t, c, srv, "gluten", "language", "eng")
	searchAs(t, c, srv, "gluten", "language", "eng", "sort", "date") // the same search again: no new number
	fetch(t, c, srv, "/search?q=gluten&language=eng&page=2")         // paging is the same search
	code, body := searchAs(t, c, srv, "#2 AND #1")
	if code != http.StatusOK {
		t.Fatalf("#2 AND #1: %d", code)
	}
	wantAs := both.SearchedAs
	if !strings.Contains(body, "Searched as <code>"+html.EscapeString(wantAs)+"</code>") {
		t.Errorf("#2 AND #1 not searched as %q", wantAs)
	}
	if !strings.Contains(body, `<h1 id="results-h">`+formatCount(both.Total)+" records") {
		t.Errorf("#2 AND #1 does not find the %d records of (gluten) AND (zonulin OR celiac)", both.Total)
	}
	rows := historyRows(t, body)
	want := []string{
		"#3|#2 AND #1|" + wantAs + "||" + formatCount(both.Total),
		"#2|gluten|" + two.SearchedAs + "|English|" + formatCount(two.Total),
		"#1|zonulin OR celiac|" + one.SearchedAs + "||" + formatCount(one.Total),
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("history rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// #3 expands to #1 AND #2's own expansion; quoted #s are words.
	_, body = searchAs(t, c, srv, `#3 OR "#1"`)
	if !strings.Contains(body, "zonulin") || strings.Contains(body, "there is no search") {
		t.Errorf("nested #3 did not expand")
	}

	// The API shares the page's session through its cookie.
	u, _ := url.Parse(srv)
	var sess *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == historyCookie {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("the search page set no history cookie")
	}
	req, _ := http.NewRequest("GET", srv+"/api/v1/search?q="+url.QueryEscape("#2 AND #1"), nil)
	req.AddCookie(sess)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Total      uint64 `json:"total"`
		SearchedAs string `json:"searched_as"`
	}
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res.Total != both.Total || res.SearchedAs != wantAs {
		t.Errorf("API #2 AND #1 with the cookie: %d %q, want %d %q", res.Total, res.SearchedAs, both.Total, wantAs)
	}
	req, _ = http.NewRequest("GET", srv+"/api/v1/history", nil)
	req.AddCookie(sess)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var hist struct {
		History []historyJSON `json:"history"`
	}
	json.NewDecoder(resp.Body).Decode(&hist)
	resp.Body.Close()
	if len(hist.History) < 3 || hist.History[len(hist.History)-1].N != 1 || hist.History[len(hist.History)-1].Query != "zonulin OR celiac" {
		t.Errorf("/api/v1/history = %+v", hist.History)
	}
}

func TestHistory_UnknownNumberIsAClearError(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	c := browserClient(t)
	code, body := searchAs(t, c, srv, "#1")
	if code != http.StatusBadRequest || !strings.Contains(body, "there is no search #1 in this session") || !strings.Contains(body, "it is empty") {
		t.Errorf("#1 with no history: %d, want 400 saying the history is empty", code)
	}
	searchAs(t, c, srv, "zonulin")
	searchAs(t, c, srv, "gluten")
	code, body = searchAs(t, c, srv, "#1 AND #9")
	if code != http.StatusBadRequest || !strings.Contains(body, "there is no search #9 in this session") || !strings.Contains(body, "#1, #2") {
		t.Errorf("#9: %d, want 400 naming #9 and the numbers held", code)
	}
	if q, err := expandHistory(`C# "#1" diet`, nil); err != nil || q != `C# "#1" diet` {
		t.Errorf("a # without a number, or quoted: %q, %v; want the query unchanged", q, err)
	}
	// Another browser has its own history.
	other := browserClient(t)
	if code, _ := searchAs(t, other, srv, "#1"); code != http.StatusBadRequest {
		t.Errorf("#1 in another session: %d, want 400", code)
	}
	resp, body := get(t, srv+"/api/v1/search?q=%231")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "there is no search #1") {
		t.Errorf("API #1 without a session: %d %s", resp.StatusCode, body)
	}
}

func TestHistory_HostileQueriesAreEscaped(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{}).URL
	c := browserClient(t)
	hostile := `zonulin "<script>alert(1)</script>" "a&b"`
	searchAs(t, c, srv, hostile, "journal", `<img src=x onerror=alert(2)>`)
	_, body := searchAs(t, c, srv, "gluten")
	sec := body[strings.Index(body, `<section class="history"`):]
	if strings.Contains(sec, "<script>alert") || strings.Contains(sec, "<img src=x") {
		t.Errorf("history shows hostile markup unescaped:\n%s", sec)
	}
	if !strings.Contains(sec, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(sec, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Errorf("history lacks the escaped query and filter:\n%s", sec)
	}
	resp, _ := fetch(t, c, srv, "/search?q=gluten")
	for _, ck := range resp.Cookies() {
		if ck.Name == historyCookie {
			t.Errorf("cookie set again on a session that has one")
		}
	}
}

func TestHistories_BoundedPerSessionAndInAll(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	h := newHistories(1<<20, time.Hour)
	for i := 1; i <= historyEntries+5; i++ {
		if n := h.add("a", historyEntry{Query: "q" + strconv.Itoa(i), Expanded: "q" + strconv.Itoa(i)}, now); n != i {
			t.Fatalf("entry %d numbered %d", i, n)
		}
	}
	got := h.entries("a", now)
	if len(got) != historyEntries || got[0].N != historyEntries+5 || got[len(got)-1].N != 6 {
		t.Errorf("kept %d entries #%d…#%d, want the last %d", len(got), got[len(got)-1].N, got[0].N, historyEntries)
	}
	if _, err := expandHistory("#5", got); err == nil || !strings.Contains(err.Error(), "keeps the last") {
		t.Errorf("#5 after it left the history: %v", err)
	}

	// Idle sessions are forgotten.
	if e := h.entries("a", now.Add(2*time.Hour)); e != nil {
		t.Errorf("idle session still has %d entries", len(e))
	}

	// The byte budget drops the least recently used session.
	h = newHistories(4000, time.Hour)
	big := strings.Repeat("x", 900)
	h.add("old", historyEntry{Query: big, Expanded: big}, now)
	h.add("new", historyEntry{Query: big, Expanded: big}, now.Add(time.Second))
	h.entries("old", now.Add(2*time.Second)) // old is used again
	h.add("newest", historyEntry{Query: big, Expanded: big}, now.Add(3*time.Second))
	if h.entries("new", now.Add(4*time.Second)) != nil {
		t.Error("the least recently used session survived the byte budget")
	}
	if h.entries("old", now.Add(4*time.Second)) == nil || h.entries("newest", now.Add(4*time.Second)) == nil {
		t.Error("a recently used session was dropped")
	}
	if h.bytes > h.maxBytes {
		t.Errorf("histories hold %d bytes, budget %d", h.bytes, h.maxBytes)
	}
}

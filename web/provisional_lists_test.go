package web

import (
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/collection"
	"villi/internal/pdftest"
	"villi/library"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// listingRE finds what draws a record's tags in a page template: the
// partials of result lists and handouts, or an entry's evidence level.
var listingRE = regexp.MustCompile(`\{\{-?\s*template "(hit|hit-compact|badges|handout-entry-meta)"|\.EvidenceLabel\b`)

// listingPages are the page templates (those defining "main") that show
// records with their tags, read from the embedded templates themselves.
func listingPages(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := fs.ReadFile(assets, f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if strings.Contains(src, `{{define "main"`) && listingRE.MatchString(src) {
			out = append(out, strings.TrimSuffix(path.Base(f), ".html"))
		}
	}
	return out
}

// provisionalPair is a private library of two real topical records with a
// focus condition and an evidence level the home page lists: one NLM has
// not indexed (its tags all villi's guess) and one it has.
func provisionalPair(t *testing.T) (lib *library.Library, guess, indexed library.Hit) {
	t.Helper()
	shared := testLibrary(t)
	strong := func(h library.Hit) bool {
		return slices.Contains([]string{"meta-analysis", "systematic-review", "rct"}, h.Evidence) && len(h.Focus.Conditions) > 0
	}
	g := recordWhere(t, shared, func(h library.Hit) bool {
		return strong(h) && len(h.Record.Article.MeSH) == 0 && slices.Contains(h.Provisional, h.Evidence)
	})
	i := recordWhere(t, shared, func(h library.Hit) bool { return strong(h) && len(h.Record.Article.MeSH) > 0 })
	lib, err := library.Open(t.Context(), t.TempDir(), library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	ga, ia := g.Record.Article, i.Record.Article
	if _, err := lib.Ingest(t.Context(), []pubmed.Item{{Article: &ga}, {Article: &ia}}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*library.Hit{&guess, &indexed} {
		pmid := g.PMID
		if h == &indexed {
			pmid = i.PMID
		}
		res, err := lib.Search(t.Context(), library.Request{Q: strconv.FormatUint(pmid, 10) + "[pmid]"})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("find PMID %d in the private library: %v", pmid, err)
		}
		*h = res.Hits[0]
	}
	if len(guess.Provisional) == 0 || len(indexed.Provisional) != 0 {
		t.Fatalf("provisional tags: guess %v, indexed %v; want some and none", guess.Provisional, indexed.Provisional)
	}
	return lib, guess, indexed
}

// cut returns body's parts from start to end, keyed by the PMID each
// names (the first of pmids found in it).
func cut(body, start, end string, pmids ...uint64) map[uint64]string {
	out := map[uint64]string{}
	parts := strings.Split(body, start)
	for _, p := range parts[1:] {
		p, _, _ = strings.Cut(p, end)
		for _, id := range pmids {
			if _, ok := out[id]; !ok && strings.Contains(p, strconv.FormatUint(id, 10)) {
				out[id] = p
				break
			}
		}
	}
	return out
}

var (
	chipRE       = regexp.MustCompile(`<a class="tag [^"]*"[^>]*>[^<]*(?:<span class="prov">\(provisional\)</span>)?</a>`)
	markedChipRE = regexp.MustCompile(`<a class="tag [^"]* provisional"[^>]*>[^<]* <span class="prov">\(provisional\)</span></a>`)
	markedEvRE   = regexp.MustCompile(`<span class="badge ev ev-[a-z-]+ provisional">[^<]+ <span class="prov">\(provisional\)</span></span>`)
)

// Issue 13, item 6: wherever the web lists records with their tags, a tag
// that is villi's guess carries "(provisional)" in words beside it, the
// page explains the mark once, and an NLM-indexed record's tags carry no
// mark. The pages are those whose templates draw tags (listingPages): a
// new one fails here until it has a row.
func TestProvisional_EveryRecordListMarksVillisGuess(t *testing.T) {
	lib, guess, indexed := provisionalPair(t)
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, "ada@example.org")})
	ada := store.User{Email: "ada@example.org"}
	colls := collection.New(lib.DB())
	c, err := colls.Create(t.Context(), ada, "Client handout")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{guess.PMID, indexed.PMID} {
		if _, err := colls.Add(t.Context(), ada, c.ID, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := colls.Share(t.Context(), ada, c.ID, 7*24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	owner := browserClient(t)
	login(t, owner, srv.URL, ada.Email)
	cid := strconv.FormatUint(c.ID, 10)
	g, i := strconv.FormatUint(guess.PMID, 10), strconv.FormatUint(indexed.PMID, 10)

	// chips: the page shows condition and mechanism chips, each of which
	// must be marked on the guessed record.
	rows := map[string]struct {
		path       string
		start, end string // where one record's part of the page begins and ends
		chips      bool
		// legend is the page's one explanation of the mark.
		legend string
	}{
		"search":     {"/search?q=" + g + "%5Bpmid%5D+OR+" + i + "%5Bpmid%5D", `<article class="hit`, `</article>`, true, `class="prov-legend"`},
		"home":       {"/", `<li class="compact`, `</li>`, false, `class="prov-legend"`},
		"article":    {"", `<header class="record-head">`, `</header>`, true, `class="tags provisional"`},
		"collection": {"/collections/" + cid, `<li id="item-`, `</li>`, false, `class="prov-legend"`},
		"shared":     {"/s/" + token, `<li id="item-`, `</li>`, false, `class="prov-legend"`},
		"print":      {"/collections/" + cid + "/print", `<li>`, `</li>`, false, `class="prov-legend"`},
	}
	for _, name := range listingPages(t) {
		if _, ok := rows[name]; !ok {
			t.Errorf("template %s.html lists records with tags but this test has no row for it: add one", name)
		}
	}
	for name, r := range rows {
		t.Run(name, func(t *testing.T) {
			bodies := map[uint64]string{}
			if r.path == "" { // one page per record
				for _, id := range []uint64{guess.PMID, indexed.PMID} {
					_, body := fetch(t, owner, srv.URL, "/articles/"+strconv.FormatUint(id, 10))
					bodies[id] = body
				}
			} else {
				resp, body := fetch(t, owner, srv.URL, r.path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", r.path, resp.StatusCode)
				}
				if n := strings.Count(body, r.legend); n != 1 {
					t.Errorf("the page explains the mark %d times, want once", n)
				}
				bodies[guess.PMID], bodies[indexed.PMID] = body, body
			}
			for _, id := range []uint64{guess.PMID, indexed.PMID} {
				body := bodies[id]
				if r.path == "" && strings.Count(body, r.legend) != map[bool]int{true: 1, false: 0}[id == guess.PMID] {
					t.Errorf("article %d: the explanation shows %d times", id, strings.Count(body, r.legend))
				}
				part := cut(body, r.start, r.end, guess.PMID, indexed.PMID)[id]
				if r.path == "" {
					part = cut(body, r.start, r.end, id)[id]
				}
				if name == "print" { // entries in the collection's order: guess, then indexed
					parts := strings.Split(strings.SplitN(body, `<ol class="print-refs">`, 2)[1], r.start)
					part, _, _ = strings.Cut(parts[map[bool]int{true: 1, false: 2}[id == guess.PMID]], r.end)
				}
				if part == "" {
					t.Fatalf("PMID %d not found on the page", id)
				}
				marks := strings.Count(part, "(provisional)")
				if id == indexed.PMID {
					if marks != 0 {
						t.Errorf("NLM-indexed PMID %d carries %d provisional marks:\n%s", id, marks, part)
					}
					continue
				}
				if marks == 0 {
					t.Errorf("villi's guess PMID %d carries no provisional mark:\n%s", id, part)
				}
				if r.chips {
					all, marked := chipRE.FindAllString(part, -1), markedChipRE.FindAllString(part, -1)
					if len(all) == 0 || len(marked) != len(all) {
						t.Errorf("PMID %d: %d of %d chips marked provisional, want all:\n%s", id, len(marked), len(all), part)
					}
					if !markedEvRE.MatchString(part) {
						t.Errorf("PMID %d: evidence badge not marked provisional:\n%s", id, part)
					}
				}
			}
		})
	}

	// The PDF handout a client reads says so beside the evidence level,
	// and explains it once.
	t.Run("pdf", func(t *testing.T) {
		pdftest.Require(t)
		_, pdf := fetchPDF(t, owner, srv.URL, "/collections/"+cid+"/pdf")
		text := pdftest.Squeeze(pdftest.Text(t, pdf))
		ev := func(h library.Hit) string { return pdftest.Squeeze("Evidence: " + taxonomy.EvidenceLabel(h.Evidence)) }
		if !strings.Contains(text, ev(guess)+"(provisional)") || !strings.Contains(text, ev(indexed)) {
			t.Errorf("PDF does not mark PMID %d's evidence level provisional, or lacks PMID %d's:\n%s", guess.PMID, indexed.PMID, text)
		}
		// One mark beside the guess, one in the explanation: none beside
		// the NLM-indexed record's level.
		if n := strings.Count(text, "(provisional)"); n != 2 {
			t.Errorf("PDF carries %d provisional marks, want 2:\n%s", n, text)
		}
		if n := strings.Count(text, pdftest.Squeeze(collection.ProvisionalNote)); n != 1 {
			t.Errorf("PDF explains the mark %d times, want once", n)
		}
	})

	// The feed's categories and summary say so too.
	_, feed := get(t, srv.URL+"/search.atom?q="+g+"%5Bpmid%5D+OR+"+i+"%5Bpmid%5D")
	entries := cut(feed, "<entry>", "</entry>", guess.PMID, indexed.PMID)
	if n := strings.Count(entries[guess.PMID], `(provisional)"`); n != len(guess.Provisional) {
		t.Errorf("feed entry of PMID %d: %d categories marked provisional, want %d:\n%s", guess.PMID, n, len(guess.Provisional), entries[guess.PMID])
	}
	if strings.Contains(entries[indexed.PMID], "provisional") || entries[indexed.PMID] == "" {
		t.Errorf("feed entry of NLM-indexed PMID %d is marked provisional or missing:\n%s", indexed.PMID, entries[indexed.PMID])
	}
}

// tagChips marks each chip by its own slug: a record whose evidence level
// and one condition are villi's guess gets exactly those marked.
func TestTagChips_MarkOnlyProvisionalSlugs(t *testing.T) {
	s := &server{tax: testLibrary(t).Taxonomy()}
	c, m := s.tagChips([]string{"celiac", "ibd"}, []string{"microbiome"}, true, []string{"ibd", "rct"})
	var got []bool
	for _, x := range append(c, m...) {
		got = append(got, x.Provisional)
	}
	if want := []bool{false, true, false}; !slices.Equal(got, want) {
		t.Errorf("chips provisional = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		evidence string
		want     bool
	}{{"rct", true}, {"review", false}} {
		if got := badgesOf(tc.evidence, "human", []string{"ibd", "rct"}).EvidenceProvisional; got != tc.want {
			t.Errorf("badgesOf(%s).EvidenceProvisional = %v, want %v", tc.evidence, got, tc.want)
		}
	}
}

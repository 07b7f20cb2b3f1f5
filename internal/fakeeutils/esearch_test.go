package fakeeutils

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"villi/pubmed"
)

// Brute force, written apart from the matcher: regexps over the record's
// own text.

// textRe matches words in lowercased text; lit, a literal every match
// contains, skips the regexp for most texts.
type textRe struct {
	re  *regexp.Regexp
	lit string
}

func (m textRe) MatchString(s string) bool {
	return strings.Contains(s, m.lit) && m.re.MatchString(s)
}

// wordRe matches a lowercase word (or a phraseRe pattern) as a whole word.
func wordRe(word string) textRe {
	return textRe{regexp.MustCompile(`(^|[^\p{L}\p{N}])` + word + `($|[^\p{L}\p{N}])`), strings.Fields(strings.ReplaceAll(word, `[^\p{L}\p{N}]+`, " "))[0]}
}

func prefixRe(stem string) textRe {
	stem = strings.ToLower(stem)
	return textRe{regexp.MustCompile(`(^|[^\p{L}\p{N}])` + stem), stem}
}

func phraseRe(words ...string) textRe {
	return wordRe(strings.Join(words, `[^\p{L}\p{N}]+`))
}

func tiabTexts(a *pubmed.Article) []string {
	out := []string{a.Title, a.AbstractText()}
	for _, k := range a.Keywords {
		out = append(out, k.Text)
	}
	return out
}

func meshTexts(a *pubmed.Article) []string {
	var out []string
	for _, h := range a.MeSH {
		out = append(out, h.DescriptorName)
		for _, q := range h.Qualifiers {
			out = append(out, q.Name, h.DescriptorName+"/"+q.Name)
		}
	}
	return out
}

var (
	textCacheMu sync.Mutex
	textCache   = map[*pubmed.Article][3][]string{}
)

func lower(ss []string) []string {
	for i, s := range ss {
		ss[i] = strings.ToLower(s)
	}
	return ss
}

// texts returns a record's lowercased tiab, MeSH and all-fields texts, built once.
func texts(a *pubmed.Article) (tiab, mesh, all []string) {
	textCacheMu.Lock()
	defer textCacheMu.Unlock()
	c, ok := textCache[a]
	if !ok {
		c[0], c[1] = lower(tiabTexts(a)), lower(meshTexts(a))
		c[2] = slices.Concat(c[0], c[1])
		textCache[a] = c
	}
	return c[0], c[1], c[2]
}

func anyMatch(re textRe, texts []string) bool {
	return slices.ContainsFunc(texts, re.MatchString)
}

func allFields(a *pubmed.Article) []string { _, _, all := texts(a); return all }

func ymd(d pubmed.Date) int {
	t := d.Sort()
	if t.IsZero() {
		return 0
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day()
}

func bruteEdat(a *pubmed.Article) int {
	if d, ok := a.EntrezDate(); ok {
		return ymd(d)
	}
	return ymd(a.PubDate)
}

// bruteSearch returns the PMIDs for which pred holds and whose date of kind
// falls in [lo, hi] (0 = open), newest entrez date first, then PMID down.
func bruteSearch(c corpus, pred func(*pubmed.Article) bool, kind string, lo, hi int) []uint64 {
	var ids []uint64
	for id, a := range c.arts {
		d := ymd(a.PubDate)
		switch kind {
		case "edat":
			d = bruteEdat(a)
		case "mdat":
			if a.DateRevised != nil {
				d = ymd(*a.DateRevised)
			} else {
				d = 0
				for _, h := range a.History {
					d = max(d, ymd(h.Date))
				}
				if d == 0 {
					d = bruteEdat(a)
				}
			}
		}
		if (lo != 0 || hi != 0) && (d == 0 || lo != 0 && d < lo || hi != 0 && d > hi) {
			continue
		}
		if pred(a) {
			ids = append(ids, id)
		}
	}
	edat := make(map[uint64]int, len(ids))
	for _, id := range ids {
		edat[id] = bruteEdat(c.arts[id])
	}
	slices.SortFunc(ids, func(x, y uint64) int {
		if ex, ey := edat[x], edat[y]; ex != ey {
			return ey - ex
		}
		if x > y {
			return -1
		}
		return 1
	})
	return ids
}

func TestEsearch_CountsAndIDsMatchBruteForce(t *testing.T) {
	_, hs, c := sharedFixtureServer(t)
	gluten, zonulin, probiotic := wordRe("gluten"), wordRe("zonulin"), prefixRe("probiotic")
	celiacMH, crohnMajr := phraseRe("celiac", "disease"), phraseRe("crohn", "disease")
	diet, crohnStar := wordRe("diet"), prefixRe("crohn")
	rct := phraseRe("randomized", "controlled", "trial")
	tests := []struct {
		term, datetype, mindate, maxdate string
		lo, hi                           int
		pred                             func(*pubmed.Article) bool
	}{
		{term: "gluten", pred: func(a *pubmed.Article) bool { return anyMatch(gluten, allFields(a)) }},
		{term: "zonulin OR probiotic*", pred: func(a *pubmed.Article) bool {
			return anyMatch(zonulin, allFields(a)) || anyMatch(probiotic, allFields(a))
		}},
		{term: `"celiac disease"[mh]`, pred: func(a *pubmed.Article) bool {
			_, mesh, _ := texts(a)
			return anyMatch(celiacMH, mesh)
		}},
		{term: "crohn disease[majr] AND diet[tiab]", pred: func(a *pubmed.Article) bool {
			for _, h := range a.MeSH {
				if h.IsMajor() && (crohnMajr.MatchString(strings.ToLower(h.DescriptorName)) || slices.ContainsFunc(h.Qualifiers, func(q pubmed.Qualifier) bool { return crohnMajr.MatchString(strings.ToLower(q.Name)) })) {
					tiab, _, _ := texts(a)
					return anyMatch(diet, tiab)
				}
			}
			return false
		}},
		{term: "diet[tiab] NOT crohn*", pred: func(a *pubmed.Article) bool {
			tiab, _, _ := texts(a)
			return anyMatch(diet, tiab) && !anyMatch(crohnStar, allFields(a))
		}},
		{term: "randomized controlled trial[pt]", pred: func(a *pubmed.Article) bool {
			return slices.ContainsFunc(a.PublicationTypes, func(p pubmed.PublicationType) bool { return rct.MatchString(strings.ToLower(p.Name)) })
		}},
		{term: "gluten", datetype: "pdat", mindate: "2010/01/01", maxdate: "2012/06", lo: 20100101, hi: 20120631,
			pred: func(a *pubmed.Article) bool { return anyMatch(gluten, allFields(a)) }},
		{term: "diet", datetype: "edat", mindate: "2014", maxdate: "2014", lo: 20140101, hi: 20141231,
			pred: func(a *pubmed.Article) bool { return anyMatch(diet, allFields(a)) }},
		{term: "diet OR gluten", datetype: "mdat", mindate: "2009/06/01", maxdate: "2010/12/31", lo: 20090601, hi: 20101231,
			pred: func(a *pubmed.Article) bool { return anyMatch(diet, allFields(a)) || anyMatch(gluten, allFields(a)) }},
	}
	seen := map[int]string{}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %s-%s", tt.term, tt.datetype, tt.mindate, tt.maxdate)
		want := bruteSearch(c, tt.pred, cmp(tt.datetype, "pdat"), tt.lo, tt.hi)
		if len(want) == 0 {
			t.Errorf("%s: brute force finds nothing; the case tests nothing", name)
			continue
		}
		p := url.Values{"db": {"pubmed"}, "term": {tt.term}, "retmax": {strconv.Itoa(DefaultMaxIDs)}}
		for k, v := range map[string]string{"datetype": tt.datetype, "mindate": tt.mindate, "maxdate": tt.maxdate} {
			if v != "" {
				p.Set(k, v)
			}
		}
		r := esearch(t, hs.URL, p)
		if r.Count != len(want) {
			t.Errorf("%s: Count = %d, want %d", name, r.Count, len(want))
		}
		if !slices.Equal(r.IDs, want[:min(len(want), DefaultMaxIDs)]) {
			t.Errorf("%s: ids differ from brute force (got %d, want %d; first got %v want %v)",
				name, len(r.IDs), len(want), r.IDs[:min(5, len(r.IDs))], want[:min(5, len(want))])
		}
		if r.RetMax != len(r.IDs) {
			t.Errorf("%s: RetMax = %d, want the %d ids returned", name, r.RetMax, len(r.IDs))
		}
		t.Logf("%s: %d", name, r.Count)
		if prev, dup := seen[r.Count]; dup {
			t.Logf("%s has the same count as %s", name, prev)
		}
		seen[r.Count] = name
	}
	if len(seen) < len(tests)-1 {
		t.Errorf("different queries should return different sets; counts: %v", seen)
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestEsearch_PagesAndMatchAgree(t *testing.T) {
	s, hs, _ := sharedFixtureServer(t)
	want := s.Match("gluten", "edat", "2005", "2015")
	all := esearch(t, hs.URL, url.Values{"term": {"gluten"}, "datetype": {"edat"}, "mindate": {"2005"}, "maxdate": {"2015"}, "retmax": {"100000"}})
	var paged []uint64
	for start := 0; start < all.Count; start += 97 {
		r := esearch(t, hs.URL, url.Values{"term": {"gluten"}, "datetype": {"edat"}, "mindate": {"2005"}, "maxdate": {"2015"},
			"retstart": {strconv.Itoa(start)}, "retmax": {"97"}})
		if r.RetStart != start {
			t.Fatalf("RetStart = %d, want %d", r.RetStart, start)
		}
		paged = append(paged, r.IDs...)
	}
	if !slices.Equal(paged, all.IDs) {
		t.Errorf("paging by 97 gave %d ids that differ from one page of %d", len(paged), len(all.IDs))
	}
	slices.Sort(paged)
	if !slices.Equal(paged, want) || s.Count("gluten", "edat", "2005", "2015") != len(want) {
		t.Errorf("Match/Count disagree with esearch: %d vs %d ids", len(want), len(paged))
	}
	if r := esearch(t, hs.URL, url.Values{"term": {"gluten"}}); len(r.IDs) != 20 {
		t.Errorf("default retmax returned %d ids, want 20", len(r.IDs))
	}
}

func TestEsearch_NoItemsFoundHasNCBIShape(t *testing.T) {
	_, hs, _ := sharedFixtureServer(t)
	r := esearch(t, hs.URL, url.Values{"db": {"pubmed"}, "term": {"abcXYZ"}})
	if r.Count != 0 || r.RetMax != 0 || len(r.IDs) != 0 {
		t.Errorf("Count/RetMax/ids = %d/%d/%v, want 0/0/none", r.Count, r.RetMax, r.IDs)
	}
	if !slices.Equal(r.PhraseNotFound, []string{"abcXYZ"}) || !slices.Equal(r.OutputMessages, []string{"No items found."}) {
		t.Errorf("PhraseNotFound %v, OutputMessage %v; want [abcXYZ], [No items found.]", r.PhraseNotFound, r.OutputMessages)
	}
	// Found phrases in an empty date window: no PhraseNotFound.
	r = esearch(t, hs.URL, url.Values{"term": {"gluten"}, "datetype": {"pdat"}, "mindate": {"1900"}, "maxdate": {"1901"}})
	if r.Count != 0 || len(r.PhraseNotFound) != 0 {
		t.Errorf("empty window: Count %d, PhraseNotFound %v; want 0 and none", r.Count, r.PhraseNotFound)
	}
}

func TestEsearch_RetstartCapIsNCBIError(t *testing.T) {
	_, hs, _ := sharedFixtureServer(t)
	r := esearch(t, hs.URL, url.Values{"term": {"diet"}, "retstart": {"9999"}})
	want := "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the first 9,999 records"
	if !strings.HasPrefix(r.Error, want) {
		t.Errorf("ERROR = %q, want it to start with %q", r.Error, want)
	}
}

func TestEsearch_MaxIDsCapsPagingNotCount(t *testing.T) {
	s, hs, _ := newFixtureServer(t, Config{MaxIDs: 50})
	total := s.Count("diet", "", "", "")
	r := esearch(t, hs.URL, url.Values{"term": {"diet"}, "retmax": {"500"}, "usehistory": {"y"}})
	if r.Count != total || len(r.IDs) != 50 {
		t.Errorf("Count %d with %d ids; want the true count %d and 50 ids", r.Count, len(r.IDs), total)
	}
	if r := esearch(t, hs.URL, url.Values{"term": {"diet"}, "retstart": {"50"}}); !strings.Contains(r.Error, "cannot be larger than 49") {
		t.Errorf("retstart 50 with MaxIDs 50: ERROR %q", r.Error)
	}
	if last := esearch(t, hs.URL, url.Values{"term": {"diet"}, "retstart": {"49"}}); last.Error != "" || !slices.Equal(last.IDs, r.IDs[49:]) {
		t.Errorf("retstart 49: ERROR %q, ids %v; want the 50th id %d", last.Error, last.IDs, r.IDs[49])
	}
	_, body := get(t, hs.URL, "efetch", url.Values{"WebEnv": {r.WebEnv}, "query_key": {"1"}, "retmax": {"10000"}})
	if items, err := decodeBytes(body); err != nil || len(items) != 50 {
		t.Errorf("efetch of the whole history gave %d records (err %v), want the 50 pageable", len(items), err)
	}
}

func TestEsearch_RelDateUsesNow(t *testing.T) {
	now := time.Date(2013, 1, 15, 12, 0, 0, 0, time.UTC)
	s, hs, _ := newFixtureServer(t, Config{Now: func() time.Time { return now }})
	want := s.Count("diet", "pdat", "2012/01/16", "2013/01/15")
	r := esearch(t, hs.URL, url.Values{"term": {"diet"}, "datetype": {"pdat"}, "reldate": {"365"}})
	if r.Count != want || want == 0 {
		t.Errorf("reldate=365 counted %d, want %d (mindate one year before Now)", r.Count, want)
	}
}

func TestEsearch_ErrorsInside200(t *testing.T) {
	_, hs, _ := sharedFixtureServer(t)
	tests := []struct {
		params url.Values
		want   string
	}{
		{url.Values{"db": {"fleegle"}, "term": {"x"}}, "Invalid db name specified: fleegle"},
		{url.Values{"db": {"pubmed"}}, "Empty term and query_key - nothing todo"},
		{url.Values{"term": {"gluten"}, "datetype": {"xdat"}, "mindate": {"2000"}}, "invalid datetype"},
		{url.Values{"term": {"gluten"}, "datetype": {"edat"}, "mindate": {"20/01"}}, "invalid date"},
		{url.Values{"term": {"(gluten"}}, "missing )"},
	}
	for _, tt := range tests {
		if r := esearch(t, hs.URL, tt.params); !strings.Contains(r.Error, tt.want) {
			t.Errorf("%v: ERROR = %q, want it to contain %q", tt.params, r.Error, tt.want)
		}
	}
}

func TestEsearch_JSONHasNCBIShape(t *testing.T) {
	_, hs, _ := sharedFixtureServer(t)
	resp, body := get(t, hs.URL, "esearch", url.Values{"term": {"zonulin"}, "retmode": {"json"}, "usehistory": {"y"}, "retmax": {"3"}})
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got struct {
		Header struct{ Type, Version string }
		Result struct {
			Count, RetMax, RetStart, QueryKey, WebEnv string
			IDList                                    []string `json:"idlist"`
		} `json:"esearchresult"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	r := got.Result
	if got.Header.Type != "esearch" || r.Count == "0" || r.RetMax != "3" || len(r.IDList) != 3 || r.QueryKey != "1" || r.WebEnv == "" {
		t.Errorf("unexpected JSON esearch result:\n%s", body)
	}
	_, body = get(t, hs.URL, "esearch", url.Values{"db": {"fleegle"}, "term": {"x"}, "retmode": {"json"}})
	if !strings.Contains(string(body), `"ERROR": "Invalid db name specified: fleegle"`) {
		t.Errorf("JSON error body:\n%s", body)
	}
}

func TestEsearch_ProcessesTopicalQueriesQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	s, _, _ := sharedFixtureServer(t)
	start := time.Now()
	n := 0
	for _, term := range []string{"gluten", "celiac disease[mh] AND diet[tiab]", "zonulin OR probiotic* OR microbio*", `"gluten free diet"`, "crohn* NOT review[pt]"} {
		n += s.Count(term, "edat", "1990", "2020")
	}
	per := time.Since(start) / 5
	t.Logf("%d records, %d matches, %v per search", s.Len(), n, per)
	if per > 2*time.Second {
		t.Errorf("a search over %d records took %v", s.Len(), per)
	}
}

func TestEsearch_DOIFindsItsRecordWholeAndInAnyCase(t *testing.T) {
	_, hs, c := sharedFixtureServer(t)
	var pmid uint64
	var doi string
	for id, a := range c.arts {
		if a.IDs.DOI != "" && strings.Count(a.IDs.DOI, "/") == 1 {
			pmid, doi = id, a.IDs.DOI
			break
		}
	}
	if doi == "" {
		t.Fatal("no fixture record has a DOI")
	}
	for _, tc := range []struct {
		term string
		want []uint64
	}{
		{`"` + doi + `"[doi]`, []uint64{pmid}},
		{`"` + strings.ToUpper(doi) + `"[doi]`, []uint64{pmid}},
		{doi + `[aid]`, []uint64{pmid}},
		{`"` + doi[:len(doi)-1] + `"[doi]`, nil}, // a prefix is another DOI
		{`"10.9999/not-a-record"[doi]`, nil},
	} {
		r := esearch(t, hs.URL, url.Values{"term": {tc.term}})
		if !slices.Equal(r.IDs, tc.want) {
			t.Errorf("esearch %s: ids %v, want %v", tc.term, r.IDs, tc.want)
		}
	}
}

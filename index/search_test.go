package index

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/pubmed"
	"villi/query"
	"villi/store"
	"villi/taxonomy"
)

// corpus is a store and an index holding the same synthetic records.
func corpus(t *testing.T, n int) (*store.Store, *Index, []store.Record) {
	t.Helper()
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	recs := synthetic(n, 1, 42)
	for i := 0; i < len(recs); i += 250 {
		ingest(t, s, ix, recs[i:min(i+250, len(recs))], nil)
	}
	return s, ix, allRecords(t, s)
}

// matches is the brute-force reading of a filter-only request.
func matches(r Request, rec *store.Record) bool {
	a := &rec.Article
	anyOf := func(want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	}
	j := a.Journal
	names := []string{strings.ToLower(j.MedlineTA), strings.ToLower(j.ISOAbbrev), strings.ToLower(j.Title)}
	var journals []string
	for _, x := range r.Journals {
		journals = append(journals, strings.ToLower(x))
	}
	y := a.Year()
	return anyOf(r.Conditions, rec.Tags.Conditions) &&
		anyOf(r.Mechanisms, rec.Tags.Mechanisms) &&
		anyOf(r.Evidence, []string{rec.Tags.Evidence}) &&
		anyOf(r.Species, []string{rec.Tags.Species}) &&
		anyOf(journals, names) &&
		(r.From == 0 || y >= r.From) && (r.To == 0 || (y > 0 && y <= r.To)) &&
		!(r.ExcludeRetracted && a.Retracted) &&
		(r.AddedSince.IsZero() || !rec.Added.Before(r.AddedSince))
}

// bruteFacets counts the facet values of recs as Search should, every
// facet of FacetNames, free full text judged now.
func bruteFacets(recs []*store.Record) map[string]map[string]int {
	out := map[string]map[string]int{}
	now := time.Now()
	for _, name := range FacetNames() {
		for _, r := range recs {
			vals, ok := facetValuesAt(name, r, now)
			if !ok {
				panic("facet " + name + " has no brute-force reading in facetValuesAt")
			}
			for _, v := range vals {
				if out[name] == nil {
					out[name] = map[string]int{}
				}
				out[name][v]++
			}
		}
	}
	return out
}

func TestSearch_FiltersAndFacetsMatchBruteForce(t *testing.T) {
	s, ix, recs := corpus(t, 600)
	byPMID := map[uint64]*store.Record{}
	for i := range recs {
		byPMID[recs[i].Article.PMID] = &recs[i]
	}
	_ = s
	tests := []struct {
		name string
		req  Request
	}{
		{"everything", Request{}},
		{"one condition", Request{Conditions: []string{"celiac"}}},
		{"conditions OR within", Request{Conditions: []string{"celiac", "lupus"}}},
		{"AND across fields", Request{Conditions: []string{"hashimoto"}, Mechanisms: []string{"repair", "microbiome"}, Species: []string{"human"}}},
		{"evidence and journal", Request{Evidence: []string{"rct", "meta-analysis"}, Journals: []string{"Gut Microbes"}}},
		{"journal by lowercased title", Request{Journals: []string{"journal of autoimmunity"}}},
		{"year range without retracted", Request{From: 2010, To: 2015, ExcludeRetracted: true}},
		{"open-ended years", Request{From: 2020}},
		{"up to a year", Request{To: 2000}},
		{"no match", Request{Conditions: []string{"no-such-slug"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Facets = true
			tt.req.Size = MaxSize
			var want []uint64
			var wantRecs []*store.Record
			for i := range recs {
				if matches(tt.req, &recs[i]) {
					want = append(want, recs[i].Article.PMID)
					wantRecs = append(wantRecs, &recs[i])
				}
			}
			first, err := ix.Search(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if first.Total != uint64(len(want)) {
				t.Errorf("Total = %d, want %d", first.Total, len(want))
			}
			got := pmids(searchAll(t, ix, tt.req))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("hits differ from brute force: extra %v, missing %v", minus(got, want), minus(want, got))
			}
			wantFacets := bruteFacets(wantRecs)
			for _, name := range []string{FacetConditions, FacetMechanisms, FacetEvidence, FacetSpecies, FacetYear, FacetJournal} {
				gotCounts := map[string]int{}
				for _, fc := range first.Facets[name] {
					gotCounts[fc.Value] = fc.Count
				}
				if w := wantFacets[name]; !maps.Equal(gotCounts, w) && !(len(w) == 0 && len(gotCounts) == 0) {
					t.Errorf("facet %s = %v, want %v", name, gotCounts, w)
				}
			}
			checkFacetOrder(t, first.Facets)
		})
	}
}

func checkFacetOrder(t *testing.T, f map[string][]FacetCount) {
	t.Helper()
	for name, counts := range f {
		for i := 1; i < len(counts); i++ {
			a, b := counts[i-1], counts[i]
			var ok bool
			switch name {
			case FacetEvidence:
				ok = taxonomy.EvidenceRank(a.Value) < taxonomy.EvidenceRank(b.Value)
			case FacetYear:
				ya, _ := strconv.Atoi(a.Value)
				yb, _ := strconv.Atoi(b.Value)
				ok = ya < yb
			case FacetArticleType:
				ok = taxonomy.ArticleTypeRank(a.Value) < taxonomy.ArticleTypeRank(b.Value)
			case FacetAge:
				ok = taxonomy.AgeGroupRank(a.Value) < taxonomy.AgeGroupRank(b.Value)
			case FacetLanguage:
				ok = a.Value == "eng" || (b.Value != "eng" && (a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)))
			default:
				ok = a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)
			}
			if !ok {
				t.Errorf("facet %s out of order at %d: %v then %v", name, i, a, b)
			}
		}
	}
}

func TestSearch_AddedSinceFindsOnlyNewerRecords(t *testing.T) {
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	week1 := time.Date(2025, 3, 3, 6, 0, 0, 0, time.UTC)
	week2 := week1.AddDate(0, 0, 7)
	for _, b := range []struct {
		at   time.Time
		recs []store.Record
	}{{week1, synthetic(20, 1, 1)}, {week2, synthetic(15, 100, 2)}} {
		ingestAt(t, s, ix, b.at, b.recs)
	}
	res, err := ix.Search(context.Background(), Request{AddedSince: week2.Add(-time.Hour), Size: MaxSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.PMID < 100 {
			t.Errorf("hit %d was added in week 1", h.PMID)
		}
	}
	if res.Total != 15 {
		t.Errorf("Total = %d, want the 15 records of week 2", res.Total)
	}
}

func TestSearch_SortsOrderHits(t *testing.T) {
	_, ix, recs := corpus(t, 300)
	byPMID := map[uint64]*store.Record{}
	for i := range recs {
		byPMID[recs[i].Article.PMID] = &recs[i]
	}
	date := func(p uint64) time.Time { return sortDate(&byPMID[p].Article) }
	rank := func(p uint64) int { return taxonomy.EvidenceRank(byPMID[p].Tags.Evidence) }
	id := func(p uint64) string { return strconv.FormatUint(p, 10) }

	tests := []struct {
		sort    string
		q       string
		inOrder func(a, b Hit) bool // a may come before b
	}{
		{SortDate, "", func(a, b Hit) bool {
			da, db := date(a.PMID), date(b.PMID)
			return da.After(db) || (da.Equal(db) && id(a.PMID) < id(b.PMID))
		}},
		{SortEvidence, "", func(a, b Hit) bool {
			if ra, rb := rank(a.PMID), rank(b.PMID); ra != rb {
				return ra < rb
			}
			da, db := date(a.PMID), date(b.PMID)
			return da.After(db) || (da.Equal(db) && id(a.PMID) < id(b.PMID))
		}},
		{SortRelevance, "zonulin", func(a, b Hit) bool {
			return a.Score > b.Score || (a.Score == b.Score && id(a.PMID) < id(b.PMID))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			hits := searchAll(t, ix, Request{Q: tt.q, Sort: tt.sort, Size: 50})
			if len(hits) < 20 {
				t.Fatalf("only %d hits: the test needs more", len(hits))
			}
			for i := 1; i < len(hits); i++ {
				if !tt.inOrder(hits[i-1], hits[i]) {
					t.Fatalf("hit %d (pmid %d) before hit %d (pmid %d) breaks the %s order", i-1, hits[i-1].PMID, i, hits[i].PMID, tt.sort)
				}
			}
		})
	}
}

func TestSearch_SearchAfterCoversEveryHitExactlyOnce(t *testing.T) {
	_, ix, _ := corpus(t, 400)
	for _, req := range []Request{
		{Sort: SortDate},
		{Sort: SortEvidence, Conditions: []string{"celiac", "ibd"}},
		{Q: "gluten", Sort: SortRelevance},
		{Q: "diet barrier"},
	} {
		t.Run(req.Sort+"/"+req.Q, func(t *testing.T) {
			big := req
			big.Size = MaxSize
			var want []uint64
			for page := 1; ; page++ {
				big.Page = page
				res, err := ix.Search(context.Background(), big)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, pmids(res.Hits)...)
				if uint64(len(want)) >= res.Total {
					break
				}
			}
			small := req
			small.Size = 7
			got := pmids(searchAll(t, ix, small))
			if !slices.Equal(got, want) {
				t.Errorf("cursor paging gave %d hits, page paging %d; orders differ", len(got), len(want))
			}
			seen := map[uint64]bool{}
			for _, p := range got {
				if seen[p] {
					t.Errorf("pmid %d seen twice", p)
				}
				seen[p] = true
			}
		})
	}
}

func snippetRecord(pmid uint64, sections ...pubmed.AbstractSection) store.Record {
	return store.Record{
		Article: pubmed.Article{
			PMID: pmid, Version: 1, Title: "Barrier study " + strconv.FormatUint(pmid, 10),
			PubDate:  pubmed.Date{Year: 2020},
			Abstract: sections,
		},
		Tags: taxonomy.Tags{Evidence: "rct", Species: "human", Conditions: []string{"celiac"}},
	}
}

func TestSearch_SnippetsAreEscapedAndPreferConclusions(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	recs := []store.Record{
		snippetRecord(1,
			pubmed.AbstractSection{Category: "BACKGROUND", Text: "Zonulin regulates tight junctions."},
			pubmed.AbstractSection{Category: "CONCLUSIONS", Label: "CONCLUSIONS", Text: `Serum zonulin <script>alert("x")</script> rose & fell. Larger trials are needed.`}),
		snippetRecord(2,
			pubmed.AbstractSection{Text: "Gluten exposure was measured in 40 adults. Antibodies fell after 6 months. Tight <b>junction</b> markers improved."}),
		snippetRecord(3,
			pubmed.AbstractSection{Category: "CONCLUSIONS", Text: "The intestinal microbiota of these children differed, and intestinal permeability rose."}),
	}
	if err := ix.Apply(context.Background(), recs, nil, 3); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, q    string
		pmid       uint64
		want       []string
		wantAbsent []string
	}{
		{"highlight in conclusions, escaped", "zonulin", 1,
			[]string{"<mark>zonulin</mark>", "&lt;script&gt;", "&amp;"}, []string{"<script>", "regulates"}},
		{"filter-only: first sentence of conclusions", "", 1,
			[]string{"Serum zonulin &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; rose &amp; fell."}, []string{"<mark>", "Larger"}},
		{"filter-only: last sentence of abstract", "", 2,
			[]string{"Tight &lt;b&gt;junction&lt;/b&gt; markers improved."}, []string{"<b>", "Gluten"}},
		{"a synonym highlights the member found, whole", "gut microbiota AND leaky gut", 3,
			[]string{"<mark>intestinal microbiota</mark>", "<mark>intestinal permeability</mark>"}, nil},
		{"title-only match falls back too", "barrier", 2,
			[]string{"Tight &lt;b&gt;junction&lt;/b&gt; markers improved."}, []string{"<mark>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Request{Q: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			var snip string
			found := false
			for _, h := range res.Hits {
				if h.PMID == tt.pmid {
					snip, found = h.Snippet, true
				}
			}
			if !found {
				t.Fatalf("pmid %d not among hits %v", tt.pmid, pmids(res.Hits))
			}
			for _, w := range tt.want {
				if !strings.Contains(snip, w) {
					t.Errorf("snippet %q lacks %q", snip, w)
				}
			}
			for _, w := range tt.wantAbsent {
				if strings.Contains(snip, w) {
					t.Errorf("snippet %q contains %q", snip, w)
				}
			}
		})
	}
}

func TestSearch_BadRequestsSayWhy(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	if err := ix.Apply(context.Background(), synthetic(5, 1, 1), nil, 5); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     Request
		wantMsg string
	}{
		{"unknown sort", Request{Sort: "popular"}, "unknown sort"},
		{"size too big", Request{Size: MaxSize + 1}, "page size"},
		{"negative size", Request{Size: -1}, "page size"},
		{"negative page", Request{Page: -2}, "page -2"},
		{"page too deep", Request{Page: MaxOffset, Size: 50}, "beyond"},
		{"years reversed", Request{From: 2025, To: 2015}, "ends before"},
		{"negative year", Request{From: -1}, "negative"},
		{"cursor of another sort", Request{Sort: SortEvidence, After: []string{"1", "2"}}, "cursor"},
		{"cursor garbage", Request{Sort: SortDate, After: []string{"yesterday", "12"}}, "cursor"},
		{"query syntax", Request{Q: "(zonulin AND gluten"}, "parenthes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tt.req)
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("Search error = %v, want ErrBadRequest", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
	_, err := ix.Search(context.Background(), Request{Q: "(zonulin AND gluten"})
	var se *query.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("query error %v does not carry *query.SyntaxError", err)
	}
}

func TestSearch_ClosedIndex(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if _, err := ix.Search(context.Background(), Request{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search on a closed index = %v, want ErrClosed", err)
	}
}

func TestSearch_NextIsNilOnTheLastPage(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	if err := ix.Apply(context.Background(), synthetic(10, 1, 1), nil, 10); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		req      Request
		wantNext bool
	}{
		{"first of two full pages", Request{Size: 5}, true},
		{"second of two full pages", Request{Size: 5, Page: 2}, false},
		{"one page holds all", Request{Size: 10}, false},
		{"partial last page", Request{Size: 4, Page: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Next != nil; got != tt.wantNext {
				t.Errorf("Next = %v, want a cursor: %v", res.Next, tt.wantNext)
			}
		})
	}
	res, _ := ix.Search(context.Background(), Request{Size: 5})
	res, err := ix.Search(context.Background(), Request{Size: 5, After: res.Next})
	if err != nil || len(res.Hits) != 5 || res.Next != nil {
		t.Errorf("page after the cursor: %d hits, next %v, err %v; want 5 hits and no next", len(res.Hits), res.Next, err)
	}
}

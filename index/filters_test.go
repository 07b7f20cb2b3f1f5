package index

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/internal/fixture"
	"villi/store"
	"villi/taxonomy"
)

// filterFixtures are real records with other languages than English, MeSH
// age check tags, letters and comments, retractions and PMC copies.
var filterFixtures = []string{
	"p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml",
	"ncbo__pubmed_xml2rdbms/src__test__resources__medsamp2016.xml",
	"neilfws__PubMed/retractions__npg__data__example.xml",
	"PathwayCommons__ncbiutils/tests__data__multiple.xml",
	"mokztk__pubmed-parser/CPFE.xml",
}

// filterAt is when free full text is judged in these tests.
var filterAt = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// fixtureCorpus indexes the filter fixtures (each PMID once).
func fixtureCorpus(t *testing.T) (*Index, []store.Record) {
	t.Helper()
	seen := map[uint64]bool{}
	var recs []store.Record
	for _, f := range filterFixtures {
		for _, r := range taggedRecords(t, fixture.Path(t, f)) {
			if !seen[r.Article.PMID] {
				seen[r.Article.PMID] = true
				recs = append(recs, r)
			}
		}
	}
	s := openStore(t)
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	for i := 0; i < len(recs); i += 250 {
		ingest(t, s, ix, recs[i:min(i+250, len(recs))], nil)
	}
	return ix, allRecords(t, s)
}

// facetValues is the brute-force reading of one facet of a record: the
// values the record counts under. A facet this switch does not know fails
// the test, so a new facet cannot go untested.
func facetValues(t *testing.T, name string, rec *store.Record) []string {
	vals, ok := facetValuesAt(name, rec, filterAt)
	if !ok {
		t.Fatalf("facet %q has no brute-force reading in facetValuesAt: add one", name)
	}
	return vals
}

// facetValuesAt is facetValues with free full text judged at at; ok is
// false for a facet it does not know.
func facetValuesAt(name string, rec *store.Record, at time.Time) (vals []string, ok bool) {
	a := &rec.Article
	switch name {
	case FacetConditions:
		return rec.Tags.Conditions, true
	case FacetMechanisms:
		return rec.Tags.Mechanisms, true
	case FacetEvidence:
		return []string{rec.Tags.Evidence}, true
	case FacetSpecies:
		return []string{rec.Tags.Species}, true
	case FacetYear:
		if y := a.Year(); y > 0 {
			return []string{strconv.Itoa(y)}, true
		}
		return nil, true
	case FacetJournal:
		return []string{journalName(a.Journal)}, true
	case FacetFreeFullText:
		if a.FreeFullText(at) != "" {
			return []string{FreeFullTextValue}, true
		}
		return nil, true
	case FacetLanguage:
		var out []string
		for _, l := range a.Languages {
			if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
		return out, true
	case FacetArticleType:
		return taxonomy.ArticleTypes(a), true
	case FacetAge:
		return taxonomy.AgeGroups(a), true
	case FacetRetracted:
		if a.IsRetracted() {
			return []string{RetractedValue}, true
		}
		return nil, true
	}
	return nil, false
}

// filterOn is the request that keeps the records with value v of facet
// name, through the filter the UI and API put beside the facet.
func filterOn(t *testing.T, name, v string) Request {
	r := Request{FreeAt: filterAt}
	switch name {
	case FacetConditions:
		r.Conditions = []string{v}
	case FacetMechanisms:
		r.Mechanisms = []string{v}
	case FacetEvidence:
		r.Evidence = []string{v}
	case FacetSpecies:
		r.Species = []string{v}
	case FacetYear:
		y, _ := strconv.Atoi(v)
		r.From, r.To = y, y
	case FacetJournal:
		r.Journals = []string{v}
	case FacetFreeFullText:
		r.FreeFullText = true
	case FacetLanguage:
		r.Languages = []string{strings.ToUpper(v)} // codes in any case
	case FacetArticleType:
		r.ArticleTypes = []string{v}
	case FacetAge:
		r.AgeGroups = []string{v}
	case FacetRetracted:
		r.OnlyRetracted = true
	default:
		t.Fatalf("facet %q has no filter in filterOn: add one", name)
	}
	return r
}

func TestFacets_CountEveryFacetOnRealRecords(t *testing.T) {
	ix, recs := fixtureCorpus(t)
	res, err := ix.Search(context.Background(), Request{Facets: true, FreeAt: filterAt})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != uint64(len(recs)) {
		t.Fatalf("Total = %d, want all %d records", res.Total, len(recs))
	}
	for _, name := range FacetNames() {
		want := map[string]int{}
		for i := range recs {
			for _, v := range facetValues(t, name, &recs[i]) {
				want[v]++
			}
		}
		got := map[string]int{}
		for _, fc := range res.Facets[name] {
			got[fc.Value] = fc.Count
		}
		if name == FacetJournal && len(want) > MaxJournals {
			// Capped to the busiest: each listed journal counts right.
			if len(got) != MaxJournals {
				t.Errorf("journal facet lists %d journals, want %d", len(got), MaxJournals)
			}
			for v, n := range got {
				if want[v] != n {
					t.Errorf("journal facet %q = %d, want %d", v, n, want[v])
				}
			}
			continue
		}
		if !maps.Equal(got, want) {
			t.Errorf("facet %s = %v, want %v", name, got, want)
		}
		if len(want) == 0 {
			t.Errorf("facet %s: the fixtures carry no value of it; the test proves nothing", name)
		}
	}
	for name, min := range map[string]int{FacetLanguage: 5, FacetAge: 4, FacetArticleType: 6} {
		if n := len(res.Facets[name]); n < min {
			t.Errorf("facet %s has %d values in the fixtures, want at least %d: %v", name, n, min, res.Facets[name])
		}
	}
	if l := res.Facets[FacetLanguage]; len(l) == 0 || l[0].Value != "eng" {
		t.Errorf("language facet = %v, want English first", l)
	}
	checkOrder := func(name string, rank func(string) int) {
		for i, fc := range res.Facets[name][1:] {
			if prev := res.Facets[name][i]; rank(prev.Value) >= rank(fc.Value) {
				t.Errorf("facet %s: %q listed before %q", name, prev.Value, fc.Value)
			}
		}
	}
	checkOrder(FacetAge, taxonomy.AgeGroupRank)
	checkOrder(FacetArticleType, taxonomy.ArticleTypeRank)
}

func TestFilters_EachFacetValueNarrowsToExactlyItsRecords(t *testing.T) {
	ix, recs := fixtureCorpus(t)
	all, err := ix.Search(context.Background(), Request{Facets: true, FreeAt: filterAt})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range FacetNames() {
		for _, fc := range all.Facets[name] {
			t.Run(name+"="+fc.Value, func(t *testing.T) {
				var want []uint64
				for i := range recs {
					if slices.Contains(facetValues(t, name, &recs[i]), fc.Value) {
						want = append(want, recs[i].Article.PMID)
					}
				}
				r := filterOn(t, name, fc.Value)
				got := pmids(searchAll(t, ix, r))
				slices.Sort(got)
				slices.Sort(want)
				if name == FacetJournal || name == FacetYear {
					// A journal's names or a year range may take in more.
					if extra := minus(want, got); len(extra) > 0 {
						t.Errorf("%s=%s misses %v", name, fc.Value, first(extra))
					}
					return
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s=%s: extra %v, missing %v", name, fc.Value, first(minus(got, want)), first(minus(want, got)))
				}
				if len(got) != fc.Count {
					t.Errorf("%s=%s finds %d, the facet counted %d", name, fc.Value, len(got), fc.Count)
				}
			})
		}
	}
}

func TestFilters_UnknownValuesKeepNothingAndCombineWithAnd(t *testing.T) {
	ix, recs := fixtureCorpus(t)
	for _, r := range []Request{
		{Languages: []string{"xxx"}},
		{ArticleTypes: []string{"no-such-type"}},
		{AgeGroups: []string{"teen"}},
	} {
		res, err := ix.Search(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 {
			t.Errorf("%+v: Total = %d, want 0", r, res.Total)
		}
	}
	r := Request{Languages: []string{"eng"}, AgeGroups: []string{"aged"}, ArticleTypes: []string{"commentary", "review"}, ExcludeRetracted: true}
	var want []uint64
	for i := range recs {
		a := &recs[i].Article
		types := taxonomy.ArticleTypes(a)
		if slices.Contains(facetValues(t, FacetLanguage, &recs[i]), "eng") &&
			slices.Contains(taxonomy.AgeGroups(a), "aged") &&
			(slices.Contains(types, "commentary") || slices.Contains(types, "review")) && !a.IsRetracted() {
			want = append(want, a.PMID)
		}
	}
	got := pmids(searchAll(t, ix, r))
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("combined filters: got %v, want %v (non-empty)", got, want)
	}
}

func TestSearch_SortAppliedIsReported(t *testing.T) {
	ix, _ := fixtureCorpus(t)
	tests := []struct {
		req  Request
		want string
	}{
		{Request{}, SortDate},
		{Request{Sort: SortRelevance}, SortDate},
		{Request{Q: "  "}, SortDate},
		{Request{Q: "diet"}, SortRelevance},
		{Request{Q: "diet", Sort: SortEvidence}, SortEvidence},
		{Request{Sort: SortEvidence}, SortEvidence},
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), tt.req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sort != tt.want {
			t.Errorf("%+v: Sort = %q, want %q", tt.req, res.Sort, tt.want)
		}
	}
}

// first keeps a failure message short: up to ten PMIDs and how many more.
func first(ids []uint64) string {
	if len(ids) <= 10 {
		return fmt.Sprint(ids)
	}
	return fmt.Sprintf("%v and %d more", ids[:10], len(ids)-10)
}

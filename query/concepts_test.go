package query

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/registry"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
)

// conceptsAt analyzes text with the index analyzer and returns its concept
// tokens as "concept@position=covered text".
func conceptsAt(t *testing.T, text string) []string {
	t.Helper()
	an, err := newAnalyzer(nil, registry.NewCache())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tok := range an.Analyze([]byte(text)) {
		if strings.HasPrefix(string(tok.Term), conceptPrefix) {
			out = append(out, string(tok.Term)+"@"+strconv.Itoa(tok.Position)+"="+text[tok.Start:tok.End])
		}
	}
	return out
}

func TestConceptFilter_Phrasings(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"word", "Microbiome data", []string{"§microbiota@1=Microbiome"}},
		{"phrase spans its words", "The gut microbiota of mice", []string{"§gut flora@2=gut microbiota", "§microbiota@3=microbiota"}},
		{"plural stems like the phrase", "Intestinal permeabilities rose", []string{"§leaky gut@1=Intestinal permeabilities"}},
		{"hyphen splits like the phrase", "short-chain fatty acids", []string{"§scfa@1=short-chain fatty acids"}},
		{"words apart are no phrase", "gut and its microbiota", []string{"§microbiota@4=microbiota"}},
		{"words reversed are no phrase", "permeability intestinal", nil},
		{"possessive", "Crohn's disease", []string{"§crohn@1=Crohn's disease"}},
		{"acronym matches as the index lowercases it", "MS and ms", []string{"§ms@1=MS", "§ms@3=ms"}},
		{"nothing to add", "zonulin", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := conceptsAt(t, tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("concepts in %q:\n got  %q\n want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestConcepts_MatchMembersOnRealRecords holds each group's concept term to
// what it replaced: on the 8,600 real topical records, in every untagged
// field, the concept term finds exactly the records that some member,
// searched as typed (a word, or a phrase through bleve's phrase searcher),
// finds.
func TestConcepts_MatchMembersOnRealRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 8,600 records")
	}
	ix := topicalIndex(t)
	syn, err := synonyms()
	if err != nil {
		t.Fatal(err)
	}
	groups := map[*synGroup]bool{}
	for _, g := range syn.folded {
		groups[g] = true
	}
	for _, g := range syn.exact {
		groups[g] = true
	}
	ids := func(q bq.Query) map[string]bool {
		req := bleve.NewSearchRequestOptions(q, 20000, 0, false)
		req.Score = "none"
		res, err := ix.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		out := make(map[string]bool, len(res.Hits))
		for _, h := range res.Hits {
			out[h.ID] = true
		}
		return out
	}
	matched := 0
	for _, g := range slices.SortedFunc(maps.Keys(groups), func(a, b *synGroup) int { return strings.Compare(a.concept, b.concept) }) {
		for _, f := range untaggedFields {
			concept := bq.NewTermQuery(g.concept)
			concept.SetField(f.field)
			var members []bq.Query
			for _, m := range g.members {
				members = append(members, m.fieldQuery(f))
			}
			got, want := ids(concept), ids(bq.NewDisjunctionQuery(members))
			matched += len(want)
			if !maps.Equal(got, want) {
				var extra, missing []string
				for id := range got {
					if !want[id] {
						extra = append(extra, id)
					}
				}
				for id := range want {
					if !got[id] {
						missing = append(missing, id)
					}
				}
				t.Errorf("%s in %s: concept finds %d records, members %d; only concept: %v; only members: %v",
					g.concept, f.field, len(got), len(want), head(extra), head(missing))
			}
		}
	}
	if matched < 10000 {
		t.Errorf("members matched %d (group, field, record) triples; the fixture should give far more", matched)
	}
	t.Logf("%d groups, %d (group, field, record) matches compared", len(groups), matched)
}

func head(ids []string) []string {
	slices.Sort(ids)
	return ids[:min(len(ids), 5)]
}

// topicalIndex indexes the topical fixture's title, abstract, conclusions,
// MeSH and keywords with the index analyzer, in memory.
func topicalIndex(t *testing.T) bleve.Index {
	t.Helper()
	ix := memIndex(t)
	b := ix.NewBatch()
	for _, a := range pubmedtest.Articles(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml")) {
		var mesh, majr, kws, concl []string
		for _, h := range a.MeSH {
			mesh = append(mesh, h.DescriptorName)
			if h.IsMajor() {
				majr = append(majr, h.DescriptorName)
			}
		}
		for _, k := range a.Keywords {
			kws = append(kws, k.Text)
		}
		for _, s := range a.Abstract {
			if s.Category == "CONCLUSIONS" {
				concl = append(concl, s.Text)
			}
		}
		doc := map[string]any{"title": a.Title, "abstract": a.AbstractText(), "conclusions": strings.Join(concl, " "),
			"mesh": mesh, "majr": majr, "keywords": kws}
		if err := b.Index(strconv.FormatUint(a.PMID, 10), doc); err != nil {
			t.Fatal(err)
		}
		if b.Size() >= 1000 {
			if err := ix.Batch(b); err != nil {
				t.Fatal(err)
			}
			b = ix.NewBatch()
		}
	}
	if err := ix.Batch(b); err != nil {
		t.Fatal(err)
	}
	return ix
}

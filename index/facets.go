package index

import (
	"sort"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"

	"villi/taxonomy"
)

// Facet names in Result.Facets.
const (
	FacetConditions = "conditions"
	FacetMechanisms = "mechanisms"
	FacetEvidence   = "evidence"
	FacetSpecies    = "species"
	FacetYear       = "year"
	FacetJournal    = "journal"
)

// MaxJournals caps the journal facet to the busiest journals; the other
// facets return every value present.
const MaxJournals = 50

// allFacetValues is larger than the number of distinct facet values any
// index reaches (slugs, years and journals), so bleve returns them all.
const allFacetValues = 1 << 20

func addFacets(sr *bleve.SearchRequest) {
	sr.AddFacet(fFacet, bleve.NewFacetRequest(fFacet, allFacetValues))
}

// facets splits bleve's counts of the combined facet field into the named
// facets, sorted by count then value, except evidence (strongest first) and
// year (chronological). Only values present are listed.
func facets(res search.FacetResults) map[string][]FacetCount {
	out := map[string][]FacetCount{
		FacetConditions: {}, FacetMechanisms: {}, FacetEvidence: {},
		FacetSpecies: {}, FacetYear: {}, FacetJournal: {},
	}
	if fr := res[fFacet]; fr != nil {
		for _, t := range fr.Terms.Terms() {
			prefix, value, ok := strings.Cut(t.Term, ":")
			name := facetPrefix[prefix]
			if !ok || name == "" || t.Count <= 0 {
				continue
			}
			out[name] = append(out[name], FacetCount{Value: value, Count: t.Count})
		}
	}
	for name, counts := range out {
		switch name {
		case FacetEvidence:
			sort.Slice(counts, func(i, j int) bool {
				ri, rj := taxonomy.EvidenceRank(counts[i].Value), taxonomy.EvidenceRank(counts[j].Value)
				if ri != rj {
					return ri < rj
				}
				return counts[i].Value < counts[j].Value
			})
		case FacetYear:
			sort.Slice(counts, func(i, j int) bool {
				yi, _ := strconv.Atoi(counts[i].Value)
				yj, _ := strconv.Atoi(counts[j].Value)
				return yi < yj
			})
		default:
			sort.Slice(counts, func(i, j int) bool {
				if counts[i].Count != counts[j].Count {
					return counts[i].Count > counts[j].Count
				}
				return counts[i].Value < counts[j].Value
			})
		}
		if name == FacetJournal && len(counts) > MaxJournals {
			counts = counts[:MaxJournals]
		}
		out[name] = counts
	}
	return out
}

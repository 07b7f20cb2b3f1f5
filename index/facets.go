package index

import (
	"sort"
	"strconv"
	"time"

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
	// FacetFreeFullText has one value, FreeFullTextValue, counting the hits
	// free to read at PMC (Request.FreeAt); absent when none are.
	FacetFreeFullText = "free_full_text"
	// FacetLanguage counts MEDLINE language codes ("eng"), English first.
	FacetLanguage = "language"
	// FacetArticleType counts article type groups (taxonomy.ArticleTypes),
	// FacetAge age groups from MeSH (taxonomy.AgeGroups), in their order.
	FacetArticleType = "article_type"
	FacetAge         = "age"
	// FacetRetracted has one value, RetractedValue, counting the retracted
	// hits; absent when none are.
	FacetRetracted = "retracted"
)

// FacetNames lists every facet a search with Facets set returns (the
// single-valued ones only when their count is not 0).
func FacetNames() []string {
	return []string{
		FacetConditions, FacetMechanisms, FacetEvidence, FacetSpecies, FacetYear, FacetJournal,
		FacetFreeFullText, FacetLanguage, FacetArticleType, FacetAge, FacetRetracted,
	}
}

// RetractedValue is the one value of FacetRetracted.
const RetractedValue = "retracted"

// FreeFullTextValue is the one value of FacetFreeFullText.
const FreeFullTextValue = "pmc"

// MaxJournals caps the journal facet to the busiest journals; the other
// facets return every value present.
const MaxJournals = 50

// facets counts the facet values of the hits from the doc table (the focus
// conditions and mechanisms in place of all of them when focus is set): one
// popcount per category value, one pass over the hits for years and
// journals. Facets are sorted by count then value, except evidence
// (strongest first) and year (chronological). Only values present are
// listed.
func (t *table) facets(d *docs, hits bitset, freeAt time.Time, focus bool) map[string][]FacetCount {
	d.mu.RLock()
	var catNames [numCats][]string
	for c := range catNames {
		catNames[c] = d.cats[c].names
	}
	years, journals := d.years.names, d.journals.names
	d.mu.RUnlock()

	out := map[string][]FacetCount{
		FacetConditions: {}, FacetMechanisms: {}, FacetEvidence: {},
		FacetSpecies: {}, FacetYear: {}, FacetJournal: {},
		FacetLanguage: {}, FacetArticleType: {}, FacetAge: {},
	}
	for c, bs := range t.cats {
		// Under Focus the condition and mechanism facets count the focus.
		isFocus := cat(c) == catFocusCondition || cat(c) == catFocusMechanism
		if isFocus != focus && (isFocus || cat(c) == catCondition || cat(c) == catMechanism) {
			continue
		}
		name := catFacet[c]
		for id, b := range bs {
			if id == 0 || id >= len(catNames[c]) {
				continue
			}
			if n := hits.andCount(b); n > 0 {
				out[name] = append(out[name], FacetCount{Value: catNames[c][id], Count: n})
			}
		}
	}
	yearCount := make([]int, len(years))
	journalCount := make([]int, len(journals))
	hits.each(func(row int32) {
		if y := int(t.yearID[row]); y < len(yearCount) {
			yearCount[y]++
		}
		if j := int(t.journal[row]); j < len(journalCount) {
			journalCount[j]++
		}
	})
	for id := 1; id < len(yearCount); id++ {
		if yearCount[id] > 0 {
			out[FacetYear] = append(out[FacetYear], FacetCount{Value: years[id], Count: yearCount[id]})
		}
	}
	for id := 1; id < len(journalCount); id++ {
		if journalCount[id] > 0 {
			out[FacetJournal] = append(out[FacetJournal], FacetCount{Value: journals[id], Count: journalCount[id]})
		}
	}
	if n := hits.andCount(t.freeAt(freeAt)); n > 0 {
		out[FacetFreeFullText] = []FacetCount{{Value: FreeFullTextValue, Count: n}}
	}
	if n := hits.andCount(t.retracted); n > 0 {
		out[FacetRetracted] = []FacetCount{{Value: RetractedValue, Count: n}}
	}
	for name, counts := range out {
		sortFacet(name, counts)
		if name == FacetJournal && len(counts) > MaxJournals {
			out[name] = counts[:MaxJournals]
		}
	}
	return out
}

func sortFacet(name string, counts []FacetCount) {
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
	case FacetArticleType, FacetAge:
		rank := taxonomy.ArticleTypeRank
		if name == FacetAge {
			rank = taxonomy.AgeGroupRank
		}
		sort.Slice(counts, func(i, j int) bool {
			ri, rj := rank(counts[i].Value), rank(counts[j].Value)
			if ri != rj {
				return ri < rj
			}
			return counts[i].Value < counts[j].Value
		})
	case FacetLanguage:
		// English first, as PubMed lists it; then by count.
		sort.Slice(counts, func(i, j int) bool {
			if ei, ej := counts[i].Value == "eng", counts[j].Value == "eng"; ei != ej {
				return ei
			}
			if counts[i].Count != counts[j].Count {
				return counts[i].Count > counts[j].Count
			}
			return counts[i].Value < counts[j].Value
		})
	default:
		sort.Slice(counts, func(i, j int) bool {
			if counts[i].Count != counts[j].Count {
				return counts[i].Count > counts[j].Count
			}
			return counts[i].Value < counts[j].Value
		})
	}
}

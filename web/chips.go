package web

import (
	"slices"

	"villi/collection"
)

// tagChip is one condition or mechanism tag as a page shows it: its words,
// the search it opens, and whether it is villi's guess. Provisional tags
// (taxonomy.Tags.Provisional: given from text or the learned model to a
// record NLM has not indexed yet) are marked in words beside the chip on
// every list, so that a practitioner never reads villi's guess as NLM's
// indexing; the partial "prov-mark" draws the mark, "provisional-legend" says once
// per page what the mark means.
type tagChip struct {
	Label, URL  string
	Provisional bool
}

// badges are the evidence level and species a list shows for a record,
// the evidence level marked when it is villi's guess.
type badges struct {
	Evidence, Species   string // slugs
	EvidenceProvisional bool
}

// tagChips are the chips of condition and mechanism slugs, each opening the
// search for it: the records about it where the chips show a focus, else
// every record that has it. provisional is the record's provisional slugs.
func (s *server) tagChips(conds, mechs []string, focus bool, provisional []string) (c, m []tagChip) {
	for _, x := range conds {
		c = append(c, tagChip{
			Label:       s.label(fieldCondition, x),
			URL:         searchParams{Conditions: []string{x}, Focus: focus}.url("/search"),
			Provisional: slices.Contains(provisional, x),
		})
	}
	for _, x := range mechs {
		m = append(m, tagChip{
			Label:       s.label(fieldTopic, x),
			URL:         searchParams{Mechanisms: []string{x}, Focus: focus}.url("/search"),
			Provisional: slices.Contains(provisional, x),
		})
	}
	return c, m
}

// badgesOf are a record's badges; provisional is its provisional slugs.
func badgesOf(evidence, species string, provisional []string) badges {
	return badges{Evidence: evidence, Species: species, EvidenceProvisional: slices.Contains(provisional, evidence)}
}

// entryBadges are a collection entry's badges.
func entryBadges(e collection.Entry) badges {
	return badges{Evidence: e.Evidence, Species: e.Species, EvidenceProvisional: e.EvidenceProvisional}
}

// marked reports whether a hit's chips or badges carry the provisional mark.
func (h hitView) marked() bool {
	isProv := func(c tagChip) bool { return c.Provisional }
	return h.Badges.EvidenceProvisional || slices.ContainsFunc(h.Conditions, isProv) || slices.ContainsFunc(h.Mechanisms, isProv)
}

// anyProvisional reports whether a result list marks a provisional tag:
// it then carries the legend once.
func anyProvisional(hits []hitView) bool { return slices.ContainsFunc(hits, hitView.marked) }

// anyEvidenceProvisional is anyProvisional for a compact list, which shows
// a hit's evidence level only, and only when it is provisional.
func anyEvidenceProvisional(hits []hitView) bool {
	return slices.ContainsFunc(hits, func(h hitView) bool { return h.Badges.EvidenceProvisional })
}

package taxonomy

import (
	"slices"

	"villi/pubmed"
)

// Reason says why one provisional tag was given to a record NLM has not
// indexed: the words of the record that decided it, the publication type
// its publisher gave, or the learned model's probability and the record's
// terms that weighed most for it.
type Reason struct {
	Tag    string `json:"tag"`    // the slug, one of Tags.Provisional
	Kind   string `json:"kind"`   // KindCondition, KindMechanism or KindEvidence
	Source string `json:"source"` // SourceText, SourcePublicationType or SourceModel
	// Phrase is what decided it: for SourceText the words as they stand in
	// the record ("double-blind, placebo-controlled"), for
	// SourcePublicationType the type ("Randomized Controlled Trial").
	Phrase string `json:"phrase,omitempty"`
	// Field is where SourceText's phrase stands: title, abstract or keywords.
	Field string `json:"field,omitempty"`
	// Probability, Terms and Signs are SourceModel's: how likely the model
	// found the tag, and of what weighed most for it, heaviest first, the
	// record's words and word pairs (Terms) and what its form says (Signs:
	// "no abstract", "1 author", "a title that asks a question").
	Probability float32  `json:"probability,omitempty"`
	Terms       []string `json:"terms,omitempty"`
	Signs       []string `json:"signs,omitempty"`
}

// Kinds of tag and sources of a Reason.
const (
	KindCondition = "condition"
	KindMechanism = "mechanism"
	KindEvidence  = "evidence"

	SourceText            = "text"
	SourcePublicationType = "publication_type"
	SourceModel           = "model"
)

var fieldNames = [numFields]string{fieldTitle: "title", fieldAbstract: "abstract", fieldKeywords: "keywords"}

// TagWithReasons is Tag, and on a record NLM has not indexed (no MeSH) a
// Reason for each condition, mechanism and evidence level but "other" that
// it gives, in that order: the words that decided it, or the publication
// type; and the evidence level the text alone gives (publication types
// hidden, decided again from the same scan), which the learned tagger's features
// take. On an indexed record NLM's headings decide: no reasons, no level.
//
// The words are found after the tags are decided, among the matches the
// scan counted for the tag, and only for the tags given: Tag pays for none
// of it.
func (t *Taxonomy) TagWithReasons(a *pubmed.Article) (Tags, []Reason, string) {
	s := t.getScanner()
	defer t.putScanner(s)
	tags, by := t.tagDecided(s, a)
	if len(a.MeSH) > 0 {
		return tags, nil, ""
	}
	textEv := t.textEvidence(s, a, tags)
	toks := s.z.toks
	field := func(h *hit) uint8 { return toks[h.start].field }
	var out []Reason
	for _, id := range t.conditions {
		if !slices.Contains(tags.Conditions, t.blocks[id].slug) {
			continue
		}
		// As salient decides: title or keywords, an animal model, then
		// the abstract's mentions outside lists.
		out = append(out, t.textReason(s, KindCondition, id, ofBlock(t, id), func(h *hit) int {
			switch f := field(h); {
			case f == fieldTitle:
				return 0
			case f == fieldKeywords:
				return 1
			case t.rules[h.rule].kind == ruleModel:
				return 2
			case !inList(toks, *h):
				return 3
			}
			return 4
		}))
	}
	for _, id := range t.mechanisms {
		if !slices.Contains(tags.Mechanisms, t.blocks[id].slug) {
			continue
		}
		// As salientMechanism decides: title or keywords, the objective
		// or conclusion, then mentions outside lists.
		out = append(out, t.textReason(s, KindMechanism, id, ofBlock(t, id), func(h *hit) int {
			switch f := field(h); {
			case f == fieldTitle:
				return 0
			case f == fieldKeywords:
				return 1
			case toks[h.start].key:
				return 2
			case !inList(toks, *h):
				return 3
			}
			return 4
		}))
	}
	if tags.Evidence == levels[levelOther] {
		return tags, out, textEv
	}
	r := Reason{Tag: tags.Evidence, Kind: KindEvidence, Source: SourceText}
	switch {
	case by.pt >= 0:
		r.Source, r.Phrase = SourcePublicationType, a.PublicationTypes[by.pt].Name
	case by.block == animalCues:
		// Species weighs the animal cues and the conditions' animal
		// models alike.
		ab := t.speciesBlock[speciesAnimal]
		r = t.textReason(s, KindEvidence, ab, func(h *hit) bool {
			return ab >= 0 && t.rules[h.rule].block == ab || t.rules[h.rule].kind == ruleModel
		}, textOrder)
		r.Tag = tags.Evidence
	case by.block >= 0:
		r = t.textReason(s, KindEvidence, by.block, ofBlock(t, by.block), textOrder)
		r.Tag = tags.Evidence
	}
	return tags, append(out, r), textEv
}

// textReason quotes the counted hit that match accepts with the lowest rank
// (the earliest of equals): the words that decided block id.
func (t *Taxonomy) textReason(s *scanner, kind string, id int, match func(*hit) bool, rank func(*hit) int) Reason {
	r := Reason{Kind: kind, Source: SourceText}
	if id >= 0 {
		r.Tag = t.blocks[id].slug
	}
	var best *hit
	bestRank := 0
	consider := func(hs []hit) {
		for i := range hs {
			h := &hs[i]
			if !h.counted || !match(h) {
				continue
			}
			if k := rank(h); best == nil || k < bestRank || k == bestRank && h.start < best.start {
				best, bestRank = h, k
			}
		}
	}
	consider(s.hits)
	consider(s.abbrs)
	if best != nil {
		r.Phrase = s.z.quote(best.start, best.end)
		r.Field = fieldNames[s.z.toks[best.start].field]
	}
	return r
}

func ofBlock(t *Taxonomy, id int) func(*hit) bool {
	return func(h *hit) bool { return t.rules[h.rule].block == id }
}

func textOrder(*hit) int { return 0 }

package learn

import (
	"slices"

	"villi/pubmed"
	"villi/taxonomy"
)

// Tag gives a record's tags: the rules' (taxonomy.Tag), and on a record NLM
// has not indexed, the model's too (m may be nil: rules alone). A condition
// is given when the rules give it or the model's probability reaches its
// threshold; the evidence level is the model's most probable level over its
// threshold where the rules found no design ("other") — a design the text
// names outranks a guess. On such a record every condition, mechanism and
// evidence level (but "other") is villi's guess: Tags.Provisional lists them.
func Tag(tax *taxonomy.Taxonomy, m *Model, a *pubmed.Article) taxonomy.Tags {
	if Indexed(a) {
		return tax.Tag(a)
	}
	tags, textEv := tax.TagWithTextEvidence(a)
	if m != nil {
		// No MeSH: the text-only verdicts are the tags' but for the level
		// a publication type may have decided.
		text := tags
		text.Evidence = textEv
		feats, _ := featuresWith(tax, a, &text)
		var add []string
		bestEv, bestP := "", float32(0)
		for i := range m.Classes {
			c := &m.Classes[i]
			if c.Threshold > 1 {
				continue
			}
			p := c.prob(feats)
			if p < c.Threshold {
				continue
			}
			switch c.Kind {
			case KindCondition:
				if !slices.Contains(tags.Conditions, c.Slug) {
					add = append(add, c.Slug)
				}
			case KindEvidence:
				if p > bestP {
					bestEv, bestP = c.Slug, p
				}
			}
		}
		if len(add) > 0 {
			// Keep the table's order.
			var conds []string
			for _, t := range tax.Conditions() {
				if slices.Contains(tags.Conditions, t.Slug) || slices.Contains(add, t.Slug) {
					conds = append(conds, t.Slug)
				}
			}
			tags.Conditions = conds
		}
		if tags.Evidence == "other" && bestEv != "" {
			tags.Evidence = bestEv
		}
	}
	prov := append(slices.Clone(tags.Conditions), tags.Mechanisms...)
	if tags.Evidence != "other" {
		prov = append(prov, tags.Evidence)
	}
	tags.Provisional = prov
	return tags
}

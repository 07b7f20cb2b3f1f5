package learn

import (
	"cmp"
	"slices"
	"strings"

	"villi/pubmed"
	"villi/taxonomy"
)

// maxTerms is how many of the record's terms a learned tag's reason names.
const maxTerms = 5

// Tag gives a record's tags: the rules' (taxonomy.Tag), and on a record NLM
// has not indexed, the model's too (m may be nil: rules alone). A condition
// is given when the rules give it or the model's probability reaches its
// threshold; the evidence level is the model's most probable level over its
// threshold where the rules found no design ("other") — a design the text
// names outranks a guess — or where the model vetoes the level the rules'
// words give (its probability for it is under the class's Veto; the vetoed
// level and its reason are dropped). A level from a publication type is
// never vetoed. On such a record every condition, mechanism and evidence
// level (but "other") is villi's guess: Tags.Provisional lists them
// and Tags.ProvisionalWhy says why, one Reason each in the same order: the
// rules' words (taxonomy.TagWithReasons) or the model's probability and
// heaviest terms.
func Tag(tax *taxonomy.Taxonomy, m *Model, a *pubmed.Article) taxonomy.Tags {
	if Indexed(a) {
		return tax.Tag(a)
	}
	tags, reasons, textEv := tax.TagWithReasons(a)
	if m != nil {
		// No MeSH: the text-only verdicts are the tags' but for the level
		// a publication type may have decided.
		text := tags
		text.Evidence = textEv
		feats, _ := featuresWith(tax, a, &text)
		var add []string
		var learned []*Class
		var probs []float32
		// The rules' words name a level the model finds very unlikely:
		// it falls back to the model's best other level over its
		// threshold, else "other", and its reason goes with it.
		vetoed := m.vetoed(tags.Evidence, reasons, feats)
		if vetoed >= 0 {
			tags.Evidence = "other"
			reasons = slices.DeleteFunc(reasons, func(r taxonomy.Reason) bool { return r.Kind == taxonomy.KindEvidence })
		}
		bestEv, bestP := -1, float32(0)
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
					learned, probs = append(learned, c), append(probs, p)
				}
			case KindEvidence:
				if p > bestP && i != vetoed {
					bestEv, bestP = i, p
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
		if tags.Evidence == "other" && bestEv >= 0 {
			tags.Evidence = m.Classes[bestEv].Slug
			learned, probs = append(learned, &m.Classes[bestEv]), append(probs, bestP)
		}
		if len(learned) > 0 {
			words := textWords(a)
			for i, c := range learned {
				terms, signs := heaviest(c, a, words, text, maxTerms)
				reasons = append(reasons, taxonomy.Reason{
					Tag: c.Slug, Kind: c.Kind, Source: taxonomy.SourceModel,
					Probability: probs[i], Terms: terms, Signs: signs,
				})
			}
		}
	}
	prov := append(slices.Clone(tags.Conditions), tags.Mechanisms...)
	why := make([]taxonomy.Reason, 0, len(prov)+1)
	for _, c := range tags.Conditions {
		why = append(why, reasonFor(reasons, taxonomy.KindCondition, c))
	}
	for _, c := range tags.Mechanisms {
		why = append(why, reasonFor(reasons, taxonomy.KindMechanism, c))
	}
	if tags.Evidence != "other" {
		prov = append(prov, tags.Evidence)
		why = append(why, reasonFor(reasons, taxonomy.KindEvidence, tags.Evidence))
	}
	tags.Provisional, tags.ProvisionalWhy = prov, why
	return tags
}

// vetoed returns the index of the evidence class whose Veto drops level, the
// rules' verdict from the record's words, or -1: a level from a publication
// type, "other", or a probability at or over the veto stays.
func (m *Model) vetoed(level string, reasons []taxonomy.Reason, feats []uint32) int {
	if level == "other" || reasonFor(reasons, taxonomy.KindEvidence, level).Source != taxonomy.SourceText {
		return -1
	}
	for i := range m.Classes {
		c := &m.Classes[i]
		if c.Kind == KindEvidence && c.Slug == level {
			if c.Veto > 0 && c.prob(feats) < c.Veto {
				return i
			}
			return -1
		}
	}
	return -1
}

// reasonFor picks the reason for one tag. Every tag Tag gives has one (the
// rules quote their words, the model gives its own); the bare reason is a
// last resort that keeps one reason per provisional tag.
func reasonFor(reasons []taxonomy.Reason, kind, slug string) taxonomy.Reason {
	for _, r := range reasons {
		if r.Kind == kind && r.Tag == slug {
			return r
		}
	}
	return taxonomy.Reason{Tag: slug, Kind: kind, Source: taxonomy.SourceText}
}

// heaviest returns, of what weighs most for c on the record, heaviest
// first (equal weights in name order) and only what adds, up to n: its
// words and word pairs (terms) and what its form and the rules' reading
// say (signs, shapeNamed and rulesNamed). A feature's value is the same for
// every feature of a record, so its weight orders its contribution. The
// hashed model keeps no names: they are the record's own, hashed again
// here. Function words ("with", "in a", the "s" of "Crohn's") weigh too but
// tell a reader nothing to check, so they are left out.
func heaviest(c *Class, a *pubmed.Article, words []string, rules taxonomy.Tags, n int) (terms, signs []string) {
	type named struct {
		s    string
		term bool
		w    float32
	}
	seen := map[uint32]bool{}
	var ts []named
	add := func(b uint32, name func() (string, bool)) {
		if seen[b] {
			return
		}
		seen[b] = true
		if w := fromBF16(c.W[b]); w > 0 {
			s, term := name()
			ts = append(ts, named{s, term, w})
		}
	}
	for i, w := range words {
		if !dull(w) {
			add(bucket("u:", w, ""), func() (string, bool) { return w, true })
		}
		if i > 0 && !dull(words[i-1], w) {
			add(bucket("b:", words[i-1], w), func() (string, bool) { return words[i-1] + " " + w, true })
		}
	}
	tw := strings.FieldsFunc(strings.ToLower(a.Title), notWord)
	shapeNamed(a, tw, len(words), func(b uint32, name func() (string, bool)) {
		if s, term := name(); !term || !dull(strings.Fields(s)...) {
			add(b, name)
		}
	})
	rulesNamed(a, rules, add)
	slices.SortFunc(ts, func(a, b named) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	})
	for _, t := range ts {
		if len(terms)+len(signs) == n {
			break
		}
		switch {
		case t.term && !slices.Contains(terms, t.s):
			terms = append(terms, t.s)
		case !t.term && !slices.Contains(signs, t.s):
			signs = append(signs, t.s)
		}
	}
	return terms, signs
}

// dull reports a term that tells a reader nothing to check: a function
// word, or a pair with a single letter or of two function words ("in a",
// the "crohn s" of "Crohn's").
func dull(words ...string) bool {
	if len(words) == 1 {
		return isFunctionWord(words[0])
	}
	all := true
	for _, w := range words {
		if len(w) < 2 {
			return true
		}
		all = all && isFunctionWord(w)
	}
	return all
}

// isFunctionWord reports a word that carries grammar rather than meaning,
// or a single letter.
func isFunctionWord(w string) bool {
	if len(w) < 2 {
		return true
	}
	switch w {
	case "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "from", "into", "and", "or", "as",
		"is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "it", "its", "we", "our",
		"may", "can", "not", "no", "than", "which", "who", "has", "have", "had", "but", "also", "most", "other",
		"all", "more", "such", "their", "there", "both", "between", "after", "during", "here":
		return true
	}
	return false
}

package taxonomy

import (
	"slices"
	"strings"
)

// Name is one way a person may name a tag of the table in a search box:
// the search's term mapping (villi/query) also searches the tag where a
// query names it. Kind is "condition", "mechanism" or "evidence".
type Name struct {
	Kind string
	Slug string
	// Text is the words as the table writes them ("crohn", "Arthritis,
	// Rheumatoid"), or the abbreviation when Abbr is set.
	Text string
	// Abbr marks an abbreviation (IBD, MS). Near lists its context words
	// (a trailing * ends a prefix): the abbreviation names the tag only in
	// a query holding one of them. Empty Near: it always does.
	Abbr bool
	Near []string
}

// Names returns the names of the table's tags, in table order:
//
//   - a condition by what names the whole of it: its label, its slug's
//     words, its MeSH descriptors (a single descriptor without qualifier,
//     also un-inverted: "Arthritis, Rheumatoid" is "Rheumatoid Arthritis"),
//     its term phrases (without a trailing star) and its abbreviations,
//     "always" ones without context and "near:" ones with it. Lines marked
//     narrow are not names (Narrower lists them): a heading under the
//     condition's own (Crohn Disease under Inflammatory Bowel Diseases) or
//     a phrase for part of it (lupus nephritis, childhood diabetes) would
//     search the whole tag, as PubMed never maps a term to its heading's
//     parent. Animal models are not names of the condition, nor are refs
//     (short forms) or abbreviations the text must define.
//   - a mechanism by its label only when the label is not a 5R step ("Repair:
//     zinc, ..."): the steps are ordinary words, and a mechanism's terms and
//     headings (zinc, probiotics) are narrower than the tag.
//   - an evidence level by its label and its publication types, when they
//     are more than one word ("Review", "Letter" and "Other" are ordinary
//     words).
func (t *Taxonomy) Names() []Name { return t.names(false) }

// Narrower returns what the condition lines marked narrow would name, in
// table order and in the shape of Names: the words and abbreviations a
// search must not map to the whole tag. Tests derive their cases from it.
func (t *Taxonomy) Narrower() []Name { return t.names(true) }

func (t *Taxonomy) names(narrow bool) []Name {
	var out []Name
	add := func(b *block, text string, abbr bool, near []string) {
		text = strings.Join(strings.Fields(text), " ")
		if text == "" {
			return
		}
		n := Name{Kind: kindName(b.kind), Slug: b.slug, Text: text, Abbr: abbr, Near: near}
		if !slices.ContainsFunc(out, func(o Name) bool {
			return o.Kind == n.Kind && o.Slug == n.Slug && o.Abbr == n.Abbr && strings.EqualFold(o.Text, n.Text)
		}) {
			out = append(out, n)
		}
	}
	for _, id := range t.conditions {
		b := &t.blocks[id]
		if !narrow {
			add(b, b.label, false, nil)
			add(b, strings.ReplaceAll(b.slug, "-", " "), false, nil)
		}
		var models [][]string
		for _, r := range t.rules {
			if r.block == id && r.kind == ruleModel {
				models = append(models, sortedWords(r.words))
			}
		}
		for _, m := range t.mesh {
			if m.block != id || m.narrow != narrow || len(m.refs) != 1 || m.refs[0].qualifier != "" || m.refs[0].name == "" {
				continue
			}
			name := m.refs[0].name
			if slices.ContainsFunc(models, func(ws []string) bool { return slices.Equal(ws, sortedWords(parseWords(name))) }) {
				continue // the heading of an animal model (EAE), not of the disease
			}
			add(b, name, false, nil)
			if parts := strings.Split(name, ","); len(parts) > 1 {
				slices.Reverse(parts)
				add(b, strings.Join(parts, " "), false, nil)
			}
		}
		for _, r := range t.rules {
			if r.block != id || r.narrow != narrow {
				continue
			}
			switch r.kind {
			case ruleTerm:
				if text, ok := phraseText(r.words); ok {
					add(b, text, false, nil)
				}
			case ruleAbbr:
				if !r.always && len(r.near) == 0 {
					continue // counts only where the text defines it
				}
				var near []string
				for _, w := range r.near {
					if w.prefix {
						near = append(near, w.s+"*")
					} else {
						near = append(near, w.s)
					}
				}
				add(b, r.abbr, true, near)
			}
		}
	}
	if narrow {
		return out
	}
	for _, id := range t.mechanisms {
		b := &t.blocks[id]
		if strings.Contains(b.label, ":") {
			continue
		}
		add(b, b.label, false, nil)
		add(b, strings.ReplaceAll(b.slug, "-", " "), false, nil)
	}
	for i, id := range t.evidenceBlock {
		if id < 0 {
			continue
		}
		b := &t.blocks[id]
		var texts []string
		if !strings.ContainsAny(b.label, ",") {
			texts = append(texts, b.label)
		}
		for pt, level := range t.ptLevel {
			if level == i {
				texts = append(texts, pt)
			}
		}
		slices.Sort(texts[min(1, len(texts)):]) // map order is random
		for _, s := range texts {
			if len(parseWords(s)) > 1 {
				add(b, s, false, nil)
			}
		}
	}
	return out
}

// phraseText is a term phrase as words: a trailing * is dropped (the stem
// is what a person types), a phrase with a prefix inside is not a name.
func phraseText(ws []word) (string, bool) {
	parts := make([]string, len(ws))
	for i, w := range ws {
		if w.prefix && i < len(ws)-1 {
			return "", false
		}
		parts[i] = w.s
	}
	return strings.Join(parts, " "), true
}

func sortedWords(ws []word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.s
	}
	slices.Sort(out)
	return out
}

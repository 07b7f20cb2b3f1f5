package taxonomy

import (
	"villi/pubmed"
)

// Tag derives an article's tags. It is pure and deterministic: the same
// article and table give the same tags. Slices are in table order, without
// duplicates, and never nil.
func (t *Taxonomy) Tag(a *pubmed.Article) Tags {
	s := t.getScanner()
	defer t.putScanner(s)
	return t.tag(s, a)
}

// tag is Tag with the scanner given, so that tests can tell a pooled
// scanner's leftovers from a fresh one's.
func (t *Taxonomy) tag(s *scanner, a *pubmed.Article) Tags {
	t.scanText(s, a)
	meshHit := t.matchMeSH(s, a.MeSH)

	tags := Tags{Conditions: []string{}, Mechanisms: []string{}}
	indexed := len(a.MeSH) > 0
	for _, id := range t.conditions {
		// NLM's indexing is authoritative where it exists: a MeSH-indexed
		// record that mentions a disease in passing is not about it.
		var on bool
		if indexed {
			on = meshHit[id]
		} else {
			on = salient(s.blocks[id])
		}
		if on {
			tags.Conditions = append(tags.Conditions, t.blocks[id].slug)
		}
	}
	for _, id := range t.mechanisms {
		c := s.blocks[id]
		if meshHit[id] || c.field[fieldTitle]+c.field[fieldAbstract]+c.field[fieldKeywords] > 0 {
			tags.Mechanisms = append(tags.Mechanisms, t.blocks[id].slug)
		}
	}
	sp := t.species(s, meshHit, indexed)
	tags.Species = speciesValues[sp]
	tags.Evidence = levels[t.evidenceLevel(s, a, meshHit, sp)]
	return tags
}

// salient decides a condition from text alone. A title or keyword mention
// is enough; in the abstract, a condition mentioned once, or only inside
// lists of diseases, is usually context rather than the subject.
func salient(c counts) bool {
	if c.field[fieldTitle] > 0 || c.field[fieldKeywords] > 0 {
		return true
	}
	if c.model > 0 {
		return true
	}
	return c.field[fieldAbstract] >= 2 && c.field[fieldAbstract]-c.listed >= 1
}

// matchMeSH returns, per block id, whether one of its mesh rules holds.
func (t *Taxonomy) matchMeSH(s *scanner, headings []pubmed.MeshHeading) []bool {
	clear(s.mesh)
	for i := range headings {
		h := &headings[i]
		if h.DescriptorUI != "" {
			t.markMeSH(s, h, t.meshByUI[h.DescriptorUI])
		}
		t.markMeSH(s, h, t.meshByKey[h.DescriptorName])
	}
	out := s.meshHit[:len(t.blocks)]
	clear(out)
	for i, r := range t.mesh {
		if s.mesh[i] == 1<<len(r.refs)-1 {
			out[r.block] = true
		}
	}
	return out
}

func (t *Taxonomy) markMeSH(s *scanner, h *pubmed.MeshHeading, slots []meshSlot) {
	for _, sl := range slots {
		ref := &t.mesh[sl.rule].refs[sl.ref]
		if ref.qualifier != "" && !hasQualifier(h, ref.qualifier) {
			continue
		}
		s.mesh[sl.rule] |= 1 << sl.ref
	}
}

func hasQualifier(h *pubmed.MeshHeading, q string) bool {
	for _, x := range h.Qualifiers {
		if x.Name == q {
			return true
		}
	}
	return false
}

// species decides human, animal, both or unknown. MeSH check tags (Humans,
// Animals) decide where the record is indexed; otherwise text cues are
// weighed, an animal model counting as three animal cues.
func (t *Taxonomy) species(s *scanner, meshHit []bool, indexed bool) int {
	hb, ab := t.speciesBlock[speciesHuman], t.speciesBlock[speciesAnimal]
	if indexed {
		h := hb >= 0 && meshHit[hb]
		an := ab >= 0 && meshHit[ab]
		switch {
		case h && an:
			return speciesBoth
		case h:
			return speciesHuman
		case an:
			return speciesAnimal
		}
	}
	h, an := s.textCues(hb), s.textCues(ab)
	named := false
	for _, id := range t.conditions {
		an += 3 * s.blocks[id].model
		named = named || salient(s.blocks[id])
	}
	switch {
	case h == 0 && an == 0 && named:
		// Animal work on these diseases names its model; a record that
		// names a disease and no animal is about people.
		return speciesHuman
	case h == 0 && an == 0:
		return speciesUnknown
	case an == 0 || h >= 3*an:
		return speciesHuman
	case h == 0 || an >= 3*h:
		return speciesAnimal
	}
	return speciesBoth
}

func (s *scanner) textCues(block int) int {
	if block < 0 {
		return 0
	}
	c := s.blocks[block]
	return c.field[fieldTitle] + c.field[fieldAbstract] + c.field[fieldKeywords]
}

// evidenceLevel decides the evidence level. A publication type that names a
// study design wins (the strongest one); where the only types are Review or
// Journal Article, title and abstract decide.
func (t *Taxonomy) evidenceLevel(s *scanner, a *pubmed.Article, meshHit []bool, sp int) int {
	best := levelOther
	for _, pt := range a.PublicationTypes {
		if l, ok := t.ptLevel[pt.Name]; ok && l < best {
			best = l
		}
	}
	if best < levelReview || best == levelAnimal || best == levelInVitro {
		return best
	}
	cue := func(level int) bool {
		id := t.evidenceBlock[level]
		if id < 0 {
			return false
		}
		c := s.blocks[id]
		return meshHit[id] || c.field[fieldTitle]+c.field[fieldAbstract]+c.field[fieldKeywords] > 0
	}
	// A meta-analysis or systematic review published as a Review is one.
	for _, l := range []int{levelMeta, levelSystematic} {
		if cue(l) {
			return l
		}
	}
	if best == levelReview {
		return levelReview
	}
	if sp == speciesAnimal {
		return levelAnimal
	}
	if cue(levelInVitro) && s.textCues(t.speciesBlock[speciesHuman]) == 0 && s.textCues(t.speciesBlock[speciesAnimal]) == 0 {
		return levelInVitro
	}
	for _, l := range []int{levelRCT, levelTrial, levelObservational, levelCase, levelReview} {
		if cue(l) {
			return l
		}
	}
	return levelOther
}

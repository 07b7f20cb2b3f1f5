package taxonomy

import (
	"strings"

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
	tags, _ := t.tagDecided(s, a)
	return tags
}

// tagDecided is tag, also saying what settled the evidence level.
func (t *Taxonomy) tagDecided(s *scanner, a *pubmed.Article) (Tags, decided) {
	t.scanText(s, a)
	meshHit := t.matchMeSH(s, a.MeSH)

	tags := Tags{Conditions: []string{}, Mechanisms: []string{}, Focus: Focus{Conditions: []string{}, Mechanisms: []string{}}}
	// The focus: a condition or mechanism NLM gave as a major topic, or one
	// the title names, is what the record is about.
	focus := func(id int) bool { return s.meshMajor[id] || s.blocks[id].field[fieldTitle] > 0 }
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
			if focus(id) {
				tags.Focus.Conditions = append(tags.Focus.Conditions, t.blocks[id].slug)
			}
		}
	}
	for _, id := range t.mechanisms {
		// NLM indexes the interventions and exposures a study examines:
		// where a mechanism has headings and the record is indexed, they
		// decide, with the title (what the record says it is about);
		// otherwise salient text does.
		c := s.blocks[id]
		var on bool
		if indexed && t.hasMeSH[id] {
			on = meshHit[id] || c.field[fieldTitle] > 0
		} else {
			on = meshHit[id] || salientMechanism(c)
		}
		if on {
			tags.Mechanisms = append(tags.Mechanisms, t.blocks[id].slug)
			if focus(id) {
				tags.Focus.Mechanisms = append(tags.Focus.Mechanisms, t.blocks[id].slug)
			}
		}
	}
	sp := t.species(s, meshHit, indexed)
	ev, by := t.evidenceLevel(s, a, meshHit, sp)
	if ev == levelInVitro {
		// Cells in a dish are not people, even human cells (Caco-2, T84,
		// HT-29, organoids): no organism was studied.
		sp = speciesUnknown
	}
	tags.Species = speciesValues[sp]
	tags.Evidence = levels[ev]
	return tags, by
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

// salientMechanism decides a mechanism from text: named in the title or
// keywords, in the abstract's objective or conclusion, or at least twice in
// the abstract outside lists. One passing mention ("the only treatment is a
// gluten-free diet") is background, not what the study examines.
func salientMechanism(c counts) bool {
	if c.field[fieldTitle] > 0 || c.field[fieldKeywords] > 0 || c.key > 0 {
		return true
	}
	return c.field[fieldAbstract]-c.listed >= 2
}

// matchMeSH returns, per block id, whether one of its mesh rules holds.
func (t *Taxonomy) matchMeSH(s *scanner, headings []pubmed.MeshHeading) []bool {
	clear(s.mesh)
	clear(s.majorRefs)
	for i := range headings {
		h := &headings[i]
		if h.DescriptorUI != "" {
			t.markMeSH(s, h, t.meshByUI[h.DescriptorUI])
		}
		t.markMeSH(s, h, t.meshByKey[h.DescriptorName])
	}
	out := s.meshHit[:len(t.blocks)]
	clear(out)
	clear(s.meshMajor)
	for i, r := range t.mesh {
		if s.mesh[i] == 1<<len(r.refs)-1 {
			out[r.block] = true
			s.meshMajor[r.block] = s.meshMajor[r.block] || s.majorRefs[i] != 0
		}
	}
	return out
}

func (t *Taxonomy) markMeSH(s *scanner, h *pubmed.MeshHeading, slots []meshSlot) {
	for _, sl := range slots {
		ref := &t.mesh[sl.rule].refs[sl.ref]
		if ref.qualifier != "" && !hasQualifier(h, ref.qualifier) || ref.major && !h.IsMajor() {
			continue
		}
		s.mesh[sl.rule] |= 1 << sl.ref
		if h.IsMajor() {
			s.majorRefs[sl.rule] |= 1 << sl.ref
		}
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

// decided says what settled an evidence level, for TagWithReasons: a publication
// type (index into the article's), a block whose text cues did
// (animalCues: the animal cues species weighs), or neither (-1).
type decided struct{ pt, block int }

const animalCues = -2

var byNothing = decided{pt: -1, block: -1}

func byType(i int) decided   { return decided{pt: i, block: -1} }
func byBlock(id int) decided { return decided{pt: -1, block: id} }

// evidenceLevel decides the evidence level from the record's design, in
// the order of trust: publication types, then NLM's study-design headings,
// then title and abstract. A letter, comment or editorial is commentary
// about a study and never takes the study's design, unless NLM also typed it
// Case Reports: a case told in a letter is the report itself.
func (t *Taxonomy) evidenceLevel(s *scanner, a *pubmed.Article, meshHit []bool, sp int) (int, decided) {
	best, commentary := levelOther, false
	bestPT, commentaryPT := -1, -1
	for i, pt := range a.PublicationTypes {
		l, ok := t.ptLevel[pt.Name]
		switch {
		case !ok:
		case l == levelCommentary:
			if !commentary {
				commentary, commentaryPT = true, i
			}
		case l < best:
			best, bestPT = l, i
		}
	}
	if commentary && best != levelCase {
		return levelCommentary, byType(commentaryPT)
	}
	indexed := len(a.MeSH) > 0
	cue := func(level int) bool {
		id := t.evidenceBlock[level]
		if id < 0 {
			return false
		}
		c := s.blocks[id]
		return meshHit[id] || c.field[fieldTitle]+c.field[fieldAbstract]+c.field[fieldKeywords] > 0
	}
	if best == levelReview && !indexed {
		// A publisher's Review may be a meta-analysis or systematic review;
		// once NLM has indexed the record it would have typed it so.
		for _, l := range []int{levelMeta, levelSystematic} {
			if cue(l) {
				return l, byBlock(t.evidenceBlock[l])
			}
		}
	}
	if best != levelOther {
		return best, byType(bestPT)
	}
	if id := t.evidenceBlock[levelObservational]; id >= 0 && meshHit[id] {
		return levelObservational, byNothing
	}
	if indexed {
		// NLM typed the record and named no design: what is left to tell
		// is animal or cell work.
		switch {
		case sp == speciesAnimal:
			return levelAnimal, byNothing
		case t.inVitro(s, meshHit):
			return levelInVitro, byNothing
		}
		return levelOther, byNothing
	}
	if cue(levelCommentary) {
		return levelCommentary, byBlock(t.evidenceBlock[levelCommentary])
	}
	for _, l := range []int{levelMeta, levelSystematic, levelRCT} {
		if !cue(l) {
			continue
		}
		// Without an abstract a title that names a trial or a meta-analysis
		// is nearly always a letter about one.
		if !hasAbstract(a) {
			return levelCommentary, byBlock(t.evidenceBlock[l])
		}
		if l != levelRCT {
			return l, byBlock(t.evidenceBlock[l])
		}
		break
	}
	if sp == speciesAnimal {
		return levelAnimal, byBlock(animalCues)
	}
	if t.inVitro(s, meshHit) {
		return levelInVitro, byBlock(t.evidenceBlock[levelInVitro])
	}
	for _, l := range []int{levelRCT, levelTrial, levelObservational, levelCase, levelReview} {
		if cue(l) {
			return l, byBlock(t.evidenceBlock[l])
		}
	}
	// Cell work on patients' cells names the patients too; where no design
	// is named, cells in the title or twice in the abstract decide.
	if id := t.evidenceBlock[levelInVitro]; id >= 0 {
		if c := s.blocks[id]; c.field[fieldTitle]+c.field[fieldKeywords] > 0 || c.field[fieldAbstract] >= 2 {
			return levelInVitro, byBlock(id)
		}
	}
	return levelOther, byNothing
}

func hasAbstract(a *pubmed.Article) bool {
	for _, sec := range a.Abstract {
		if strings.TrimSpace(sec.Text) != "" {
			return true
		}
	}
	return false
}

// inVitro reports cell or tissue work: a cell-line or in-vitro heading, or
// text cues for one in a record whose text names neither people nor animals.
func (t *Taxonomy) inVitro(s *scanner, meshHit []bool) bool {
	id := t.evidenceBlock[levelInVitro]
	if id < 0 {
		return false
	}
	if meshHit[id] {
		return true
	}
	c := s.blocks[id]
	return c.field[fieldTitle]+c.field[fieldAbstract]+c.field[fieldKeywords] > 0 &&
		s.textCues(t.speciesBlock[speciesHuman]) == 0 && s.textCues(t.speciesBlock[speciesAnimal]) == 0
}

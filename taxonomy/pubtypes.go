package taxonomy

import "villi/pubmed"

// TagWithTextEvidence is Tag, and also the evidence level the rules give a
// from its text alone, as if it had no publication types — the verdict the
// learned tagger takes as a feature — from one scan of the text. A record
// with MeSH headings is tagged twice over (its text-only verdicts differ in
// more than the evidence level); its second result is Tag's with MeSH and
// publication types hidden.
func (t *Taxonomy) TagWithTextEvidence(a *pubmed.Article) (Tags, string) {
	s := t.getScanner()
	defer t.putScanner(s)
	tags := t.tag(s, a)
	hidden := *a
	hidden.MeSH, hidden.PublicationTypes = nil, nil
	if len(a.MeSH) > 0 {
		return tags, t.tag(s, &hidden).Evidence
	}
	return tags, t.textEvidence(s, a, tags)
}

// textEvidence is the evidence level of a, a record without MeSH whose text
// s has just scanned and tagged as tags, with its publication types hidden:
// where one decided the level, the scan's counts decide it again.
func (t *Taxonomy) textEvidence(s *scanner, a *pubmed.Article, tags Tags) string {
	if !t.publicationTypesDecide(a) {
		return tags.Evidence
	}
	hidden := *a
	hidden.MeSH, hidden.PublicationTypes = nil, nil
	meshHit := s.meshHit[:len(t.blocks)]
	ev, _ := t.evidenceLevel(s, &hidden, meshHit, t.species(s, meshHit, false))
	return levels[ev]
}

// publicationTypesDecide reports whether any of a's publication types names
// an evidence level (a design, or commentary) in t's table. Where none does
// ("Journal Article", "English Abstract"), Tag gives a the same tags with its
// publication types as without them.
func (t *Taxonomy) publicationTypesDecide(a *pubmed.Article) bool {
	for _, pt := range a.PublicationTypes {
		if _, ok := t.ptLevel[pt.Name]; ok {
			return true
		}
	}
	return false
}

package taxonomy

import "villi/pubmed"

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

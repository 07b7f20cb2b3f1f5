package taxonomy

import "villi/pubmed"

// PublicationTypesDecide reports whether any of a's publication types
// names an evidence level (a design, or commentary) in t's table. Where none
// does ("Journal Article", "English Abstract"), Tag gives a the same tags
// with its publication types as without them: package learn uses that to
// skip a second scan of the text.
func (t *Taxonomy) PublicationTypesDecide(a *pubmed.Article) bool {
	for _, pt := range a.PublicationTypes {
		if _, ok := t.ptLevel[pt.Name]; ok {
			return true
		}
	}
	return false
}

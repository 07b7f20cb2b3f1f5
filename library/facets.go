package library

import "villi/index"

// FacetNames lists every facet a search with Facets set can return, so
// front ends and their tests can walk them all.
func FacetNames() []string { return index.FacetNames() }

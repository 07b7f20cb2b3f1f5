package web

import "villi/library"

// paramNoCorrect turns spelling correction off: nocorrect=1 searches the
// query as typed. The "Search instead for" link sets it.
const paramNoCorrect = "nocorrect"

func noCorrectParam(vals []string) (bool, error) {
	if len(vals) > 1 {
		return false, badInput("parameter %q is given %d times; give it once", paramNoCorrect, len(vals))
	}
	if len(vals) == 0 {
		return false, nil
	}
	switch vals[0] {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, badInput("%s %q: use 1 to search the query as typed, without spelling correction", paramNoCorrect, vals[0])
}

// spelling is the search page's note on a corrected query: "Showing
// results for Corrected. Search instead for Typed".
type spelling struct {
	Corrected, Typed string
	// InsteadURL searches Typed as typed (nocorrect=1), with the same
	// filters and sort.
	InsteadURL string
}

// spellingNote returns the note on res, or nil when the query was searched
// as typed. It puts the corrected query into p, so that the search box and
// every link of the page (filters, sorts, pages, feed, digest) go on with
// what the results are for.
func spellingNote(p *searchParams, res *library.SearchResult) *spelling {
	if res.CorrectedFrom == "" {
		return nil
	}
	instead := p.clone()
	instead.Q, instead.NoCorrect = res.CorrectedFrom, true
	p.Q = res.Corrected
	return &spelling{Corrected: res.Corrected, Typed: res.CorrectedFrom, InsteadURL: instead.url("/search")}
}

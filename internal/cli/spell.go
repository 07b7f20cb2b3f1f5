package cli

import (
	"fmt"
	"io"

	"villi/library"
)

// printCorrection says, before the results, that spelling correction
// searched another query than the one typed, and how to search that one.
func printCorrection(w io.Writer, res *library.SearchResult) {
	if res.CorrectedFrom == "" {
		return
	}
	fmt.Fprintf(w, "Showing results for %s. Search instead for %s with --nocorrect.\n", res.Corrected, res.CorrectedFrom)
}

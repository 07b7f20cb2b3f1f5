package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"villi/library"
)

// runRetractions is `villi retractions import FILE`: the Retraction Watch
// database's CSV file, as Crossref distributes it.
func runRetractions(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return fmt.Errorf("%w: the only subcommand is import", errUsage)
	}
	fs, cfg := newFlags(e, lookup("retractions"))
	rest, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: name one Retraction Watch CSV file", errUsage)
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	sum, err := lib.ImportRetractions(ctx, filepath.Base(rest[0]), f)
	for _, p := range sum.Problems {
		fmt.Fprintf(e.Stderr, "villi retractions: %s: %s\n", rest[0], p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, retractionLine(sum))
	return nil
}

// retractionLine says what an import did in one line.
func retractionLine(s library.RetractionImport) string {
	return fmt.Sprintf("%s read (%d skipped): %d about library records (%d by DOI), %d kept for records not stored yet, %d without PMID or known DOI; %s changed, %s re-indexed",
		plural(s.Rows, "row"), s.Skipped(), s.Matched, s.ByDOI, s.Kept, s.Dropped, plural(s.Changed, "PMID"), plural(s.Reindex, "record"))
}

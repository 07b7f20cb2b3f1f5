package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"villi/cite"
	"villi/library"
	"villi/store"
)

// runCite prints each record's reference, one per line, in the order given.
func runCite(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("cite"))
	styleName := fs.String("style", "vancouver", "reference style: ama, apa or vancouver")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	style, err := cite.ParseStyle(*styleName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	recs, err := cfg.loadRecords(ctx, rest)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.Stdout)
	for _, rec := range recs {
		text, _ := cite.Reference(style, &rec.Article)
		if rec.Article.IsRetracted() {
			fmt.Fprintf(e.Stderr, "villi cite: warning: PMID %d is a retracted publication\n", rec.Article.PMID)
		}
		fmt.Fprintln(w, text)
	}
	return w.Flush()
}

// runExport writes the records in a reference manager format, to stdout or
// --output.
func runExport(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("export"))
	formatName := fs.String("format", "ris", "ris, bibtex, csljson, nbib or csv")
	output := fs.String("output", "", "write to this file instead of standard output")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	format, err := cite.ParseFormat(*formatName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	recs, err := cfg.loadRecords(ctx, rest)
	if err != nil {
		return err
	}
	items := make([]cite.Item, len(recs))
	for i := range recs {
		items[i] = cite.Item{Article: &recs[i].Article}
	}
	if *output == "" {
		w := bufio.NewWriter(e.Stdout)
		if err := cite.Export(w, format, items); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.Create(*output)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := cite.Export(w, format, items); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *output, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *output, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", *output, err)
	}
	fmt.Fprintf(e.Stderr, "wrote %s to %s\n", plural(len(items), "record"), *output)
	return nil
}

// loadRecords reads the records of the PMIDs args names, in order, naming
// all that are missing. The library is closed again before it returns.
func (c *config) loadRecords(ctx context.Context, args []string) ([]store.Record, error) {
	lib, pmids, err := c.openPMIDs(ctx, args)
	if err != nil {
		return nil, err
	}
	defer lib.Close()
	recs, missing, err := lib.Records(pmids)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w (import or crawl them first)", &library.MissingError{PMIDs: missing})
	}
	return recs, nil
}

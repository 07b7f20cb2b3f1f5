package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"villi/cite"
	"villi/store"
)

// parsePMIDs parses PMID arguments, naming the first bad one.
func parsePMIDs(args []string) ([]uint64, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%w: name at least one PMID", errUsage)
	}
	out := make([]uint64, 0, len(args))
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%w: %q is not a PMID (a positive whole number)", errUsage, a)
		}
		out = append(out, n)
	}
	return out, nil
}

func runShow(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("show"))
	format := fs.String("format", "medline", "medline (PubMed format, as in .nbib files) or json")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *format != "medline" && *format != "json" {
		return fmt.Errorf("%w: --format must be medline or json, not %q", errUsage, *format)
	}
	pmids, err := parsePMIDs(rest)
	if err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	var missing []uint64
	for i, pmid := range pmids {
		rec, err := lib.Store.Get(pmid)
		if errors.Is(err, store.ErrNotFound) {
			missing = append(missing, pmid)
			fmt.Fprintf(e.Stderr, "villi show: PMID %d is not in the library\n", pmid)
			continue
		}
		if err != nil {
			return err
		}
		if *format == "json" {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rec); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(e.Stdout)
		}
		if err := cite.WriteMedline(e.Stdout, &rec.Article); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found", plural(len(missing), "PMID"))
	}
	return nil
}

func runReindex(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("reindex"))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := lib.Store.Count()
	if err != nil {
		return err
	}
	report := progressFor(e, "reindex", -1, &countingReader{}, time.Now())
	if err := lib.Reindex(ctx, func(done int) { report(done, false) }); err != nil {
		return err
	}
	report(n, true)
	fmt.Fprintf(e.Stdout, "reindexed %s\n", plural(n, "record"))
	return nil
}

func runReparse(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("reparse"))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := lib.Reparse(ctx)
	fmt.Fprintf(e.Stdout, "reparsed: %s changed\n", plural(n, "record"))
	return err
}

func runRetag(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("retag"))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := lib.Retag(ctx)
	fmt.Fprintf(e.Stdout, "retagged: %s changed\n", plural(n, "record"))
	return err
}

func runBackup(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("backup"))
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: name one backup file", errUsage)
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := lib.Store.Backup(ctx, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "backup written to %s (%d bytes); the index is rebuilt from it on first open\n", rest[0], n)
	return nil
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"villi/cite"
	"villi/library"
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

// openPMIDs parses PMID arguments, then opens the library: a mistyped PMID
// is a usage error that never touches the data directory. The caller closes
// the library.
func (c *config) openPMIDs(ctx context.Context, args []string) (*library.Library, []uint64, error) {
	pmids, err := parsePMIDs(args)
	if err != nil {
		return nil, nil, err
	}
	lib, err := c.open(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	return lib, pmids, nil
}

// openBare parses the arguments of a command that takes only the shared
// flags, then opens the library. The caller closes it.
func openBare(ctx context.Context, e Env, name string, args []string) (*library.Library, error) {
	fs, cfg := newFlags(e, lookup(name))
	if _, err := parse(fs, args); err != nil {
		return nil, err
	}
	return cfg.open(ctx, nil)
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
	lib, pmids, err := cfg.openPMIDs(ctx, rest)
	if err != nil {
		return err
	}
	defer lib.Close()
	var missing []uint64
	for i, pmid := range pmids {
		rec, err := lib.Record(pmid)
		if errors.Is(err, store.ErrNotFound) {
			missing = append(missing, pmid)
			fmt.Fprintf(e.Stderr, "villi show: PMID %d is not in the library; add it from PubMed with `villi fetch %[1]d` (https://pubmed.ncbi.nlm.nih.gov/%[1]d/)\n", pmid)
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
	lib, err := openBare(ctx, e, "reindex", args)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := lib.Count()
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
	return rewriteAll(ctx, e, "reparse", "reparsed", args, (*library.Library).Reparse)
}

func runRetag(ctx context.Context, e Env, args []string) error {
	return rewriteAll(ctx, e, "retag", "retagged", args, (*library.Library).Retag)
}

// rewriteAll runs command name, a rewrite of every stored record (reparse,
// retag), and says how many records it changed, also when it fails midway.
func rewriteAll(ctx context.Context, e Env, name, done string, args []string,
	rewrite func(*library.Library, context.Context) (int, error)) error {
	lib, err := openBare(ctx, e, name, args)
	if err != nil {
		return err
	}
	defer lib.Close()
	n, err := rewrite(lib, ctx)
	fmt.Fprintf(e.Stdout, "%s: %s changed\n", done, plural(n, "record"))
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
	m, done, err := cfg.maintain(ctx)
	if err != nil {
		return err
	}
	defer done()
	n, err := m.Backup(ctx, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "backup written to %s (%d bytes); the index is rebuilt from it on first open\n", rest[0], n)
	return nil
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"villi/control"
	"villi/crawler"
)

func runFetch(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("fetch"))
	var (
		asJSON  = fs.Bool("json", false, "print the report as JSON (results per identifier, and the run)")
		baseURL = fs.String("eutils-url", envOr(e, "VILLI_EUTILS_URL", crawler.DefaultBaseURL), "E-utilities base URL (env VILLI_EUTILS_URL)")
		email   = fs.String("email", e.Getenv("VILLI_NCBI_EMAIL"), "contact address sent to NCBI with every request (env VILLI_NCBI_EMAIL)")
		retries = fs.Int("retries", crawler.DefaultMaxRetries, "retries of a failing request before its identifiers fail")
	)
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("%w: name at least one PMID or DOI", errUsage)
	}
	for _, id := range ids {
		if _, _, err := crawler.ParseID(id); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}

	// While serve runs, serve fetches through its own crawler: one rate
	// limit for its crawls, its article pages and this command.
	var rep crawler.FetchReport
	cl, err := control.Dial(ctx, cfg.data)
	switch {
	case err == nil:
		defer cl.Close()
		fmt.Fprintln(e.Stderr, "villi serve runs on this data directory: it fetches, with its own E-utilities settings")
		rep, err = cl.Fetch(ctx, ids)
	case errors.Is(err, control.ErrNotRunning):
		lib, oerr := cfg.open(ctx, nil)
		if oerr != nil {
			return oerr
		}
		defer lib.Close()
		maxRetries := *retries
		if maxRetries <= 0 {
			maxRetries = -1 // crawler.Config reads 0 as "the default"
		}
		cc := crawlerConfig(e, nil, cfg.logger(e))
		cc.BaseURL, cc.Email, cc.MaxRetries = *baseURL, *email, maxRetries
		c, cerr := crawler.New(cc, lib)
		if cerr != nil {
			return fmt.Errorf("%w: %v", errUsage, cerr)
		}
		rep, err = c.Fetch(ctx, ids)
	default:
		return err
	}
	if len(rep.Results) > 0 {
		if *asJSON {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			if jerr := enc.Encode(rep); jerr != nil {
				return jerr
			}
		} else {
			printFetch(e.Stdout, rep)
		}
	}
	if err != nil {
		return err
	}
	if n := rep.Missed(); n > 0 {
		msg := fmt.Sprintf("%d of %d not in the library (listed above)", n, len(rep.Results))
		for _, r := range rep.Results {
			if r.Cause == crawler.CauseUnreachable {
				msg += "; PubMed could not be reached: check this machine's network (or VILLI_EUTILS_URL), or import PubMed's files with villi import"
				break
			}
		}
		return errors.New(msg)
	}
	return nil
}

// printFetch writes a line per identifier, then the totals.
func printFetch(w io.Writer, rep crawler.FetchReport) {
	count := map[crawler.FetchStatus]int{}
	for _, r := range rep.Results {
		count[r.Status]++
		as := ""
		if r.PMID != 0 && r.ID != fmt.Sprint(r.PMID) {
			as = fmt.Sprintf(" as PMID %d", r.PMID)
		}
		title := ""
		if r.Title != "" {
			title = " — " + r.Title
		}
		switch r.Status {
		case crawler.FetchAdded:
			fmt.Fprintf(w, "%s: added%s%s\n", r.ID, as, title)
		case crawler.FetchPresent:
			fmt.Fprintf(w, "%s: already in the library%s%s\n", r.ID, as, title)
		case crawler.FetchNotFound:
			fmt.Fprintf(w, "%s: not found in PubMed\n", r.ID)
		default:
			fmt.Fprintf(w, "%s: failed%s: %s\n", r.ID, as, r.Reason)
		}
	}
	parts := []string{fmt.Sprintf("%d added", count[crawler.FetchAdded]), fmt.Sprintf("%d already in the library", count[crawler.FetchPresent])}
	if n := count[crawler.FetchNotFound]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d not found", n))
	}
	if n := count[crawler.FetchFailed]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if rep.Run.ID != 0 {
		parts = append(parts, plural(rep.Run.Requests, "request"), plural(rep.Run.Retries, "retry"))
	}
	fmt.Fprintf(w, "fetch: %s\n", strings.Join(parts, ", "))
}

// Package cli parses villi's command line and environment, opens the data
// directory and runs one subcommand. It holds wiring, not logic: every
// subcommand is a few calls into library, index, cite and friends.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"villi/library"
	"villi/redact"
	"villi/taxonomy"
)

// Env is what a run may touch of the process: environment, stdio and the
// clock.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock of digest weeks and subscription times; nil means
	// time.Now. Tests set it: which digest is due depends on the weekday.
	Now func() time.Time

	// red is the secrets mask Run builds once from Getenv; commands'
	// configs reuse it (nil when a test calls a command directly).
	red *redact.Redactor
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// command is one subcommand.
type command struct {
	name    string
	usage   string // arguments after the name
	summary string
	run     func(ctx context.Context, e Env, args []string) error
}

func commands() []command {
	return []command{
		{"import", "[flags] FILE...", "import PubMed XML (.xml, .xml.gz; - reads stdin)", runImport},
		{"search", "[flags] QUERY", "search the library as the UI does", runSearch},
		{"show", "[--format medline|json] PMID...", "print stored records", runShow},
		{"reindex", "[flags]", "rebuild the search index from the store", runReindex},
		{"retractions", "import [flags] FILE", "import the Retraction Watch database (its CSV file)", runRetractions},
		{"reparse", "[flags]", "decode every record again from its stored XML (after a parser fix)", runReparse},
		{"retag", "[flags]", "train the learned tagger on the records NLM has indexed, then tag every record with the taxonomy table and it", runRetag},
		{"backup", "[flags] FILE", "write a consistent copy of the store, also while villi serve runs", runBackup},
		{"fetch", "[--json] PMID|DOI...", "add records from PubMed by PMID or DOI now (also while villi serve runs)", runFetch},
		{"crawl", "[--since YYYY-MM-DD] [--query NAME]... [--dry-run] [--queries FILE]", "crawl PubMed for the saved queries now", runCrawl},
		{"digest", "[--dry-run] [--to EMAIL] [--resend-uncertain]", "build and send this week's digests now", runDigest},
		{"subscription", "add|list|remove [flags]", "manage digest subscribers (add --email E [--condition SLUG]... [--confirmed])", runSubscription},
		{"user", userUsage, "manage logins: add, passwd, list, remove (also while serve runs)", runUser},
		{"serve", "[flags]", "serve the web UI and JSON API", runServe},
		{"cite", "[--style ama|apa|vancouver] PMID...", "print references for records", runCite},
		{"export", "[--format ris|bibtex|csljson|nbib|csv] PMID...", "export records for reference managers", runExport},
	}
}

// errUsage marks an error the user fixes by changing the command line (exit 2).
var errUsage = errors.New("usage")

// Run runs villi with args (without the program name) and returns the exit
// status: 0 success, 1 failure, 2 bad usage.
func Run(ctx context.Context, args []string, e Env) int {
	// Everything villi prints — logs, progress, errors — passes through the
	// mask, and so does every error it stores (config.open).
	e.red = secrets(e)
	e.Stdout, e.Stderr = e.red.Writer(e.Stdout), e.red.Writer(e.Stderr)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(e.Stderr, "villi %s: %v\nusage: villi %s %s\n", c.name, err, c.name, c.usage)
			return 2
		default:
			fmt.Fprintf(e.Stderr, "villi %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.Stderr, "villi: unknown command %q\n\n", args[0])
	printHelp(e.Stderr)
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "villi — evidence library for the gut–autoimmunity connection")
	fmt.Fprintln(w, "\nusage: villi COMMAND [flags] [args]   (villi COMMAND --help for its flags)")
	fmt.Fprintln(w, "\ncommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nenvironment (most are also flags of the commands that use them; secrets are env only):")
	fmt.Fprintln(w, "  VILLI_DATA data directory; VILLI_ADDR, VILLI_BASE_URL, VILLI_PUBLIC web server;")
	fmt.Fprintln(w, "  VILLI_EUTILS_URL, VILLI_NCBI_API_KEY, VILLI_NCBI_EMAIL, VILLI_QUERIES crawling;")
	fmt.Fprintln(w, "  VILLI_CRAWL_SPEC, VILLI_DIGEST_SPEC, VILLI_TZ schedule; VILLI_SMTP_URL, VILLI_MAIL_FROM,")
	fmt.Fprintln(w, "  VILLI_SECRET digests; VILLI_METRICS_TOKEN bearer token for /metrics; VILLI_TAXONOMY taxonomy table file;")
	fmt.Fprintln(w, "  VILLI_PRACTICE_NAME practice name on handouts of users who set none;")
	fmt.Fprintln(w, "  VILLI_RETRAIN_AFTER newly indexed records a crawl must bring for serve to retrain the learned tagger")
}

// config holds the settings every subcommand that opens the library shares.
type config struct {
	command     string // the subcommand, for its error messages
	data        string
	taxonomy    string
	lockTimeout time.Duration
	verbose     bool
	redact      *redact.Redactor
	stderr      io.Writer // where open warns of a degraded library
}

// newFlags returns a flag set for a subcommand with the shared flags, each
// defaulting to its VILLI_* environment variable.
func newFlags(e Env, c command) (*flag.FlagSet, *config) {
	fs := flag.NewFlagSet("villi "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "usage: villi %s %s\n\n%s\n\nflags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	red := e.red
	if red == nil {
		red = secrets(e)
	}
	cfg := &config{command: c.name, redact: red, stderr: e.Stderr}
	fs.StringVar(&cfg.data, "data", envOr(e, "VILLI_DATA", defaultDataDir(e)), "data directory (env VILLI_DATA)")
	fs.StringVar(&cfg.taxonomy, "taxonomy", e.Getenv("VILLI_TAXONOMY"), "taxonomy table file replacing the built-in one (env VILLI_TAXONOMY)")
	fs.DurationVar(&cfg.lockTimeout, "lock-timeout", 2*time.Second, "how long to wait for another villi process to release the data directory")
	fs.BoolVar(&cfg.verbose, "v", false, "log debug detail")
	return fs, cfg
}

func envOr(e Env, key, def string) string {
	if v := e.Getenv(key); v != "" {
		return v
	}
	return def
}

func defaultDataDir(e Env) string {
	if x := e.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "villi")
	}
	if h := e.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "villi")
	}
	return "villi-data"
}

// parse parses args for command name and returns the positional arguments.
// Flags may come after positional arguments (`villi search zonulin --size 3`),
// as people type them; after "--" everything is positional.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func (c *config) logger(e Env) *slog.Logger {
	lvl := slog.LevelInfo
	if c.verbose {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// open opens the library the config names.
func (c *config) open(ctx context.Context, progress func(int)) (*library.Library, error) {
	opts := library.Options{LockTimeout: c.lockTimeout, Progress: progress, Redact: c.redact.String}
	if c.taxonomy != "" {
		f, err := os.Open(c.taxonomy)
		if err != nil {
			return nil, fmt.Errorf("taxonomy table: %w", err)
		}
		defer f.Close()
		t, err := taxonomy.Load(f)
		if err != nil {
			return nil, fmt.Errorf("taxonomy table %s: %w", c.taxonomy, err)
		}
		opts.Taxonomy = t
	}
	lib, err := library.Open(ctx, c.data, opts)
	if err != nil {
		return nil, c.explainLocked(ctx, err)
	}
	if d := lib.Degraded(); d != nil {
		fmt.Fprintf(c.stderr, "villi: warning: %s: %s\n", c.data, d.Reason)
	}
	return lib, nil
}

// lookup returns the command named name (for its flag set).
func lookup(name string) command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	panic("cli: no command " + name)
}

func plural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	if strings.HasSuffix(one, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(one, "y"))
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// secrets returns the mask for every secret villi is configured with: the
// NCBI API key (NCBI's 429 answer echoes it), the link-signing secret, and
// the credentials in the SMTP, E-utilities and base URLs (URL errors echo
// them).
func secrets(e Env) *redact.Redactor {
	vals := []string{e.Getenv("VILLI_NCBI_API_KEY"), e.Getenv("VILLI_SECRET"), e.Getenv("VILLI_METRICS_TOKEN")}
	for _, k := range []string{"VILLI_SMTP_URL", "VILLI_EUTILS_URL", "VILLI_BASE_URL"} {
		vals = append(vals, redact.URLSecrets(e.Getenv(k))...)
	}
	return redact.New(vals...)
}

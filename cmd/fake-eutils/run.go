package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"villi/internal/fakeeutils"
	"villi/pubmed"
)

const usage = `usage: fake-eutils [flags] FILE_OR_DIR...

Serves the PubMed records of the given .xml / .xml.gz files (folders are
searched recursively; in a folder holding records.tsv, as the shared
fixtures do, files with records marked not genuine are left out) at
http://ADDR/entrez/eutils/{esearch,efetch}.fcgi, and logs one line per
request.

flags:
`

// run parses args, loads the files and serves until ctx ends. ready, when
// set, is called with the listening address (tests use it).
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fl := flag.NewFlagSet("fake-eutils", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, usage); fl.PrintDefaults() }
	var (
		addr       = fl.String("addr", "127.0.0.1:8099", "listen address (loopback only)")
		faultSpec  = fl.String("faults", "", "fault probabilities, e.g. 429=0.05,500=0.05,502=0.02,503=0.02,reset=0.02,truncate=0.02,error200=0.02,slow=0.01")
		slow       = fl.Duration("slow", fakeeutils.DefaultSlowDelay, "delay of a slow response")
		retryAfter = fl.Int("retry-after", 1, "Retry-After seconds sent with 429 (negative: no header)")
		seed       = fl.Uint64("seed", 1, "seed of the fault draws")
		maxIDs     = fl.Int("max-ids", fakeeutils.DefaultMaxIDs, "ids of one search that can be paged")
		rate       = fl.Bool("rate-limit", false, "answer 429 above 3 requests/s per client (10 with api_key), like NCBI")
		ttl        = fl.Duration("history-ttl", 8*time.Hour, "forget a WebEnv unused this long (0: never)")
		quiet      = fl.Bool("quiet", false, "do not log each request")
	)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return errors.New("name at least one PubMed XML file or folder")
	}
	faults, err := fakeeutils.ParseFaults(*faultSpec)
	if err != nil {
		return err
	}
	faults.SlowDelay, faults.RetryAfter, faults.EnforceRate = *slow, *retryAfter, *rate
	if err := loopbackOnly(*addr); err != nil {
		return err
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := fakeeutils.Config{Faults: faults, Seed: *seed, MaxIDs: *maxIDs, HistoryTTL: *ttl}
	if !*quiet {
		cfg.Observe = func(r fakeeutils.Request) { logRequest(log, r) }
	}
	srv := fakeeutils.New(cfg)
	start := time.Now()
	files, skipped, err := loadAll(srv, fl.Args(), log)
	if err != nil {
		return err
	}
	if srv.Len() == 0 {
		return errors.New("no PubMed records loaded")
	}
	log.Info("loaded", "records", srv.Len(), "files", files, "skipped_files", skipped, "took", time.Since(start).Round(time.Millisecond))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String() + "/entrez/eutils/"
	log.Info("serving", "url", base, "faults", *faultSpec, "rate_limit", *rate)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// loopbackOnly refuses addresses other than loopback: the fake serves
// copyrighted abstracts and has no authentication.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: fake-eutils listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// loadAll loads each file, and each .xml/.xml.gz under each folder. Files
// that are not PubMed records (other E-utilities answers, broken XML) are
// logged and skipped; an unreadable argument is an error.
func loadAll(srv *fakeeutils.Server, args []string, log *slog.Logger) (loaded, skipped int, err error) {
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return loaded, skipped, err
		}
		if !st.IsDir() {
			if err := srv.LoadFile(arg); err != nil {
				return loaded, skipped, err
			}
			loaded++
			continue
		}
		notGenuine, err := readNotGenuine(filepath.Join(arg, "records.tsv"))
		if err != nil {
			return loaded, skipped, err
		}
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xml.gz")) {
				return err
			}
			rel, _ := filepath.Rel(arg, p)
			if notGenuine[filepath.ToSlash(rel)] {
				skipped++
				log.Info("skipped", "file", p, "reason", "records.tsv marks a record not genuine")
				return nil
			}
			if err := srv.LoadFile(p); err != nil {
				skipped++
				reason := err.Error()
				if errors.Is(err, pubmed.ErrNotPubMed) || errors.Is(err, pubmed.ErrEmpty) {
					reason = "not PubMed records"
				}
				log.Info("skipped", "file", p, "reason", reason)
				return nil
			}
			loaded++
			return nil
		})
		if err != nil {
			return loaded, skipped, err
		}
	}
	return loaded, skipped, nil
}

// readNotGenuine reads the shared fixtures' records.tsv (columns local_file,
// genuine, ...) into the set of files holding a record not marked "yes".
// A missing file means no such set.
func readNotGenuine(name string) (map[string]bool, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 1 && cols[0] != "local_file" && cols[1] != "yes" {
			out[cols[0]] = true
		}
	}
	return out, sc.Err()
}

func logRequest(log *slog.Logger, r fakeeutils.Request) {
	client := r.Client
	if r.Params.Get("api_key") != "" {
		client = "api_key" // a key is a secret, even a test one
	}
	attrs := []any{"endpoint", r.Endpoint, "method", r.Method, "status", r.Status, "bytes", r.Bytes,
		"ms", r.Duration.Milliseconds(), "client", client}
	if r.Fault != "" {
		attrs = append(attrs, "fault", string(r.Fault))
	}
	for _, k := range []string{"term", "datetype", "mindate", "maxdate", "retstart", "retmax", "query_key"} {
		if v := r.Params.Get(k); v != "" {
			attrs = append(attrs, k, v)
		}
	}
	if ids := r.Params["id"]; len(ids) > 0 {
		attrs = append(attrs, "ids", strings.Count(strings.Join(ids, ","), ",")+1)
	}
	log.Info("request", attrs...)
}

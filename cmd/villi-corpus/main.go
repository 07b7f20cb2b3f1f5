// Command villi-corpus writes a larger PubMed corpus resampled from real
// records, for benchmarks and crawl tests:
//
//	villi-corpus -n 100000 -o corpus.xml.gz ../shared/fixtures/topical/gut-diet-topics.xml
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"villi/internal/corpus"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "villi-corpus:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 10000, "records to write")
	out := flag.String("o", "-", "output file (.gz compresses); - is stdout")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same corpus)")
	shuffle := flag.Float64("shuffle", 0.5, "share of records given another record's abstract")
	first := flag.Uint64("first-pmid", 0, "first PMID (default 90000000)")
	flag.Parse()
	if flag.NArg() == 0 {
		return fmt.Errorf("name at least one PubMed XML file to resample")
	}
	var src corpus.Source
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = src.Load(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
		if strings.HasSuffix(*out, ".gz") {
			gz := gzip.NewWriter(f)
			defer gz.Close()
			w = gz
		}
	}
	return src.Write(w, corpus.Options{N: *n, Seed: *seed, ShuffleAbstracts: *shuffle, FirstPMID: *first})
}

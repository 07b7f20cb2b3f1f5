// Package pubmedtest decodes PubMed XML fixtures for tests: whole files into
// items, failing the test with the file's name when one does not decode.
// (It cannot live in internal/fixture, which pubmed's own tests import.)
package pubmedtest

import (
	"errors"
	"io"
	"os"
	"testing"

	"villi/pubmed"
)

// Items decodes every item (articles and deletions) of the PubMed XML file
// at path.
func Items(tb testing.TB, path string) []pubmed.Item {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	dec := pubmed.NewDecoder(f)
	var items []pubmed.Item
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			tb.Fatalf("decode %s: %v", path, err)
		}
		items = append(items, it)
	}
}

// Articles returns the articles of the file at path, in file order.
func Articles(tb testing.TB, path string) []*pubmed.Article {
	tb.Helper()
	var out []*pubmed.Article
	for _, it := range Items(tb, path) {
		if it.Article != nil {
			out = append(out, it.Article)
		}
	}
	return out
}

// Article returns the article with pmid from the file at path, failing the
// test when the file has none.
func Article(tb testing.TB, path string, pmid uint64) *pubmed.Article {
	tb.Helper()
	for _, a := range Articles(tb, path) {
		if a.PMID == pmid {
			return a
		}
	}
	tb.Fatalf("%s: PMID %d not found", path, pmid)
	return nil
}

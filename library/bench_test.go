package library

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"villi/index"
	"villi/internal/corpus"
	"villi/internal/cputime"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/learn"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// benchCorpusSize is the number of resampled records the import benchmarks
// ingest; VILLI_BENCH_N overrides it (make bench uses 10000).
func benchCorpusSize() int {
	if n, err := strconv.Atoi(os.Getenv("VILLI_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 5000
}

var (
	benchOnce sync.Once
	benchXML  []byte
	benchErr  error
)

// benchCorpus resamples the topical records (real, on-topic PubMed text) into
// a corpus with new PMIDs and shuffled abstracts.
func benchCorpus(b *testing.B) []byte {
	b.Helper()
	path := filepath.Join(fixture.Topical(b), "gut-diet-topics.xml")
	benchOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			benchErr = err
			return
		}
		defer f.Close()
		var src corpus.Source
		if benchErr = src.Load(f); benchErr != nil {
			return
		}
		var buf bytes.Buffer
		benchErr = src.Write(&buf, corpus.Options{N: benchCorpusSize(), Seed: 42, ShuffleAbstracts: 0.5})
		benchXML = buf.Bytes()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchXML
}

// BenchmarkImport measures villi import end to end: decode, tag, store
// (one bbolt transaction per batch), index.
func BenchmarkImport(b *testing.B) {
	data := benchCorpus(b)
	n := benchCorpusSize()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		lib, err := Open(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		lib.Close()
		b.ReportMetric(float64(fileSize(b, filepath.Join(dir, storeFile)))/float64(n), "store-B/record")
		b.ReportMetric(float64(dirSize(b, filepath.Join(dir, indexDir)))/float64(n), "index-B/record")
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

func fileSize(b *testing.B, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

func dirSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkBleveAlone indexes the same documents, already decoded and
// tagged, straight into the index in batches of the same size: the baseline
// BenchmarkImport is held against (target: import ≥ 0.8 × this rate).
func BenchmarkBleveAlone(b *testing.B) {
	data := benchCorpus(b)
	tax := taxonomy.Default()
	var recs []store.Record
	dec := pubmed.NewDecoder(bytes.NewReader(data))
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if it.Article != nil {
			recs = append(recs, store.Record{Article: *it.Article, Tags: tax.Tag(it.Article)})
		}
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ix, err := index.Open(filepath.Join(b.TempDir(), "index.bleve"), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < len(recs); i += DefaultBatchSize {
			batch := recs[i:min(i+DefaultBatchSize, len(recs))]
			if err := ix.Apply(context.Background(), batch, nil, uint64(i+len(batch))); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// meshList is a record's MeSH headings in PubMed XML.
var meshList = regexp.MustCompile(`(?s)<MeshHeadingList>.*?</MeshHeadingList>`)

// BenchmarkImportUnindexed measures what the learned model adds to import
// on records NLM has not indexed yet (a crawl of the newest week): the
// benchmark corpus with its MeSH headings removed, imported by a library
// with no model (the baseline) and by one holding a model trained on the
// indexed topical records. Each iteration imports both ways, in alternating
// order, so that the pair shares the machine's load; the ratio of their CPU
// time is the figure (issue 13 bounds it at 1.1).
func BenchmarkImportUnindexed(b *testing.B) {
	data := meshList.ReplaceAll(benchCorpus(b), nil)
	n := benchCorpusSize()
	set := learn.NewSet(taxonomy.Default())
	for _, a := range pubmedtest.Articles(b, filepath.Join(fixture.Topical(b), "gut-diet-topics.xml")) {
		set.Add(a)
	}
	m, err := set.Train(context.Background(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	model := m.Encode()
	// importOnce imports data into a new library and returns the CPU time
	// the import took.
	importOnce := func(withModel bool) time.Duration {
		lib, err := Open(context.Background(), b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer lib.Close()
		if withModel {
			if err := lib.st.PutModel(modelName, model); err != nil {
				b.Fatal(err)
			}
			if err := lib.loadModel(); err != nil || lib.model.Load() == nil {
				b.Fatalf("model not loaded: %v", err)
			}
		}
		before := cputime.Process()
		if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
		cpu := cputime.Process() - before
		if withModel {
			// The corpus must really reach the model: unindexed records with
			// provisional tags.
			var unindexed, guessed int
			err := lib.st.ForEach(context.Background(), func(rec store.Record) error {
				if len(rec.Article.MeSH) == 0 {
					unindexed++
				}
				if len(rec.Tags.Provisional) > 0 {
					guessed++
				}
				return nil
			})
			if err != nil || unindexed != n || guessed == 0 {
				b.Fatalf("after import: %d of %d records unindexed, %d with provisional tags (%v)", unindexed, n, guessed, err)
			}
		}
		return cpu
	}
	b.SetBytes(2 * int64(len(data)))
	var rules, withModel time.Duration
	for i := range b.N {
		if i%2 == 0 {
			rules += importOnce(false)
			withModel += importOnce(true)
		} else {
			withModel += importOnce(true)
			rules += importOnce(false)
		}
	}
	records := float64(n * b.N)
	b.ReportMetric(float64(rules.Microseconds())/records, "rules-cpu-µs/record")
	b.ReportMetric(float64(withModel.Microseconds())/records, "model-cpu-µs/record")
	b.ReportMetric(float64(withModel)/float64(rules), "model/rules")
}

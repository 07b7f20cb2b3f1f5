package library

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"villi/index"
	"villi/internal/corpus"
	"villi/internal/fixture"
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

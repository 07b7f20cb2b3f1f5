package index

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"villi/store"
)

// opDocs is the work of one BenchmarkIndexBatch op, the same for every
// batch size so that the sizes compare.
const opDocs = 2000

// BenchmarkIndexBatch measures indexing throughput (docs/s) for batch sizes,
// through Index.Apply and through bleve alone with the same mapping and
// documents; the batch constants in rebuild.go come from it. Each op indexes
// opDocs new documents into a growing index.
func BenchmarkIndexBatch(b *testing.B) {
	real := topicalRecords(b)
	for _, size := range []int{250, 500, 1000, 2000} {
		b.Run("apply/batch="+strconv.Itoa(size), func(b *testing.B) {
			ix, err := Open(filepath.Join(b.TempDir(), "ix"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			b.ResetTimer()
			for n := 0; n < b.N*opDocs/size; n++ {
				if err := ix.Apply(context.Background(), batchAt(real, n, size), nil, uint64(n+1)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*opDocs)/b.Elapsed().Seconds(), "docs/s")
		})
		b.Run("bleve-alone/batch="+strconv.Itoa(size), func(b *testing.B) {
			bi, err := bleve.NewUsing(filepath.Join(b.TempDir(), "ix"), Mapping(), scorch.Name, scorch.Name, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer bi.Close()
			b.ResetTimer()
			for n := 0; n < b.N*opDocs/size; n++ {
				bb := bi.NewBatch()
				for _, r := range batchAt(real, n, size) {
					if err := bb.Index(strconv.FormatUint(r.Article.PMID, 10), Document(&r)); err != nil {
						b.Fatal(err)
					}
				}
				if err := bi.Batch(bb); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*opDocs)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// batchAt is the n-th batch of size records, PMIDs shifted on every pass
// over recs so each batch adds new documents.
func batchAt(recs []store.Record, n, size int) []store.Record {
	out := make([]store.Record, size)
	for i := range out {
		j := n*size + i
		out[i] = recs[j%len(recs)]
		out[i].Article.PMID += uint64(j/len(recs)) * 1_000_000_000
	}
	return out
}

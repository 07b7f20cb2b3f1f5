package taxonomy

import (
	"testing"

	"villi/pubmed"
)

// BenchmarkTag tags the 8,600 topical records in turn, as indexed (MeSH
// present) and as not yet indexed (text only, with and without the
// reasons), and reports articles/s.
func BenchmarkTag(b *testing.B) {
	recs := loadTopical(b)
	tx := Default()
	bare := make([]pubmed.Article, len(recs))
	for i, r := range recs {
		bare[i] = *r.article
		bare[i].MeSH, bare[i].PublicationTypes = nil, nil
	}
	b.Run("mesh", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tx.Tag(recs[i%len(recs)].article)
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
	b.Run("text-only", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tx.Tag(&bare[i%len(bare)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
	// What ingest pays on a record NLM has not indexed: the tags and
	// the words that decided each.
	b.Run("text-only-reasons", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tx.TagWithReasons(&bare[i%len(bare)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
}

func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Default()
	}
}

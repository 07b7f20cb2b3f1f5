package learn

import (
	"context"
	"testing"

	"villi/pubmed"
	"villi/taxonomy"
)

// BenchmarkTagRules is the baseline: the rules alone over every topical
// record, as ingest tagged before the model.
func BenchmarkTagRules(b *testing.B) {
	tax := taxonomy.Default()
	arts := topicalArticles(b)
	b.ResetTimer()
	for b.Loop() {
		for _, a := range arts {
			tax.Tag(a)
		}
	}
	b.ReportMetric(float64(len(arts)), "records/op")
}

// BenchmarkTagWithModel is what ingest does now: rules, and the model on
// the records NLM has not indexed.
func BenchmarkTagWithModel(b *testing.B) {
	tax := taxonomy.Default()
	arts := topicalArticles(b)
	m := train(b, tax, arts)
	b.ResetTimer()
	for b.Loop() {
		for _, a := range arts {
			Tag(tax, m, a)
		}
	}
	b.ReportMetric(float64(len(arts)), "records/op")
}

// BenchmarkTrain gathers and trains on every indexed topical record, as
// `villi retag` does.
func BenchmarkTrain(b *testing.B) {
	tax := taxonomy.Default()
	arts := topicalArticles(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		set := NewSet(tax)
		for _, a := range arts {
			set.Add(a)
		}
		if _, err := set.Train(context.Background(), trainedAt); err != nil {
			b.Fatal(err)
		}
		n = set.Len()
	}
	b.ReportMetric(float64(n), "records/op")
}

// BenchmarkTrain100k trains on 100,000 records, the bound: the
// indexed topical records repeated under new PMIDs (so the calibration
// fifth and the order differ per copy) until there are 100,000.
func BenchmarkTrain100k(b *testing.B) {
	tax := taxonomy.Default()
	var indexed []*pubmed.Article
	for _, a := range topicalArticles(b) {
		if Indexed(a) {
			indexed = append(indexed, a)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		set := NewSet(tax)
		for i := 0; set.Len() < 100_000; i++ {
			a := *indexed[i%len(indexed)]
			a.PMID += uint64(i/len(indexed)) * 100_000_000
			set.Add(&a)
		}
		if _, err := set.Train(context.Background(), trainedAt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTagUnindexedRules and BenchmarkTagUnindexedWithModel measure
// the model's cost where it applies: the topical records NLM has not
// indexed, rules alone and rules + model (ns/op is per record).
func BenchmarkTagUnindexedRules(b *testing.B) {
	tax := taxonomy.Default()
	arts := unindexed(topicalArticles(b))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tax.Tag(arts[i%len(arts)])
	}
}

func BenchmarkTagUnindexedWithModel(b *testing.B) {
	tax := taxonomy.Default()
	all := topicalArticles(b)
	m := train(b, tax, all)
	arts := unindexed(all)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Tag(tax, m, arts[i%len(arts)])
	}
}

func unindexed(arts []*pubmed.Article) []*pubmed.Article {
	var out []*pubmed.Article
	for _, a := range arts {
		if !Indexed(a) {
			out = append(out, a)
		}
	}
	return out
}

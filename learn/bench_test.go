package learn

import (
	"context"
	"testing"

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

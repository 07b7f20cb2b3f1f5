package index

import (
	"fmt"
	"slices"
	"testing"
	"time"
	"villi/internal/cputime"
)

// BenchmarkFacets times counting every facet over the hits of a search at
// the benchmark corpus's sizes: all live rows (an empty query) and every
// other row. It is the part of a search PubMed's filters add to; it uses
// only the doc table, so it runs unchanged on the parent commit for a
// same-run comparison.
func BenchmarkFacets(b *testing.B) {
	for _, n := range benchSizes(b) {
		c := openBenchCorpus(b, n)
		_, d, release, err := c.ix.acquireDocs()
		if err != nil {
			b.Fatal(err)
		}
		tab := d.current()
		half := slices.Clone(tab.live)
		for i := range half {
			half[i] &= 0x5555555555555555
		}
		for _, hits := range []struct {
			name string
			bs   bitset
		}{{"all", tab.live}, {"half", half}} {
			b.Run(fmt.Sprintf("docs=%d/hits=%s", n, hits.name), func(b *testing.B) {
				now := time.Now()
				cpu := cputime.Process()
				for range b.N {
					tab.facets(d, hits.bs, now, false)
				}
				b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
		release()
	}
}

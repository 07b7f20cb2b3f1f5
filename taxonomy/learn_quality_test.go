package taxonomy_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"villi/learn"
	"villi/pubmed"
	"villi/taxonomy"
)

// TestQuality_Learned is issue 13's item 5 measured (QUALITY.md, "Learned
// provisional tags"): the model is trained on the design half's indexed
// records only and, with the rules, tags the held-out half with MeSH and
// publication types hidden. The rules plus the model must find more than
// the rules alone without dropping any row's precision far. The same model
// without its vetoes is scored beside it, and the records the vetoes fix
// and break are logged.
func TestQuality_Learned(t *testing.T) {
	tx := taxonomy.Default()
	set := learn.NewSet(tx)
	for _, a := range taxonomy.DesignArticles(t) {
		set.Add(a)
	}
	m, err := set.Train(context.Background(), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// The same model without its vetoes, to show what they change.
	noVeto := *m
	noVeto.Classes = slices.Clone(m.Classes)
	for i, c := range m.Classes {
		t.Logf("class %s %s threshold %.3f veto %.4f", c.Kind, c.Slug, c.Threshold, c.Veto)
		noVeto.Classes[i].Veto = 0
	}
	table, scores := taxonomy.TextOnlyHeldOut(t, tx, []string{"rules", "rules+model, no veto", "rules+model"}, []func(*pubmed.Article) taxonomy.Tags{
		tx.Tag,
		func(a *pubmed.Article) taxonomy.Tags { return learn.Tag(tx, &noVeto, a) },
		func(a *pubmed.Article) taxonomy.Tags { return learn.Tag(tx, m, a) },
	})
	t.Logf("held-out, text only (trained on %d design records):\n%s", m.Records, table)
	gained := 0
	for i := range scores[0] {
		r, nv, l := scores[0][i], scores[1][i], scores[2][i]
		fpGone, fnGone, fpNew, fnNew := without(nv.FP, l.FP), without(nv.FN, l.FN), without(l.FP, nv.FP), without(l.FN, nv.FN)
		if len(fpGone)+len(fnGone)+len(fpNew)+len(fnNew) > 0 {
			t.Logf("%s, what the vetoes change: wrong calls gone %v, misses found %v; wrong calls new %v, misses new %v",
				l.Row, first(fpGone, 8), first(fnGone, 8), first(fpNew, 8), first(fnNew, 8))
		}
		gained += len(r.FN) - len(l.FN)
		if l.N >= 20 && l.P < r.P-0.1 {
			t.Errorf("%s: precision %.3f with the model, %.3f rules alone", l.Row, l.P, r.P)
		}
		if f, ok := learnedFloor[l.Row]; ok && (l.P < f.p || l.R < f.r) {
			t.Errorf("%s with the model: precision %.3f recall %.3f fell under its floor %.2f/%.2f",
				l.Row, l.P, l.R, f.p, f.r)
		}
		if l.N >= 20 {
			t.Logf("%s misses with the model: fn %v fp %v", l.Row, first(l.FN, 8), first(l.FP, 8))
		}
	}
	if gained <= 0 {
		t.Errorf("the model found %d fewer misses than the rules alone", gained)
	}
}

// learnedFloor holds the held-out figures of rules + model (with its
// vetoes) a little under what they measure (QUALITY.md, "Learned provisional tags"), so that a
// change to the features or the training that loses what the model finds
// fails here. Rows the model does not reach are held by the rules' own
// floors (textEvidenceFloor).
var learnedFloor = map[string]struct{ p, r float64 }{
	"evidence case-report": {0.94, 0.58},
	"evidence review":      {0.87, 0.50},
	// rct and observational: the vetoes' (0.894 and 0.653 without them).
	"evidence rct":           {0.91, 0.60},
	"evidence observational": {0.67, 0.37},
	"condition celiac":       {0.92, 0.89},
	"condition ibd":          {0.88, 0.86},
}

// without is a's ids that are not b's.
func without(a, b []uint64) []uint64 {
	var out []uint64
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}

func first(ids []uint64, n int) []uint64 { return slices.Clone(ids[:min(n, len(ids))]) }

package learn

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"villi/pubmed"
	"villi/taxonomy"
)

// learnFolds turns on TestDesignFolds, the design-half measure the model's
// features and settings were chosen with (QUALITY.md, "Learned provisional
// tags"):
//
//	VILLI_REQUIRE_FIXTURES=1 go test ./learn -run DesignFolds -v -args -learn.folds
var learnFolds = flag.Bool("learn.folds", false, "print the design-half two-fold figures")

// TestDesignFolds trains on one fold of the design half's indexed records
// and scores the other (text only), both ways. Per evidence row: precision
// and recall of the rules, of rules + model without its vetoes and of
// rules + model against the level the rules give with indexing; "top", how many right additions the model's ranking
// gives, among the records the rules leave "other", while at least 90 % of
// them are right (thresholds aside, how good the ranking is); and for the
// levels the rules give imprecisely, what dropping their verdict where the
// model gives it a low probability would do. The held-out half is never
// read.
func TestDesignFolds(t *testing.T) {
	if !*learnFolds {
		t.Skip("set -learn.folds to print the design-half figures")
	}
	tx := taxonomy.Default()
	var arts []*pubmed.Article
	for _, a := range topicalArticles(t) {
		if Indexed(a) && designHalf(a.PMID) {
			arts = append(arts, a)
		}
	}
	fold := func(pmid uint64) int {
		h := fnv.New64a()
		// The salt is arbitrary (QUALITY.md's figures were measured with
		// it); the bit is not the low one, which FNV-1a ties to the half's.
		h.Write([]byte("zzcv:" + strconv.FormatUint(pmid, 10)))
		return int(h.Sum64() >> 33 & 1)
	}
	row := func(l string) string {
		if l == "animal" || l == "in-vitro" || l == "other" {
			return "none"
		}
		return l
	}
	rows := []string{"meta-analysis", "rct", "clinical-trial", "observational", "case-report", "review", "commentary", "none"}
	type count struct{ tp, fp, fn int }
	type scored struct {
		p   float32
		pos bool
	}
	var rules, noVeto, model = map[string]*count{}, map[string]*count{}, map[string]*count{}
	for _, r := range rows {
		rules[r], noVeto[r], model[r] = &count{}, &count{}, &count{}
	}
	open, ruled := map[string][]scored{}, map[string][]scored{}
	for f := range 2 {
		set := NewSet(tx)
		for _, a := range arts {
			if fold(a.PMID) != f {
				set.Add(a)
			}
		}
		m, err := set.Train(context.Background(), trainedAt)
		if err != nil {
			t.Fatal(err)
		}
		var on, vetoes []string
		for _, c := range m.Classes {
			if c.Threshold <= 1 {
				on = append(on, fmt.Sprintf("%s %.2f", c.Slug, c.Threshold))
			}
			if c.Veto > 0 {
				vetoes = append(vetoes, fmt.Sprintf("%s %.3f", c.Slug, c.Veto))
			}
		}
		t.Logf("fold %d: trained on %d, classes on: %s; vetoes: %s", f, m.Records, strings.Join(on, ", "), strings.Join(vetoes, ", "))
		nv := *m
		nv.Classes = slices.Clone(m.Classes)
		for i := range nv.Classes {
			nv.Classes[i].Veto = 0
		}
		for _, a := range arts {
			if fold(a.PMID) != f {
				continue
			}
			want := row(tx.Tag(a).Evidence)
			h := *a
			h.MeSH, h.PublicationTypes = nil, nil
			byRules := tx.Tag(&h).Evidence
			for _, x := range []struct {
				got string
				c   map[string]*count
			}{{row(byRules), rules}, {row(Tag(tx, &nv, &h).Evidence), noVeto}, {row(Tag(tx, m, &h).Evidence), model}} {
				for _, r := range rows {
					switch w, g := want == r, x.got == r; {
					case w && g:
						x.c[r].tp++
					case g:
						x.c[r].fp++
					case w:
						x.c[r].fn++
					}
				}
			}
			feats, _ := features(tx, &h)
			for i := range m.Classes {
				c := &m.Classes[i]
				switch {
				case c.Kind != KindEvidence:
				case byRules == "other":
					open[c.Slug] = append(open[c.Slug], scored{c.prob(feats), row(c.Slug) == want})
				case byRules == c.Slug:
					ruled[c.Slug] = append(ruled[c.Slug], scored{c.prob(feats), want == c.Slug})
				}
			}
		}
	}
	pr := func(c *count) string {
		return fmt.Sprintf("%.3f / %.3f", float64(c.tp)/float64(max(1, c.tp+c.fp)), float64(c.tp)/float64(max(1, c.tp+c.fn)))
	}
	byP := func(s []scored, desc bool) {
		slices.SortStableFunc(s, func(a, b scored) int {
			if desc {
				a, b = b, a
			}
			switch {
			case a.p < b.p:
				return -1
			case a.p > b.p:
				return 1
			}
			return 0
		})
	}
	var b strings.Builder
	b.WriteString("| row | n | rules P / R | rules+model, no veto P / R | rules+model P / R | open / right there | top |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		s := open[r]
		byP(s, true)
		right, top, tp := 0, 0, 0
		for i, x := range s {
			if x.pos {
				right++
				tp++
			}
			if float64(tp) >= 0.9*float64(i+1) {
				top = tp
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d / %d | %d |\n", r, rules[r].tp+rules[r].fn, pr(rules[r]), pr(noVeto[r]), pr(model[r]), len(s), right, top)
	}
	t.Log("design half, two folds, text only:\n" + b.String())
	for _, r := range []string{"rct", "clinical-trial", "observational"} {
		s := ruled[r]
		byP(s, false)
		tp := 0
		for _, x := range s {
			if x.pos {
				tp++
			}
		}
		n := rules[r].tp + rules[r].fn
		line := fmt.Sprintf("%s: dropping the rules' verdict where the model gives it under p:", r)
		for i, x := range s {
			if x.pos {
				tp--
			}
			if (i+1)%max(1, len(s)/10) == 0 {
				line += fmt.Sprintf(" p<%.2f P %.3f R %.3f;", x.p, float64(tp)/float64(max(1, len(s)-i-1)), float64(tp)/float64(n))
			}
		}
		t.Log(line)
	}
}

// designHalf is taxonomy's split of the fixture (halfOf in its
// quality_test.go, which tests of another package cannot call): the design
// half is the one whose hash is even.
func designHalf(pmid uint64) bool {
	h := uint64(14695981039346656037)
	for _, c := range []byte("villi-split:" + strconv.FormatUint(pmid, 10)) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h&1 == 0
}

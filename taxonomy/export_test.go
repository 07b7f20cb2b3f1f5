package taxonomy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// DesignArticles returns the MeSH-indexed topical records of the design
// half, for package learn's quality test (learn_quality_test.go) to train on.
func DesignArticles(tb testing.TB) []*pubmed.Article {
	var out []*pubmed.Article
	for _, r := range loadTopical(tb) {
		if r.hasMeSH && halfOf(r.article.PMID) == halfDesign {
			out = append(out, r.article)
		}
	}
	return out
}

// TextOnlyHeldOut scores each tagger on the held-out MeSH-indexed topical
// records with MeSH and publication types hidden: per evidence row and per
// condition, n / precision / recall, one column per tagger, as a Markdown
// table; misses lists, per tagger, the held-out PMIDs each row got wrong.
func TextOnlyHeldOut(tb testing.TB, tx *Taxonomy, names []string, taggers []func(*pubmed.Article) Tags) (table string, scores [][]Score) {
	recs := loadTopical(tb)
	conds := tx.Conditions()
	rows := len(evidenceRows) + len(conds)
	all := make([][]score, len(taggers))
	for ti := range taggers {
		for _, l := range evidenceRows {
			all[ti] = append(all[ti], score{slug: "evidence " + rowName(l)})
		}
		for _, c := range conds {
			all[ti] = append(all[ti], score{slug: "condition " + c.Slug})
		}
	}
	for _, r := range recs {
		if !r.hasMeSH || halfOf(r.article.PMID) != halfHeldOut {
			continue
		}
		want := evidenceTruth(r.article)
		a := hideIndexing(*r.article)
		for ti, tag := range taggers {
			got := tag(&a)
			ev := EvidenceRank(got.Evidence)
			for i, row := range evidenceRows {
				w, h := sameRow(want, row), sameRow(ev, row)
				if w || h {
					all[ti][i].add(a.PMID, w, h, false, false)
				}
			}
			for i, c := range conds {
				w, h := slices.Contains(r.truth, c.Slug), slices.Contains(got.Conditions, c.Slug)
				if w || h {
					all[ti][len(evidenceRows)+i].add(a.PMID, w, h, false, false)
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("| tag | n |")
	for _, n := range names {
		fmt.Fprintf(&b, " %s P / R |", n)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(names)) + "\n")
	scores = make([][]Score, len(taggers))
	for i := range rows {
		fmt.Fprintf(&b, "| %s | %d |", all[0][i].slug, all[0][i].n)
		for ti := range taggers {
			s := all[ti][i]
			fmt.Fprintf(&b, " %.3f / %.3f |", s.precision(), s.recall())
			scores[ti] = append(scores[ti], Score{Row: s.slug, N: s.n, P: s.precision(), R: s.recall(), FP: s.fpIDs, FN: s.fnIDs})
		}
		b.WriteString("\n")
	}
	return b.String(), scores
}

// Score is one row of TextOnlyHeldOut for one tagger.
type Score struct {
	Row    string
	N      int
	P, R   float64
	FP, FN []uint64
}

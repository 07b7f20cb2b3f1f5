package taxonomy

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// mechanismTruth names, per mechanism with a truth, NLM's headings that say
// a record examines it (issue 13, item 2). Written out here rather than read
// from the table, so that the table is measured against NLM's indexing and
// not against itself. A record is a positive when it carries one of them.
var mechanismTruth = map[string][]string{
	"remove":    {"Diet, Gluten-Free"},
	"rebalance": {"Probiotics", "Prebiotics", "Synbiotics", "Fecal Microbiota Transplantation", "Dietary Fiber"},
}

// mechanismSlugs is mechanismTruth's keys in a fixed order for tables.
var mechanismSlugs = []string{"remove", "rebalance"}

func hasTruthHeading(a *pubmed.Article, names []string) bool {
	for _, h := range a.MeSH {
		if slices.Contains(names, h.DescriptorName) {
			return true
		}
	}
	return false
}

// scopeYears gives, per mechanism, the first year in which at least three
// MeSH-indexed topical records carry one of its truth headings. Older
// records are out of scope: NLM could not index them with a heading it had
// not introduced yet (Diet, Gluten-Free first appears on records of 2008,
// once before on a record of 2003), so a gluten-free diet study of 1995 is
// no false positive. Rebalance is in scope throughout (Dietary Fiber).
func scopeYears(recs []topicalRecord) map[string]int {
	perYear := map[string]map[int]int{}
	for _, r := range recs {
		if !r.hasMeSH {
			continue
		}
		for slug, names := range mechanismTruth {
			if hasTruthHeading(r.article, names) {
				if perYear[slug] == nil {
					perYear[slug] = map[int]int{}
				}
				perYear[slug][r.article.Year()]++
			}
		}
	}
	out := map[string]int{}
	for slug, years := range perYear {
		first := 0
		for y, n := range years {
			if n >= 3 && (first == 0 || y < first) {
				first = y
			}
		}
		out[slug] = first
	}
	return out
}

// evaluateMechanisms tags every MeSH-indexed topical record (after hide)
// and scores remove and rebalance against the headings, on the records of
// the years in scope (scopeYears).
func evaluateMechanisms(tx *Taxonomy, recs []topicalRecord, hide func(a pubmed.Article) pubmed.Article) evaluation {
	scope := scopeYears(recs)
	var ev evaluation
	for _, slug := range mechanismSlugs {
		ev.all = append(ev.all, score{slug: slug})
		for h := range ev.halve {
			ev.halve[h] = append(ev.halve[h], score{slug: slug})
		}
	}
	for _, r := range recs {
		if !r.hasMeSH {
			continue
		}
		a := hide(*r.article)
		got := tx.Tag(&a).Mechanisms
		half := halfOf(a.PMID)
		for i, slug := range mechanismSlugs {
			if a.Year() < scope[slug] {
				continue
			}
			want := hasTruthHeading(r.article, mechanismTruth[slug])
			have := slices.Contains(got, slug)
			if !want && !have {
				continue
			}
			for _, s := range []*score{&ev.all[i], &ev.halve[half][i]} {
				s.add(a.PMID, want, have, false, false)
			}
		}
	}
	return ev
}

func (ev evaluation) mechanismTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-10s %5s %5s %4s %4s %6s %6s | %-20s | %-20s\n", "mechanism", "truth", "tp", "fp", "fn", "prec", "recall",
		"design: n  P     R", "held-out: n  P     R")
	for i, s := range ev.all {
		fmt.Fprintf(&b, "%-10s %5d %5d %4d %4d %6.3f %6.3f", s.slug, s.n, s.tp, s.fp, s.fn, s.precision(), s.recall())
		for h := range ev.halve {
			x := ev.halve[h][i]
			fmt.Fprintf(&b, " | %6d %6.3f %6.3f", x.n, x.precision(), x.recall())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// mechanismFloor holds, per mechanism, the held-out floors [with indexing,
// text only]: the goal (0.8 both) where it is met, else a little
// under the measured figure so that a regression fails. QUALITY.md
// ("Mechanisms") gives the figures and the misses that keep text-only
// tagging under the goal.
var mechanismFloor = map[string][2]floor{
	"remove":    {{0.80, 0.80}, {0.60, 0.57}},
	"rebalance": {{0.80, 0.80}, {0.83, 0.63}},
}

// TestQuality_MechanismsByWhatAStudyIsAbout is the mechanism bar
// (item 2) on the held-out half: remove and rebalance against NLM's
// headings, with indexing and from text only.
func TestQuality_MechanismsByWhatAStudyIsAbout(t *testing.T) {
	recs := loadTopical(t)
	tx := Default()
	full := evaluateMechanisms(tx, recs, func(a pubmed.Article) pubmed.Article { return a })
	text := evaluateMechanisms(tx, recs, hideIndexing)
	t.Logf("records in scope from (first year with at least 3 records carrying a truth heading): %v", scopeYears(recs))
	t.Log("mechanisms with publication types and MeSH:" + full.mechanismTable())
	t.Log("mechanisms from text only (publication types and MeSH hidden):" + text.mechanismTable())
	for mode, ev := range []evaluation{full, text} {
		name := []string{"with indexing", "text only"}[mode]
		for _, s := range ev.halve[halfHeldOut] {
			p, r := s.precision(), s.recall()
			f := mechanismFloor[s.slug][mode]
			if f.precision < 0.8 || f.recall < 0.8 {
				t.Logf("BELOW THE ISSUE'S GOAL: %s, held-out %s: precision %.3f recall %.3f (goal 0.80/0.80)", name, s.slug, p, r)
			}
			if p < f.precision || r < f.recall {
				t.Errorf("%s, held-out %s: precision %.3f recall %.3f, want >= %.2f and >= %.2f (fp %v fn %v)",
					name, s.slug, p, r, f.precision, f.recall, head(s.fpIDs), head(s.fnIDs))
			}
		}
	}
}

// mechanismMissesFlag names mechanisms whose design-half misses
// TestQuality_MechanismDesignMisses prints:
//
//	go test ./taxonomy -run MechanismDesignMisses -v -args -mechanism.misses=remove -mechanism.text
var (
	mechanismMissesFlag = flag.String("mechanism.misses", "", "comma-separated mechanisms (remove, rebalance) whose design-half misses to print")
	mechanismTextFlag   = flag.Bool("mechanism.text", false, "print the text-only misses (publication types and MeSH hidden)")
)

func TestQuality_MechanismDesignMisses(t *testing.T) {
	if *mechanismMissesFlag == "" {
		t.Skip("set -mechanism.misses=remove,rebalance to print design-half misses")
	}
	tx := Default()
	recs := loadTopical(t)
	scope := scopeYears(recs)
	for _, r := range recs {
		if !r.hasMeSH || halfOf(r.article.PMID) != halfDesign {
			continue
		}
		a := *r.article
		if *mechanismTextFlag {
			a = hideIndexing(a)
		}
		got := tx.Tag(&a).Mechanisms
		for _, slug := range strings.Split(*mechanismMissesFlag, ",") {
			names, ok := mechanismTruth[slug]
			if !ok {
				t.Fatalf("no truth for mechanism %q", slug)
			}
			w, h := hasTruthHeading(r.article, names), slices.Contains(got, slug)
			if w == h || a.Year() < scope[slug] {
				continue
			}
			kind := "FP"
			if w {
				kind = "FN"
			}
			id := slices.IndexFunc(tx.mechanisms, func(id int) bool { return tx.blocks[id].slug == slug })
			var mh []string
			for _, x := range r.article.MeSH {
				mh = append(mh, x.DescriptorName)
			}
			t.Logf("%s %s %d %q\n\t%s\n\tmesh: %s", slug, kind, a.PMID, a.Title, describeHits(tx, &a, tx.mechanisms[id]), strings.Join(mh, "; "))
		}
	}
}

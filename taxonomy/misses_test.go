package taxonomy

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// missesFlag names conditions whose text-only misses on the design half
// TestQuality_DesignMisses prints, for whoever works on the rules:
//
//	go test ./taxonomy -run DesignMisses -v -args -quality.misses=hashimoto,type-1-diabetes
//
// It prints the design half only: rules are designed from those misses, and
// the held-out half stays unread so that its figures mean something.
var missesFlag = flag.String("quality.misses", "", "comma-separated condition slugs whose design-half misses to print")

func TestQuality_DesignMisses(t *testing.T) {
	if *missesFlag == "" {
		t.Skip("set -quality.misses=slug,... to print a condition's design-half misses")
	}
	tx := Default()
	recs := loadTopical(t)
	for _, slug := range strings.Split(*missesFlag, ",") {
		id := slices.IndexFunc(tx.conditions, func(id int) bool { return tx.blocks[id].slug == slug })
		if id < 0 {
			t.Fatalf("no condition %q in the table", slug)
		}
		id = tx.conditions[id]
		for _, r := range recs {
			if !r.hasMeSH || halfOf(r.article.PMID) != halfDesign {
				continue
			}
			a := *r.article
			a.MeSH, a.PublicationTypes = nil, nil
			have := slices.Contains(tx.Tag(&a).Conditions, slug)
			want := slices.Contains(r.truth, slug)
			if have == want {
				continue
			}
			kind := "FP"
			if want {
				kind = "FN"
			}
			t.Logf("%s %s %d %q\n\t%s", slug, kind, a.PMID, a.Title, describeHits(tx, &a, id))
		}
	}
}

// describeHits lists what the text rules of one block find in an article:
// the counts salience weighs and each matched phrase with its field.
func describeHits(tx *Taxonomy, a *pubmed.Article, block int) string {
	s := tx.getScanner()
	defer tx.putScanner(s)
	tx.scanText(s, a)
	c := s.blocks[block]
	var b strings.Builder
	fmt.Fprintf(&b, "title %d, abstract %d (in lists %d), keywords %d, models %d, refs %d:",
		c.field[fieldTitle], c.field[fieldAbstract], c.listed, c.field[fieldKeywords], c.model, c.refs)
	fields := [numFields]string{"ti", "ab", "kw"}
	toks := s.z.toks
	phrase := func(from, to int) string {
		var ws []string
		for i := from; i <= to; i++ {
			ws = append(ws, toks[i].orig)
		}
		return strings.Join(ws, " ")
	}
	for _, h := range s.hits {
		if r := tx.rules[h.rule]; r.block == block {
			kind := ""
			if r.kind == ruleRef {
				kind = " ref"
			}
			fmt.Fprintf(&b, " [%s%s] %q", fields[toks[h.start].field], kind, phrase(h.start, h.end))
		}
	}
	for _, h := range s.abbrs {
		if tx.rules[h.rule].block == block {
			fmt.Fprintf(&b, " [%s abbr] %q", fields[toks[h.start].field], phrase(h.start, h.end))
		}
	}
	return b.String()
}

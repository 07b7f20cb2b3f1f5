package learn

import (
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
	"villi/taxonomy"
)

// On every topical record as NLM has not indexed it, each provisional tag
// has exactly one reason, in the same order: the rules' words, quoted from
// the record, or the model's probability (at least the class's threshold)
// and terms that are the record's own. An indexed record has none.
func TestTag_EveryProvisionalTagSaysWhy(t *testing.T) {
	tax := taxonomy.Default()
	arts := topicalArticles(t)
	m := train(t, tax, arts)
	classes := map[string]*Class{}
	for i := range m.Classes {
		classes[m.Classes[i].Kind+":"+m.Classes[i].Slug] = &m.Classes[i]
	}
	learned := 0
	for _, orig := range arts {
		a := *orig
		a.MeSH, a.PublicationTypes = nil, nil
		tags := Tag(tax, m, &a)
		if len(tags.ProvisionalWhy) != len(tags.Provisional) {
			t.Fatalf("%d: %d reasons for provisional %v", a.PMID, len(tags.ProvisionalWhy), tags.Provisional)
		}
		words := " " + strings.Join(textWords(&a), " ") + " "
		for i, r := range tags.ProvisionalWhy {
			if r.Tag != tags.Provisional[i] {
				t.Errorf("%d: reason %d is for %q, want %q", a.PMID, i, r.Tag, tags.Provisional[i])
			}
			switch r.Source {
			case taxonomy.SourceText:
				if r.Phrase == "" || r.Field == "" {
					t.Errorf("%d %s: text reason without words: %+v", a.PMID, r.Tag, r)
				}
			case taxonomy.SourceModel:
				learned++
				c := classes[r.Kind+":"+r.Tag]
				if c == nil || r.Probability < c.Threshold || r.Probability > 1 {
					t.Errorf("%d %s: model reason %+v, want a class's probability over its threshold", a.PMID, r.Tag, r)
				}
				if n := len(r.Terms) + len(r.Signs); n == 0 || n > maxTerms {
					t.Errorf("%d %s: %d terms and signs, want 1 to %d", a.PMID, r.Tag, n, maxTerms)
				}
				for _, term := range r.Terms {
					if !strings.Contains(words, " "+term+" ") {
						t.Errorf("%d %s: term %q is not the record's", a.PMID, r.Tag, term)
					}
				}
			default:
				t.Errorf("%d %s: reason %+v has no source", a.PMID, r.Tag, r)
			}
		}
	}
	if learned < 100 {
		t.Errorf("%d tags from the model over the topical records, want the model at work (100 or more)", learned)
	}
	for _, a := range arts {
		if Indexed(a) {
			if got := Tag(tax, m, a); got.ProvisionalWhy != nil {
				t.Errorf("indexed %d: reasons %+v, want none", a.PMID, got.ProvisionalWhy)
			}
			break
		}
	}
}

// 16498340, a case report NLM had not typed or indexed when the fixture
// was fetched: its condition comes from the title's words, its evidence
// level from the model, with the terms and the signs of its form (a case
// report is short, by few authors) that weighed most for it.
func TestTag_ModelReasonNamesTheHeaviestTerms(t *testing.T) {
	tax := taxonomy.Default()
	arts := topicalArticles(t)
	m := train(t, tax, arts)
	i := slices.IndexFunc(arts, func(a *pubmed.Article) bool { return a.PMID == 16498340 })
	if i < 0 || Indexed(arts[i]) {
		t.Fatal("PMID 16498340 missing from the topical fixture or indexed")
	}
	got := Tag(tax, m, arts[i]).ProvisionalWhy
	want := []taxonomy.Reason{
		{Tag: "celiac", Kind: taxonomy.KindCondition, Source: taxonomy.SourceText, Phrase: "coeliac", Field: "title"},
		{Tag: "remove", Kind: taxonomy.KindMechanism, Source: taxonomy.SourceText, Phrase: "gluten free", Field: "abstract"},
		// The terms follow the model trained on the topical fixture:
		// a change to training may change them.
		{Tag: "case-report", Kind: taxonomy.KindEvidence, Source: taxonomy.SourceModel, Probability: got[len(got)-1].Probability,
			Terms: []string{"patient", "severe"}, Signs: []string{"4–7 authors", "2–3 pages", "64–127 abstract words"}},
	}
	if !slices.EqualFunc(got, want, sameReason) {
		t.Errorf("16498340 reasons:\n got %+v\nwant %+v", got, want)
	}
	if p := got[len(got)-1].Probability; p < 0.5 || p > 1 {
		t.Errorf("case-report probability %v, want the model's, over one half", p)
	}
}

// heaviest orders the record's terms by their weight for the class,
// heaviest first and equal weights in term order, keeps only those that
// add, leaves out function words and pairs with a single letter, and names
// a term once.
func TestHeaviest_OrdersTheRecordsTermsByWeight(t *testing.T) {
	c := &Class{W: make([]uint16, NumBuckets)}
	set := func(w float32, prefix, a, b string) { c.W[bucket(prefix, a, b)] = toBF16(w) }
	set(2, "u:", "crohn", "")
	set(1, "u:", "ileal", "")
	set(1, "u:", "anti", "")
	set(3, "b:", "anti", "tnf")
	set(5, "u:", "with", "") // a function word
	set(4, "b:", "crohn", "s")
	set(-1, "u:", "tnf", "")
	words := strings.Fields("anti tnf with ileal crohn s disease crohn")
	set(2.5, "r:", "no-abstract", "") // a sign of the record's form
	a := &pubmed.Article{Title: "Anti-TNF"}
	rules := taxonomy.Tags{Evidence: "other"}
	terms, signs := heaviest(c, a, words, rules, 5)
	want := []string{"anti tnf", "crohn", "anti", "ileal"}
	if !slices.Equal(terms, want) || !slices.Equal(signs, []string{"no abstract"}) {
		t.Errorf("heaviest = %q, %q; want %q, [no abstract]", terms, signs, want)
	}
	if terms, signs := heaviest(c, a, words, rules, 2); !slices.Equal(terms, want[:1]) || !slices.Equal(signs, []string{"no abstract"}) {
		t.Errorf("heaviest of 2 = %q, %q; want %q, [no abstract]", terms, signs, want[:1])
	}
}

func sameReason(a, b taxonomy.Reason) bool {
	return a.Tag == b.Tag && a.Kind == b.Kind && a.Source == b.Source && a.Phrase == b.Phrase &&
		a.Field == b.Field && a.Probability == b.Probability && slices.Equal(a.Terms, b.Terms) && slices.Equal(a.Signs, b.Signs)
}

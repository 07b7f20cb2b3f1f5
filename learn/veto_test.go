package learn

import (
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"

	"villi/pubmed"
	"villi/taxonomy"
)

var (
	topicalModelOnce sync.Once
	topicalModelM    *Model
)

// topicalModel is the model trained on every topical record, trained once
// for the veto tests, which change copies of it.
func topicalModel(tb testing.TB) *Model {
	tb.Helper()
	arts := topicalArticles(tb)
	topicalModelOnce.Do(func() { topicalModelM = train(tb, taxonomy.Default(), arts) })
	return topicalModelM
}

// withVetoes is a copy of m whose evidence classes veto under v (and whose
// conditions keep theirs).
func withVetoes(m *Model, v float32) *Model {
	c := *m
	c.Classes = slices.Clone(m.Classes)
	for i := range c.Classes {
		if c.Classes[i].Kind == KindEvidence {
			c.Classes[i].Veto = v
		}
	}
	return &c
}

// asUnindexed is the record as NLM has not indexed it: no MeSH, and no
// publication types unless keepTypes (a publisher's own).
func asUnindexed(a *pubmed.Article, keepTypes bool) *pubmed.Article {
	h := *a
	h.MeSH = nil
	if !keepTypes {
		h.PublicationTypes = nil
	}
	return &h
}

// evidenceReason is the reason Tag gives for the record's level, if any.
func evidenceReason(tags taxonomy.Tags) (taxonomy.Reason, bool) {
	for _, r := range tags.ProvisionalWhy {
		if r.Kind == taxonomy.KindEvidence {
			return r, true
		}
	}
	return taxonomy.Reason{}, false
}

// A level a publisher's publication type gives is never vetoed, even by a
// model that vetoes every level at any probability; the same records with
// their types hidden lose the levels their words gave.
func TestTag_VetoNeverOverridesAPublicationType(t *testing.T) {
	tax := taxonomy.Default()
	all := withVetoes(topicalModel(t), 1)
	typed, vetoedText := 0, 0
	for _, orig := range topicalArticles(t) {
		a := asUnindexed(orig, true)
		rules := tax.Tag(a)
		r, ok := evidenceReason(Tag(tax, nil, a))
		if !ok || r.Source != taxonomy.SourcePublicationType {
			continue
		}
		typed++
		got := Tag(tax, all, a)
		if gr, _ := evidenceReason(got); got.Evidence != rules.Evidence || gr.Source != taxonomy.SourcePublicationType {
			t.Errorf("%d: publication type %q gives %s; with every level vetoed got %s (%+v)", a.PMID, r.Phrase, rules.Evidence, got.Evidence, gr)
		}
		h := asUnindexed(orig, false)
		if text := tax.Tag(h).Evidence; text != "other" && Tag(tax, all, h).Evidence != text {
			vetoedText++
		}
	}
	t.Logf("%d records typed by their publisher; %d of their text levels vetoed without the type", typed, vetoedText)
	if typed < 100 || vetoedText < 50 {
		t.Errorf("%d records typed by their publisher, %d of their text levels vetoed without the type; want the test to see both (100 and 50 or more)", typed, vetoedText)
	}
}

// A vetoed level is gone, reason and all: with every level vetoed, no
// record keeps a level its words gave, and what replaces it is the model's
// own level over its threshold, with the model's reason, or "other" with
// no evidence reason. The vetoed level does not come back through the
// model, even where the model gives it over its threshold.
func TestTag_VetoedLevelLeavesNoStaleReason(t *testing.T) {
	tax := taxonomy.Default()
	m := topicalModel(t)
	all := withVetoes(m, 1)
	thresholds := map[string]float32{}
	for _, c := range m.Classes {
		if c.Kind == KindEvidence {
			thresholds[c.Slug] = c.Threshold
		}
	}
	vetoed, replaced := 0, 0
	for _, orig := range topicalArticles(t) {
		a := asUnindexed(orig, false)
		text := tax.Tag(a).Evidence
		if text == "other" {
			continue
		}
		vetoed++
		got := Tag(tax, all, a)
		if len(got.ProvisionalWhy) != len(got.Provisional) {
			t.Fatalf("%d: %d reasons for provisional %v", a.PMID, len(got.ProvisionalWhy), got.Provisional)
		}
		r, ok := evidenceReason(got)
		switch {
		case got.Evidence == text:
			t.Errorf("%d: the words' level %s was vetoed and came back (%+v)", a.PMID, text, r)
		case got.Evidence == "other" && ok:
			t.Errorf("%d: level other with an evidence reason %+v", a.PMID, r)
		case got.Evidence == "other":
		case !ok || r.Tag != got.Evidence || r.Source != taxonomy.SourceModel || r.Probability < thresholds[r.Tag]:
			t.Errorf("%d: %s vetoed, replaced by %s with reason %+v; want the model's over its threshold", a.PMID, text, got.Evidence, r)
		default:
			replaced++
		}
	}
	t.Logf("%d levels vetoed, %d replaced by the model's", vetoed, replaced)
	if vetoed < 500 || replaced < 20 {
		t.Errorf("%d levels vetoed, %d replaced by the model's; want the test to see both (500 and 20 or more)", vetoed, replaced)
	}
}

// A class whose Veto is 0 vetoes nothing: with every veto 0 the words'
// level always stands. The trained model's vetoes change exactly the
// records whose words' level the model finds under that level's veto, and
// nothing else of any record.
func TestTag_VetoZeroChangesNothing(t *testing.T) {
	tax := taxonomy.Default()
	m := topicalModel(t)
	none := withVetoes(m, 0)
	class := map[string]*Class{}
	for i := range m.Classes {
		if c := &m.Classes[i]; c.Kind == KindEvidence {
			class[c.Slug] = c
		}
	}
	changed := 0
	for _, orig := range topicalArticles(t) {
		a := asUnindexed(orig, false)
		text := tax.Tag(a).Evidence
		zero, trained := Tag(tax, none, a), Tag(tax, m, a)
		if text != "other" && zero.Evidence != text {
			t.Errorf("%d: no veto, yet the words' level %s became %s", a.PMID, text, zero.Evidence)
		}
		feats, _ := features(tax, a)
		under := text != "other" && class[text].prob(feats) < class[text].Veto
		if same := reflect.DeepEqual(zero, trained); same == under {
			t.Errorf("%d: level %s, under its veto %v; the trained vetoes changed the tags: %v", a.PMID, text, under, !same)
		}
		if !reflect.DeepEqual(zero, trained) {
			changed++
		}
	}
	t.Logf("the trained vetoes changed %d records", changed)
	if changed == 0 {
		t.Error("the trained model's vetoes changed no record; want the test to see them work")
	}
}

// vetoCut drops the rules' calls for a level under the highest cut that
// loses at most 2 % of their right calls, drops more wrong ones than right
// ones and raises the precision, just over the last call it drops; none
// where the rules make fewer than minHits right calls.
func TestVetoCut(t *testing.T) {
	calls := func(p float32, pos bool, n int) []scored {
		return slices.Repeat([]scored{{p, pos}}, n)
	}
	join := func(parts ...[]scored) []scored { return slices.Concat(parts...) }
	for _, c := range []struct {
		name string
		sc   []scored
		want float32
	}{
		{"too few right calls", join(calls(0.01, false, 5), calls(0.9, true, minHits-1)), 0},
		{"wrong calls under every right one", join(calls(0.01, false, 1), calls(0.02, false, 1), calls(0.03, false, 1), calls(0.9, true, 50)), 0.03},
		{"one right call of 50 may go", join(calls(0.01, false, 1), calls(0.015, true, 1), calls(0.02, false, 2), calls(0.9, true, 49)), 0.02},
		{"two of 50 may not", join(calls(0.005, true, 1), calls(0.006, true, 1), calls(0.01, false, 3), calls(0.9, true, 48)), 0},
		{"a cut takes every tie", join(calls(0.01, false, 1), calls(0.02, false, 1), calls(0.02, true, 1), calls(0.9, true, 19)), 0.01},
		{"losing as many as it drops", join(calls(0.01, true, 1), calls(0.02, false, 1), calls(0.9, true, 49)), 0},
		{"precision not raised", join(calls(0.01, true, 1), calls(0.02, false, 2), calls(0.9, true, 49), calls(0.9, false, 198)), 0},
		{"never at one half or over", join(calls(0.6, false, 5), calls(0.9, true, 50)), 0},
	} {
		want := c.want
		if want > 0 {
			want = math.Nextafter32(want, 1)
		}
		if got := vetoCut(c.sc); got != want {
			t.Errorf("%s: vetoCut = %v, want %v", c.name, got, want)
		}
	}
}

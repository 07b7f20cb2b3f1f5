package taxonomy

import (
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// topicalArticle is one record of the topical fixture, copied so that a
// test may strip it.
func topicalArticle(t *testing.T, pmid uint64) pubmed.Article {
	t.Helper()
	for _, r := range loadTopical(t) {
		if r.article.PMID == pmid {
			return *r.article
		}
	}
	t.Fatalf("PMID %d is not in the topical fixture", pmid)
	return pubmed.Article{}
}

// On real records with NLM's indexing stripped, as a record looks before
// NLM indexes it, each tag says which words of the record gave it, as they
// stand there and where: the title before the abstract, the abstract's
// conclusion for a mechanism, a publisher's publication type for the
// evidence level when there is one.
func TestTagWithReasons_QuoteTheWordsThatDecided(t *testing.T) {
	tx := Default()
	text := func(kind, tag, field, phrase string) Reason {
		return Reason{Tag: tag, Kind: kind, Source: SourceText, Field: field, Phrase: phrase}
	}
	for _, c := range []struct {
		name      string
		pmid      uint64
		keepTypes bool // strip MeSH only, keep the publication types
		want      []Reason
	}{
		{"rct from the abstract's design words", 19154566, false, []Reason{
			text(KindCondition, "celiac", "title", "coeliac"),
			text(KindMechanism, "remove", "title", "gluten-free"),
			text(KindEvidence, "rct", "abstract", "double blind placebo controlled"),
		}},
		{"rct from the publisher's type", 19154566, true, []Reason{
			text(KindCondition, "celiac", "title", "coeliac"),
			text(KindMechanism, "remove", "title", "gluten-free"),
			{Tag: "rct", Kind: KindEvidence, Source: SourcePublicationType, Phrase: "Randomized Controlled Trial"},
		}},
		{"possessive kept as written; abstract-only conditions", 25989710, false, []Reason{
			text(KindCondition, "hashimoto", "abstract", "Hashimoto's thyroiditis"),
			text(KindCondition, "multiple-sclerosis", "abstract", "multiple sclerosis"),
			text(KindCondition, "ibd", "abstract", "Crohn"),
			text(KindEvidence, "meta-analysis", "title", "meta-analyses"),
		}},
		{"mechanism from the abstract's results sentence", 8861756, false, []Reason{
			text(KindCondition, "celiac", "title", "celiac"),
			text(KindMechanism, "remove", "abstract", "gluten-free"),
			text(KindMechanism, "repair", "abstract", "mucosal healing"),
		}},
		{"case report from the patient's age", 1935625, false, []Reason{
			// "the response to a gluten-free diet" is one passing
			// mention: no mechanism.
			text(KindCondition, "celiac", "abstract", "coeliac"),
			text(KindEvidence, "case-report", "abstract", "year-old woman"),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := topicalArticle(t, c.pmid)
			a.MeSH = nil
			if !c.keepTypes {
				a.PublicationTypes = nil
			}
			tags, got, _ := tx.TagWithReasons(&a)
			if !equalTags(tags, tx.Tag(&a)) {
				t.Errorf("TagWithReasons tags %+v, Tag %+v: want the same", tags, tx.Tag(&a))
			}
			if !slices.EqualFunc(got, c.want, equalReason) {
				t.Errorf("%d reasons:\n got %+v\nwant %+v", c.pmid, got, c.want)
			}
		})
	}
}

// Over every topical record as NLM has not indexed it, each condition,
// mechanism and evidence level given has one reason, in the tags' order,
// whose words stand as quoted in the field it names; an indexed record has
// none.
func TestTagWithReasons_OneReasonPerTagQuotedFromTheRecord(t *testing.T) {
	tx := Default()
	recs := loadTopical(t)
	for _, r := range recs {
		a := *r.article
		a.MeSH, a.PublicationTypes = nil, nil
		tags, got, _ := tx.TagWithReasons(&a)
		var want []string
		for _, c := range tags.Conditions {
			want = append(want, KindCondition+":"+c)
		}
		for _, m := range tags.Mechanisms {
			want = append(want, KindMechanism+":"+m)
		}
		if tags.Evidence != "other" {
			want = append(want, KindEvidence+":"+tags.Evidence)
		}
		var gotTags []string
		for _, x := range got {
			gotTags = append(gotTags, x.Kind+":"+x.Tag)
			fields := map[string]string{"title": a.Title, "keywords": keywordText(&a)}
			for _, s := range a.Abstract {
				fields["abstract"] += s.Text + "\n"
			}
			if x.Source != SourceText || x.Phrase == "" || !strings.Contains(fields[x.Field], x.Phrase) {
				t.Errorf("%d %s: reason %+v does not quote its field", a.PMID, x.Tag, x)
			}
		}
		if !slices.Equal(gotTags, want) {
			t.Errorf("%d: reasons for %v, want one each for %v", a.PMID, gotTags, want)
		}
	}
	for _, r := range recs {
		if r.hasMeSH {
			if _, got, _ := tx.TagWithReasons(r.article); got != nil {
				t.Errorf("indexed %d: reasons %+v, want none", r.article.PMID, got)
			}
			break
		}
	}
}

func keywordText(a *pubmed.Article) string {
	var b strings.Builder
	for _, k := range a.Keywords {
		b.WriteString(k.Text + "\n")
	}
	return b.String()
}

func equalReason(a, b Reason) bool {
	return a.Tag == b.Tag && a.Kind == b.Kind && a.Source == b.Source && a.Phrase == b.Phrase &&
		a.Field == b.Field && a.Probability == b.Probability && slices.Equal(a.Terms, b.Terms)
}

package digest

import (
	"context"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// provisionalPair picks two real records of one condition from the
// fixture: guess, stripped of its MeSH and publication types as a record
// NLM has not indexed yet is (its tags then villi's guess from the text:
// a focus condition and an evidence level), and indexed, NLM-indexed and
// about the same condition.
func provisionalPair(t *testing.T, until time.Time) (guess, indexed *pubmed.Article, cond string) {
	t.Helper()
	var arts []*pubmed.Article
	for _, a := range readFixture(t, fixMultiple) {
		if !a.IsRetracted() && storedAt(t, a).Before(until) {
			arts = append(arts, a)
		}
	}
	tax := taxonomy.Default()
	for _, a := range arts {
		s := *a
		s.MeSH, s.PublicationTypes = nil, nil
		tg := tax.Tag(&s)
		if len(tg.Focus.Conditions) == 0 || tg.Evidence == "other" {
			continue
		}
		cond = tg.Focus.Conditions[0]
		for _, b := range arts {
			if b.PMID != a.PMID && slices.Contains(tax.Tag(b).Focus.Conditions, cond) {
				return &s, b, cond
			}
		}
	}
	t.Fatal("no record of the fixture fits")
	return nil, nil, ""
}

// storedAt is when the tests store a record: two days after PubMed listed it.
func storedAt(t *testing.T, a *pubmed.Article) time.Time { return entrez(t, a).Add(2 * 24 * time.Hour) }

// studyPart returns the text part's lines about pmid: from its title to
// its PubMed link.
func studyPart(t *testing.T, text string, pmid uint64) string {
	t.Helper()
	end := "PubMed: https://pubmed.ncbi.nlm.nih.gov/" + strconv.FormatUint(pmid, 10) + "/"
	before, _, ok := strings.Cut(text, end)
	if !ok {
		t.Fatalf("text part lacks PMID %d", pmid)
	}
	return before[strings.LastIndex(before, "\n* "):]
}

// htmlStudy returns the HTML part's block about pmid.
func htmlStudy(t *testing.T, h string, pmid uint64) string {
	t.Helper()
	link := `/articles/` + strconv.FormatUint(pmid, 10) + `"`
	for _, block := range strings.Split(h, `<div style="margin:0 0 18px;">`)[1:] {
		block, _, _ = strings.Cut(block, "</div>")
		if strings.Contains(block, link) {
			return block
		}
	}
	t.Fatalf("HTML part lacks PMID %d", pmid)
	return ""
}

// Issue 13, item 6: a study NLM has not indexed carries "(provisional)"
// beside its evidence level and beside the condition it is listed under, in
// both parts, and the mail explains the mark once; an NLM-indexed study
// beside it carries none, and a mail without a guess has no explanation.
func TestRender_ProvisionalTagsMarked(t *testing.T) {
	until := time.Date(1993, 1, 4, 7, 0, 0, 0, time.UTC) // a Monday after the fixture's records
	guess, indexed, cond := provisionalPair(t, until)
	lib := openLib(t, []stored{{article: guess, added: storedAt(t, guess)}, {article: indexed, added: storedAt(t, indexed)}})
	s := newService(t, lib, testConfig(until))
	condLabel := ""
	for _, c := range lib.Taxonomy().Conditions() {
		if c.Slug == cond {
			condLabel = c.Label
		}
	}
	rec, err := lib.Record(guess.PMID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rec.Tags.Provisional, cond) || !slices.Contains(rec.Tags.Provisional, rec.Tags.Evidence) {
		t.Fatalf("stripped PMID %d: provisional %v, want %s and its evidence level %s", guess.PMID, rec.Tags.Provisional, cond, rec.Tags.Evidence)
	}
	evLabel := taxonomy.EvidenceShort(rec.Tags.Evidence)

	sub := store.Subscription{ID: 21, Email: "eva@example.org", Conditions: []string{cond}}
	m, err := s.build(context.Background(), &sub, WeekKey(until, time.UTC), longAgo, until)
	if err != nil {
		t.Fatal(err)
	}
	if m.Items != 2 {
		t.Fatalf("digest holds %d studies, want the 2 of %s (%d, %d):\n%s", m.Items, cond, guess.PMID, indexed.PMID, m.Text)
	}
	golden(t, "digest-provisional.html", m.HTML)
	golden(t, "digest-provisional.txt", "Subject: "+m.Subject+"\n\n"+m.Text)
	checkMailHTML(t, m.HTML)

	// Text: the meta line of each study.
	g, i := studyPart(t, m.Text, guess.PMID), studyPart(t, m.Text, indexed.PMID)
	for _, want := range []string{evLabel + " (provisional)", condLabel + " (provisional)"} {
		if !strings.Contains(g, want) {
			t.Errorf("text part: PMID %d lacks %q:\n%s", guess.PMID, want, g)
		}
	}
	if strings.Contains(i, "provisional") {
		t.Errorf("text part: NLM-indexed PMID %d is marked provisional:\n%s", indexed.PMID, i)
	}
	note := strings.Join(strings.Fields(ProvisionalNote), " ")
	if n := strings.Count(strings.Join(strings.Fields(m.Text), " "), note); n != 1 {
		t.Errorf("text part explains the mark %d times, want once", n)
	}

	// HTML: the same, beside the evidence badge and with the condition.
	gh, ih := htmlStudy(t, m.HTML, guess.PMID), htmlStudy(t, m.HTML, indexed.PMID)
	badge := regexp.MustCompile(`>` + regexp.QuoteMeta(html.EscapeString(evLabel)) + `</span> <em>\(provisional\)</em>`)
	if !badge.MatchString(gh) || !strings.Contains(gh, html.EscapeString(condLabel)+" <em>(provisional)</em>") {
		t.Errorf("HTML part: PMID %d's evidence level or condition not marked provisional:\n%s", guess.PMID, gh)
	}
	if strings.Contains(ih, "provisional") {
		t.Errorf("HTML part: NLM-indexed PMID %d is marked provisional:\n%s", indexed.PMID, ih)
	}
	if n := strings.Count(m.HTML, html.EscapeString(ProvisionalNote)); n != 1 {
		t.Errorf("HTML part explains the mark %d times, want once", n)
	}

	// Without a guess among its studies a mail says nothing about it.
	only := openLib(t, []stored{{article: indexed, added: storedAt(t, indexed)}})
	m, err = newService(t, only, testConfig(until)).build(context.Background(), &sub, WeekKey(until, time.UTC), longAgo, until)
	if err != nil {
		t.Fatal(err)
	}
	if m.Items != 1 || strings.Contains(m.Text, "provisional") || strings.Contains(m.HTML, "provisional") {
		t.Errorf("a mail of %d NLM-indexed studies mentions provisional tags", m.Items)
	}
}

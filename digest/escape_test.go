package digest

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"villi/pubmed"
	"villi/store"
)

// A record's text may hold markup as characters. The HTML part must show it
// escaped; the text part must show it as written, since text/plain is not
// interpreted and an entity there would reach the reader as "&lt;".
func TestRender_RecordTextIsEscapedInHTMLAndVerbatimInText(t *testing.T) {
	const (
		markTitle    = `<script>title()</script>`
		markJournal  = `<b>Journal</b> & Co`
		markSentence = `<script>conclusion()</script>`
		markHandout  = `<i>handout()</i>`
		owner        = "escape@example.org"
	)
	var base *pubmed.Article
	for _, a := range readFixture(t, fixMultiple) {
		if !a.Retracted && len(a.Abstract) > 0 {
			base = a
			break
		}
	}
	if base == nil {
		t.Fatalf("%s has no unretracted record with an abstract", fixMultiple)
	}
	a := *base
	a.Title = "Serum levels " + markTitle + " in disease & health"
	a.TitleHTML = ""
	a.Journal.Title, a.Journal.ISOAbbrev, a.Journal.MedlineTA = markJournal, markJournal, markJournal
	a.Abstract = append(append([]pubmed.AbstractSection(nil), a.Abstract...), pubmed.AbstractSection{
		Category: "CONCLUSIONS", Label: "CONCLUSIONS", Text: "Levels " + markSentence + " rose & fell.",
	})

	added := entrez(t, &a).Add(2 * 24 * time.Hour)
	since, until := added.Add(-24*time.Hour), added.Add(24*time.Hour)
	lib := openLib(t, []stored{{article: &a, added: added}})
	cfg := testConfig(until)
	cfg.Handouts = handoutList{owner: {{
		Key: "1:1:retracted", Collection: "Handout", CollectionURL: "https://villi.example.org/collections/1",
		PMID: a.PMID, Title: "Flagged " + markHandout, ArticleURL: "https://villi.example.org/articles/1", Notice: "Retracted",
	}}}
	s := newService(t, lib, cfg)
	sub := store.Subscription{ID: 31, Email: owner}
	m, err := s.build(context.Background(), &sub, WeekKey(until, time.UTC), since, until)
	if err != nil {
		t.Fatal(err)
	}
	if m.Items != 1 {
		t.Fatalf("digest holds %d items, want the one record", m.Items)
	}

	marks := []string{markTitle, markJournal, markSentence, markHandout}
	for _, mark := range marks {
		if strings.Contains(m.HTML, mark) {
			t.Errorf("HTML part: raw %q", mark)
		}
		if esc := html.EscapeString(mark); !strings.Contains(m.HTML, esc) {
			t.Errorf("HTML part: lacks %q escaped (%q)", mark, esc)
		}
		if !strings.Contains(m.Text, mark) {
			t.Errorf("text part: lacks %q as written", mark)
		}
	}
	if strings.Contains(m.Text, "&lt;") || strings.Contains(m.Text, "&amp;") {
		t.Errorf("text part holds HTML entities:\n%s", m.Text)
	}
}

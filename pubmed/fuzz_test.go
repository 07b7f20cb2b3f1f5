package pubmed

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzDecode: any input either decodes or fails with an error, never a
// panic; every record yielded re-parses from its Source to the same Article,
// and its HTML fields hold only the allowed tags.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		oneRecord,
		"<PubmedArticleSet>" + oneRecord + "<DeleteCitation><PMID>5</PMID></DeleteCitation></PubmedArticleSet>",
		"\xef\xbb\xbf<?xml version=\"1.0\"?><!DOCTYPE PubmedArticleSet [<!ENTITY a 'b'>]><PubmedArticleSet/>",
		"<MedlineCitationSet><MedlineCitation><PMID>1</PMID><Article><Abstract><AbstractText Label=\"A\" NlmCategory=\"B\">x<sup>2</sup> &#x3b2;<![CDATA[<i>]]></AbstractText></Abstract></Article></MedlineCitation></MedlineCitationSet>",
		"<PubmedBookArticle><BookDocument><PMID>8</PMID><Book><BookTitle>T <i>i</i></BookTitle><AuthorList Type=\"editors\"><Author><LastName>E</LastName></Author></AuthorList></Book></BookDocument></PubmedBookArticle>",
		"<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue></Journal></Article></MedlineCitation></PubmedArticle>",
		"<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>a <mml:math><mml:mi>x</mml:mi></mml:math> &amp;</ArticleTitle><AuthorList><Author><Identifier Source=\"ORCID\">0000-0002-1825-0097</Identifier></Author></AuthorList></Article></MedlineCitation></PubmedArticle>",
		"<eSearchResult/>",
		"{}",
		"",
		"<PubmedArticleSet><PubmedArticle>",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(bytes.NewReader(in))
		for range 1000 {
			it, err := d.Next()
			if err != nil {
				if _, err2 := d.Next(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
			if it.Article == nil {
				continue
			}
			a, err := Parse(it.Source)
			if err != nil {
				t.Fatalf("Parse(Source %q): %v", it.Source, err)
			}
			if !reflect.DeepEqual(a, it.Article) {
				t.Fatalf("Parse(Source) differs from the stream for %q", it.Source)
			}
			checkArticleText(t, a)
		}
	})
}

func checkArticleText(t *testing.T, a *Article) {
	t.Helper()
	checkSafeHTML(t, a.TitleHTML)
	for _, s := range a.Abstract {
		checkSafeHTML(t, s.HTML)
		if !utf8.ValidString(s.Text) {
			t.Errorf("abstract text is not valid UTF-8: %q", s.Text)
		}
	}
	if !utf8.ValidString(a.Title) || !utf8.ValidString(a.TitleHTML) {
		t.Errorf("title is not valid UTF-8: %q", a.Title)
	}
}

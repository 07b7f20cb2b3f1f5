package cite

import (
	"fmt"
	"strconv"
	"strings"

	"villi/pubmed"
)

// Meta is one HTML <meta name content> tag.
type Meta struct {
	Name, Content string
}

// MetaTags are the Highwire Press citation_* tags of an article page, which
// Zotero's connector and Google Scholar read to save a reference in one
// click. fullText is the free full text address ("" when there is none),
// citation_fulltext_html_url. There is no citation_pdf_url: PubMed XML
// does not name a PMC copy's PDF file, and a guessed address would save a
// broken attachment.
func MetaTags(a *pubmed.Article, fullText string) []Meta {
	var out []Meta
	add := func(name, content string) {
		if content = strings.TrimSpace(content); content != "" {
			out = append(out, Meta{name, content})
		}
	}
	add("citation_title", a.Title)
	for _, au := range a.Authors {
		add("citation_author", metaAuthor(au))
	}
	add("citation_publication_date", metaDate(a.PubDate))
	if a.ArticleDate != nil {
		add("citation_online_date", metaDate(*a.ArticleDate))
	}
	if a.Book != nil {
		add("citation_book_title", a.Book.Title)
		add("citation_publisher", a.Book.Publisher)
		for _, isbn := range a.Book.ISBNs {
			add("citation_isbn", isbn)
		}
	} else {
		add("citation_journal_title", a.Journal.Title)
		add("citation_journal_abbrev", nlmJournal(a))
		add("citation_volume", a.Journal.Volume)
		add("citation_issue", a.Journal.Issue)
		sp, ep := splitPages(locator(a))
		add("citation_firstpage", sp)
		add("citation_lastpage", ep)
		add("citation_issn", a.Journal.ISSN)
		if a.Journal.ISSNLinking != a.Journal.ISSN {
			add("citation_issn", a.Journal.ISSNLinking)
		}
	}
	add("citation_doi", doiOf(a))
	add("citation_pmid", strconv.FormatUint(a.PMID, 10))
	for _, l := range a.Languages {
		add("citation_language", l)
	}
	if fullText != "" {
		add("citation_fulltext_html_url", fullText)
	}
	return out
}

// metaAuthor is "Last, First" (Highwire's form), "Last, Initials" without a
// fore name, or a collective name as is.
func metaAuthor(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return au.CollectiveName
	}
	first := au.ForeName
	if first == "" {
		first = au.Initials
	}
	last := joinNonEmpty(" ", au.LastName, au.Suffix)
	if first == "" {
		return last
	}
	return last + ", " + first
}

// metaDate is YYYY/MM/DD as far as known ("2015/03", "2015"); a season or a
// MedlineDate gives its year only.
func metaDate(d pubmed.Date) string {
	switch {
	case d.Year == 0:
		return ""
	case d.Season != "" || d.Month < 1 || d.Month > 12:
		return strconv.Itoa(d.Year)
	case d.Day < 1:
		return fmt.Sprintf("%d/%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%d/%02d/%02d", d.Year, d.Month, d.Day)
}

package cite

import (
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"

	"villi/pubmed"
)

// Style is a reference style.
type Style string

// The reference styles Reference knows.
const (
	AMA       Style = "ama"       // AMA Manual of Style, 11th edition
	APA       Style = "apa"       // APA Publication Manual, 7th edition
	Vancouver Style = "vancouver" // NLM's Citing Medicine, as PubMed prints it
)

// Styles lists the styles in the order a UI offers them.
var Styles = []Style{AMA, APA, Vancouver}

// ErrUnknownStyle is returned by ParseStyle for a name it does not know.
var ErrUnknownStyle = errors.New("unknown citation style")

// ParseStyle parses a style name, case-insensitively; "nlm" is accepted for
// Vancouver. The error lists the valid names.
func ParseStyle(s string) (Style, error) {
	switch st := Style(strings.ToLower(strings.TrimSpace(s))); st {
	case AMA, APA, Vancouver:
		return st, nil
	case "nlm":
		return Vancouver, nil
	}
	return "", fmt.Errorf("%w %q: valid styles are ama, apa, vancouver", ErrUnknownStyle, s)
}

// Reference returns the reference text of a in style s, as plain text and as
// HTML (escaped, with the style's italics; the title uses the article's
// TitleHTML so inline markup survives). A retracted article's reference ends
// with the retraction notice, so the warning travels with the text wherever
// it is pasted (Citing Medicine adds the retraction to the reference in the
// same way). An unknown style yields Vancouver.
func Reference(s Style, a *pubmed.Article) (text, markup string) {
	text, markup = BareReference(s, a)
	if r := retraction(a); r != "" && text != "" {
		text += " " + r
		markup += " " + html.EscapeString(r)
	}
	return text, markup
}

// BareReference is Reference without the retraction notice, for callers that
// flag retractions beside the reference themselves (collection lists).
func BareReference(s Style, a *pubmed.Article) (text, html string) {
	if a == nil {
		return "", ""
	}
	var b refBuilder
	switch s {
	case AMA:
		ama(&b, a)
	case APA:
		apa(&b, a)
	default:
		vancouver(&b, a)
	}
	return strings.TrimSpace(b.text.String()), strings.TrimSpace(b.html.String())
}

// refBuilder writes the text and the HTML variant of a reference side by side.
type refBuilder struct {
	text, html strings.Builder
}

func (b *refBuilder) plain(s string) {
	b.text.WriteString(s)
	b.html.WriteString(html.EscapeString(s))
}

func (b *refBuilder) italic(s string) {
	if s == "" {
		return
	}
	b.text.WriteString(s)
	b.html.WriteString("<i>" + html.EscapeString(s) + "</i>")
}

// title writes the article title closed as a sentence: the text from the plain
// Title, the HTML from the safe TitleHTML subset when there is one.
func (b *refBuilder) title(a *pubmed.Article) {
	t := strings.TrimSpace(a.Title)
	if t == "" {
		return
	}
	b.text.WriteString(endSentence(t))
	h := strings.TrimSpace(a.TitleHTML)
	if h == "" {
		h = html.EscapeString(t)
	}
	b.html.WriteString(h)
	if !hasFinalStop(t) {
		b.html.WriteString(".")
	}
	b.plain(" ")
}

func doiOf(a *pubmed.Article) string {
	if a.IDs.DOI != "" {
		return a.IDs.DOI
	}
	for _, e := range a.ELocationIDs {
		if e.Type == "doi" {
			return e.Value
		}
	}
	return ""
}

// nlmAuthors lists up to six authors and then "et al.", as Vancouver and
// (with keep=3) AMA do; a collective name after personal names follows a
// semicolon.
func nlmAuthors(as []pubmed.Author, max, keep int, etAl string) string {
	if len(as) == 0 {
		return ""
	}
	list, more := as, false
	if len(as) > max {
		list, more = as[:keep], true
	}
	var sb strings.Builder
	for i, au := range list {
		if i > 0 {
			if (au.CollectiveName != "") != (list[i-1].CollectiveName != "") {
				sb.WriteString("; ")
			} else {
				sb.WriteString(", ")
			}
		}
		sb.WriteString(nlmName(au))
	}
	if more {
		sb.WriteString(", " + etAl)
	}
	return endSentence(sb.String())
}

// vancouver follows PubMed's NLM citation (Citing Medicine): up to six authors,
// the NLM journal abbreviation, the date as NLM prints it (MedlineDate
// verbatim), MedlinePgn, and the PMID.
func vancouver(b *refBuilder, a *pubmed.Article) {
	if a.Book != nil {
		vancouverBook(b, a)
		return
	}
	if s := nlmAuthors(a.Authors, 6, 6, "et al."); s != "" {
		b.plain(s + " ")
	}
	b.title(a)
	b.plain(nlmSource(a, locator(a), "[Epub ahead of print]"))
	b.plain(pmidTail(a))
}

func pmidTail(a *pubmed.Article) string {
	if a.PMID == 0 {
		return ""
	}
	s := " PMID: " + strconv.FormatUint(a.PMID, 10)
	if a.IDs.PMC != "" {
		s += "; PMCID: " + a.IDs.PMC
	}
	return s + "."
}

// nlmSource is the journal part of an NLM citation, also PubMed's SO field:
// "Nat Aging. 2023 Mar;3(3):327-345. doi: 10.1038/x. Epub 2023 Mar 9."
func nlmSource(a *pubmed.Article, pages, ahead string) string {
	date := a.PubDate
	eColl := a.PubModel == "Electronic-eCollection" && a.ArticleDate != nil
	if eColl {
		// PubMed cites the electronic date first and the collection after.
		date = *a.ArticleDate
	}
	var sb strings.Builder
	sb.WriteString(nlmJournal(a))
	sb.WriteString(". ")
	sb.WriteString(date.NLM())
	if vi := volIssue(a.Journal.Volume, a.Journal.Issue); vi != "" {
		sb.WriteString(";" + vi)
	}
	if pages != "" {
		sb.WriteString(":" + pages)
	}
	sb.WriteString(".")
	if d := doiOf(a); d != "" {
		sb.WriteString(" doi: " + d + ".")
	}
	switch {
	case aheadOfPrint(a):
		sb.WriteString(" " + ahead)
	case (a.PubModel == "Print-Electronic" || a.PubModel == "Electronic-Print") && a.ArticleDate != nil:
		sb.WriteString(" Epub " + a.ArticleDate.NLM() + ".")
	}
	if eColl {
		sb.WriteString(" eCollection " + a.PubDate.NLM() + ".")
	}
	return sb.String()
}

func vancouverBook(b *refBuilder, a *pubmed.Article) {
	bk := a.Book
	if s := nlmAuthors(a.Authors, 6, 6, "et al."); s != "" {
		b.plain(s + " ")
	}
	if a.Title != "" && a.Title != bk.Title {
		b.title(a)
		b.plain("In: ")
		if eds := nlmAuthors(bk.Editors, 6, 6, "et al."); eds != "" {
			b.plain(strings.TrimSuffix(eds, ".") + ", editors. ")
		}
	}
	if bk.Title != "" {
		b.plain(endSentence(bk.Title) + " ")
	}
	b.plain(bookImprint(bk, a.PubDate.NLM()))
	b.plain(pmidTail(a))
}

// bookImprint is "Location: Publisher; Year." (Citing Medicine and AMA order).
func bookImprint(bk *pubmed.Book, year string) string {
	s := joinNonEmpty(": ", bk.PublisherLocation, bk.Publisher)
	return endSentence(joinNonEmpty("; ", s, year))
}

// ama follows the AMA Manual of Style, 11th edition (3.15): up to six authors,
// else three and "et al"; the NLM journal abbreviation in italics; full page
// ranges; "doi:" with no space and no final period.
func ama(b *refBuilder, a *pubmed.Article) {
	if s := nlmAuthors(a.Authors, 6, 3, "et al"); s != "" {
		b.plain(s + " ")
	}
	if a.Book != nil {
		amaBook(b, a)
		return
	}
	b.title(a)
	if j := nlmJournal(a); j != "" {
		b.italic(j)
		b.plain(". ")
	}
	year := ""
	if a.PubDate.Year != 0 {
		year = strconv.Itoa(a.PubDate.Year)
	}
	vi := volIssue(a.Journal.Volume, a.Journal.Issue)
	pages := fullPages(locator(a))
	switch {
	case aheadOfPrint(a) || (vi == "" && pages == "" && a.ArticleDate != nil):
		d := a.PubDate
		if a.ArticleDate != nil {
			d = *a.ArticleDate
		}
		b.plain(endSentence("Published online " + longDate(d)))
	default:
		s := year
		if vi != "" {
			s += ";" + vi
		}
		if pages != "" {
			s += ":" + pages
		}
		b.plain(s + ".")
	}
	if d := doiOf(a); d != "" {
		b.plain(" doi:" + d)
	}
}

func amaBook(b *refBuilder, a *pubmed.Article) {
	bk := a.Book
	if a.Title != "" && a.Title != bk.Title {
		b.title(a)
		b.plain("In: ")
		if eds := nlmAuthors(bk.Editors, 6, 3, "et al"); eds != "" {
			b.plain(strings.TrimSuffix(eds, ".") + ", eds. ")
		}
	}
	if t := strings.TrimSuffix(bk.Title, "."); t != "" {
		b.italic(t)
		b.plain(". ")
	}
	y := ""
	if a.PubDate.Year != 0 {
		y = strconv.Itoa(a.PubDate.Year)
	}
	b.plain(endSentence(joinNonEmpty("; ", bk.Publisher, y)))
}

// longDate is "March 9, 2023" (AMA's published-online date).
func longDate(d pubmed.Date) string {
	if d.Year == 0 {
		return d.MedlineDate
	}
	y := strconv.Itoa(d.Year)
	switch {
	case d.Month >= 1 && d.Month <= 12 && d.Day > 0:
		return monthFull[d.Month] + " " + strconv.Itoa(d.Day) + ", " + y
	case d.Month >= 1 && d.Month <= 12:
		return monthFull[d.Month] + " " + y
	case d.Season != "":
		return d.Season + " " + y
	}
	return y
}

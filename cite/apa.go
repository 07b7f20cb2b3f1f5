package cite

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"villi/pubmed"
)

// apa follows the APA Publication Manual, 7th edition (10.1): up to 20
// authors, else the first 19, an ellipsis and the last; the full journal name
// in title case with the volume in italics; an en dash in page ranges; the
// DOI as a URL.
func apa(b *refBuilder, a *pubmed.Article) {
	authors := apaAuthors(a.Authors)
	year := "n.d."
	if a.PubDate.Year != 0 {
		year = strconv.Itoa(a.PubDate.Year)
	}
	// A whole book's title is the italic book title apaBook writes.
	wholeBook := a.Book != nil && (a.Title == "" || a.Title == a.Book.Title)
	switch {
	case authors != "":
		b.plain(authors + " (" + year + "). ")
		if !wholeBook {
			b.title(a)
		}
	case wholeBook:
		b.plain("(" + year + "). ")
	default:
		// With no author the title moves to the author position (APA 9.12).
		b.title(a)
		b.plain("(" + year + "). ")
	}
	if a.Book != nil {
		apaBook(b, a)
	} else {
		apaJournal(b, a)
	}
	if d := doiOf(a); d != "" {
		b.plain(" https://doi.org/" + d)
	}
}

func apaJournal(b *refBuilder, a *pubmed.Article) {
	j := apaJournalName(a)
	vol, iss := a.Journal.Volume, a.Journal.Issue
	if vol != "" {
		b.italic(joinNonEmpty(", ", j, vol))
	} else {
		b.italic(j)
	}
	if iss != "" {
		b.plain("(" + iss + ")")
	}
	pages := nlmPages(a)
	switch {
	case pages != "":
		b.plain(", " + strings.ReplaceAll(fullPages(pages), "-", "\u2013") + ".")
	case locator(a) != "":
		// Electronic-only articles are cited by article number (APA 9.29).
		b.plain(", Article " + locator(a) + ".")
	default:
		b.plain(".")
	}
	if aheadOfPrint(a) {
		b.plain(" Advance online publication.")
	}
}

func apaBook(b *refBuilder, a *pubmed.Article) {
	bk := a.Book
	if a.Title != "" && a.Title != bk.Title {
		b.plain("In ")
		if len(bk.Editors) > 0 {
			var eds []string
			for _, e := range bk.Editors {
				eds = append(eds, apaEditor(e))
			}
			label := " (Ed.), "
			if len(eds) > 1 {
				label = " (Eds.), "
			}
			b.plain(apaJoin(eds) + label)
		}
	}
	if t := strings.TrimSuffix(bk.Title, "."); t != "" {
		b.italic(t)
		b.plain(". ")
	}
	if bk.Publisher != "" {
		b.plain(endSentence(bk.Publisher))
	}
}

// apaName is "Lastname, F. M." ("Lastname, F. M., Jr.").
func apaName(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return au.CollectiveName
	}
	ini := initialsOf(au.ForeName, ".", " ")
	if ini == "" && au.Initials != "" {
		ini = initialsOf(strings.Join(strings.Split(au.Initials, ""), " "), ".", " ")
	}
	s := au.LastName
	if ini != "" {
		s += ", " + ini
	}
	if au.Suffix != "" {
		s += ", " + endSentence(au.Suffix)
	}
	return s
}

// apaEditor is "F. M. Lastname", the editor order in APA.
func apaEditor(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return au.CollectiveName
	}
	return joinNonEmpty(" ", initialsOf(au.ForeName, ".", " "), au.LastName)
}

func apaAuthors(as []pubmed.Author) string {
	if len(as) == 0 {
		return ""
	}
	names := make([]string, 0, len(as))
	for _, au := range as {
		names = append(names, apaName(au))
	}
	var s string
	if len(names) > 20 {
		s = strings.Join(names[:19], ", ") + ", . . . " + names[len(names)-1]
	} else {
		s = apaJoin(names)
	}
	return endSentence(s)
}

// apaJoin joins names with commas and ", &" before the last (APA keeps the
// serial comma even for two names).
func apaJoin(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		if strings.Contains(names[0], ",") {
			return names[0] + ", & " + names[1]
		}
		return names[0] + " & " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", & " + names[len(names)-1]
}

// apaJournalName is the full journal title in title case: NLM stores
// "Nature aging", APA wants "Nature Aging"; a trailing place or date
// qualifier ("Journal of immunology (Baltimore, Md. : 1950)") is dropped.
func apaJournalName(a *pubmed.Article) string {
	t := strings.TrimSpace(a.Journal.Title)
	if t == "" {
		return nlmJournal(a)
	}
	if i := strings.LastIndex(t, " ("); i > 0 && strings.HasSuffix(t, ")") {
		t = t[:i]
	}
	return titleCase(t)
}

var minorWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "but": true, "by": true,
	"for": true, "from": true, "in": true, "nor": true, "of": true, "on": true, "or": true,
	"so": true, "the": true, "to": true, "up": true, "with": true, "yet": true, "de": true,
	"la": true, "et": true, "der": true, "und": true, "für": true,
}

// titleCase capitalises major words and leaves words that already carry
// capitals (acronyms, "PLoS", "mBio") untouched.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if hasUpper(w) {
			continue
		}
		lw := strings.ToLower(w)
		afterColon := i > 0 && strings.HasSuffix(words[i-1], ":")
		if i > 0 && i < len(words)-1 && !afterColon && minorWords[lw] {
			continue
		}
		words[i] = upperFirst(w)
	}
	return strings.Join(words, " ")
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

func upperFirst(w string) string {
	// Hyphenated words capitalise each part ("Gastro-enterology" style names).
	parts := strings.Split(w, "-")
	for i, p := range parts {
		r, n := utf8.DecodeRuneInString(p)
		if r == utf8.RuneError {
			continue
		}
		parts[i] = string(unicode.ToUpper(r)) + p[n:]
	}
	return strings.Join(parts, "-")
}

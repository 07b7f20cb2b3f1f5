package cite

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"villi/pubmed"
)

var bibMonths = [...]string{"", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// writeBibTeX writes @article entries (UTF-8, as biber and modern BibTeX
// read it) with keys unique within this export.
func writeBibTeX(w io.Writer, items []Item) error {
	bw := bufio.NewWriter(w)
	used := make(map[string]bool)
	for _, it := range items {
		if it.Article == nil {
			continue
		}
		bibEntry(bw, it, uniqueKey(bibKey(it.Article), used))
	}
	return bw.Flush()
}

func bibEntry(bw *bufio.Writer, it Item, key string) {
	a := it.Article
	kind := "article"
	if a.Book != nil {
		kind = "incollection"
		if a.Title == "" || a.Title == a.Book.Title {
			kind = "book"
		}
	}
	bw.WriteString("@" + kind + "{" + key + ",\n")
	field := func(name, raw string) {
		raw = strings.Join(strings.Fields(raw), " ")
		if raw == "" {
			return
		}
		bw.WriteString("  " + name + " = {" + raw + "},\n")
	}
	var authors []string
	for _, au := range a.Authors {
		authors = append(authors, bibName(au))
	}
	field("author", strings.Join(authors, " and "))
	field("title", bibTitle(a.Title))
	if a.Book != nil {
		var eds []string
		for _, ed := range a.Book.Editors {
			eds = append(eds, bibName(ed))
		}
		field("editor", strings.Join(eds, " and "))
		if kind == "incollection" {
			field("booktitle", bibTitle(a.Book.Title))
		}
		field("publisher", bibEscape(a.Book.Publisher))
		field("address", bibEscape(a.Book.PublisherLocation))
		if len(a.Book.ISBNs) > 0 {
			field("isbn", bibEscape(a.Book.ISBNs[0]))
		}
	} else {
		field("journal", bibEscape(a.Journal.Title))
		field("shortjournal", bibEscape(nlmJournal(a)))
	}
	if a.PubDate.Year != 0 {
		field("year", strconv.Itoa(a.PubDate.Year))
		if m := month(a.PubDate); m != 0 {
			// Month macros let every style print the month its own way.
			bw.WriteString("  month = " + bibMonths[m] + ",\n")
		}
	}
	field("volume", bibEscape(a.Journal.Volume))
	field("number", bibEscape(a.Journal.Issue))
	field("pages", bibEscape(strings.ReplaceAll(fullPages(locator(a)), "-", "--")))
	field("issn", bibEscape(a.Journal.ISSN))
	field("doi", bibEscape(doiOf(a)))
	field("pmid", strconv.FormatUint(a.PMID, 10))
	field("pmcid", bibEscape(a.IDs.PMC))
	field("url", bibEscape(pubmedURL(a.PMID)))
	if len(a.Languages) > 0 {
		field("language", bibEscape(a.Languages[0]))
	}
	var kws []string
	for _, k := range a.Keywords {
		kws = append(kws, k.Text)
	}
	field("keywords", bibEscape(strings.Join(kws, ", ")))
	field("abstract", bibEscape(a.AbstractText()))
	field("note", bibEscape(itemNote(it)))
	bw.WriteString("}\n\n")
}

// bibName is "{Lastname}, Forename" or "Last, Jr, First"; collective names
// are braced whole so BibTeX does not split them into first and last names.
func bibName(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return "{" + bibEscape(au.CollectiveName) + "}"
	}
	fore := au.ForeName
	if fore == "" {
		fore = au.Initials
	}
	last := bibEscape(au.LastName)
	if strings.Contains(au.LastName, " ") {
		last = "{" + last + "}"
	}
	return joinNonEmpty(", ", last, bibEscape(au.Suffix), bibEscape(fore))
}

// bibTitle escapes the title and braces every word with a capital so
// styles that lower-case titles keep "DNA", "Crohn" and "IL-17".
func bibTitle(t string) string {
	words := strings.Fields(bibEscape(t))
	for i, w := range words {
		if hasUpper(w) {
			words[i] = "{" + w + "}"
		}
	}
	return strings.Join(words, " ")
}

var bibReplacer = strings.NewReplacer(
	`\`, `\textbackslash{}`,
	`{`, `\{`, `}`, `\}`,
	`%`, `\%`, `&`, `\&`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
)

// bibEscape escapes BibTeX's special characters and keeps UTF-8 as is.
func bibEscape(s string) string { return bibReplacer.Replace(s) }

var keyStopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "on": true, "in": true, "for": true,
	"and": true, "to": true, "with": true, "is": true, "are": true, "do": true, "does": true,
	"from": true, "by": true, "at": true,
}

// bibKey is <firstauthor><year><firstword> in lower-case ASCII, e.g.
// "ximerakis2023heterochronic"; records without authors use "pmid<PMID>".
func bibKey(a *pubmed.Article) string {
	var who string
	if len(a.Authors) > 0 {
		au := a.Authors[0]
		who = au.LastName
		if au.CollectiveName != "" {
			who = strings.Fields(au.CollectiveName + " x")[0]
		}
	}
	who = asciiKey(who)
	if who == "" {
		return "pmid" + strconv.FormatUint(a.PMID, 10)
	}
	year := ""
	if a.PubDate.Year != 0 {
		year = strconv.Itoa(a.PubDate.Year)
	}
	var word string
	for _, w := range strings.Fields(a.Title) {
		k := asciiKey(w)
		if k != "" && !keyStopWords[k] {
			word = k
			break
		}
	}
	return who + year + word
}

// asciiKey folds accents ("Müller" -> "muller") and keeps [a-z0-9].
func asciiKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø':
			b.WriteRune('o')
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ł':
			b.WriteRune('l')
		case unicode.Is(unicode.Mn, r):
		}
	}
	return b.String()
}

func uniqueKey(key string, used map[string]bool) string {
	k := key
	for c := 'b'; used[k]; c++ {
		if c > 'z' {
			k = key + "-" + strconv.Itoa(len(used))
			break
		}
		k = key + string(c)
	}
	used[k] = true
	return k
}

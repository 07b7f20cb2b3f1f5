package cite

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"villi/pubmed"
)

var monthFull = [...]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// nlmName is the MEDLINE AU form: "Lastname Initials" with no periods.
func nlmName(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return au.CollectiveName
	}
	s := au.LastName
	ini := au.Initials
	if ini == "" {
		ini = initialsOf(au.ForeName, "", "")
	}
	if ini != "" {
		s = joinNonEmpty(" ", s, ini)
	}
	if au.Suffix != "" {
		s += " " + au.Suffix
	}
	return s
}

// initialsOf derives initials from a fore name, each followed by dot and
// joined by sep; hyphenated names keep their hyphen ("Jean-Pierre" ->
// "J.-P." for APA).
func initialsOf(fore, dot, sep string) string {
	var parts []string
	for _, w := range strings.Fields(fore) {
		var hy []string
		for _, h := range strings.Split(w, "-") {
			r, _ := utf8.DecodeRuneInString(h)
			if r == utf8.RuneError || !unicode.IsLetter(r) {
				continue
			}
			hy = append(hy, string(unicode.ToUpper(r))+dot)
		}
		if len(hy) > 0 {
			parts = append(parts, strings.Join(hy, "-"))
		}
	}
	return strings.Join(parts, sep)
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// endSentence appends a period unless the text already ends a sentence, so
// titles ending in "?", "!" or "." never get doubled punctuation.
func endSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if hasFinalStop(s) {
		return s
	}
	return s + "."
}

func hasFinalStop(s string) bool {
	s = strings.TrimRight(s, " \"'’”)")
	if s == "" {
		return false
	}
	switch s[len(s)-1] {
	case '.', '?', '!':
		return true
	}
	return false
}

// nlmJournal is the NLM title abbreviation (MedlineTA), the form AMA and
// Vancouver use; ISO abbreviations carry periods NLM drops.
func nlmJournal(a *pubmed.Article) string {
	j := a.Journal
	switch {
	case j.MedlineTA != "":
		return j.MedlineTA
	case j.ISOAbbrev != "":
		return strings.TrimSpace(strings.ReplaceAll(j.ISOAbbrev, ".", ""))
	}
	return j.Title
}

// nlmPages is the pagination as NLM prints it (MedlinePgn verbatim).
func nlmPages(a *pubmed.Article) string {
	if a.Pagination != "" {
		return a.Pagination
	}
	if a.StartPage != "" && a.EndPage != "" && a.EndPage != a.StartPage {
		return a.StartPage + "-" + a.EndPage
	}
	return a.StartPage
}

// locator is the pages, or for an electronic-only article without pages
// its ELocationID of type pii (an article number such as "e1234").
func locator(a *pubmed.Article) string {
	if p := nlmPages(a); p != "" {
		return p
	}
	for _, e := range a.ELocationIDs {
		if e.Type == "pii" && e.Value != "" {
			return e.Value
		}
	}
	return ""
}

// fullPages expands NLM's abbreviated ranges ("1023-31" -> "1023-1031",
// "S12-5" -> "S12-S15"), as AMA, APA and reference managers want them.
func fullPages(p string) string {
	if p == "" {
		return ""
	}
	ranges := strings.Split(p, ",")
	for i, r := range ranges {
		r = strings.TrimSpace(r)
		start, end, ok := strings.Cut(r, "-")
		if !ok {
			ranges[i] = r
			continue
		}
		start, end = strings.TrimSpace(start), strings.TrimSpace(end)
		ranges[i] = start + "-" + expandEnd(start, end)
	}
	return strings.Join(ranges, ", ")
}

func expandEnd(start, end string) string {
	i := strings.IndexFunc(start, unicode.IsDigit)
	if i < 0 || !allDigits(start[i:]) || !allDigits(end) {
		return end
	}
	prefix, num := start[:i], start[i:]
	if len(end) < len(num) {
		end = num[:len(num)-len(end)] + end
	}
	return prefix + end
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// splitPages returns the first and last page of a (first) range.
func splitPages(p string) (sp, ep string) {
	p = fullPages(p)
	if i := strings.Index(p, ","); i >= 0 {
		p = p[:i]
	}
	sp, ep, _ = strings.Cut(p, "-")
	return strings.TrimSpace(sp), strings.TrimSpace(ep)
}

// aheadOfPrint reports whether the record is an ahead-of-print version
// without a final issue.
func aheadOfPrint(a *pubmed.Article) bool {
	return a.PublicationStatus == "aheadofprint"
}

// retraction returns a note on the retraction, "" when not retracted.
func retraction(a *pubmed.Article) string {
	r := a.Retraction()
	if r == nil {
		return ""
	}
	s := "Retracted publication."
	for _, c := range a.CommentsCorrections {
		if c.RefType != "RetractionIn" {
			continue
		}
		if src := refWithPMID(c); src != "" {
			return s + " Retraction in: " + src
		}
		break
	}
	if note := r.Note(); note != pubmed.SourceLabel(pubmed.SourcePubMed) {
		s += " (" + note + ")"
	}
	return s
}

func pubmedURL(pmid uint64) string {
	return "https://pubmed.ncbi.nlm.nih.gov/" + strconv.FormatUint(pmid, 10) + "/"
}

func volIssue(vol, iss string) string {
	if iss != "" {
		return vol + "(" + iss + ")"
	}
	return vol
}

// refWithPMID is a comment's source closed as a sentence, then its PMID:
// "Nat Aging. 2025 Feb;5(2):333. PMID: 39881191", as PubMed prints it.
func refWithPMID(c pubmed.CommentCorrection) string {
	src := endSentence(c.RefSource)
	if c.PMID != 0 {
		src = joinNonEmpty(" ", src, "PMID: "+strconv.FormatUint(c.PMID, 10))
	}
	return src
}

// month is the date's month, 0 when absent or only implied by a season.
func month(d pubmed.Date) int {
	if d.Season != "" || d.Month < 1 || d.Month > 12 {
		return 0
	}
	return d.Month
}

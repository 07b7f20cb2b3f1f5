package pubmed

import "strings"

// date parses a date element: PubDate, ArticleDate, DateCompleted,
// DateRevised, PubMedPubDate or a book's PubDate.
func (p *parser) date() Date {
	var d Date
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "Year":
			d.Year = p.num()
		case "Month":
			p.collect(false, maxShort)
			d.Month = monthNum(string(p.t.plain))
		case "Day":
			d.Day = p.num()
		case "Season":
			d.Season = p.text()
		case "MedlineDate":
			d.MedlineDate = p.text()
		case "Hour":
			d.Hour = p.num()
		case "Minute":
			d.Minute = p.num()
		default:
			p.skip()
		}
	}
	if d.Year == 0 && d.MedlineDate != "" {
		d.Year, d.Month = parseMedlineDate(d.MedlineDate)
	}
	if d.Month == 0 && d.Season != "" {
		d.Month = monthNum(d.Season)
	}
	return d
}

// monthNum reads a month given as a number ("03", "3"), an English name or
// abbreviation ("Mar", "March"), or a season, which counts as its first
// month in the northern hemisphere (Spring 3, Summer 6, Fall 9, Winter 12).
// It returns 0 for anything else.
func monthNum(s string) int {
	if n, ok := atoi([]byte(s)); ok {
		if n >= 1 && n <= 12 {
			return n
		}
		return 0
	}
	if len(s) < 3 {
		return 0
	}
	var lc [3]byte
	for i := range lc {
		lc[i] = s[i] | 0x20 // ASCII lower case; other bytes match no case
	}
	switch string(lc[:]) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	case "spr":
		return 3
	case "sum":
		return 6
	case "fal", "aut":
		return 9
	case "win":
		return 12
	}
	return 0
}

// parseMedlineDate reads the year and month a free-form MedlineDate starts
// with: "2019 Jan-Feb" → 2019, 1; "1998 Dec-1999 Jan" → 1998, 12;
// "2000 Spring" → 2000, 3; "1978-1979" → 1978, 0.
func parseMedlineDate(s string) (year, month int) {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	yi := -1
	for i, w := range words {
		if n, ok := atoi([]byte(w)); ok && len(w) == 4 && n >= 1000 {
			year, yi = n, i
			break
		}
	}
	if yi < 0 {
		return 0, 0
	}
	if yi+1 < len(words) {
		if _, isNum := atoi([]byte(words[yi+1])); !isNum {
			month = monthNum(words[yi+1])
		}
	}
	if month == 0 && yi > 0 {
		// "Spring 2000", "Dec 1998"
		if _, isNum := atoi([]byte(words[yi-1])); !isNum {
			month = monthNum(words[yi-1])
		}
	}
	return year, month
}

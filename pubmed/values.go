package pubmed

import "strings"

// normalizeORCID returns the bare 0000-0000-0000-000X form of an ORCID
// given as a URL, with or without dashes, or "" when it is not one.
func normalizeORCID(v string) string {
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		v = v[i+1:]
	}
	var d [16]byte
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9', c == 'X', c == 'x':
			if n == 16 {
				return ""
			}
			if c == 'x' {
				c = 'X'
			}
			d[n] = c
			n++
		case c == '-' || c == ' ':
		default:
			return ""
		}
	}
	if n != 16 || strings.IndexByte(string(d[:15]), 'X') >= 0 {
		return ""
	}
	return string(d[0:4]) + "-" + string(d[4:8]) + "-" + string(d[8:12]) + "-" + string(d[12:16])
}

// splitPages derives the first and last page from a MedlinePgn such as
// "1023-31" (→ 1023, 1031), "e1234" or "S12-5; discussion S16".
func splitPages(pgn string) (start, end string) {
	if i := strings.IndexAny(pgn, ";, "); i >= 0 {
		pgn = pgn[:i]
	}
	start, end, ok := strings.Cut(pgn, "-")
	if !ok {
		return pgn, ""
	}
	// Expand an abbreviated end page: same prefix, fewer trailing digits.
	sd := len(start)
	for sd > 0 && start[sd-1] >= '0' && start[sd-1] <= '9' {
		sd--
	}
	ed := len(end)
	for ed > 0 && end[ed-1] >= '0' && end[ed-1] <= '9' {
		ed--
	}
	sDigits, eDigits := start[sd:], end[ed:]
	if ed == 0 && sd < len(start) && len(eDigits) > 0 && len(eDigits) < len(sDigits) {
		end = start[:len(start)-len(eDigits)] + eDigits
	}
	return start, end
}

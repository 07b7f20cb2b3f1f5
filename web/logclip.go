package web

import (
	"strconv"
	"unicode/utf8"
)

// logClipBytes bounds text from a request or a record in a log line: a
// generated query or a URL can be megabytes (a hostile record's title), and
// every view would log it again.
const logClipBytes = 200

// clipForLog returns s when it is short, else its first logClipBytes bytes
// (on a rune boundary) and its length.
func clipForLog(s string) string {
	if len(s) <= logClipBytes {
		return s
	}
	n := logClipBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

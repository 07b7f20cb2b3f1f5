package pubmed

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// What one record may hold. A hostile or corrupt record (a title of 16 MiB
// of one letter, three million nested <i>) would otherwise cost gigabytes
// downstream, in the store, the index and the article page. Each limit is
// several times the longest value among the 12,470 real records of
// ../shared/fixtures (pubmed and topical); TestLimits_RealRecordsFit
// measures them again, logs them (-v) and fails should a real record come
// within a quarter of a limit. Longest real values when the limits were set:
//
//	title 427 bytes, vernacular title 313, book title 155
//	abstract section 9,896, other-language abstract section 3,304, COI statement 9,404
//	affiliation 1,437
//	copyright 276
//	last name 32, fore name 33, collective name 169, journal title 229,
//	MeSH heading 81, keyword 103, chemical 154, comment source 151, attribute (Label) 45
//	word (a run without whitespace) 841: Chinese text of an OtherAbstract
//	(PMID 36808508); 149 in an English abstract, 149 in a chemical name
//	inline markup nested 2 deep
//
// A value over its limit is cut (ending in "…") and the cut is reported in
// Item.Cut; the record is kept.
const (
	maxTitle       = 4 << 10  // ArticleTitle, VernacularTitle, BookTitle, CollectionTitle, CopyrightInformation
	maxParagraph   = 64 << 10 // one AbstractText, CoiStatement
	maxAffiliation = 8 << 10  // one Affiliation
	maxShort       = 1 << 10  // every other text, and every attribute value
	maxWord        = 4 << 10  // one word, in any field
	maxInline      = 8        // levels of inline markup kept in an *HTML field
)

// ellipsis ends a value that was cut.
const ellipsis = "…"

// longWord reports whether b, whose first word continues a word of run
// bytes already written, holds a word longer than limit. It looks at one
// window of limit bytes per step, not at every word.
func longWord(b []byte, run, limit int) bool {
	for {
		room := max(limit-run, 0)
		if len(b) <= room {
			return false
		}
		i := bytes.LastIndexByte(b[:room+1], ' ')
		if i < 0 {
			return true
		}
		b, run = b[i+1:], 0
	}
}

// runeCut returns the largest n <= max such that b[:n] ends on a rune
// boundary.
func runeCut(b []byte, n int) int {
	if n >= len(b) {
		return len(b)
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}

// cutKind says what a limit cut.
type cutKind uint8

const (
	cutText    cutKind = iota + 1 // the value was longer than its limit
	cutWord                       // a word was longer than maxWord
	cutNesting                    // inline markup nested deeper than maxInline
	cutMarkup                     // more inline markup than text: later tags dropped
	cutAttr                       // an attribute value was longer than maxShort
)

// cut is what the limits took from one element of a record: the same
// element cut many times (a million long author names) is one line.
type cut struct {
	el      string
	kind    cutKind
	limit   int
	times   int
	longest int
}

// noteCut records a cut of kind in element el to limit; size is the length
// (or the depth) the value had.
func (p *parser) noteCut(el []byte, kind cutKind, size, limit int) {
	for i := range p.cuts {
		c := &p.cuts[i]
		if c.kind == kind && c.el == string(el) {
			c.times++
			c.longest = max(c.longest, size)
			return
		}
	}
	p.cuts = append(p.cuts, cut{el: string(el), kind: kind, limit: limit, times: 1, longest: size})
}

// cutLines describes the cuts of the record just parsed, one line each.
func (p *parser) cutLines() []string {
	if len(p.cuts) == 0 {
		return nil
	}
	out := make([]string, 0, len(p.cuts))
	for _, c := range p.cuts {
		var b []byte
		switch c.kind {
		case cutText:
			b = append(b, "<"+c.el+"> cut to "+strconv.Itoa(c.limit)+" bytes"...)
			b = appendTimes(b, c.times, "longest", c.longest, "bytes")
		case cutWord:
			b = append(b, "<"+c.el+"> word cut to "+strconv.Itoa(c.limit)+" bytes"...)
			b = appendTimes(b, c.times, "longest", c.longest, "bytes")
		case cutNesting:
			b = append(b, "<"+c.el+"> inline markup kept to "+strconv.Itoa(c.limit)+" levels"...)
			b = appendTimes(b, c.times, "deepest", c.longest, "levels")
		case cutMarkup:
			b = append(b, "<"+c.el+"> inline markup dropped where it outweighed the text"...)
			if c.times > 1 {
				b = append(strconv.AppendInt(append(b, " ("...), int64(c.times), 10), " values)"...)
			}
		case cutAttr:
			b = append(b, c.el+" attribute cut to "+strconv.Itoa(c.limit)+" bytes"...)
			b = appendTimes(b, c.times, "longest", c.longest, "bytes")
		}
		out = append(out, string(b))
	}
	return out
}

// appendTimes appends " (was N bytes)" or " (K values, the longest N bytes)".
func appendTimes(b []byte, times int, longest string, n int, unit string) []byte {
	if times == 1 {
		b = append(b, " (was "...)
	} else {
		b = strconv.AppendInt(append(b, " ("...), int64(times), 10)
		b = append(b, " values, "+longest+" "...)
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, " "+unit+")"...)
}

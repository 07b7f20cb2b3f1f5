package pubmed

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// parser turns the tokens of one record into an Article. Each parse method
// is entered just after an element's start tag and returns after its end
// tag, so that an element is only read where the DTD puts it (the
// ArticleIdList of a Reference never fills the record's IDs).
type parser struct {
	s       *scanner
	t       textBuf
	scratch []byte
	arena   []byte // backing bytes of the strings handed out, see str
	el      []byte // name of the element being collected, for cut notes
	cuts    []cut  // what the limits cut from the record being read

	// Reused buffers: lists are gathered here and copied out at their
	// exact size, one allocation each.
	heads []MeshHeading
	quals []Qualifier
	aus   []Author
	affs  []string
	spans []span
	chems []Chemical
	kws   []Keyword
	hist  []HistoryDate
}

// span is the range of a shared list that belongs to one element.
type span struct{ from, to int }

func clone[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// appendClone appends add to dst, copying add when dst is empty.
func appendClone[T any](dst, add []T) []T {
	if len(dst) == 0 {
		return clone(add)
	}
	return append(dst, add...)
}

func newParser(s *scanner) *parser {
	return &parser{s: s}
}

// child returns the name of the next child element of the current element,
// or ok false once the current element's end tag has been read (or on a
// syntax error, which the scanner keeps).
func (p *parser) child() (name []byte, ok bool) {
	for {
		p.s.skipSpace()
		switch p.s.next() {
		case tokStart:
			return p.s.name, true
		case tokEnd, tokErr, tokEOF:
			return nil, false
		}
	}
}

// skip consumes the rest of the current element.
func (p *parser) skip() {
	depth := 0
	for {
		p.s.skipSpace()
		switch p.s.next() {
		case tokStart:
			depth++
		case tokEnd:
			if depth == 0 {
				return
			}
			depth--
		case tokErr, tokEOF:
			return
		}
	}
}

// collect reads the rest of the current element into p.t, keeping at most
// limit bytes of plain text, and notes what the limits cut.
func (p *parser) collect(wantHTML bool, limit int) {
	p.el = append(p.el[:0], p.s.name...)
	p.t.reset(wantHTML, limit)
	defer p.noteCollectCuts()
	depth := 0
	for {
		switch p.s.next() {
		case tokText:
			p.t.addRaw(p.s.text, p.s.cdata)
		case tokStart:
			depth++
			if wantHTML {
				if tag := inlineTag(p.s.name); tag != "" {
					p.t.open(tag)
				}
			}
		case tokEnd:
			if depth == 0 {
				return
			}
			depth--
			if wantHTML {
				if tag := inlineTag(p.s.name); tag != "" {
					p.t.close()
				}
			}
		case tokErr, tokEOF:
			p.t.closeAll()
			return
		}
	}
}

func (p *parser) noteCollectCuts() {
	t := &p.t
	if t.full {
		p.noteCut(p.el, cutText, len(t.plain)-len(ellipsis)+t.lost, t.limit)
	}
	// In a field shorter than a word may be, the cut of the field says it.
	if t.longWord > 0 && !(t.full && t.limit <= maxWord) {
		p.noteCut(p.el, cutWord, t.longWord, maxWord)
	}
	if t.deepest > maxInline {
		p.noteCut(p.el, cutNesting, t.deepest, maxInline)
	}
	if t.dropped {
		p.noteCut(p.el, cutMarkup, len(t.plain), t.limit)
	}
}

// leaf returns the content of the current element when it is one run of
// text that needs no decoding, no whitespace collapsing and no cut to
// limit, which is most leaves. The caller must copy raw, then call
// p.s.next() for the end tag.
func (p *parser) leaf(limit int) (raw []byte, ok bool) {
	s := p.s
	if s.selfClosing {
		return nil, false
	}
	b := s.buf[s.pos:s.end]
	i := bytes.IndexByte(b, '<')
	if i < 0 || i+1 >= len(b) || b[i+1] != '/' {
		return nil, false
	}
	raw = b[:i]
	if len(raw) > limit || len(raw) > maxWord && longWord(raw, 0, maxWord) {
		return nil, false
	}
	if len(raw) > 0 && (raw[0] == ' ' || raw[len(raw)-1] == ' ') ||
		hasControl(raw) || bytes.IndexByte(raw, '&') >= 0 || bytes.Contains(raw, []byte("  ")) {
		return nil, false
	}
	s.pos += i
	return raw, true
}

// hasControl reports whether b holds a byte below 0x20 (tab, newline, ...),
// eight bytes at a time.
func hasControl(b []byte) bool {
	const highs, spaces = 0x8080808080808080, 0x2020202020202020
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte below 0x20 borrows into its high bit; bytes >= 0x80
		// (UTF-8) are masked out by ^x.
		if (x-spaces)&^x&highs != 0 {
			return true
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return true
		}
	}
	return false
}

// text returns the plain text of the rest of the current element, cut to
// maxShort.
func (p *parser) text() string { return p.textUpTo(maxShort) }

// textUpTo returns the plain text of the rest of the current element, cut
// to limit.
func (p *parser) textUpTo(limit int) string {
	if raw, ok := p.leaf(limit); ok {
		v := p.str(raw)
		p.s.next()
		return v
	}
	p.collect(false, limit)
	return p.str(p.t.plain)
}

// rich returns the plain text and the safe HTML of the rest of the element,
// the text cut to limit.
func (p *parser) rich(limit int) (text, html string) {
	if raw, ok := p.leaf(limit); ok {
		text = p.str(raw)
		html = text
		for _, c := range raw {
			if htmlEsc[c] != "" {
				p.t.html = appendEscaped(p.t.html[:0], raw)
				html = p.str(p.t.html)
				break
			}
		}
		p.s.next()
		return text, html
	}
	p.collect(true, limit)
	return p.str(p.t.plain), p.str(p.t.html)
}

// arenaSize is the size of the blocks the text of records is copied into.
const arenaSize = 8 << 10

// str returns b as a string whose bytes live in a shared block, so that a
// record's many short strings cost one allocation, not one each. Bytes
// handed out are never written again (a full block is replaced, not
// reused), which is what makes unsafe.String sound here; a block lives as
// long as any of its strings.
func (p *parser) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !utf8.Valid(b) {
		return str(b)
	}
	if len(b) > arenaSize/4 {
		return string(b)
	}
	if cap(p.arena)-len(p.arena) < len(b) {
		p.arena = make([]byte, 0, arenaSize)
	}
	start := len(p.arena)
	p.arena = append(p.arena, b...)
	return unsafe.String(&p.arena[start], len(b))
}

// num returns the text of the rest of the element as an int, 0 when it is
// not a number.
func (p *parser) num() int {
	if raw, ok := p.leaf(maxShort); ok {
		n, _ := atoi(raw)
		p.s.next()
		return n
	}
	p.collect(false, maxShort)
	n, _ := atoi(p.t.plain)
	return n
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// pmid reads a PMID element as a number; 0 when it is empty or not one.
func (p *parser) pmid() uint64 {
	p.collect(false, maxShort)
	v, err := strconv.ParseUint(string(p.t.plain), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// attr returns the decoded value of an attribute of the current start tag.
func (p *parser) attr(name string) string {
	v, amp, ok := p.s.attr(name)
	if !ok {
		return ""
	}
	if amp {
		p.scratch = p.scratch[:0]
		for i := 0; i < len(v); {
			if v[i] == '&' {
				r, n, err := decodeRef(v[i:])
				if err == nil {
					p.scratch = fmt.Appendf(p.scratch, "%c", r)
					i += n
					continue
				}
			}
			p.scratch = append(p.scratch, v[i])
			i++
		}
		v = p.scratch
	}
	if len(v) > maxShort {
		p.noteCut(append(append(append(p.el[:0], '<'), p.s.name...), (" "+name+">")...), cutAttr, len(v), maxShort)
		p.scratch = append(append(p.scratch[:0], v[:runeCut(v, maxShort)]...), ellipsis...)
		v = p.scratch
	}
	return p.str(v)
}

// yes reports whether a YN attribute is "Y"; def when it is absent.
func (p *parser) yes(name string, def bool) bool {
	v, _, ok := p.s.attr(name)
	if !ok {
		return def
	}
	return len(v) > 0 && (v[0] == 'Y' || v[0] == 'y')
}

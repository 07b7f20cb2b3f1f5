package pubmed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrTruncated is wrapped by the *Error returned when the input ends inside
// an element: a cut download or a partial file. Records before it were
// already yielded intact.
var ErrTruncated = errors.New("unexpected end of input")

// maxRetain bounds the bytes kept in memory at once: one record (with its
// Source) or one token. No real PubMed record comes near it; it stops a
// corrupt or hostile stream from growing the buffer without end.
const maxRetain = 64 << 20

const readChunk = 256 << 10

type tokKind uint8

const (
	tokErr tokKind = iota
	tokEOF
	tokStart
	tokEnd
	tokText
)

type attr struct {
	name, val []byte
	amp       bool // val holds a reference that must be decoded
}

// scanner is a small, allocation-free XML tokenizer over a sliding window of
// the input. It checks well-formedness (tag nesting, attribute syntax,
// entity and character references, one root) without building a tree, and
// keeps the bytes of a marked region (the current record) so that their
// exact Source can be handed out. Token slices point into the window and
// are valid only until the next call to next.
type scanner struct {
	r   io.Reader
	buf []byte
	pos int // next byte to scan
	end int // end of valid data in buf
	eof bool
	// rerr is a read error other than io.EOF, reported once the data read
	// before it has been scanned.
	rerr error

	mark int // start of the retained region, -1 when none

	lines  int // newlines in the input before buf[lineAt]
	lineAt int

	tokStart    int
	name        []byte
	attrs       []attr
	text        []byte
	cdata       bool
	selfClosing bool // the current start tag was <x/>; next yields its end

	stack    []int // end offsets in names of the open elements
	names    []byte
	rootSeen bool

	err     error
	errLine int
}

// newScanner returns a scanner reading from r, or over src when r is nil.
func newScanner(r io.Reader, src []byte) *scanner {
	s := &scanner{r: r, mark: -1}
	if r == nil {
		s.buf, s.end, s.eof = src, len(src), true
	} else {
		s.buf = make([]byte, readChunk)
	}
	return s
}

var nlBytes = []byte{'\n'}

// lineOf returns the 1-based line of buf[p].
func (s *scanner) lineOf(p int) int {
	if p > s.end {
		p = s.end
	}
	if p >= s.lineAt {
		s.lines += bytes.Count(s.buf[s.lineAt:p], nlBytes)
	} else {
		s.lines -= bytes.Count(s.buf[p:s.lineAt], nlBytes)
	}
	s.lineAt = p
	return s.lines + 1
}

func (s *scanner) fail(p int, err error) tokKind {
	if s.err == nil {
		s.err = err
		s.errLine = s.lineOf(p)
	}
	return tokErr
}

func (s *scanner) failf(p int, format string, args ...any) tokKind {
	return s.fail(p, fmt.Errorf(format, args...))
}

// fill reads more input, keeping everything from the current token (or the
// marked region) on. It reports false at the end of the input.
func (s *scanner) fill() bool {
	if s.eof {
		return false
	}
	keep := s.tokStart
	if s.mark >= 0 && s.mark < keep {
		keep = s.mark
	}
	if keep > 0 {
		if s.lineAt < keep {
			s.lines += bytes.Count(s.buf[s.lineAt:keep], nlBytes)
			s.lineAt = keep
		}
		copy(s.buf, s.buf[keep:s.end])
		s.end -= keep
		s.pos -= keep
		s.tokStart -= keep
		s.lineAt -= keep
		if s.mark >= 0 {
			s.mark -= keep
		}
	}
	if len(s.buf)-s.end < readChunk/4 {
		if s.end >= maxRetain {
			s.fail(s.end, fmt.Errorf("a record or token is larger than %d MiB", maxRetain>>20))
			return false
		}
		nb := make([]byte, 2*len(s.buf)+readChunk)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	// Read at least as much as the unfinished token holds so far (or
	// until the buffer is full): the token is scanned again from its start
	// after each fill, and growing it geometrically keeps a token of n
	// bytes (a 60 MiB title) at O(n) scanning rather than O(n²) with one
	// gzip-sized read per fill.
	want := max(s.end-s.tokStart, 1)
	got := 0
	for tries := 0; tries < 100; {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		got += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = fmt.Errorf("read input: %w", err)
			}
			return got > 0
		}
		if got >= want || s.end == len(s.buf) {
			return true
		}
		if n == 0 {
			tries++
		}
	}
	if got > 0 {
		return true
	}
	s.eof = true
	s.rerr = io.ErrNoProgress
	return false
}

func (s *scanner) depth() int { return len(s.stack) }

// top returns the name of the innermost open element.
func (s *scanner) top() []byte {
	n := len(s.stack)
	if n == 0 {
		return nil
	}
	from := 0
	if n > 1 {
		from = s.stack[n-2]
	}
	return s.names[from:s.stack[n-1]]
}

func (s *scanner) push(name []byte) {
	s.names = append(s.names, name...)
	s.stack = append(s.stack, len(s.names))
	s.rootSeen = true
}

func (s *scanner) pop() {
	n := len(s.stack)
	s.stack = s.stack[:n-1]
	if n > 1 {
		s.names = s.names[:s.stack[n-2]]
	} else {
		s.names = s.names[:0]
	}
}

// skipSpace moves past whitespace at the scan position: the whitespace
// between elements, which most callers ignore, then costs no token.
func (s *scanner) skipSpace() {
	p, b := s.pos, s.buf[:s.end]
	if p < len(b) && b[p] == '\n' {
		p++
	}
	// Indentation comes in runs of spaces: take them eight at a time.
	for p+8 <= len(b) && binary.LittleEndian.Uint64(b[p:]) == 0x2020202020202020 {
		p += 8
	}
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	s.pos = p
}

// next scans the next token. Comments, processing instructions and the
// DOCTYPE are consumed here and never returned.
func (s *scanner) next() tokKind {
	if s.err != nil {
		return tokErr
	}
	if s.selfClosing {
		s.selfClosing = false
		s.pop()
		return tokEnd
	}
	rescanned := false
	for {
		s.tokStart = s.pos
		if s.pos < s.end {
			k, ok := s.scan()
			if ok {
				if k == tokErr || k == tokStart || k == tokEnd || k == tokText {
					return k
				}
				continue // a comment, PI or DOCTYPE was consumed
			}
		}
		if !s.fill() {
			if s.err != nil {
				return tokErr
			}
			if !rescanned && s.pos < s.end {
				// Now that the end is known, trailing text is complete.
				rescanned = true
				continue
			}
			return s.atEOF()
		}
	}
}

// atEOF reports the end of the input at s.tokStart.
func (s *scanner) atEOF() tokKind {
	if s.rerr != nil {
		return s.fail(s.tokStart, s.rerr)
	}
	if s.depth() > 0 {
		return s.fail(s.end, fmt.Errorf("%w inside <%s>", ErrTruncated, s.top()))
	}
	if s.tokStart < s.end {
		return s.fail(s.tokStart, fmt.Errorf("%w inside markup %q", ErrTruncated, clip(s.buf[s.tokStart:s.end], 20)))
	}
	return tokEOF
}

const tokSkip tokKind = 100

// scan scans one token at s.pos. ok is false when the window ends before
// the token does.
func (s *scanner) scan() (tokKind, bool) {
	b := s.buf[s.pos:s.end]
	if b[0] != '<' {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			if !s.eof {
				return 0, false
			}
			i = len(b)
		}
		t := b[:i]
		if bytes.IndexByte(t, '&') >= 0 {
			if k := s.checkRefs(t, s.pos); k == tokErr {
				return k, true
			}
		}
		s.text, s.cdata = t, false
		s.pos += i
		return tokText, true
	}
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '/':
		return s.scanEnd(b)
	case '?':
		i := bytes.Index(b[2:], []byte("?>"))
		if i < 0 {
			return 0, false
		}
		if k := s.checkDecl(b[2 : 2+i]); k == tokErr {
			return k, true
		}
		s.pos += i + 4
		return tokSkip, true
	case '!':
		return s.scanBang(b)
	}
	return s.scanStart(b)
}

func (s *scanner) scanBang(b []byte) (tokKind, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		i := bytes.Index(b[4:], []byte("-->"))
		if i < 0 {
			return 0, false
		}
		s.pos += i + 7
		return tokSkip, true
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		if s.depth() == 0 {
			return s.failf(s.pos, "CDATA section outside the root element"), true
		}
		i := bytes.Index(b[9:], []byte("]]>"))
		if i < 0 {
			return 0, false
		}
		s.text, s.cdata = b[9:9+i], true
		s.pos += i + 12
		return tokText, true
	case bytes.HasPrefix(b, []byte("<!DOCTYPE")):
		if s.rootSeen {
			return s.failf(s.pos, "DOCTYPE after the root element started"), true
		}
		// The internal subset may hold '>' inside brackets or quotes.
		var quote byte
		depth := 0
		for i := 9; i < len(b); i++ {
			c := b[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[':
				depth++
			case c == ']':
				depth--
			case c == '>' && depth <= 0:
				s.pos += i + 1
				return tokSkip, true
			}
		}
		return 0, false
	}
	if len(b) < 9 && !s.eof {
		return 0, false
	}
	return s.failf(s.pos, "invalid markup %q", clip(b, 12)), true
}

// checkDecl refuses an XML declaration naming an encoding other than UTF-8:
// PubMed XML is always UTF-8, and guessing would corrupt every accent.
func (s *scanner) checkDecl(pi []byte) tokKind {
	if !bytes.HasPrefix(pi, []byte("xml")) || len(pi) > 3 && !isSpace(pi[3]) {
		return tokSkip
	}
	i := bytes.Index(pi, []byte("encoding"))
	if i < 0 {
		return tokSkip
	}
	v := bytes.TrimLeft(pi[i+len("encoding"):], " \t\r\n=")
	if len(v) < 2 {
		return tokSkip
	}
	q := v[0]
	j := bytes.IndexByte(v[1:], q)
	if j < 0 {
		return tokSkip
	}
	enc := v[1 : 1+j]
	if !bytes.EqualFold(enc, []byte("utf-8")) && !bytes.EqualFold(enc, []byte("utf8")) && !bytes.EqualFold(enc, []byte("us-ascii")) {
		return s.failf(s.pos, "unsupported encoding %q (PubMed XML is UTF-8)", enc)
	}
	return tokSkip
}

func (s *scanner) scanEnd(b []byte) (tokKind, bool) {
	i := 2
	for i < len(b) && nameByte[b[i]] {
		i++
	}
	name := b[2:i]
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return 0, false
	}
	if b[i] != '>' || len(name) == 0 {
		return s.failf(s.pos, "invalid end tag %q", clip(b[:i+1], 40)), true
	}
	if s.depth() == 0 {
		return s.failf(s.pos, "unexpected end tag </%s>", name), true
	}
	if top := s.top(); !bytes.Equal(top, name) {
		return s.failf(s.pos, "mismatched end tag: </%s> closes <%s>", name, top), true
	}
	s.pop()
	s.name = name
	s.pos += i + 1
	return tokEnd, true
}

func (s *scanner) scanStart(b []byte) (tokKind, bool) {
	i := 1
	for i < len(b) && nameByte[b[i]] {
		i++
	}
	if i == len(b) {
		return 0, false
	}
	name := b[1:i]
	if len(name) == 0 || !nameStart(name[0]) {
		return s.failf(s.pos, "invalid character %q after '<'", clip(b[1:], 1)), true
	}
	s.attrs = s.attrs[:0]
	for {
		sp := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, false
		}
		switch b[i] {
		case '>':
			s.finishStart(name)
			s.pos += i + 1
			return tokStart, true
		case '/':
			if i+1 == len(b) {
				return 0, false
			}
			if b[i+1] != '>' {
				return s.failf(s.pos+i, "invalid '/' in tag <%s>", name), true
			}
			s.finishStart(name)
			s.selfClosing = true
			s.pos += i + 2
			return tokStart, true
		}
		if sp == i {
			return s.failf(s.pos+i, "missing space before attribute in tag <%s>", name), true
		}
		j := i
		for j < len(b) && nameByte[b[j]] {
			j++
		}
		an := b[i:j]
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j+1 >= len(b) {
			return 0, false
		}
		if len(an) == 0 || !nameStart(an[0]) || b[j] != '=' {
			return s.failf(s.pos+i, "invalid attribute in tag <%s>", name), true
		}
		j++
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j == len(b) {
			return 0, false
		}
		q := b[j]
		if q != '"' && q != '\'' {
			return s.failf(s.pos+j, "unquoted value of attribute %s in tag <%s>", an, name), true
		}
		k := bytes.IndexByte(b[j+1:], q)
		if k < 0 {
			return 0, false
		}
		val := b[j+1 : j+1+k]
		if bytes.IndexByte(val, '<') >= 0 {
			return s.failf(s.pos+j, "'<' in value of attribute %s in tag <%s>", an, name), true
		}
		amp := bytes.IndexByte(val, '&') >= 0
		if amp && s.checkRefs(val, s.pos+j+1) == tokErr {
			return tokErr, true
		}
		s.attrs = append(s.attrs, attr{name: an, val: val, amp: amp})
		i = j + 2 + k
	}
}

func (s *scanner) finishStart(name []byte) {
	s.name = name
	s.push(name)
}

// checkRefs validates every '&' reference in t, which starts at buf[at].
func (s *scanner) checkRefs(t []byte, at int) tokKind {
	for i := 0; i < len(t); {
		j := bytes.IndexByte(t[i:], '&')
		if j < 0 {
			return tokText
		}
		i += j
		_, n, err := decodeRef(t[i:])
		if err != nil {
			return s.fail(at+i, err)
		}
		i += n
	}
	return tokText
}

// attr returns the raw value of the current start tag's attribute name.
func (s *scanner) attr(name string) (val []byte, amp, ok bool) {
	for _, a := range s.attrs {
		if string(a.name) == name {
			return a.val, a.amp, true
		}
	}
	return nil, false, false
}

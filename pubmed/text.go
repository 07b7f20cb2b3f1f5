package pubmed

import (
	"strings"
	"unicode/utf8"
)

// textBuf gathers an element's text content, including the text of every
// element nested in it, as plain text with XML whitespace collapsed and
// trimmed and, when wantHTML is set, as HTML: escaped text with only the
// inline tags i, b, sup, sub and u kept (MathML and unknown tags give their
// text only), so that the result can be emitted unescaped.
type textBuf struct {
	plain, html []byte
	wantHTML    bool
	any         bool // text has been written
	// Pending whitespace, tracked separately because an opening tag
	// places it in the HTML before the tag but not yet in the plain text
	// (where it could end up trailing).
	spacePlain, spaceHTML bool
}

func (t *textBuf) reset(wantHTML bool) {
	t.plain, t.html = t.plain[:0], t.html[:0]
	t.wantHTML, t.any, t.spacePlain, t.spaceHTML = wantHTML, false, false, false
}

// addRaw adds raw character data; references were validated by the
// scanner, and CDATA content is literal.
func (t *textBuf) addRaw(raw []byte, cdata bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if isSpace(c) {
			t.spacePlain, t.spaceHTML = true, true
			i++
			continue
		}
		if c == '&' && !cdata {
			r, n, err := decodeRef(raw[i:])
			if err != nil {
				r, n = '&', 1
			}
			i += n
			if r < utf8.RuneSelf && isSpace(byte(r)) {
				t.spacePlain, t.spaceHTML = true, true
				continue
			}
			var tmp [utf8.UTFMax]byte
			t.write(tmp[:utf8.EncodeRune(tmp[:], r)])
			continue
		}
		// Take words and the single spaces between them in one run; stop
		// at other whitespace, a double space or a reference.
		j := i + 1
		for j < len(raw) {
			c := raw[j]
			if !textStop[c] || cdata && c == '&' {
				j++
				continue
			}
			if c == ' ' && j+1 < len(raw) && !textStop[raw[j+1]] {
				j += 2
				continue
			}
			break
		}
		t.write(raw[i:j])
		i = j
	}
}

var textStop = func() (ts [256]bool) {
	ts[' '], ts['\n'], ts['\t'], ts['\r'], ts['&'] = true, true, true, true, true
	return
}()

func (t *textBuf) write(b []byte) {
	if t.any {
		if t.spacePlain {
			t.plain = append(t.plain, ' ')
		}
		if t.spaceHTML && t.wantHTML {
			t.html = append(t.html, ' ')
		}
	}
	t.spacePlain, t.spaceHTML, t.any = false, false, true
	t.plain = append(t.plain, b...)
	if t.wantHTML {
		t.html = appendEscaped(t.html, b)
	}
}

func (t *textBuf) open(tag string) {
	if t.spaceHTML && t.any {
		t.html = append(t.html, ' ')
	}
	t.spaceHTML = false
	t.html = append(t.html, '<')
	t.html = append(t.html, tag...)
	t.html = append(t.html, '>')
}

func (t *textBuf) close(tag string) {
	t.html = append(t.html, "</"...)
	t.html = append(t.html, tag...)
	t.html = append(t.html, '>')
}

// inlineTag returns the HTML tag kept for an inline element, or "".
func inlineTag(name []byte) string {
	switch string(name) {
	case "i":
		return "i"
	case "b":
		return "b"
	case "sup":
		return "sup"
	case "sub":
		return "sub"
	case "u":
		return "u"
	}
	return ""
}

var htmlEsc = func() (e [256]string) {
	e['<'], e['>'], e['&'], e['"'], e['\''] = "&lt;", "&gt;", "&amp;", "&#34;", "&#39;"
	return
}()

func appendEscaped(dst, b []byte) []byte {
	last := 0
	for i, c := range b {
		if r := htmlEsc[c]; r != "" {
			dst = append(dst, b[last:i]...)
			dst = append(dst, r...)
			last = i + 1
		}
	}
	return append(dst, b[last:]...)
}

// str converts text to a string, replacing invalid UTF-8 so that every
// string the package returns is valid.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}

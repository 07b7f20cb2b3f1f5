package pubmed

import (
	"bytes"
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

	// The limits (limits.go) and what they cut.
	limit    int      // bytes of plain text kept
	run      int      // bytes of the word at the end of the text so far, cut or not
	full     bool     // the text reached limit; the rest is dropped
	lost     int      // bytes dropped by the limit
	longWord int      // longest word cut to maxWord, 0 when none
	depth    int      // inline elements open
	deepest  int      // the deepest they went
	kept     []string // the inline tags open in the HTML: the outermost depth levels, at most maxInline
	tagBytes int      // bytes of tags written to the HTML
	dropped  bool     // tags were dropped because they outweighed the text
}

func (t *textBuf) reset(wantHTML bool, limit int) {
	t.plain, t.html = t.plain[:0], t.html[:0]
	t.wantHTML, t.any, t.spacePlain, t.spaceHTML = wantHTML, false, false, false
	t.limit, t.run, t.full, t.lost, t.longWord = limit, 0, false, 0, 0
	t.depth, t.deepest, t.kept, t.tagBytes, t.dropped = 0, 0, t.kept[:0], 0, false
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

// write adds a run of words separated by single spaces.
func (t *textBuf) write(b []byte) {
	if t.spacePlain {
		t.run = 0
	}
	// The common case checks the word limit a window at a time.
	if t.run+len(b) > maxWord && longWord(b, t.run, maxWord) {
		t.writeWords(b)
		return
	}
	t.put(b)
	if i := bytes.LastIndexByte(b, ' '); i >= 0 {
		t.run = len(b) - 1 - i
	} else {
		t.run += len(b)
	}
}

// writeWords adds b a word at a time, cutting each word to maxWord.
func (t *textBuf) writeWords(b []byte) {
	for len(b) > 0 {
		if t.spacePlain {
			t.run = 0
		}
		w := b
		i := bytes.IndexByte(b, ' ')
		if i >= 0 {
			w = b[:i]
		}
		keep := w
		if t.run+len(w) > maxWord {
			keep = w[:runeCut(w, maxWord-t.run)]
			t.lost += len(w) - len(keep)
			t.longWord = max(t.longWord, t.run+len(w))
		}
		t.put(keep)
		t.run += len(w)
		if i < 0 {
			return
		}
		t.spacePlain, t.spaceHTML = true, true
		b = b[i+1:]
	}
}

// put writes b and any pending space, up to the limit.
func (t *textBuf) put(b []byte) {
	if len(b) == 0 {
		return
	}
	if t.full {
		t.lost += len(b)
		return
	}
	space := t.any && t.spacePlain
	if n := len(t.plain) + len(b) + boolInt(space); n > t.limit {
		keep := runeCut(b, t.limit-len(t.plain)-boolInt(space))
		t.lost += len(b) - keep
		if keep > 0 {
			t.put(b[:keep])
		}
		// A cut after a space leaves none before the ellipsis.
		if n := len(t.plain); n > 0 && t.plain[n-1] == ' ' {
			t.plain = t.plain[:n-1]
			t.lost++
			if n := len(t.html); t.wantHTML && n > 0 && t.html[n-1] == ' ' {
				t.html = t.html[:n-1]
			}
		}
		t.full = true
		t.plain = append(t.plain, ellipsis...)
		if t.wantHTML {
			t.html = append(t.html, ellipsis...)
		}
		return
	}
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// open starts an inline element. Only the outermost maxInline levels are
// kept, and no tags once they outweigh the limit of the text: three
// million nested <i> would otherwise make a page of megabytes.
func (t *textBuf) open(tag string) {
	t.depth++
	t.deepest = max(t.deepest, t.depth)
	if len(t.kept) < t.depth-1 || t.depth > maxInline || t.full {
		return
	}
	if t.tagBytes += 2*len(tag) + 5; t.tagBytes > t.limit {
		t.dropped = true
		return
	}
	if t.spaceHTML && t.any {
		t.html = append(t.html, ' ')
	}
	t.spaceHTML = false
	t.html = append(t.html, '<')
	t.html = append(t.html, tag...)
	t.html = append(t.html, '>')
	t.kept = append(t.kept, tag)
}

// close ends the innermost inline element.
func (t *textBuf) close() {
	if t.depth == len(t.kept) && t.depth > 0 {
		t.html = append(t.html, "</"...)
		t.html = append(t.html, t.kept[len(t.kept)-1]...)
		t.html = append(t.html, '>')
		t.kept = t.kept[:len(t.kept)-1]
	}
	t.depth = max(t.depth-1, 0)
}

// closeAll closes the inline elements still open (input cut short).
func (t *textBuf) closeAll() {
	for t.depth > 0 {
		t.close()
	}
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

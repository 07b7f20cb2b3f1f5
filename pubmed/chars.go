package pubmed

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// decodeRef decodes the reference at the start of t ("&amp;", "&#x2013;").
func decodeRef(t []byte) (r rune, n int, err error) {
	end := bytes.IndexByte(t, ';')
	if end < 0 || end > 32 {
		return 0, 0, fmt.Errorf("invalid character %q: '&' must start a reference like &amp;", clip(t, 8))
	}
	ref := t[1:end]
	if len(ref) > 1 && ref[0] == '#' {
		var v int64
		digits := ref[1:]
		base := int64(10)
		if digits[0] == 'x' {
			base, digits = 16, digits[1:]
		}
		if len(digits) == 0 {
			return 0, 0, fmt.Errorf("invalid character reference %q", t[:end+1])
		}
		for _, c := range digits {
			d := int64(hexVal[c])
			if d < 0 || d >= base {
				return 0, 0, fmt.Errorf("invalid character reference %q", t[:end+1])
			}
			v = v*base + d
			if v > utf8.MaxRune {
				return 0, 0, fmt.Errorf("invalid character reference %q", t[:end+1])
			}
		}
		if !isXMLChar(rune(v)) {
			return 0, 0, fmt.Errorf("character reference %q is not an XML character", t[:end+1])
		}
		return rune(v), end + 1, nil
	}
	switch string(ref) {
	case "amp":
		return '&', end + 1, nil
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	case "apos":
		return '\'', end + 1, nil
	}
	return 0, 0, fmt.Errorf("undefined entity %q", t[:end+1])
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func nameStart(c byte) bool { return nameByte[c] && c != '-' && c != '.' && (c < '0' || c > '9') }

var nameByte, hexVal = func() (nb [256]bool, hv [256]int8) {
	for c := 0; c < 256; c++ {
		nb[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80
		hv[c] = -1
		switch {
		case c >= '0' && c <= '9':
			hv[c] = int8(c - '0')
		case c >= 'a' && c <= 'f':
			hv[c] = int8(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			hv[c] = int8(c - 'A' + 10)
		}
	}
	return
}()

// clip shortens b for an error message.
func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

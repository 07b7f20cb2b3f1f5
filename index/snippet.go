package index

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// snippetMax bounds a fallback snippet, in bytes, cut at a word.
const snippetMax = 320

// snippet is the hit's highlighted fragment, preferring the conclusions; when
// nothing highlights (a filter-only search, or a match in the title only), the
// first sentence of the conclusions or else the last sentence of the
// abstract, escaped. Bleve's html highlighter escapes fragment text itself.
func snippet(h *search.DocumentMatch) string {
	for _, f := range []string{fConclusions, fAbstract} {
		for _, frag := range h.Fragments[f] {
			if strings.Contains(frag, "<mark>") {
				return wholeWords(frag)
			}
		}
	}
	if c := stored(h, fConclusions); c != "" {
		return html.EscapeString(clip(firstSentence(c)))
	}
	return html.EscapeString(clip(lastSentence(stored(h, fAbstract))))
}

func stored(h *search.DocumentMatch, field string) string {
	switch v := h.Fields[field].(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, p := range v {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// sentenceEnds returns the byte offsets just after each sentence end in s: a
// '.', '!' or '?' followed by a space and an upper-case letter or digit, so
// "e.g. the" and "p < 0.05" do not split.
func sentenceEnds(s string) []int {
	var ends []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.', '!', '?':
		default:
			continue
		}
		j := i + 1
		if j >= len(s) || s[j] != ' ' {
			continue
		}
		r, _ := utf8.DecodeRuneInString(s[j+1:])
		if unicode.IsUpper(r) || unicode.IsDigit(r) {
			ends = append(ends, j)
		}
	}
	return ends
}

func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if ends := sentenceEnds(s); len(ends) > 0 {
		return s[:ends[0]]
	}
	return s
}

func lastSentence(s string) string {
	s = strings.TrimSpace(s)
	if ends := sentenceEnds(s); len(ends) > 0 {
		return strings.TrimSpace(s[ends[len(ends)-1]:])
	}
	return s
}

// clip shortens s to about snippetMax bytes at a word boundary.
func clip(s string) string {
	if len(s) <= snippetMax {
		return s
	}
	cut := strings.LastIndexByte(s[:snippetMax], ' ')
	if cut <= 0 {
		cut = snippetMax
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

// fragmentCut is the separator bleve's highlighter puts where it cut the text.
const fragmentCut = "…"

// wholeWords drops the word bleve's fragmenter cut in two at either end of a
// highlighted fragment ("…y little is known" becomes "…little is known"), so
// a snippet reads as text. It never drops a highlighted term, and leaves an
// end alone when the first space is too far in to be a cut word.
func wholeWords(frag string) string {
	const maxWord = 30
	if rest, ok := strings.CutPrefix(frag, fragmentCut); ok {
		sp := strings.IndexByte(rest, ' ')
		mark := strings.Index(rest, "<mark>")
		if sp > 0 && sp < maxWord && (mark < 0 || sp < mark) {
			frag = fragmentCut + rest[sp+1:]
		}
	}
	if rest, ok := strings.CutSuffix(frag, fragmentCut); ok {
		sp := strings.LastIndexByte(rest, ' ')
		mark := strings.LastIndex(rest, "</mark>")
		if sp > 0 && len(rest)-sp < maxWord && sp > mark {
			frag = strings.TrimRight(rest[:sp], " ,;:") + fragmentCut
		}
	}
	return frag
}

package taxonomy

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"villi/pubmed"
)

// Fields of an article's text, in scan order. The order matters: salience
// counts title and keyword hits differently from abstract hits.
const (
	fieldTitle uint8 = iota
	fieldAbstract
	fieldKeywords
	numFields
)

// tok is one token of the scanned text: a word (lower and original form)
// or a punctuation mark that breaks phrases (',', '(', ')', '.', ...).
type tok struct {
	lower  string // set by finish
	orig   string
	lo, hi int32 // lower form's bytes in tokenizer.buf
	punct  byte  // 0 for words
	field  uint8
	key    bool  // in an abstract's objective or conclusion (see markKey)
	at     int32 // orig's byte offset in the text it came from (see tokenizer.texts)
}

// tokenizer turns text into tokens. It keeps one lower-case buffer per
// article so that token strings are substrings, not allocations.
type tokenizer struct {
	buf  []byte
	toks []tok
	// texts are the strings given to add, each with the index of its first
	// token, so that a hit's words can be quoted as the record has them.
	texts []text
	star  bool // '*' is part of a word (table patterns only)
}

// text is one string given to tokenizer.add.
type text struct {
	s     string
	first int
}

func (z *tokenizer) reset() {
	z.buf = z.buf[:0]
	z.toks = z.toks[:0]
	z.texts = z.texts[:0]
}

// quote returns the words of tokens from..to (inclusive, words of one add
// call) as they stand in the text, punctuation between them included:
// "double-blind, placebo-controlled", "Hashimoto's thyroiditis".
func (z *tokenizer) quote(from, to int) string {
	i, _ := slices.BinarySearchFunc(z.texts, from+1, func(x text, first int) int { return cmp.Compare(x.first, first) })
	src := z.texts[i-1].s
	return src[z.toks[from].at : int(z.toks[to].at)+len(z.toks[to].orig)]
}

// add appends the tokens of s. Words are runs of letters and digits;
// hyphens, slashes and quotes separate words without breaking a phrase
// ("gluten-free" matches "gluten free"); a possessive 's is dropped so that
// "Crohn's disease" matches "Crohn disease".
func (z *tokenizer) add(s string, field uint8) {
	// Fields never join into one phrase.
	z.toks = append(z.toks, tok{punct: '|', field: field})
	z.texts = append(z.texts, text{s: s, first: len(z.toks)})
	i := 0
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(r) || z.star && r == '*' {
			start := i
			lstart := len(z.buf)
			for i < len(s) {
				r, size = rune(s[i]), 1
				if r >= utf8.RuneSelf {
					r, size = utf8.DecodeRuneInString(s[i:])
				}
				if !isWordRune(r) && !(z.star && r == '*') {
					break
				}
				z.appendLower(r)
				i += size
			}
			orig := s[start:i]
			if orig == "s" || orig == "S" {
				if n := len(z.toks); n > 0 && start > 0 && isApostrophe(s, start) && z.toks[n-1].punct == 0 {
					z.buf = z.buf[:lstart]
					continue
				}
			}
			z.toks = append(z.toks, tok{orig: orig, field: field, lo: int32(lstart), hi: int32(len(z.buf)), at: int32(start)})
			continue
		}
		switch r {
		case ',', '(', ')', '.', ';', ':', '?', '!', '[', ']', '=', '<', '>':
			// A full stop inside a number or an abbreviation ("3.5",
			// "e.g.") is not worth distinguishing: it only ends phrases.
			z.toks = append(z.toks, tok{punct: byte(r), field: field})
		}
		i += size
	}
}

// finish sets the tokens' lower-case forms, as substrings of one string so
// that a whole article costs one allocation.
func (z *tokenizer) finish() {
	all := string(z.buf)
	for i := range z.toks {
		if t := &z.toks[i]; t.punct == 0 {
			t.lower = all[t.lo:t.hi]
		}
	}
}

// isApostrophe reports whether the rune just before byte offset i of s is
// an apostrophe (ASCII or typographic).
func isApostrophe(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r == '\'' || r == '’' || r == '‘' || r == '`'
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// appendLower appends r lower-cased, folding the ligatures and accents that
// occur in disease names ("cœliac", "Sjögren", "Behçet") to plain letters.
func (z *tokenizer) appendLower(r rune) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		z.buf = append(z.buf, byte(r))
		return
	}
	switch r {
	case 'œ', 'Œ':
		z.buf = append(z.buf, "oe"...)
		return
	case 'æ', 'Æ':
		z.buf = append(z.buf, "ae"...)
		return
	}
	if f, ok := foldAccent[unicode.ToLower(r)]; ok {
		z.buf = append(z.buf, f)
		return
	}
	z.buf = utf8.AppendRune(z.buf, unicode.ToLower(r))
}

var foldAccent = map[rune]byte{
	'á': 'a', 'à': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'í': 'i', 'ì': 'i', 'î': 'i', 'ï': 'i',
	'ó': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o', 'ø': 'o',
	'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u',
	'ç': 'c', 'ñ': 'n', 'ý': 'y',
}

// word is one word of a phrase pattern; prefix words end with * in the table.
type word struct {
	s      string
	prefix bool
}

func (w word) match(s string) bool {
	if w.prefix {
		return strings.HasPrefix(s, w.s)
	}
	return s == w.s
}

// parseWords splits a table phrase into words the same way the tokenizer
// splits text, so "gluten-free" and "Crohn's" behave alike on both sides. A
// word that ends in * matches any word it begins.
func parseWords(phrase string) []word {
	z := tokenizer{star: true}
	z.add(phrase, 0)
	z.finish()
	var ws []word
	for _, t := range z.toks {
		if t.punct != 0 {
			continue
		}
		w := word{s: t.lower}
		if s, ok := strings.CutSuffix(w.s, "*"); ok {
			w = word{s: strings.TrimRight(s, "*"), prefix: true}
		}
		if w.s != "" {
			ws = append(ws, w)
		}
	}
	return ws
}

// markKey marks the tokens of one abstract section that state what a study
// set out to do or found: the whole of an objective or conclusion section,
// and in other sections the sentences that say so ("we aimed to", "to
// evaluate", "in conclusion", "these results suggest"). A mechanism named
// there is what the study examines, not its background.
func markKey(toks []tok, sec pubmed.AbstractSection) {
	if isKeySection(sec) {
		for i := range toks {
			toks[i].key = true
		}
		return
	}
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !endsSentence(toks[i].punct) {
			continue
		}
		if keySentence(toks[start:i]) {
			for j := start; j < i; j++ {
				toks[j].key = true
			}
		}
		start = i + 1
	}
}

func endsSentence(p byte) bool { return p == '.' || p == '?' || p == '!' }

// isKeySection reports an objective or conclusion section, by NLM's
// category or, where the publisher's label was not mapped, by the label.
func isKeySection(sec pubmed.AbstractSection) bool {
	switch sec.Category {
	case "OBJECTIVE", "CONCLUSIONS":
		return true
	case "", "UNASSIGNED":
	default:
		return false
	}
	l := strings.ToUpper(sec.Label)
	for _, p := range []string{"AIM", "OBJECTIVE", "PURPOSE", "GOAL", "CONCLUSION", "INTERPRETATION"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// keySentence reports a sentence that states an aim or a conclusion.
func keySentence(toks []tok) bool {
	for i := range toks {
		if toks[i].punct != 0 {
			continue
		}
		w := toks[i].lower
		switch w {
		case "aim", "aimed", "aims", "objective", "objectives", "purpose", "conclusion", "conclusions",
			"conclude", "concluded", "hypothesized", "hypothesised", "hypothesis":
			return true
		}
		next := ""
		if i+1 < len(toks) && toks[i+1].punct == 0 {
			next = toks[i+1].lower
		}
		switch {
		case w == "we" || w == "to":
			switch next {
			case "investigated", "examined", "evaluated", "assessed", "studied", "tested", "compared", "sought",
				"investigate", "examine", "evaluate", "assess", "study", "test", "compare", "determine", "explore":
				return true
			}
		case w == "these" || w == "our":
			switch next {
			case "results", "findings", "data", "observations":
				return true
			}
		case w == "in" && next == "summary", w == "this" && next == "study":
			return true
		}
	}
	return false
}

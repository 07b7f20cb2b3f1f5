package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the language's share of spelling correction ("Showing
// results for coeliac disease"): which words of a query may be corrected,
// and the query with the corrections put in. Finding a correction needs the
// library's vocabulary, which the index package owns; it passes a function.
//
// Only a word searched as plain text is ever replaced. As in PubMed, whose
// spelling suggestions come with its automatic term mapping, a field-tagged
// term is taken literally: "disese[ti]" says the person means those letters
// in titles. Quoted phrases are exact by definition. Wildcards, identifiers,
// numbers, author names ("Fasano A"), terms of the synonym table, operators
// and parentheses are kept as typed, and so are words written with capitals
// after the first letter (IBD, TNFa, McDonald: acronyms and names, which a
// dictionary of ordinary words would "correct" into something else).

// MinCorrectRunes is the shortest word spelling correction touches. At
// three letters nearly every word is an abbreviation or within one edit of
// dozens of others ("fre": free, fee, fire, pre, ...), so a correction would
// be a guess.
const MinCorrectRunes = 4

// Correct returns s with the correctable words replaced where fix returns
// a replacement, and whether it replaced any. fix is called with each
// correctable word in lower case, in order, once per occurrence, and must
// return a lower-case word of letters; anything else is ignored. A
// replacement takes the case of the word it replaces ("Psorasis" →
// "Psoriasis"). Everything else in s is kept byte for byte, so the corrected
// text reads like what was typed. When s does not parse, or the corrected
// text would not, s is returned unchanged.
func Correct(s string, fix func(word string) (string, bool)) (string, bool) {
	q, err := Parse(s)
	if err != nil || len(q.plain) == 0 {
		return s, false
	}
	an, err := englishAnalyzer()
	if err != nil {
		return s, false
	}
	rs := []rune(s)
	var b strings.Builder
	last, changed := 0, false
	for _, t := range q.plain {
		n := utf8.RuneCountInString(t.text)
		if t.pos < last || t.pos+n > len(rs) || string(rs[t.pos:t.pos+n]) != t.text {
			return s, false // not where the lexer said: leave the query alone
		}
		if !correctable(t.text) || len(tokens(an, t.text)) == 0 {
			continue // a stop word is not searched; it cannot be misspelled
		}
		to, ok := fix(strings.ToLower(t.text))
		if !ok || !lowerLetters(to) || to == strings.ToLower(t.text) {
			continue
		}
		b.WriteString(string(rs[last:t.pos]))
		b.WriteString(matchCase(t.text, to))
		last, changed = t.pos+n, true
	}
	if !changed {
		return s, false
	}
	b.WriteString(string(rs[last:]))
	out := b.String()
	if _, err := Parse(out); err != nil {
		return s, false
	}
	return out, true
}

// correctable reports whether a plain word may be corrected: letters only,
// at least MinCorrectRunes of them, and no capital after the first.
func correctable(w string) bool {
	n := 0
	for i, r := range w {
		if !unicode.IsLetter(r) || i > 0 && unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= MinCorrectRunes
}

func lowerLetters(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) || unicode.IsUpper(r) {
			return false
		}
	}
	return w != ""
}

// matchCase gives to the capital first letter of typed, if it has one.
func matchCase(typed, to string) string {
	first, _ := utf8.DecodeRuneInString(typed)
	if !unicode.IsUpper(first) {
		return to
	}
	r, n := utf8.DecodeRuneInString(to)
	return string(unicode.ToUpper(r)) + to[n:]
}

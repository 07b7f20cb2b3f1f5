package digest

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"villi/pubmed"
)

// maxKeySentence bounds the key sentence shown per item, in characters.
const maxKeySentence = 320

// KeySentence is the one sentence a digest shows for an article: the
// CONCLUSIONS section of a structured abstract, else the abstract's last
// sentence; "" without an abstract. Long text is cut at a sentence, else at a
// word, and marked with an ellipsis.
func KeySentence(a *pubmed.Article) string {
	var text string
	for _, s := range a.Abstract {
		if s.Category == "CONCLUSIONS" || strings.HasPrefix(strings.ToUpper(s.Label), "CONCLUSION") {
			text = s.Text
		}
	}
	if text == "" && len(a.Abstract) > 0 {
		sents := sentences(a.Abstract[len(a.Abstract)-1].Text)
		if len(sents) > 0 {
			text = sents[len(sents)-1]
		}
	}
	text = truncatedMark.ReplaceAllString(text, "")
	return clip(strings.Join(strings.Fields(text), " "), maxKeySentence)
}

// truncatedMark is what NLM appended to abstracts it cut before 2000.
var truncatedMark = regexp.MustCompile(`\s*\(ABSTRACT TRUNCATED[^)]*\)`)

// clip shortens s to at most n characters: to whole sentences when the first
// one fits, else to whole words, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var out string
	for _, sent := range sentences(s) {
		next := strings.TrimSpace(out + " " + sent)
		if utf8.RuneCountInString(next) > n-1 {
			break
		}
		out = next
	}
	if out != "" {
		return out + " …"
	}
	cut := 0
	for i := range s {
		if utf8.RuneCountInString(s[:i]) > n-1 {
			break
		}
		if s[i] == ' ' {
			cut = i
		}
	}
	if cut == 0 {
		cut = len(string([]rune(s)[:n-1]))
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

// abbreviations end with a dot that does not end a sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "vs": true, "al": true, "approx": true, "fig": true, "figs": true,
	"dr": true, "no": true, "ca": true, "cf": true, "resp": true, "incl": true, "etc": false,
}

// sentences splits text at ". ", "! " or "? " followed by a capital letter or
// a digit, except after common abbreviations and single initials.
func sentences(text string) []string {
	text = strings.TrimSpace(text)
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == ')' || text[j] == '"' || text[j] == '\'') {
			j++
		}
		if j >= len(text) || text[j] != ' ' {
			continue
		}
		k := j
		for k < len(text) && text[k] == ' ' {
			k++
		}
		if k >= len(text) {
			continue
		}
		r, _ := utf8.DecodeRuneInString(text[k:])
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			continue
		}
		if c == '.' {
			w := lastWord(text[start:i])
			if abbreviations[strings.ToLower(w)] || (utf8.RuneCountInString(w) == 1 && unicode.IsUpper([]rune(w)[0])) {
				continue
			}
		}
		out = append(out, strings.TrimSpace(text[start:j]))
		start = k
		i = k - 1
	}
	if rest := strings.TrimSpace(text[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func lastWord(s string) string {
	s = strings.TrimRight(s, " ")
	if i := strings.LastIndexAny(s, " (["); i >= 0 {
		return s[i+1:]
	}
	return s
}

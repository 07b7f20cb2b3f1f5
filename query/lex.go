package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tokWord tokKind = iota
	tokPhrase
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokTag
)

// token is one lexical unit; pos is the rune offset of its first rune.
type token struct {
	kind   tokKind
	pos    int
	text   string // word or phrase text (without quotes and without a trailing '*')
	prefix bool   // word ended in '*'
	tag    *tag
}

func (t token) isTerm() bool { return t.kind == tokWord || t.kind == tokPhrase }

// opName is how an operator token reads in messages.
func (t token) opName() string {
	switch t.kind {
	case tokAnd:
		return "AND"
	case tokOr:
		return "OR"
	case tokNot:
		return "NOT"
	}
	return ""
}

// isSpecial reports runes that end a word.
func isSpecial(r rune) bool {
	switch r {
	case '(', ')', '"', '[', ']':
		return true
	}
	return unicode.IsSpace(r)
}

// lex splits s into tokens and checks what can be checked without context:
// quotes, brackets, tag names, wildcards and the length limits.
func lex(s string) ([]token, error) {
	if n := utf8.RuneCountInString(s); n > MaxChars {
		return nil, syntaxErr(MaxChars, "query too long",
			fmt.Sprintf("it has %d characters; the limit is %d", n, MaxChars))
	}
	rs := []rune(s)
	var toks []token
	terms := 0
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
			continue
		case r == '(':
			toks = append(toks, token{kind: tokLParen, pos: i})
			i++
			continue
		case r == ')':
			toks = append(toks, token{kind: tokRParen, pos: i})
			i++
			continue
		case r == ']':
			return nil, syntaxErr(i, `unexpected "]"`, "field tags look like zonulin[ti]")
		case r == '[':
			j := i + 1
			for j < len(rs) && rs[j] != ']' && !strings.ContainsRune(`[()"`, rs[j]) {
				j++
			}
			if j >= len(rs) || rs[j] != ']' {
				return nil, syntaxErr(i, "unclosed field tag", `add "]" after the tag name, as in zonulin[ti]`)
			}
			name := strings.TrimSpace(string(rs[i+1 : j]))
			if name == "" {
				return nil, syntaxErr(i, "empty field tag", "write a tag such as [ti] or remove the brackets")
			}
			t := lookupTag(name)
			if t == nil {
				return nil, syntaxErr(i, "unknown field tag ["+name+"]", knownTags())
			}
			toks = append(toks, token{kind: tokTag, pos: i, tag: t})
			i = j + 1
			continue
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, syntaxErr(i, "unbalanced quote", `add a closing " or remove this one`)
			}
			text := strings.Join(strings.Fields(string(rs[i+1:j])), " ")
			if text == "" {
				return nil, syntaxErr(i, "empty phrase", "put words between the quotes or remove them")
			}
			if j+1 < len(rs) && rs[j+1] == '*' {
				return nil, syntaxErr(j+1, "wildcard after a phrase",
					`wildcards work on single words: write "gluten*", not "gluten free"*`)
			}
			terms++
			if terms > MaxTerms {
				return nil, syntaxErr(i, "query too long", fmt.Sprintf("use at most %d terms", MaxTerms))
			}
			toks = append(toks, token{kind: tokPhrase, pos: i, text: text})
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !isSpecial(rs[j]) {
			j++
		}
		word := string(rs[i:j])
		switch word {
		case "AND":
			toks = append(toks, token{kind: tokAnd, pos: i})
		case "OR":
			toks = append(toks, token{kind: tokOr, pos: i})
		case "NOT":
			toks = append(toks, token{kind: tokNot, pos: i})
		default:
			tok := token{kind: tokWord, pos: i, text: word}
			if k := strings.IndexRune(word, '*'); k >= 0 {
				star := i + utf8.RuneCountInString(word[:k])
				if k != len(word)-1 {
					return nil, syntaxErr(star, "misplaced wildcard",
						`"*" only works at the end of a word, as in gluten*`)
				}
				tok.text, tok.prefix = word[:k], true
				if utf8.RuneCountInString(tok.text) < 3 {
					return nil, syntaxErr(i, "wildcard too short",
						"use at least 3 characters before *, as in glu*")
				}
			}
			terms++
			if terms > MaxTerms {
				return nil, syntaxErr(i, "query too long", fmt.Sprintf("use at most %d terms", MaxTerms))
			}
			toks = append(toks, tok)
		}
		i = j
	}
	return toks, checkParens(toks)
}

// checkParens reports the first unmatched ")" or the innermost unmatched "(",
// before parsing, so that "(zonulin AND" blames the parenthesis rather than
// the AND.
func checkParens(toks []token) error {
	var open []int
	for _, t := range toks {
		switch t.kind {
		case tokLParen:
			open = append(open, t.pos)
		case tokRParen:
			if len(open) == 0 {
				return syntaxErr(t.pos, "unbalanced parenthesis", `add "(" or remove ")"`)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return syntaxErr(open[len(open)-1], "unbalanced parenthesis", `add ")" or remove "("`)
	}
	return nil
}

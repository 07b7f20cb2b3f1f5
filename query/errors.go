package query

import "fmt"

// Limits on what Parse accepts, so a pasted document cannot become a huge
// bleve query.
const (
	MaxChars = 1000 // runes, of the input and of its expanded String()
	MaxTerms = 100  // words and phrases, counting synonym expansions
)

// SyntaxError reports malformed input: where (a 0-based rune offset into the
// input), what, and how to fix it. Callers show it to the person who typed
// the query.
type SyntaxError struct {
	Pos  int
	Msg  string
	Hint string
}

func (e *SyntaxError) Error() string {
	if e.Hint == "" {
		return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("position %d: %s — %s", e.Pos, e.Msg, e.Hint)
}

func syntaxErr(pos int, msg, hint string) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: msg, Hint: hint}
}

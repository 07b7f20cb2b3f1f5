package crawler

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
)

// Query is one saved PubMed query the crawler keeps the library current with.
type Query struct {
	Name string // e.g. "zonulin/hashimoto": its cursor's key and --query's argument
	Term string // a PubMed search term
}

//go:embed queries.txt
var defaultQueries []byte

// DefaultQueries returns the built-in saved queries (queries.txt): the
// mission's topics (intestinal permeability, zonulin, tight junctions,
// microbiome, probiotics, gluten, diet) crossed with each autoimmune
// condition of the taxonomy.
func DefaultQueries() []Query {
	qs, err := ParseQueries(bytes.NewReader(defaultQueries))
	if err != nil {
		panic("crawler: built-in queries.txt: " + err.Error()) // a test keeps this from shipping
	}
	return qs
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*$`)

// ParseQueries reads saved queries, one `name: PubMed term` a line. Blank
// lines and lines starting with # are ignored; a line ending in a
// backslash continues on the next. Names are lower-case letters, digits
// and . _ / - and must be unique. Errors name the line.
func ParseQueries(r io.Reader) ([]Query, error) {
	var (
		out   []Query
		seen  = map[string]int{}
		sc    = bufio.NewScanner(r)
		n     int
		cont  strings.Builder
		start int
	)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cont.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cont.Len() == 0 {
			start = n
		}
		if more, ok := strings.CutSuffix(line, `\`); ok {
			cont.WriteString(more)
			cont.WriteByte(' ')
			continue
		}
		cont.WriteString(line)
		full := cont.String()
		cont.Reset()
		name, term, ok := strings.Cut(full, ":")
		name, term = strings.TrimSpace(name), strings.Join(strings.Fields(term), " ")
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: want `name: PubMed query`, got %q", start, clipLine(full))
		case !namePattern.MatchString(name):
			return nil, fmt.Errorf("line %d: query name %q: use lower-case letters, digits and . _ / - (e.g. zonulin/celiac)", start, name)
		case term == "":
			return nil, fmt.Errorf("line %d: query %q has no PubMed term after the colon", start, name)
		case seen[name] != 0:
			return nil, fmt.Errorf("line %d: query %q already defined on line %d", start, name, seen[name])
		}
		if err := checkTerm(term); err != nil {
			return nil, fmt.Errorf("line %d: query %q: %w", start, name, err)
		}
		seen[name] = start
		out = append(out, Query{Name: name, Term: term})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	if cont.Len() > 0 {
		return nil, fmt.Errorf("line %d: file ends inside a query continued with a backslash", n)
	}
	if len(out) == 0 {
		return nil, errors.New("no queries: want at least one `name: PubMed query` line")
	}
	return out, nil
}

// LoadQueries reads a saved-query file (see ParseQueries).
func LoadQueries(file string) ([]Query, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("saved queries: %w", err)
	}
	defer f.Close()
	qs, err := ParseQueries(f)
	if err != nil {
		return nil, fmt.Errorf("saved queries %s: %w", file, err)
	}
	return qs, nil
}

// checkTerm catches the mistakes PubMed would silently search anyway:
// unbalanced parentheses, brackets or quotes.
func checkTerm(term string) error {
	depth, inQuote, inTag := 0, false, false
	for i, r := range term {
		switch {
		case inQuote:
			inQuote = r != '"'
		case inTag:
			inTag = r != ']'
		case r == '"':
			inQuote = true
		case r == '[':
			inTag = true
		case r == ']':
			return fmt.Errorf("unmatched ] at column %d", i+1)
		case r == '(':
			depth++
		case r == ')':
			if depth--; depth < 0 {
				return fmt.Errorf("unmatched ) at column %d", i+1)
			}
		}
	}
	switch {
	case inQuote:
		return errors.New("unterminated quote")
	case inTag:
		return errors.New("unterminated [field tag]")
	case depth > 0:
		return fmt.Errorf("%d unclosed (", depth)
	}
	return nil
}

// Select returns the queries whose names match any of patterns (exact
// names or path.Match globs such as "zonulin/*"), in their saved order;
// no patterns selects all. A pattern matching nothing is an error listing
// the names there are.
func Select(qs []Query, patterns []string) ([]Query, error) {
	if len(patterns) == 0 {
		return qs, nil
	}
	var out []Query
	picked := make(map[string]bool)
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("query pattern %q: %w", p, err)
		}
		hit := false
		for _, q := range qs {
			if ok, _ := path.Match(p, q.Name); ok || p == q.Name {
				hit, picked[q.Name] = true, true
			}
		}
		if !hit {
			names := make([]string, len(qs))
			for i, q := range qs {
				names[i] = q.Name
			}
			return nil, fmt.Errorf("no saved query named %q (saved: %s)", p, strings.Join(names, ", "))
		}
	}
	for _, q := range qs {
		if picked[q.Name] {
			out = append(out, q)
		}
	}
	return out, nil
}

func clipLine(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

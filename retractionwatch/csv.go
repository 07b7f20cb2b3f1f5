// Package retractionwatch reads the Retraction Watch database as Crossref
// distributes it: one CSV file, a row per notice, list fields separated by
// ";", missing ids written "0" or "unavailable", dates like "3/1/2024 0:00".
//
// It turns rows into pubmed.Notice values with the PMID and DOI of the
// paper they are about; it must not match them to records or store them
// (package library does).
package retractionwatch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"villi/pubmed"
)

// Columns is the header of the database's CSV file.
var Columns = []string{"Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country",
	"Author", "URLS", "ArticleType", "RetractionDate", "RetractionDOI", "RetractionPubMedID",
	"OriginalPaperDate", "OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature", "Reason",
	"Paywalled", "Notes"}

// Column positions in Columns.
const (
	colRecordID      = 0
	colRetDate       = 10
	colRetDOI        = 11
	colRetPMID       = 12
	colOrigDOI       = 14
	colOrigPMID      = 15
	colNature        = 16
	colReason        = 17
	wantColumnsCount = 20
)

// Entry is one usable row: the paper it is about and the notice.
type Entry struct {
	Line   int    // line of the row in the file, 1-based (the header is line 1)
	PMID   uint64 // OriginalPaperPubMedID; 0 when missing
	DOI    string // OriginalPaperDOI, lower case; "" when missing
	Notice pubmed.Notice
}

// Problem is a row that was skipped (Skipped) or read with a caveat.
type Problem struct {
	Line    int
	Skipped bool
	Text    string
}

func (p Problem) String() string {
	if p.Skipped {
		return fmt.Sprintf("line %d skipped: %s", p.Line, p.Text)
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Text)
}

// ErrNotRetractionWatch is returned for a file whose header is not the
// database's.
var ErrNotRetractionWatch = errors.New("not a Retraction Watch CSV file")

// Read reads the whole file. Rows with the wrong number of columns, an
// unreadable date or id, or an unknown nature are skipped and reported;
// rows that are not valid UTF-8 are read as Latin-1 and reported. It fails
// only on a file that is not the database's or cannot be read, so a caller
// that stores nothing on error loses nothing.
func Read(r io.Reader) ([]Entry, []Problem, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // counted here, so a bad row is skipped, not fatal
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: reading the header: %v", ErrNotRetractionWatch, err)
	}
	if len(head) != len(Columns) {
		return nil, nil, fmt.Errorf("%w: header has %d columns, want %d (%s)", ErrNotRetractionWatch, len(head), len(Columns), strings.Join(Columns, ","))
	}
	for i, h := range head {
		if strings.TrimSpace(h) != Columns[i] {
			return nil, nil, fmt.Errorf("%w: column %d is %q, want %q", ErrNotRetractionWatch, i+1, h, Columns[i])
		}
	}
	var (
		entries  []Entry
		problems []Problem
	)
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, Problem{Line: pe.StartLine, Skipped: true, Text: pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read Retraction Watch CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) != wantColumnsCount {
			problems = append(problems, Problem{Line: line, Skipped: true, Text: fmt.Sprintf("%d columns, want %d", len(row), wantColumnsCount)})
			continue
		}
		if latin1(row) {
			problems = append(problems, Problem{Line: line, Text: "not UTF-8, read as Latin-1"})
		}
		e, err := entry(row)
		if err != nil {
			problems = append(problems, Problem{Line: line, Skipped: true, Text: err.Error()})
			continue
		}
		e.Line = line
		entries = append(entries, e)
	}
	return entries, problems, nil
}

// latin1 converts the fields of a row that is not valid UTF-8 from Latin-1
// (the database's older exports) in place and reports whether it did.
func latin1(row []string) bool {
	bad := false
	for _, f := range row {
		if !utf8.ValidString(f) {
			bad = true
			break
		}
	}
	if !bad {
		return false
	}
	for i, f := range row {
		var b strings.Builder
		for j := 0; j < len(f); j++ {
			b.WriteRune(rune(f[j]))
		}
		row[i] = b.String()
	}
	return true
}

var natures = map[string]pubmed.Nature{
	"retraction":            pubmed.NatureRetraction,
	"expression of concern": pubmed.NatureConcern,
	"correction":            pubmed.NatureCorrection,
	"reinstatement":         pubmed.NatureReinstatement,
}

func entry(row []string) (Entry, error) {
	nature, ok := natures[strings.ToLower(strings.TrimSpace(row[colNature]))]
	if !ok {
		return Entry{}, fmt.Errorf("unknown RetractionNature %q", row[colNature])
	}
	date, err := parseDate(row[colRetDate])
	if err != nil {
		return Entry{}, fmt.Errorf("RetractionDate: %w", err)
	}
	pmid, err := parseID(row[colOrigPMID])
	if err != nil {
		return Entry{}, fmt.Errorf("OriginalPaperPubMedID: %w", err)
	}
	notice, err := parseID(row[colRetPMID])
	if err != nil {
		return Entry{}, fmt.Errorf("RetractionPubMedID: %w", err)
	}
	return Entry{
		PMID: pmid,
		DOI:  NormalizeDOI(row[colOrigDOI]),
		Notice: pubmed.Notice{
			Source:     pubmed.SourceRetractionWatch,
			Nature:     nature,
			Date:       date,
			Reasons:    list(row[colReason]),
			NoticeDOI:  NormalizeDOI(row[colRetDOI]),
			NoticePMID: notice,
			RecordID:   strings.TrimSpace(row[colRecordID]),
		},
	}, nil
}

// missing reports an id or date field the database left empty.
func missing(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == "0" || strings.EqualFold(s, "unavailable")
}

func parseID(s string) (uint64, error) {
	if missing(s) {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}

// parseDate reads "3/1/2024 0:00" (month first) and the same without a time.
func parseDate(s string) (time.Time, error) {
	if missing(s) {
		return time.Time{}, nil
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{"1/2/2006 15:04", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 3/1/2024 0:00", s)
}

// NormalizeDOI lower-cases a DOI (DOIs match case-insensitively) and drops
// a resolver prefix; "" for a missing one.
func NormalizeDOI(s string) string {
	if missing(s) {
		return ""
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// list splits a ";"-separated field; Reason entries carry a leading "+".
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "+")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

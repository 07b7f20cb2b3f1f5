package cite

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"villi/pubmed"
)

// Format is an export file format.
type Format string

// The export formats Export writes.
const (
	RIS     Format = "ris"     // RIS, for EndNote, Zotero, Mendeley, RefWorks
	BibTeX  Format = "bibtex"  // BibTeX/biblatex
	CSLJSON Format = "csljson" // CSL-JSON, for Zotero and citeproc tools
	NBIB    Format = "nbib"    // PubMed's MEDLINE display format
	CSV     Format = "csv"     // a spreadsheet
)

// Formats lists the formats in the order a UI offers them.
var Formats = []Format{RIS, BibTeX, CSLJSON, NBIB, CSV}

// ErrUnknownFormat is returned by ParseFormat for a name it does not know.
var ErrUnknownFormat = errors.New("unknown export format")

// ParseFormat parses a format name, case-insensitively; common aliases
// (bib, json, csl, medline) are accepted. The error lists the valid names.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case RIS, BibTeX, CSLJSON, NBIB, CSV:
		return f, nil
	case "bib":
		return BibTeX, nil
	case "json", "csl", "csl-json":
		return CSLJSON, nil
	case "medline":
		return NBIB, nil
	}
	return "", fmt.Errorf("%w %q: valid formats are ris, bibtex, csljson, nbib, csv", ErrUnknownFormat, s)
}

// ContentType is the MIME type to serve the format with.
func (f Format) ContentType() string {
	switch f {
	case RIS:
		return "application/x-research-info-systems"
	case BibTeX:
		return "application/x-bibtex; charset=utf-8"
	case CSLJSON:
		return "application/vnd.citationstyles.csl+json"
	case CSV:
		return "text/csv; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}

// Ext is the file name extension, with its dot.
func (f Format) Ext() string {
	switch f {
	case RIS:
		return ".ris"
	case BibTeX:
		return ".bib"
	case CSLJSON:
		return ".json"
	case NBIB:
		return ".nbib"
	case CSV:
		return ".csv"
	}
	return ".txt"
}

// Item is one article to export, with an optional note (a collection's note
// for the item).
type Item struct {
	Article *pubmed.Article
	Note    string
}

// Export writes every item in format f. Notes and the retraction flag are
// carried where the format has room: RIS N1, BibTeX and CSL-JSON note, a CSV
// column; MEDLINE carries retractions in its own RIN field. Items with a nil
// Article are skipped.
func Export(w io.Writer, f Format, items []Item) error {
	var err error
	switch f {
	case RIS:
		err = writeRIS(w, items)
	case BibTeX:
		err = writeBibTeX(w, items)
	case CSLJSON:
		err = writeCSLJSON(w, items)
	case NBIB:
		err = writeNBIB(w, items)
	case CSV:
		err = writeCSV(w, items)
	default:
		return fmt.Errorf("%w %q", ErrUnknownFormat, string(f))
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	return nil
}

func writeNBIB(w io.Writer, items []Item) error {
	first := true
	for _, it := range items {
		if it.Article == nil {
			continue
		}
		if !first {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		first = false
		if err := WriteMedline(w, it.Article); err != nil {
			return err
		}
	}
	return nil
}

// itemNote joins the item's note with the retraction notice.
func itemNote(it Item) string {
	return joinNonEmpty(" ", retraction(it.Article), strings.TrimSpace(it.Note))
}

var csvHeader = []string{"pmid", "title", "authors", "journal", "year", "volume", "issue",
	"pages", "doi", "pmcid", "publication_types", "retracted", "note"}

func writeCSV(w io.Writer, items []Item) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, it := range items {
		a := it.Article
		if a == nil {
			continue
		}
		names := make([]string, 0, len(a.Authors))
		for _, au := range a.Authors {
			names = append(names, nlmName(au))
		}
		pts := make([]string, 0, len(a.PublicationTypes))
		for _, pt := range a.PublicationTypes {
			pts = append(pts, pt.Name)
		}
		year := ""
		if a.PubDate.Year != 0 {
			year = strconv.Itoa(a.PubDate.Year)
		}
		retracted := "no"
		if a.IsRetracted() {
			retracted = "yes"
		}
		rec := []string{
			strconv.FormatUint(a.PMID, 10), a.Title, strings.Join(names, "; "), a.Journal.Title,
			year, a.Journal.Volume, a.Journal.Issue, locator(a), doiOf(a), a.IDs.PMC,
			strings.Join(pts, "; "), retracted, itemNote(it),
		}
		for i := range rec {
			rec[i] = defuseFormula(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuseFormula prefixes a quote to cells a spreadsheet would run as a
// formula (OWASP CSV injection); notes are user input.
func defuseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

package cite

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"villi/pubmed"
)

// writeRIS writes RIS records ("TAG  - value", CRLF line ends as the RIS
// specification has them, one AU line per author).
func writeRIS(w io.Writer, items []Item) error {
	bw := bufio.NewWriter(w)
	for _, it := range items {
		if it.Article == nil {
			continue
		}
		risRecord(bw, it)
	}
	return bw.Flush()
}

func risRecord(bw *bufio.Writer, it Item) {
	a := it.Article
	tag := func(t, v string) {
		v = strings.Join(strings.Fields(v), " ")
		if v == "" {
			return
		}
		fmt.Fprintf(bw, "%-2s  - %s\r\n", t, v)
	}
	ty := "JOUR"
	if a.Book != nil {
		ty = "CHAP"
		if a.Title == "" || a.Title == a.Book.Title {
			ty = "BOOK"
		}
	}
	bw.WriteString("TY  - " + ty + "\r\n")
	for _, au := range a.Authors {
		tag("AU", risName(au))
	}
	tag("TI", a.Title)
	if a.Book != nil {
		for _, ed := range a.Book.Editors {
			tag("A2", risName(ed))
		}
		if ty == "CHAP" {
			tag("T2", a.Book.Title)
		}
		tag("PB", a.Book.Publisher)
		tag("CY", a.Book.PublisherLocation)
		for _, isbn := range a.Book.ISBNs {
			tag("SN", isbn)
		}
	} else {
		tag("T2", a.Journal.Title)
		tag("JO", nlmJournal(a))
		tag("VL", a.Journal.Volume)
		tag("IS", a.Journal.Issue)
		sp, ep := splitPages(locator(a))
		tag("SP", sp)
		tag("EP", ep)
		tag("SN", a.Journal.ISSN)
	}
	if a.PubDate.Year != 0 {
		tag("PY", strconv.Itoa(a.PubDate.Year))
		tag("DA", risDate(a.PubDate))
	}
	for _, l := range a.Languages {
		tag("LA", l)
	}
	tag("AB", a.AbstractText())
	for _, k := range a.Keywords {
		tag("KW", k.Text)
	}
	for _, m := range a.MeSH {
		tag("KW", m.DescriptorName)
	}
	tag("DO", doiOf(a))
	tag("AN", strconv.FormatUint(a.PMID, 10))
	tag("UR", pubmedURL(a.PMID))
	tag("C2", a.IDs.PMC)
	tag("DB", "PubMed")
	if r := retraction(a); r != "" {
		tag("N1", r)
	}
	tag("N1", it.Note)
	bw.WriteString("ER  - \r\n\r\n")
}

// risName is "Lastname, Forename[, Suffix]" (collective names verbatim).
func risName(au pubmed.Author) string {
	if au.CollectiveName != "" {
		return au.CollectiveName
	}
	fore := au.ForeName
	if fore == "" {
		fore = au.Initials
	}
	return joinNonEmpty(", ", au.LastName, fore, au.Suffix)
}

// risDate is RIS's "YYYY/MM/DD/other" with empty parts kept; a season or a
// MedlineDate goes in the free-text part.
func risDate(d pubmed.Date) string {
	var mm, dd string
	if m := month(d); m != 0 {
		mm = fmt.Sprintf("%02d", m)
		if d.Day > 0 {
			dd = fmt.Sprintf("%02d", d.Day)
		}
	}
	other := d.Season
	if d.MedlineDate != "" {
		other = d.MedlineDate
	}
	return fmt.Sprintf("%04d/%s/%s/%s", d.Year, mm, dd, other)
}

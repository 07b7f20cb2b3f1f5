package cite

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"villi/pubmed"
)

// cslItem is one CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html).
type cslItem struct {
	ID                  string    `json:"id"`
	Type                string    `json:"type"`
	Title               string    `json:"title,omitempty"`
	Author              []cslName `json:"author,omitempty"`
	Editor              []cslName `json:"editor,omitempty"`
	Issued              *cslDate  `json:"issued,omitempty"`
	ContainerTitle      string    `json:"container-title,omitempty"`
	ContainerTitleShort string    `json:"container-title-short,omitempty"`
	JournalAbbreviation string    `json:"journalAbbreviation,omitempty"`
	Volume              string    `json:"volume,omitempty"`
	Issue               string    `json:"issue,omitempty"`
	Page                string    `json:"page,omitempty"`
	Publisher           string    `json:"publisher,omitempty"`
	PublisherPlace      string    `json:"publisher-place,omitempty"`
	ISSN                string    `json:"ISSN,omitempty"`
	ISBN                string    `json:"ISBN,omitempty"`
	DOI                 string    `json:"DOI,omitempty"`
	PMID                string    `json:"PMID,omitempty"`
	PMCID               string    `json:"PMCID,omitempty"`
	URL                 string    `json:"URL,omitempty"`
	Language            string    `json:"language,omitempty"`
	Keyword             string    `json:"keyword,omitempty"`
	Abstract            string    `json:"abstract,omitempty"`
	Note                string    `json:"note,omitempty"`
	Status              string    `json:"status,omitempty"`
}

type cslName struct {
	Family  string `json:"family,omitempty"`
	Given   string `json:"given,omitempty"`
	Suffix  string `json:"suffix,omitempty"`
	Literal string `json:"literal,omitempty"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts,omitempty"`
	Season    any     `json:"season,omitempty"`
	Literal   string  `json:"literal,omitempty"`
}

// writeCSLJSON writes a JSON array of CSL items.
func writeCSLJSON(w io.Writer, items []Item) error {
	out := make([]cslItem, 0, len(items))
	for _, it := range items {
		if it.Article != nil {
			out = append(out, cslOf(it))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func cslOf(it Item) cslItem {
	a := it.Article
	pmid := strconv.FormatUint(a.PMID, 10)
	c := cslItem{
		ID:       "pmid:" + pmid,
		Type:     "article-journal",
		Title:    a.Title,
		Author:   cslNames(a.Authors),
		Issued:   cslDateOf(a.PubDate),
		DOI:      doiOf(a),
		PMID:     pmid,
		PMCID:    a.IDs.PMC,
		URL:      pubmedURL(a.PMID),
		Abstract: a.AbstractText(),
		Note:     itemNote(it),
	}
	if a.Book != nil {
		c.Type = "chapter"
		if a.Title == "" || a.Title == a.Book.Title {
			c.Type = "book"
		} else {
			c.ContainerTitle = a.Book.Title
		}
		c.Editor = cslNames(a.Book.Editors)
		c.Publisher = a.Book.Publisher
		c.PublisherPlace = a.Book.PublisherLocation
		if len(a.Book.ISBNs) > 0 {
			c.ISBN = a.Book.ISBNs[0]
		}
	} else {
		c.ContainerTitle = a.Journal.Title
		c.ContainerTitleShort = nlmJournal(a)
		c.JournalAbbreviation = nlmJournal(a)
		c.Volume = a.Journal.Volume
		c.Issue = a.Journal.Issue
		c.Page = fullPages(locator(a))
		c.ISSN = a.Journal.ISSN
	}
	if len(a.Languages) > 0 {
		c.Language = a.Languages[0]
	}
	var kws []string
	for _, k := range a.Keywords {
		kws = append(kws, k.Text)
	}
	c.Keyword = strings.Join(kws, ", ")
	if aheadOfPrint(a) {
		c.Status = "Advance online publication"
	}
	return c
}

func cslNames(as []pubmed.Author) []cslName {
	var out []cslName
	for _, au := range as {
		if au.CollectiveName != "" {
			out = append(out, cslName{Literal: au.CollectiveName})
			continue
		}
		given := au.ForeName
		if given == "" {
			given = au.Initials
		}
		out = append(out, cslName{Family: au.LastName, Given: given, Suffix: au.Suffix})
	}
	return out
}

var cslSeasons = map[string]int{"spring": 1, "summer": 2, "autumn": 3, "fall": 3, "winter": 4}

// cslDateOf gives date-parts from the parsed year/month/day; a season is
// CSL's numbered season, and a MedlineDate stays as the literal's fallback
// only when it could not be parsed at all.
func cslDateOf(d pubmed.Date) *cslDate {
	if d.IsZero() {
		return nil
	}
	if d.Year == 0 {
		return &cslDate{Literal: joinNonEmpty(" ", d.MedlineDate, d.Season)}
	}
	parts := []int{d.Year}
	if m := month(d); m != 0 {
		parts = append(parts, m)
		if d.Day > 0 {
			parts = append(parts, d.Day)
		}
	}
	cd := &cslDate{DateParts: [][]int{parts}}
	if d.Season != "" {
		if n, ok := cslSeasons[strings.ToLower(d.Season)]; ok {
			cd.Season = n
		} else {
			cd.Season = d.Season
		}
	}
	return cd
}

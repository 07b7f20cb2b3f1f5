package pubmed

import (
	"strconv"
	"time"
)

// Kind says which PubMed record type an Article was decoded from.
type Kind string

const (
	KindArticle Kind = "article" // PubmedArticle, or a MedlineCitation from a legacy MedlineCitationSet
	KindBook    Kind = "book"    // PubmedBookArticle
)

// Article is one PubMed record, as decoded from PubMed XML. Text fields hold
// plain text (inline markup removed, its text kept); the *HTML fields hold the
// same text as a safe HTML subset (i, b, sup, sub, u) that callers may emit
// unescaped.
type Article struct {
	PMID    uint64 `json:"pmid"`
	Version int    `json:"version"` // PMID Version attribute; 1 when absent
	Kind    Kind   `json:"kind"`

	Status         string `json:"status,omitempty"` // MedlineCitation Status: MEDLINE, PubMed-not-MEDLINE, In-Process, Publisher, ...
	Owner          string `json:"owner,omitempty"`
	IndexingMethod string `json:"indexing_method,omitempty"` // Automated, Curated; empty for manual

	Title           string `json:"title"`
	TitleHTML       string `json:"title_html,omitempty"`
	VernacularTitle string `json:"vernacular_title,omitempty"`

	Abstract  []AbstractSection `json:"abstract,omitempty"`
	Copyright string            `json:"copyright,omitempty"`
	// OtherAbstracts are abstracts in other languages or from other sources
	// (OtherAbstract); not used for search ranking.
	OtherAbstracts []OtherAbstract `json:"other_abstracts,omitempty"`

	Authors         []Author `json:"authors,omitempty"`
	AuthorsComplete bool     `json:"authors_complete"` // AuthorList CompleteYN; true when absent

	Journal      Journal       `json:"journal"`
	Pagination   string        `json:"pagination,omitempty"` // MedlinePgn verbatim, e.g. "1023-31" or "e1234"
	StartPage    string        `json:"start_page,omitempty"`
	EndPage      string        `json:"end_page,omitempty"`
	ELocationIDs []ELocationID `json:"elocation_ids,omitempty"`

	PubDate     Date   `json:"pub_date"`               // JournalIssue/PubDate (BookDocument: Book/PubDate)
	ArticleDate *Date  `json:"article_date,omitempty"` // electronic publication date (ArticleDate DateType=Electronic)
	PubModel    string `json:"pub_model,omitempty"`    // Print, Print-Electronic, Electronic, Electronic-Print, Electronic-eCollection

	IDs ArticleIDs `json:"ids"`

	PublicationTypes []PublicationType `json:"publication_types,omitempty"`
	MeSH             []MeshHeading     `json:"mesh,omitempty"`
	Keywords         []Keyword         `json:"keywords,omitempty"`
	Chemicals        []Chemical        `json:"chemicals,omitempty"`
	Languages        []string          `json:"languages,omitempty"` // three-letter codes, e.g. "eng"

	// History holds PubmedData/History dates (received, accepted, entrez,
	// pubmed, medline, ...), in document order.
	History           []HistoryDate `json:"history,omitempty"`
	PublicationStatus string        `json:"publication_status,omitempty"` // ppublish, epublish, aheadofprint
	DateCompleted     *Date         `json:"date_completed,omitempty"`
	DateRevised       *Date         `json:"date_revised,omitempty"`

	CommentsCorrections []CommentCorrection `json:"comments_corrections,omitempty"`
	// Retracted is true when a RetractionIn comment exists or the record has
	// the "Retracted Publication" publication type.
	// Ask IsRetracted or Retraction, which also weigh Notices.
	Retracted bool `json:"retracted"`
	// Notices come from other databases (Retraction Watch), attached by the
	// store on read; never part of the stored JSON (see Notice).
	Notices []Notice `json:"-"`

	CoiStatement string `json:"coi_statement,omitempty"`
	Book         *Book  `json:"book,omitempty"` // set for KindBook
}

// AbstractSection is one AbstractText element. Unstructured abstracts have a
// single section with empty Label and Category.
type AbstractSection struct {
	Label    string `json:"label,omitempty"`    // Label attribute as printed, e.g. "METHODS AND RESULTS"
	Category string `json:"category,omitempty"` // NlmCategory: BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS, UNASSIGNED
	Text     string `json:"text"`
	HTML     string `json:"html,omitempty"`
}

// OtherAbstract is an OtherAbstract element (another language or source).
type OtherAbstract struct {
	Type     string            `json:"type,omitempty"`
	Language string            `json:"language,omitempty"`
	Sections []AbstractSection `json:"sections"`
}

// Author is a personal or a collective author (CollectiveName set, names empty).
type Author struct {
	LastName       string   `json:"last_name,omitempty"`
	ForeName       string   `json:"fore_name,omitempty"`
	Initials       string   `json:"initials,omitempty"`
	Suffix         string   `json:"suffix,omitempty"`
	CollectiveName string   `json:"collective_name,omitempty"`
	Affiliations   []string `json:"affiliations,omitempty"`
	ORCID          string   `json:"orcid,omitempty"` // bare 0000-0000-0000-0000 form
	EqualContrib   bool     `json:"equal_contrib,omitempty"`
}

// Journal describes the journal issue an article appeared in.
type Journal struct {
	Title       string `json:"title,omitempty"`
	ISOAbbrev   string `json:"iso_abbrev,omitempty"`
	MedlineTA   string `json:"medline_ta,omitempty"` // MedlineJournalInfo/MedlineTA, PubMed's TA field
	NlmUniqueID string `json:"nlm_unique_id,omitempty"`
	Country     string `json:"country,omitempty"`
	ISSN        string `json:"issn,omitempty"`
	ISSNType    string `json:"issn_type,omitempty"` // Print or Electronic
	ISSNLinking string `json:"issn_linking,omitempty"`
	Volume      string `json:"volume,omitempty"`
	Issue       string `json:"issue,omitempty"`
}

// ELocationID is an electronic location (doi or pii) of the article.
type ELocationID struct {
	Type  string `json:"type"` // doi, pii
	Value string `json:"value"`
	Valid bool   `json:"valid"`
}

// Date is a PubMed date. Year, Month and Day are 0 when absent. Season keeps a
// Season element verbatim ("Spring"), MedlineDate keeps a MedlineDate verbatim
// ("1998 Dec-1999 Jan"); both are also parsed into Year/Month where possible,
// so Sort() orders every record.
type Date struct {
	Year        int    `json:"year,omitempty"`
	Month       int    `json:"month,omitempty"`
	Day         int    `json:"day,omitempty"`
	Season      string `json:"season,omitempty"`
	MedlineDate string `json:"medline_date,omitempty"`
	// Hour and Minute are kept for History dates, which carry them.
	Hour   int `json:"hour,omitempty"`
	Minute int `json:"minute,omitempty"`
}

// IsZero reports whether the date carries nothing.
func (d Date) IsZero() bool {
	return d.Year == 0 && d.MedlineDate == "" && d.Season == ""
}

// NLM renders the date as NLM prints it in citations ("2023 Mar 9",
// "2000 Spring"); a MedlineDate is returned verbatim because NLM does so and
// it may span years. A zero Date is "".
func (d Date) NLM() string {
	if d.MedlineDate != "" {
		return d.MedlineDate
	}
	if d.Year == 0 {
		return ""
	}
	s := strconv.Itoa(d.Year)
	switch {
	case d.Season != "":
		s += " " + d.Season
	case d.Month >= 1 && d.Month <= 12:
		s += " " + time.Month(d.Month).String()[:3]
		if d.Day > 0 {
			s += " " + strconv.Itoa(d.Day)
		}
	}
	return s
}

// Sort returns the date as a time for sorting and range filters: missing
// month or day count as the first of the period. A zero Date sorts first.
func (d Date) Sort() time.Time {
	if d.Year == 0 {
		return time.Time{}
	}
	m, day := d.Month, d.Day
	if m < 1 || m > 12 {
		m = 1
	}
	if day < 1 || day > 31 {
		day = 1
	}
	return time.Date(d.Year, time.Month(m), day, d.Hour, d.Minute, 0, 0, time.UTC)
}

// ArticleIDs are the identifiers from PubmedData/ArticleIdList (and, for
// records without one, from ELocationID).
type ArticleIDs struct {
	DOI   string `json:"doi,omitempty"`
	PMC   string `json:"pmc,omitempty"` // "PMC1234567"
	PII   string `json:"pii,omitempty"`
	Other []ID   `json:"other,omitempty"` // every other id type (mid, bookaccession, ...)
}

// ID is a typed identifier.
type ID struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// PublicationType is a PublicationType element with its descriptor UI.
type PublicationType struct {
	UI   string `json:"ui,omitempty"`
	Name string `json:"name"`
}

// MeshHeading is a MeSH descriptor with its qualifiers. Major is the
// descriptor's MajorTopicYN; a heading is a major topic when the descriptor or
// any qualifier is major (see IsMajor).
type MeshHeading struct {
	DescriptorUI   string      `json:"ui,omitempty"` // empty in legacy files without UIs
	DescriptorName string      `json:"name"`
	Major          bool        `json:"major,omitempty"`
	Type           string      `json:"type,omitempty"` // Geographic, ...
	Qualifiers     []Qualifier `json:"qualifiers,omitempty"`
}

// IsMajor reports whether the descriptor or any of its qualifiers is a major topic.
func (h MeshHeading) IsMajor() bool {
	if h.Major {
		return true
	}
	for _, q := range h.Qualifiers {
		if q.Major {
			return true
		}
	}
	return false
}

// Qualifier is a MeSH qualifier (subheading) of a heading.
type Qualifier struct {
	UI    string `json:"ui,omitempty"`
	Name  string `json:"name"`
	Major bool   `json:"major,omitempty"`
}

// Keyword is an author or NLM keyword.
type Keyword struct {
	Text  string `json:"text"`
	Major bool   `json:"major,omitempty"`
	Owner string `json:"owner,omitempty"` // NOTNLM, NLM, ...
}

// Chemical is a Chemical element of the ChemicalList.
type Chemical struct {
	RegistryNumber string `json:"registry_number,omitempty"`
	UI             string `json:"ui,omitempty"`
	Name           string `json:"name"`
}

// HistoryDate is one PubMedPubDate of the History, e.g. Status "entrez".
type HistoryDate struct {
	Status string `json:"status"`
	Date   Date   `json:"date"`
}

// CommentCorrection is one CommentsCorrections element, e.g. RefType
// "RetractionIn" pointing at the retraction notice.
type CommentCorrection struct {
	RefType   string `json:"ref_type"`
	RefSource string `json:"ref_source,omitempty"`
	PMID      uint64 `json:"pmid,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Book holds the fields of a PubmedBookArticle's BookDocument.
type Book struct {
	Title             string   `json:"title"`
	Publisher         string   `json:"publisher,omitempty"`
	PublisherLocation string   `json:"publisher_location,omitempty"`
	Edition           string   `json:"edition,omitempty"`
	CollectionTitle   string   `json:"collection_title,omitempty"`
	ISBNs             []string `json:"isbns,omitempty"`
	Editors           []Author `json:"editors,omitempty"`
	Medium            string   `json:"medium,omitempty"`
	LocationLabel     string   `json:"location_label,omitempty"` // section or chapter label
}

// History status names used by PubMed.
const (
	HistoryEntrez  = "entrez"
	HistoryPubMed  = "pubmed"
	HistoryMedline = "medline"
)

// EntrezDate returns the date the record entered PubMed (History status
// "entrez"), falling back to "pubmed"; ok is false when neither is present.
func (a *Article) EntrezDate() (d Date, ok bool) {
	for _, want := range []string{HistoryEntrez, HistoryPubMed} {
		for _, h := range a.History {
			if h.Status == want {
				return h.Date, true
			}
		}
	}
	return Date{}, false
}

// AbstractText returns the abstract's sections joined as plain text, each
// labelled section prefixed by its label ("BACKGROUND: ...").
func (a *Article) AbstractText() string {
	var n int
	for _, s := range a.Abstract {
		n += len(s.Label) + len(s.Text) + 3
	}
	b := make([]byte, 0, n)
	for i, s := range a.Abstract {
		if i > 0 {
			b = append(b, ' ')
		}
		if s.Label != "" {
			b = append(b, s.Label...)
			b = append(b, ": "...)
		}
		b = append(b, s.Text...)
	}
	return string(b)
}

// Year returns the publication year used for display and the [dp] filter.
func (a *Article) Year() int { return a.PubDate.Year }

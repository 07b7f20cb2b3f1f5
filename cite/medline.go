package cite

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"villi/pubmed"
)

// medlineWidth is the longest line content PubMed's MEDLINE view writes
// after the six-column tag: measured on PubMed exports (2019-2023), a line
// is broken at a space so that its text, less the trailing space, is at
// most 81 characters; the trailing space is kept, as PubMed keeps it.
const medlineWidth = 81

// commentTags maps CommentsCorrections RefTypes to their MEDLINE tags.
var commentTags = map[string]string{
	"CommentOn": "CON", "CommentIn": "CIN",
	"ErratumIn": "EIN", "ErratumFor": "EFR",
	"CorrectedandRepublishedIn": "CRI", "CorrectedandRepublishedFrom": "CRF",
	"RetractionIn": "RIN", "RetractionOf": "ROF",
	"PartialRetractionIn": "PRIN", "PartialRetractionOf": "PROF",
	"RetractionAndRepublicationIn": "RRI", "RetractionAndRepublicationFrom": "RRF",
	"ExpressionOfConcernIn": "ECI", "ExpressionOfConcernFor": "ECF",
	"UpdateIn": "UIN", "UpdateOf": "UOF",
	"RepublishedIn": "RPI", "RepublishedFrom": "RPF",
	"ReprintIn": "RPI", "ReprintOf": "RPF",
	"SummaryForPatientsIn": "SPIN", "OriginalReportIn": "ORI",
	"AssociatedDataset": "ADS", "AssociatedPublication": "APB",
}

// WriteMedline writes one record in PubMed's MEDLINE display format (the
// "PubMed format" view and .nbib files), in PubMed's field order. Fields the
// Article does not carry (SB, GR, IR, ...) are left out.
func WriteMedline(w io.Writer, a *pubmed.Article) error {
	if a == nil {
		return fmt.Errorf("write medline: nil article")
	}
	var m medline
	m.field("PMID", strconv.FormatUint(a.PMID, 10))
	m.field("OWN", a.Owner)
	m.field("STAT", a.Status)
	m.field("DCOM", compactDate(a.DateCompleted))
	m.field("LR", compactDate(a.DateRevised))
	if j := a.Journal; j.ISSN != "" {
		m.field("IS", joinNonEmpty(" ", j.ISSN, paren(j.ISSNType)))
	}
	if j := a.Journal; j.ISSNLinking != "" {
		m.field("IS", a.Journal.ISSNLinking+" (Linking)")
	}
	m.field("VI", a.Journal.Volume)
	m.field("IP", a.Journal.Issue)
	m.field("DP", a.PubDate.NLM())
	if a.Book == nil || a.Title != a.Book.Title {
		// PubMed prints a whole book's title once, as BTI.
		m.field("TI", a.Title)
	}
	if bk := a.Book; bk != nil {
		m.field("BTI", bk.Title)
		m.field("CTI", bk.CollectionTitle)
	}
	m.field("PG", nlmPages(a))
	for _, e := range a.ELocationIDs {
		m.field("LID", e.Value+" ["+e.Type+"]")
	}
	m.field("AB", a.AbstractText())
	m.field("CI", a.Copyright)
	if bk := a.Book; bk != nil {
		for _, ed := range bk.Editors {
			m.field("FED", fullName(ed))
			m.field("ED", nlmName(ed))
		}
	}
	for _, au := range a.Authors {
		if au.CollectiveName != "" {
			m.field("CN", au.CollectiveName)
			continue
		}
		m.field("FAU", fullName(au))
		m.field("AU", nlmName(au))
		if au.ORCID != "" {
			m.field("AUID", "ORCID: "+au.ORCID)
		}
		for _, ad := range au.Affiliations {
			m.field("AD", ad)
		}
	}
	for _, l := range a.Languages {
		m.field("LA", l)
	}
	for _, pt := range a.PublicationTypes {
		m.field("PT", pt.Name)
	}
	m.field("TT", a.VernacularTitle)
	if a.ArticleDate != nil {
		m.field("DEP", compactDate(a.ArticleDate))
	}
	if bk := a.Book; bk != nil {
		m.field("PL", bk.PublisherLocation)
		m.field("PB", bk.Publisher)
		for _, isbn := range bk.ISBNs {
			m.field("ISBN", isbn)
		}
	} else {
		m.field("PL", a.Journal.Country)
		m.field("TA", a.Journal.MedlineTA)
		m.field("JT", a.Journal.Title)
		m.field("JID", a.Journal.NlmUniqueID)
	}
	for _, c := range a.Chemicals {
		rn := c.RegistryNumber
		if rn == "" {
			rn = "0"
		}
		m.field("RN", rn+" ("+c.Name+")")
	}
	for _, c := range a.CommentsCorrections {
		if t, ok := commentTags[c.RefType]; ok {
			m.field(t, refWithPMID(c))
		}
	}
	for _, h := range a.MeSH {
		m.field("MH", meshLine(h))
	}
	m.field("PMC", a.IDs.PMC)
	for _, id := range a.IDs.Other {
		if id.Type == "mid" {
			m.field("MID", id.Value)
		}
	}
	keywordFields(&m, a.Keywords)
	m.field("COIS", a.CoiStatement)
	if d, ok := history(a, pubmed.HistoryPubMed); ok {
		m.field("EDAT", historyDate(d))
	}
	if d, ok := history(a, pubmed.HistoryMedline); ok {
		m.field("MHDA", historyDate(d))
	}
	if d, ok := history(a, "pmc-release"); ok {
		m.field("PMCR", historyDate(d)[:10])
	}
	if d, ok := history(a, pubmed.HistoryEntrez); ok {
		m.field("CRDT", historyDate(d))
	}
	for _, h := range a.History {
		m.field("PHST", historyDate(h.Date)+" ["+h.Status+"]")
	}
	// ArticleIdLists put pii before doi; the model keeps no order between
	// the named ids and Other, so Other sits between them.
	m.field("AID", aidValue(a.IDs.PII, "pii"))
	for _, id := range a.IDs.Other {
		switch id.Type {
		case "pubmed", "medline", "pmc", "pmcid", "mid":
		default:
			m.field("AID", aidValue(id.Value, id.Type))
		}
	}
	m.field("AID", aidValue(a.IDs.DOI, "doi"))
	m.field("PST", a.PublicationStatus)
	if a.Book != nil {
		m.field("SO", joinNonEmpty(" ", endSentence(a.Book.Title), bookImprint(a.Book, a.PubDate.NLM())))
	} else {
		m.field("SO", nlmSource(a, locator(a), "Online ahead of print."))
	}
	_, err := io.WriteString(w, m.b.String())
	return err
}

type medline struct{ b strings.Builder }

// field writes "TAG - value" with the tag padded to four columns, the value's
// white space collapsed, wrapped at word boundaries into lines indented six
// spaces. Empty values write nothing.
func (m *medline) field(tag, v string) {
	words := strings.Fields(v)
	if len(words) == 0 {
		return
	}
	fmt.Fprintf(&m.b, "%-4s- ", tag)
	n := 0
	for i, w := range words {
		wl := utf8.RuneCountInString(w)
		if i > 0 {
			if n+1+wl > medlineWidth {
				m.b.WriteString(" \n      ")
				n = 0
			} else {
				m.b.WriteByte(' ')
				n++
			}
		}
		m.b.WriteString(w)
		n += wl
	}
	m.b.WriteByte('\n')
}

// fullName is the FAU form: "Lastname, Forename" (initials when the fore
// name is missing), then the suffix.
func fullName(au pubmed.Author) string {
	fore := au.ForeName
	if fore == "" {
		fore = au.Initials
	}
	s := au.LastName
	if fore != "" {
		s += ", " + fore
	}
	return joinNonEmpty(" ", s, au.Suffix)
}

// meshLine is "*Descriptor/qualifier/*major qualifier".
func meshLine(h pubmed.MeshHeading) string {
	var sb strings.Builder
	if h.Major {
		sb.WriteByte('*')
	}
	sb.WriteString(h.DescriptorName)
	for _, q := range h.Qualifiers {
		sb.WriteByte('/')
		if q.Major {
			sb.WriteByte('*')
		}
		sb.WriteString(q.Name)
	}
	return sb.String()
}

// keywordFields writes each owner's OTO line followed by its OT lines.
func keywordFields(m *medline, kws []pubmed.Keyword) {
	var owners []string
	seen := make(map[string]bool)
	for _, k := range kws {
		if !seen[k.Owner] {
			seen[k.Owner] = true
			owners = append(owners, k.Owner)
		}
	}
	for _, o := range owners {
		m.field("OTO", o)
		for _, k := range kws {
			if k.Owner != o {
				continue
			}
			t := k.Text
			if k.Major {
				t = "*" + t
			}
			m.field("OT", t)
		}
	}
}

func history(a *pubmed.Article, status string) (pubmed.Date, bool) {
	for _, h := range a.History {
		if h.Status == status {
			return h.Date, true
		}
	}
	return pubmed.Date{}, false
}

// historyDate is "YYYY/MM/DD HH:MM", the form of EDAT, CRDT and PHST.
func historyDate(d pubmed.Date) string {
	return fmt.Sprintf("%04d/%02d/%02d %02d:%02d", d.Year, d.Month, d.Day, d.Hour, d.Minute)
}

// compactDate is "YYYYMMDD" (DCOM, LR, DEP).
func compactDate(d *pubmed.Date) string {
	if d == nil || d.Year == 0 {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
}

func aidValue(v, typ string) string {
	if v == "" {
		return ""
	}
	return v + " [" + typ + "]"
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

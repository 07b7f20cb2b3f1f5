package pubmed

import (
	"strconv"
	"strings"
)

// recordKind tells whether an element name starts a record.
func recordKind(name []byte) (Kind, bool) {
	switch string(name) {
	case "PubmedArticle", "MedlineCitation":
		return KindArticle, true
	case "PubmedBookArticle":
		return KindBook, true
	}
	return "", false
}

// draft carries what is only settled once the whole record is read.
type draft struct {
	a          *Article
	versionID  string   // MedlineCitation VersionID, used when PMID has no Version
	legacyAff  string   // Article/Affiliation of pre-2015 files: the first author's
	bookAuthor []Author // Book/AuthorList authors, used when the document has none
	bookCompl  bool
	bookTitle  string // BookTitle as HTML, the title when there is no ArticleTitle
	electronic bool   // ArticleDate came from a DateType="Electronic" element
	pmidSeen   bool
}

// record parses a PubmedArticle, PubmedBookArticle or MedlineCitation
// element whose start tag was just read.
func (p *parser) record(name []byte) *Article {
	p.cuts = p.cuts[:0]
	a := &Article{AuthorsComplete: true}
	d := &draft{a: a, bookCompl: true}
	switch string(name) {
	case "PubmedArticle":
		a.Kind = KindArticle
		// Some tools re-serialise records with the PMID as an attribute
		// and no MedlineCitation/PMID; a PMID element wins.
		if v, _, ok := p.s.attr("PMID"); ok {
			a.PMID, _ = strconv.ParseUint(string(v), 10, 64)
		}
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "MedlineCitation":
				p.citation(d)
			case "PubmedData":
				p.pubmedData(a)
			case "Article":
				// Re-serialised records without a MedlineCitation wrapper.
				p.article(d)
			default:
				p.skip()
			}
		}
	case "MedlineCitation":
		a.Kind = KindArticle
		p.citation(d)
	case "PubmedBookArticle":
		a.Kind = KindBook
		a.Book = &Book{}
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "BookDocument":
				p.bookDocument(d)
			case "PubmedBookData":
				p.pubmedData(a)
			default:
				p.skip()
			}
		}
	}
	p.finish(d)
	return a
}

func (p *parser) finish(d *draft) {
	a := d.a
	if a.Version == 0 {
		if v, ok := atoi([]byte(d.versionID)); ok && v > 0 {
			a.Version = v
		} else {
			a.Version = 1
		}
	}
	if d.legacyAff != "" && len(a.Authors) > 0 && len(a.Authors[0].Affiliations) == 0 {
		a.Authors[0].Affiliations = []string{d.legacyAff}
	}
	if a.Kind == KindBook {
		if len(a.Authors) == 0 && len(d.bookAuthor) > 0 {
			a.Authors, a.AuthorsComplete = d.bookAuthor, d.bookCompl
		}
		if a.Title == "" {
			a.Title = a.Book.Title
			a.TitleHTML = d.bookTitle
		}
	}
	for _, e := range a.ELocationIDs {
		if !e.Valid {
			continue
		}
		switch {
		case e.Type == "doi" && a.IDs.DOI == "":
			a.IDs.DOI = e.Value
		case e.Type == "pii" && a.IDs.PII == "":
			a.IDs.PII = e.Value
		}
	}
	for _, pt := range a.PublicationTypes {
		if pt.Name == "Retracted Publication" {
			a.Retracted = true
		}
	}
	for _, c := range a.CommentsCorrections {
		if c.RefType == "RetractionIn" {
			a.Retracted = true
		}
	}
	if a.StartPage == "" && a.Pagination != "" {
		a.StartPage, a.EndPage = splitPages(a.Pagination)
	}
}

// pmidInto reads the record's PMID; the first PMID element wins.
func (p *parser) pmidInto(d *draft) {
	if d.pmidSeen {
		p.skip()
		return
	}
	d.pmidSeen = true
	v := p.attr("Version")
	d.a.PMID = p.pmid()
	if ver, ok := atoi([]byte(v)); ok && ver > 0 {
		d.a.Version = ver
	}
}

// citation parses a MedlineCitation.
func (p *parser) citation(d *draft) {
	a := d.a
	a.Status, a.Owner = p.attr("Status"), p.attr("Owner")
	a.IndexingMethod = p.attr("IndexingMethod")
	d.versionID = p.attr("VersionID")
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "PMID":
			p.pmidInto(d)
		case "DateCompleted":
			dt := p.date()
			a.DateCompleted = &dt
		case "DateRevised":
			dt := p.date()
			a.DateRevised = &dt
		case "Article":
			p.article(d)
		case "MedlineJournalInfo":
			p.journalInfo(&a.Journal)
		case "ChemicalList":
			p.chemicals(a)
		case "CommentsCorrectionsList":
			p.comments(a)
		case "MeshHeadingList":
			p.mesh(a)
		case "OtherAbstract":
			o := OtherAbstract{Type: p.attr("Type"), Language: p.attr("Language")}
			o.Sections, _ = p.abstract(false)
			a.OtherAbstracts = append(a.OtherAbstracts, o)
		case "KeywordList":
			p.keywords(a)
		case "CoiStatement":
			a.CoiStatement = p.textUpTo(maxParagraph)
		default:
			p.skip()
		}
	}
}

// article parses MedlineCitation/Article.
func (p *parser) article(d *draft) {
	a := d.a
	a.PubModel = p.attr("PubModel")
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "Journal":
			p.journal(a)
		case "ArticleTitle":
			a.Title, a.TitleHTML = p.rich(maxTitle)
		case "VernacularTitle":
			a.VernacularTitle = p.textUpTo(maxTitle)
		case "Pagination":
			p.pagination(a)
		case "ELocationID":
			a.ELocationIDs = append(a.ELocationIDs, p.elocation())
		case "Abstract":
			a.Abstract, a.Copyright = p.abstract(true)
		case "Affiliation":
			d.legacyAff = p.textUpTo(maxAffiliation)
		case "AuthorList":
			a.AuthorsComplete = p.yes("CompleteYN", true)
			a.Authors = p.authors(a.Authors)
		case "Language":
			a.Languages = append(a.Languages, p.text())
		case "PublicationTypeList":
			for n, ok := p.child(); ok; n, ok = p.child() {
				if string(n) == "PublicationType" {
					a.PublicationTypes = append(a.PublicationTypes, p.pubType())
				} else {
					p.skip()
				}
			}
		case "ArticleDate":
			elec := p.attr("DateType") == "Electronic"
			dt := p.date()
			if a.ArticleDate == nil || elec && !d.electronic {
				a.ArticleDate, d.electronic = &dt, elec
			}
		default:
			p.skip()
		}
	}
}

func (p *parser) journal(a *Article) {
	j := &a.Journal
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "ISSN":
			j.ISSNType = p.attr("IssnType")
			j.ISSN = p.text()
		case "JournalIssue":
			for n, ok := p.child(); ok; n, ok = p.child() {
				switch string(n) {
				case "Volume":
					j.Volume = p.text()
				case "Issue":
					j.Issue = p.text()
				case "PubDate":
					a.PubDate = p.date()
				default:
					p.skip()
				}
			}
		case "Title":
			j.Title = p.text()
		case "ISOAbbreviation":
			j.ISOAbbrev = p.text()
		default:
			p.skip()
		}
	}
}

func (p *parser) journalInfo(j *Journal) {
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "Country":
			j.Country = p.text()
		case "MedlineTA":
			j.MedlineTA = p.text()
		case "NlmUniqueID":
			j.NlmUniqueID = p.text()
		case "ISSNLinking":
			j.ISSNLinking = p.text()
		default:
			p.skip()
		}
	}
}

func (p *parser) pagination(a *Article) {
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "MedlinePgn":
			a.Pagination = p.text()
		case "StartPage":
			a.StartPage = p.text()
		case "EndPage":
			a.EndPage = p.text()
		default:
			p.skip()
		}
	}
}

func (p *parser) elocation() ELocationID {
	e := ELocationID{Type: p.attr("EIdType"), Valid: p.yes("ValidYN", true)}
	e.Value = p.text()
	return e
}

// abstract parses an Abstract or OtherAbstract: its sections and copyright.
func (p *parser) abstract(wantHTML bool) (secs []AbstractSection, copyright string) {
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "AbstractText":
			s := AbstractSection{Label: p.attr("Label"), Category: p.attr("NlmCategory")}
			if wantHTML {
				s.Text, s.HTML = p.rich(maxParagraph)
			} else {
				s.Text = p.textUpTo(maxParagraph)
			}
			// An empty section, even labelled, says nothing.
			if s.Text != "" {
				secs = append(secs, s)
			}
		case "CopyrightInformation":
			copyright = p.textUpTo(maxTitle)
		default:
			p.skip()
		}
	}
	return secs, copyright
}

// authors parses the Author children of an AuthorList. Authors marked
// ValidYN="N" are misspellings kept by NLM for retrieval, each followed by
// the valid form, so they are left out of the list.
func (p *parser) authors(list []Author) []Author {
	aus, affs, spans := p.aus[:0], p.affs[:0], p.spans[:0]
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "Author" {
			p.skip()
			continue
		}
		valid := p.yes("ValidYN", true)
		au := Author{EqualContrib: p.yes("EqualContrib", false)}
		from := len(affs)
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "LastName":
				au.LastName = p.text()
			case "ForeName", "FirstName":
				au.ForeName = p.text()
			case "Initials":
				au.Initials = p.text()
			case "Suffix":
				au.Suffix = p.text()
			case "CollectiveName":
				au.CollectiveName = p.text()
			case "AffiliationInfo":
				for n, ok := p.child(); ok; n, ok = p.child() {
					if string(n) == "Affiliation" {
						if aff := p.textUpTo(maxAffiliation); aff != "" {
							affs = append(affs, aff)
						}
					} else {
						p.skip()
					}
				}
			case "Affiliation":
				if aff := p.textUpTo(maxAffiliation); aff != "" {
					affs = append(affs, aff)
				}
			case "Identifier":
				src := p.attr("Source")
				v := p.text()
				if strings.EqualFold(src, "ORCID") && au.ORCID == "" {
					au.ORCID = normalizeORCID(v)
				}
			default:
				p.skip()
			}
		}
		if valid {
			aus = append(aus, au)
			spans = append(spans, span{from, len(affs)})
		} else {
			affs = affs[:from]
		}
	}
	allA := clone(affs)
	for i, sp := range spans {
		if sp.to > sp.from {
			aus[i].Affiliations = allA[sp.from:sp.to:sp.to]
		}
	}
	list = appendClone(list, aus)
	p.aus, p.affs, p.spans = aus, affs, spans
	return list
}

func (p *parser) pubType() PublicationType {
	ui := p.attr("UI")
	return PublicationType{UI: ui, Name: p.text()}
}

func (p *parser) chemicals(a *Article) {
	chems := p.chems[:0]
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "Chemical" {
			p.skip()
			continue
		}
		var c Chemical
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "RegistryNumber":
				c.RegistryNumber = p.text()
			case "NameOfSubstance":
				c.UI = p.attr("UI")
				c.Name = p.text()
			default:
				p.skip()
			}
		}
		chems = append(chems, c)
	}
	a.Chemicals = appendClone(a.Chemicals, chems)
	p.chems = chems
}

func (p *parser) comments(a *Article) {
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "CommentsCorrections" {
			p.skip()
			continue
		}
		c := CommentCorrection{RefType: p.attr("RefType")}
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "RefSource":
				c.RefSource = p.text()
			case "PMID":
				c.PMID = p.pmid()
			case "Note":
				c.Note = p.text()
			default:
				p.skip()
			}
		}
		a.CommentsCorrections = append(a.CommentsCorrections, c)
	}
}

func (p *parser) mesh(a *Article) {
	// Headings and all their qualifiers are gathered in reused buffers
	// and copied out once: a record has a dozen headings or more.
	heads, quals, spans := p.heads[:0], p.quals[:0], p.spans[:0]
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "MeshHeading" {
			p.skip()
			continue
		}
		var h MeshHeading
		from := len(quals)
		for n, ok := p.child(); ok; n, ok = p.child() {
			switch string(n) {
			case "DescriptorName":
				h.DescriptorUI, h.Type = p.attr("UI"), p.attr("Type")
				h.Major = p.yes("MajorTopicYN", false)
				h.DescriptorName = p.text()
			case "QualifierName":
				q := Qualifier{UI: p.attr("UI"), Major: p.yes("MajorTopicYN", false)}
				q.Name = p.text()
				quals = append(quals, q)
			default:
				p.skip()
			}
		}
		// A heading without a descriptor is no heading (seen in hand-edited files).
		if h.DescriptorName != "" || h.DescriptorUI != "" {
			heads = append(heads, h)
			spans = append(spans, span{from, len(quals)})
		} else {
			quals = quals[:from]
		}
	}
	allQ := clone(quals)
	for i, sp := range spans {
		if sp.to > sp.from {
			heads[i].Qualifiers = allQ[sp.from:sp.to:sp.to]
		}
	}
	a.MeSH = appendClone(a.MeSH, heads)
	p.heads, p.quals, p.spans = heads, quals, spans
}

func (p *parser) keywords(a *Article) {
	owner := p.attr("Owner")
	kws := p.kws[:0]
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "Keyword" {
			p.skip()
			continue
		}
		k := Keyword{Owner: owner, Major: p.yes("MajorTopicYN", false)}
		if k.Text = p.text(); k.Text != "" {
			kws = append(kws, k)
		}
	}
	a.Keywords = appendClone(a.Keywords, kws)
	p.kws = kws
}

// pubmedData parses PubmedData or PubmedBookData.
func (p *parser) pubmedData(a *Article) {
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "History":
			hist := p.hist[:0]
			for n, ok := p.child(); ok; n, ok = p.child() {
				if string(n) != "PubMedPubDate" {
					p.skip()
					continue
				}
				st := p.attr("PubStatus")
				hist = append(hist, HistoryDate{Status: st, Date: p.date()})
			}
			a.History = appendClone(a.History, hist)
			p.hist = hist
		case "PublicationStatus":
			a.PublicationStatus = p.text()
		case "ArticleIdList":
			p.articleIDs(a)
		default:
			p.skip()
		}
	}
}

func (p *parser) articleIDs(a *Article) {
	ids := &a.IDs
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "ArticleId" {
			p.skip()
			continue
		}
		typ := p.attr("IdType")
		v := p.text()
		switch {
		case v == "":
		case typ == "pubmed":
			// The record's own PMID, already in Article.PMID.
		case typ == "doi" && ids.DOI == "":
			ids.DOI = v
		case typ == "pmc" && ids.PMC == "":
			if !strings.HasPrefix(v, "PMC") {
				v = "PMC" + v
			}
			ids.PMC = v
		case typ == "pii" && ids.PII == "":
			ids.PII = v
		case typ == "doi" && v == ids.DOI, typ == "pii" && v == ids.PII, typ == "pmc" && v == ids.PMC:
		default:
			ids.Other = append(ids.Other, ID{Type: typ, Value: v})
		}
	}
}

package pubmed

// bookDocument parses a PubmedBookArticle's BookDocument.
func (p *parser) bookDocument(d *draft) {
	a, b := d.a, d.a.Book
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "PMID":
			p.pmidInto(d)
		case "ArticleIdList":
			p.articleIDs(a)
		case "Book":
			p.book(d)
		case "LocationLabel":
			b.LocationLabel = p.text()
		case "ArticleTitle":
			a.Title, a.TitleHTML = p.rich(maxTitle)
		case "VernacularTitle":
			a.VernacularTitle = p.textUpTo(maxTitle)
		case "Pagination":
			p.pagination(a)
		case "Language":
			a.Languages = append(a.Languages, p.text())
		case "AuthorList":
			p.bookAuthors(d, true)
		case "PublicationType":
			a.PublicationTypes = append(a.PublicationTypes, p.pubType())
		case "Abstract":
			a.Abstract, a.Copyright = p.abstract(true)
		case "KeywordList":
			p.keywords(a)
		case "DateRevised":
			dt := p.date()
			a.DateRevised = &dt
		case "CoiStatement":
			a.CoiStatement = p.textUpTo(maxParagraph)
		default:
			p.skip()
		}
	}
}

// book parses BookDocument/Book: the book a chapter or document belongs to.
func (p *parser) book(d *draft) {
	a, b := d.a, d.a.Book
	for n, ok := p.child(); ok; n, ok = p.child() {
		switch string(n) {
		case "Publisher":
			for n, ok := p.child(); ok; n, ok = p.child() {
				switch string(n) {
				case "PublisherName":
					b.Publisher = p.text()
				case "PublisherLocation":
					b.PublisherLocation = p.text()
				default:
					p.skip()
				}
			}
		case "BookTitle":
			b.Title, d.bookTitle = p.rich(maxTitle)
		case "PubDate":
			a.PubDate = p.date()
		case "AuthorList":
			p.bookAuthors(d, false)
		case "Edition":
			b.Edition = p.text()
		case "CollectionTitle":
			b.CollectionTitle = p.textUpTo(maxTitle)
		case "Isbn":
			if v := p.text(); v != "" {
				b.ISBNs = append(b.ISBNs, v)
			}
		case "ELocationID":
			a.ELocationIDs = append(a.ELocationIDs, p.elocation())
		case "Medium":
			b.Medium = p.text()
		default:
			p.skip()
		}
	}
}

// bookAuthors parses an AuthorList of a book record. Editors go to the
// Book; the document's own authors are the record's authors, and the
// book's authors stand in for them when the document names none.
func (p *parser) bookAuthors(d *draft, document bool) {
	a := d.a
	complete := p.yes("CompleteYN", true)
	if p.attr("Type") == "editors" {
		a.Book.Editors = p.authors(a.Book.Editors)
		return
	}
	if document {
		a.AuthorsComplete = complete
		a.Authors = p.authors(a.Authors)
		return
	}
	d.bookCompl = complete
	d.bookAuthor = p.authors(d.bookAuthor)
}

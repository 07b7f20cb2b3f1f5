package index

import (
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/simple"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"

	"villi/pubmed"
	"villi/query"
	"villi/store"
)

// MappingVersion is bumped whenever the mapping or Document changes; Open
// deletes an index of another version (or of another synonym table, see
// stamp), and NeedsRebuild reports true.
const MappingVersion = 8

// stamp identifies what an index was built with: the mapping and the
// synonym table whose concept terms the text fields hold.
func stamp() string {
	return strconv.Itoa(MappingVersion) + "/" + query.ConceptsVersion()
}

// docType is the only document type; the default mapping is disabled, so
// anything else handed to bleve is not indexed at all.
const docType = "article"

// Field names (see the field table shared with villi/query).
const (
	fPMID        = "pmid"
	fTitle       = "title"
	fAbstract    = "abstract"
	fConclusions = "conclusions"
	fMesh        = "mesh"
	fMajr        = "majr"
	fMeshUI      = "mesh_ui"
	fDOI         = "doi" // lowercase, as query.idLeaf searches it
	fPMC         = "pmc" // "pmc1234567"
	fKeywords    = "keywords"
	fAu          = "au"
	fAuExact     = "au_exact"
	fTA          = "ta"
	fPT          = "pt"
	fLang        = "lang"
	fConditions  = "conditions"
	fMechanisms  = "mechanisms"
	fEvidence    = "evidence"
	fSpecies     = "species"
	fYear        = "year"
	fEDat        = "edat"
	fRetracted   = "retracted"
	fStatus      = "status"
	// fTable holds a record's doc-table values as prefixed terms
	// ("c:celiac", "y:2015", "d:<ns>"; see tableload.go), from which Open
	// loads the in-memory table. Nothing searches it.
	fTable = "doctable"
)

// Mapping returns the explicit static mapping of a villi index. It is
// exported so benchmarks can index the same documents with bleve alone.
func Mapping() *mapping.IndexMappingImpl {
	// Text fields use query.AnalyzerName, which adds synonym concept terms.
	// Phrase queries need positions, so every analysed text field keeps term
	// vectors, not only the highlighted ones. Nothing goes into _all: queries
	// name their fields. No field keeps doc values: filters, facets and sorts
	// come from the doc table. Only the snippet sources are stored.
	text := func(analyzer string, stored bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = stored
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(stored, docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = stored
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	dm := bleve.NewDocumentStaticMapping()
	add := func(name string, f *mapping.FieldMapping) { dm.AddFieldMappingsAt(name, f) }
	add(fPMID, kw(false, false))
	add(fTitle, text(query.AnalyzerName, false))
	add(fAbstract, text(query.AnalyzerName, true))
	add(fConclusions, text(query.AnalyzerName, true))
	add(fMesh, text(query.AnalyzerName, false))
	add(fMajr, text(query.AnalyzerName, false))
	add(fMeshUI, kw(false, false))
	add(fDOI, kw(false, false))
	add(fPMC, kw(false, false))
	add(fKeywords, text(query.AnalyzerName, false))
	add(fAu, text(simple.Name, false))
	add(fAuExact, kw(false, false))
	add(fTA, kw(false, false))
	add(fPT, kw(false, false))
	add(fLang, kw(false, false))
	add(fConditions, kw(false, false))
	add(fMechanisms, kw(false, false))
	add(fEvidence, kw(false, false))
	add(fSpecies, kw(false, false))
	add(fTable, kw(false, false))
	add(fYear, num())
	add(fEDat, date())
	add(fStatus, kw(false, false))
	b := bleve.NewBooleanFieldMapping()
	b.Store, b.IncludeInAll, b.DocValues = false, false, false
	add(fRetracted, b)

	im := bleve.NewIndexMapping()
	addVocab(im, dm)
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	im.AddDocumentMapping(docType, dm)
	im.DefaultAnalyzer = en.AnalyzerName
	im.DefaultType = docType
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}

// doc is a bleve document; BleveType selects the article mapping.
type doc map[string]any

func (doc) BleveType() string { return docType }

// Document builds the bleve document for a record (exported so benchmarks
// can index the same documents with bleve alone).
func Document(rec *store.Record) any {
	return document(rec, tableTerms(rec))
}

// document builds the bleve document of a record whose doc table terms
// (tableTerms) are terms.
func document(rec *store.Record, terms []string) doc {
	a := &rec.Article
	d := doc{
		fPMID:      strconv.FormatUint(a.PMID, 10),
		fTitle:     a.Title,
		fRetracted: a.IsRetracted(),
	}
	if len(a.Abstract) > 0 {
		all := make([]string, 0, len(a.Abstract))
		var concl []string
		for _, s := range a.Abstract {
			all = append(all, s.Text)
			if isConclusions(s) {
				concl = append(concl, s.Text)
			}
		}
		d[fAbstract] = strings.Join(all, " ")
		if len(concl) > 0 {
			d[fConclusions] = strings.Join(concl, " ")
		}
	}
	if len(a.MeSH) > 0 {
		var names, majr, uis []string
		for _, h := range a.MeSH {
			names = append(names, h.DescriptorName)
			for _, q := range h.Qualifiers {
				names = append(names, q.Name)
			}
			if h.IsMajor() {
				majr = append(majr, h.DescriptorName)
			}
			if h.DescriptorUI != "" {
				uis = append(uis, h.DescriptorUI)
			}
		}
		setStrings(d, fMesh, names)
		setStrings(d, fMajr, majr)
		setStrings(d, fMeshUI, uis)
	}
	if len(a.Keywords) > 0 {
		kws := make([]string, 0, len(a.Keywords))
		for _, k := range a.Keywords {
			kws = append(kws, k.Text)
		}
		setStrings(d, fKeywords, kws)
	}
	if len(a.Authors) > 0 {
		au := make([]string, 0, len(a.Authors))
		exact := make([]string, 0, len(a.Authors))
		for _, x := range a.Authors {
			name := x.CollectiveName
			if name == "" {
				name = strings.TrimSpace(x.LastName + " " + x.Initials)
			}
			if name == "" {
				continue
			}
			au = append(au, name)
			exact = append(exact, strings.ToLower(name))
		}
		setStrings(d, fAu, au)
		setStrings(d, fAuExact, exact)
	}
	if a.IDs.DOI != "" {
		d[fDOI] = strings.ToLower(strings.TrimSpace(a.IDs.DOI))
	}
	if a.IDs.PMC != "" {
		d[fPMC] = strings.ToLower(strings.TrimSpace(a.IDs.PMC))
	}
	j := a.Journal
	setStrings(d, fTA, lowerUnique(j.MedlineTA, j.ISOAbbrev, j.Title))
	if len(a.PublicationTypes) > 0 {
		pts := make([]string, 0, len(a.PublicationTypes))
		for _, p := range a.PublicationTypes {
			pts = append(pts, strings.ToLower(p.Name))
		}
		setStrings(d, fPT, pts)
	}
	setStrings(d, fLang, lowerUnique(a.Languages...))
	setStrings(d, fConditions, rec.Tags.Conditions)
	setStrings(d, fMechanisms, rec.Tags.Mechanisms)
	if rec.Tags.Evidence != "" {
		d[fEvidence] = rec.Tags.Evidence
	}
	if rec.Tags.Species != "" {
		d[fSpecies] = rec.Tags.Species
	}
	if y := a.Year(); y > 0 {
		d[fYear] = float64(y)
	}
	if e, ok := a.EntrezDate(); ok && e.Year > 0 {
		d[fEDat] = clampDate(e.Sort())
	}
	if a.Status != "" {
		d[fStatus] = strings.ToLower(a.Status)
	}
	d[fTable] = terms
	d[fVocab] = vocabText(d)
	return d
}

// isConclusions reports whether an abstract section is the conclusions.
func isConclusions(s pubmed.AbstractSection) bool {
	return s.Category == "CONCLUSIONS" || strings.HasPrefix(strings.ToUpper(s.Label), "CONCLUSION")
}

// journalName is the one display name of a journal, as result lists show
// it, for the journal facet: ta holds up to three names per record and would
// count each journal several times.
func journalName(j pubmed.Journal) string {
	for _, s := range []string{j.ISOAbbrev, j.MedlineTA, j.Title} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Bleve datetimes are int64 nanoseconds: 1678–2262. PubMed goes back to 1781
// at most, but a malformed year must not fail a whole batch.
var (
	minDate = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC)
	// noDate stands for records without any date: it sorts after every real
	// one under "newest first", and paging cursors never meet a missing value.
	noDate = minDate
)

func clampDate(t time.Time) time.Time {
	switch {
	case t.Before(minDate):
		return minDate
	case t.After(maxDate):
		return maxDate
	}
	return t.UTC()
}

// sortDate is the publication date used by the date sort; every document has
// one, falling back to the electronic and the entrez date.
func sortDate(a *pubmed.Article) time.Time {
	if t := a.PubDate.Sort(); !t.IsZero() {
		return clampDate(t)
	}
	if a.ArticleDate != nil {
		if t := a.ArticleDate.Sort(); !t.IsZero() {
			return clampDate(t)
		}
	}
	if e, ok := a.EntrezDate(); ok {
		if t := e.Sort(); !t.IsZero() {
			return clampDate(t)
		}
	}
	return noDate
}

func setStrings(d doc, field string, vals []string) {
	if len(vals) > 0 {
		d[field] = vals
	}
}

// lowerUnique lowercases the non-empty values and drops duplicates.
func lowerUnique(vals ...string) []string {
	var out []string
	for _, v := range vals {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		dup := false
		for _, o := range out {
			if o == v {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

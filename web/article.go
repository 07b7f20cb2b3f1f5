package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"villi/account"
	"villi/cite"
	"villi/library"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// articlePage is article.html's data.
type articlePage struct {
	layout
	Rec          *store.Record
	A            *pubmed.Article
	Authors      []authorView
	Affiliations []string
	Published    string // the journal issue: "2015 Mar;64(3):123-30"
	MeSH         []meshView
	Links        []outLink
	// Conditions and Mechanisms are the record's focus (what it is about);
	// MentionedConditions and MentionedMechanisms the rest of its tags.
	Conditions          []tagChip
	Mechanisms          []tagChip
	MentionedConditions []tagChip
	MentionedMechanisms []tagChip
	Badges              badges
	Evidence            link
	Species             string
	// Provisional names the tags that are villi's guess (text or learned
	// model) on a record NLM has not indexed yet, and why each was given;
	// EvidenceProvisional says whether the evidence level is one of them.
	Provisional         []provisionalView
	ProvisionalWhy      bool // some of Provisional say why
	EvidenceProvisional bool
	Citations           []citation
	Exports             []link
	Similar             []hitView
	Retraction          *link       // the retraction notice, when retracted
	FullText            string      // the free full text at PMC; "" when none or embargoed
	Meta                []cite.Meta // citation_* tags for Zotero and Google Scholar
	// Retracted says by whom, when and why, from PubMed and Retraction
	// Watch together; nil when not retracted.
	Retracted   *pubmed.Retraction
	Concern     *pubmed.Notice  // Retraction Watch's latest expression of concern
	Corrections []pubmed.Notice // Retraction Watch's corrections
	// For a logged-in user: their collections, and those holding this article.
	CanCollect    bool
	MyCollections []store.Collection
	In            []link
}

type authorView struct {
	Name  string
	ORCID string
	Affil []int // 1-based numbers into Affiliations
}

type meshView struct {
	Name       string
	Qualifiers string
	Major      bool
	URL        string
}

// citation is one reference style's text, for showing and copying.
type citation struct {
	Style, Label string
	Text, HTML   string
}

// citeStyleLabel names a reference style with its edition.
func citeStyleLabel(s cite.Style) string {
	switch s {
	case cite.AMA:
		return "AMA (11th ed.)"
	case cite.APA:
		return "APA (7th ed.)"
	case cite.Vancouver:
		return "Vancouver (NLM)"
	}
	return string(s)
}

func formatLabel(f cite.Format) string {
	switch f {
	case cite.RIS:
		return "RIS"
	case cite.BibTeX:
		return "BibTeX"
	case cite.CSLJSON:
		return "CSL-JSON"
	case cite.NBIB:
		return "MEDLINE (.nbib)"
	case cite.CSV:
		return "CSV"
	}
	return string(f)
}

// parsePMID reads a PMID path value.
func parsePMID(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || len(s) > 12 {
		return 0, badInput("%q is not a PMID: a PMID is a positive whole number such as 25911600", s)
	}
	return n, nil
}

// loadRecord reads the record a path's {pmid} names; the error is a 400 or a
// 404 the caller shows, or a store failure.
func (s *server) loadRecord(r *http.Request) (*store.Record, int, error) {
	pmid, err := parsePMID(r.PathValue("pmid"))
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	rec, err := s.lib.Record(pmid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, http.StatusNotFound, badInput("PMID %d is not in this library", pmid)
	}
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	return &rec, http.StatusOK, nil
}

func (s *server) handleArticle(w http.ResponseWriter, r *http.Request) {
	rec, code, err := s.loadRecord(r)
	if err != nil {
		if code == http.StatusInternalServerError {
			s.log.Error("article", "pmid", r.PathValue("pmid"), "err", err)
			s.renderError(w, r, code, "The record could not be read; the error has been logged.", nil)
			return
		}
		if pmid, perr := parsePMID(r.PathValue("pmid")); code == http.StatusNotFound && perr == nil {
			s.renderMissing(w, r, code, pmid, "")
			return
		}
		s.renderError(w, r, code, err.Error(), nil)
		return
	}
	a := &rec.Article
	d := articlePage{layout: layout{Title: a.Title, TopSearch: true}, Rec: rec, A: a}
	d.Authors, d.Affiliations = authorViews(a.Authors)
	d.Published = publishedLine(a)
	for _, h := range a.MeSH {
		mv := meshView{Name: h.DescriptorName, Major: h.IsMajor(), URL: searchParams{Q: `"` + h.DescriptorName + `"[mh]`}.url("/search")}
		qs := make([]string, len(h.Qualifiers))
		for i, q := range h.Qualifiers {
			qs[i] = q.Name
		}
		mv.Qualifiers = strings.Join(qs, ", ")
		d.MeSH = append(d.MeSH, mv)
	}
	d.Links = articleLinks(a)
	d.FullText = a.FreeFullText(time.Now())
	d.Meta = cite.MetaTags(a, d.FullText)
	d.Conditions, d.Mechanisms = s.tagChips(rec.Tags.Focus.Conditions, rec.Tags.Focus.Mechanisms, true, rec.Tags.Provisional)
	mc, mm := rec.Tags.Mentions()
	d.MentionedConditions, d.MentionedMechanisms = s.tagChips(mc, mm, false, rec.Tags.Provisional)
	d.Badges = badgesOf(rec.Tags.Evidence, rec.Tags.Species, rec.Tags.Provisional)
	d.Evidence = link{Label: taxonomy.EvidenceLabel(rec.Tags.Evidence), URL: searchParams{Evidence: []string{rec.Tags.Evidence}}.url("/search")}
	d.Species = taxonomy.SpeciesLabel(rec.Tags.Species)
	why := rec.Tags.ProvisionalWhy
	for i, p := range rec.Tags.Provisional {
		var v provisionalView
		switch {
		case p == rec.Tags.Evidence:
			d.EvidenceProvisional = true
			v.Label = taxonomy.EvidenceLabel(p)
		case slices.Contains(rec.Tags.Conditions, p):
			v.Label = s.label(fieldCondition, p)
		default:
			v.Label = s.label(fieldTopic, p)
		}
		// A record tagged before reasons were kept has none until retag.
		if len(why) == len(rec.Tags.Provisional) && why[i].Tag == p {
			v.Why = reasonWords(why[i])
			d.ProvisionalWhy = d.ProvisionalWhy || v.Why != ""
		}
		d.Provisional = append(d.Provisional, v)
	}
	for _, st := range cite.Styles {
		text, html := cite.Reference(st, a)
		d.Citations = append(d.Citations, citation{Style: string(st), Label: citeStyleLabel(st), Text: text, HTML: html})
	}
	for _, f := range cite.Formats {
		d.Exports = append(d.Exports, link{Label: formatLabel(f), URL: exportURL(f, a.PMID)})
	}
	d.Concern, d.Corrections = a.Concern(), a.Corrections()
	if d.Retracted = a.Retraction(); d.Retracted != nil {
		d.Retraction = s.retractionNotice(a)
	}
	d.Similar = s.similar(r, a)
	if u, ok := account.CurrentUser(r); ok {
		d.CanCollect = true
		if d.MyCollections, err = s.colls.List(r.Context(), u); err != nil {
			s.log.Error("article: list collections", "err", err)
		}
		in, err := s.colls.Containing(r.Context(), u, a.PMID)
		if err != nil {
			s.log.Error("article: collections containing", "pmid", a.PMID, "err", err)
		}
		for _, c := range in {
			d.In = append(d.In, link{Label: c.Name, URL: collectionURL(c.ID)})
		}
	}
	s.render(w, r, http.StatusOK, "article", &d)
}

func exportURL(f cite.Format, pmids ...uint64) string {
	var b strings.Builder
	b.WriteString("/api/v1/export?format=" + string(f))
	for _, p := range pmids {
		b.WriteString("&pmid=" + strconv.FormatUint(p, 10))
	}
	return b.String()
}

// authorViews numbers each distinct affiliation once, in order of first use.
func authorViews(authors []pubmed.Author) ([]authorView, []string) {
	var (
		out    []authorView
		affils []string
		number = map[string]int{}
	)
	for _, au := range authors {
		v := authorView{ORCID: au.ORCID}
		switch {
		case au.CollectiveName != "":
			v.Name = au.CollectiveName
		default:
			v.Name = strings.TrimSpace(strings.Join([]string{au.ForeName, au.LastName, au.Suffix}, " "))
			if au.ForeName == "" && au.Initials != "" {
				v.Name = au.Initials + " " + au.LastName
			}
		}
		for _, af := range au.Affiliations {
			n, ok := number[af]
			if !ok {
				affils = append(affils, af)
				n = len(affils)
				number[af] = n
			}
			v.Affil = append(v.Affil, n)
		}
		out = append(out, v)
	}
	return out, affils
}

// publishedLine describes the journal issue: date;volume(issue):pages.
func publishedLine(a *pubmed.Article) string {
	var b strings.Builder
	b.WriteString(a.PubDate.NLM())
	if j := a.Journal; j.Volume != "" || j.Issue != "" {
		b.WriteString(";" + j.Volume)
		if j.Issue != "" {
			b.WriteString("(" + j.Issue + ")")
		}
	}
	if a.Pagination != "" {
		b.WriteString(":" + a.Pagination)
	}
	return strings.TrimPrefix(b.String(), ";")
}

// outLink is a link to the record elsewhere. Key names it in the API's
// links object, so rewording the page's label leaves the API as it is.
type outLink struct {
	Key string // pubmed, doi or pmc
	link
}

func articleLinks(a *pubmed.Article) []outLink {
	pmid := strconv.FormatUint(a.PMID, 10)
	links := []outLink{{"pubmed", link{Label: "PubMed", URL: "https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/"}}}
	doi := a.IDs.DOI
	if doi == "" {
		for _, e := range a.ELocationIDs {
			if e.Type == "doi" {
				doi = e.Value
				break
			}
		}
	}
	if doi != "" {
		links = append(links, outLink{"doi", link{Label: "DOI " + doi, URL: "https://doi.org/" + doi}})
	}
	if a.IDs.PMC != "" {
		links = append(links, outLink{"pmc", link{Label: "PMC " + a.IDs.PMC, URL: a.PMCURL()}})
	}
	return links
}

// retractionNotice links the notice: here when the library holds it, at
// PubMed otherwise.
func (s *server) retractionNotice(a *pubmed.Article) *link {
	for _, cc := range a.CommentsCorrections {
		if cc.RefType != "RetractionIn" || cc.PMID == 0 {
			continue
		}
		pmid := strconv.FormatUint(cc.PMID, 10)
		if ok, _ := s.lib.Has(cc.PMID); ok {
			return &link{Label: "Read the retraction notice", URL: "/articles/" + pmid}
		}
		return &link{Label: "Read the retraction notice on PubMed", URL: "https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/"}
	}
	return &link{Label: "See the record on PubMed", URL: "https://pubmed.ncbi.nlm.nih.gov/" + strconv.FormatUint(a.PMID, 10) + "/"}
}

// similar finds articles like a: a more-like-this query over its MeSH
// headings (major ones first) and distinctive title words, and for a record
// NLM has not indexed yet, the topic words its abstract repeats; ranked by
// relevance, a itself excluded. It shows nothing rather than fail the page.
func (s *server) similar(r *http.Request, a *pubmed.Article) []hitView {
	q := similarQuery(a)
	if q == "" {
		return nil
	}
	res, err := s.lib.Search(r.Context(), library.Request{Q: q, Size: 5, NoCorrect: true})
	if err != nil {
		if r.Context().Err() == nil {
			s.log.Warn("similar articles", "pmid", a.PMID, "query", clipForLog(q), "err", err)
		}
		return nil
	}
	return s.hitViews(res.Hits)
}

// Bounds of the more-like-this query: enough terms to rank by overlap, few
// enough to stay well within the query language's limits (1,000 characters):
// a record's words and headings are cut to kilobytes, not to what a query
// may hold, and a query over the limit fails on every view of the page.
const (
	similarMeSH      = 6
	similarWords     = 8
	similarAbstract  = 4 // abstract topic words, for records without MeSH
	similarRunes     = 600
	similarMinRepeat = 2 // an abstract word counts as a topic from this many uses
)

func similarQuery(a *pubmed.Article) string {
	var terms []string
	for _, major := range []bool{true, false} {
		for _, h := range a.MeSH {
			if len(terms) == similarMeSH {
				break
			}
			if h.IsMajor() != major {
				continue
			}
			name := strings.Map(func(r rune) rune {
				if r == '"' || r == '[' || r == ']' {
					return ' '
				}
				return r
			}, h.DescriptorName)
			if name = strings.TrimSpace(name); name != "" && fits(terms, name) {
				terms = append(terms, `"`+name+`"[mh]`)
			}
		}
	}
	seen := map[string]bool{}
	words := 0
	for _, w := range topicWords(a.Title) {
		if words == similarWords || seen[w] || !fits(terms, w) {
			continue
		}
		seen[w] = true
		words++
		terms = append(terms, w+"[ti]")
	}
	if len(a.MeSH) == 0 {
		// Without NLM's headings a short title says little; the words the
		// abstract repeats name its topic (a design named twice does not:
		// topicWords drops it).
		for _, w := range repeatedWords(a, similarMinRepeat, similarAbstract, seen) {
			if fits(terms, w) {
				terms = append(terms, w+"[tiab]")
			}
		}
	}
	if len(terms) == 0 {
		return ""
	}
	return "(" + strings.Join(terms, " OR ") + ") NOT " + strconv.FormatUint(a.PMID, 10) + "[pmid]"
}

// topicWords returns the words of s that can name a topic: lower-cased, at
// least four letters, starting with a letter, neither stop words nor study
// design boilerplate, in order.
func topicWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		w = strings.Trim(w, "-")
		if len([]rune(w)) < 4 || isTitleStopWord(w) || isDesignWord(w) || !unicode.IsLetter([]rune(w)[0]) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// repeatedWords returns up to n topic words of a's abstract used at least
// least times, most used first (first use breaking ties), leaving out those in
// skip.
func repeatedWords(a *pubmed.Article, least, n int, skip map[string]bool) []string {
	count := map[string]int{}
	var order []string
	for _, sec := range a.Abstract {
		for _, w := range topicWords(sec.Text) {
			if len([]rune(w)) < 5 || skip[w] {
				continue
			}
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	var out []string
	for _, w := range order {
		if count[w] >= least {
			out = append(out, w)
		}
	}
	slices.SortStableFunc(out, func(x, y string) int { return count[y] - count[x] })
	return out[:min(len(out), n)]
}

// fits reports whether one more term (with its quotes, tag and " OR ")
// keeps the more-like-this query within similarRunes.
func fits(terms []string, add string) bool {
	n := utf8.RuneCountInString(add) + 10
	for _, t := range terms {
		n += utf8.RuneCountInString(t) + 4
	}
	return n <= similarRunes
}

// isDesignWord reports the words of study-design boilerplate: they say how
// a study was done, not what about, and every trial or review shares them
// ("randomised controlled trial" alone must not make two studies similar).
func isDesignWord(w string) bool {
	switch w {
	case "randomized", "randomised", "randomly", "randomization", "randomisation", "controlled", "control", "controls",
		"trial", "trials", "double-blind", "double-blinded", "blind", "blinded", "single-blind", "placebo",
		"placebo-controlled", "crossover", "cross-over", "open-label", "pilot", "phase", "multicenter",
		"multicentre", "multicentric", "prospective", "retrospective", "cohort", "cohorts", "case-control",
		"cross-sectional", "observational", "longitudinal", "follow-up", "systematic", "meta-analysis",
		"meta-analyses", "metaanalysis", "reviews", "overview", "update", "literature", "evidence",
		"evidence-based", "guideline", "guidelines", "series", "reports", "letter", "editorial",
		"comment", "reply", "results", "findings", "outcome", "outcomes", "efficacy", "effectiveness",
		"safety", "participants", "subjects", "group", "groups", "compared", "comparison", "versus",
		"significant", "significantly", "conclusion", "conclusions", "methods", "background", "objective",
		"design", "setting", "intervention", "interventions", "treatment", "treated", "baseline",
		"weeks", "months", "years", "daily", "received", "receiving", "assessed", "measured",
		"reduces", "reduced", "increased", "levels", "status", "relation", "influences", "human", "humans",
		"administration", "quality", "disease", "diseases", "purpose", "aims", "variables", "score", "scores",
		"related", "specific", "collected", "improve", "improves", "improved", "improvement", "increase",
		"decrease", "higher", "lower", "level", "total", "sample", "samples", "data", "including", "included",
		"however", "found", "showed", "shown", "observed", "present", "whether", "within", "other", "these":
		return true
	}
	return false
}

// isTitleStopWord reports title words that say nothing about a topic.
func isTitleStopWord(w string) bool {
	switch w {
	case "with", "from", "that", "this", "their", "into", "after", "during", "between", "among",
		"study", "studies", "patients", "effect", "effects", "role", "analysis", "case", "report",
		"review", "using", "based", "versus", "through", "without", "about", "does", "what", "when",
		"which", "association", "associated", "clinical", "evaluation", "novel":
		return true
	}
	return false
}

// provisionalView is one provisional tag on the article page.
type provisionalView struct {
	Label string
	Why   string // "from the word “coeliac” in the title"; "" when unknown
}

// reasonWords says in plain words why a provisional tag was given.
func reasonWords(r taxonomy.Reason) string {
	switch r.Source {
	case taxonomy.SourceText:
		if r.Phrase == "" {
			return ""
		}
		words := "words"
		if !strings.ContainsRune(r.Phrase, ' ') {
			words = "word"
		}
		return "from the " + words + " “" + r.Phrase + "” in the " + r.Field
	case taxonomy.SourcePublicationType:
		return "from the publication type “" + r.Phrase + "” the publisher gave"
	case taxonomy.SourceModel:
		w := "learned from NLM's indexing of similar records (probability " + strconv.FormatFloat(float64(r.Probability), 'f', 2, 32) + ")"
		if len(r.Terms) > 0 {
			w += ", from the words “" + strings.Join(r.Terms, "”, “") + "”"
		}
		if len(r.Signs) > 0 {
			sep := ", from "
			if len(r.Terms) > 0 {
				sep = " and "
			}
			w += sep + "its form: " + strings.Join(r.Signs, ", ")
		}
		return w
	}
	return ""
}

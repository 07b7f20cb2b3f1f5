package web

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"villi/library"
	"villi/query"
	"villi/taxonomy"
)

// inputError is input a person can fix; handlers answer it with a 400.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// isBadInput reports whether err is the client's to fix: our own checks, or a
// search the index refused (bad sort, page, cursor or query syntax).
func isBadInput(err error) bool {
	var ie *inputError
	return errors.As(err, &ie) || errors.Is(err, library.ErrBadRequest)
}

// Field names in the URL, shared by /search, /search.atom and /api/v1/search.
const (
	fieldCondition = "condition"
	fieldTopic     = "topic" // a mechanism; CONTRACTS.md's API name
	fieldEvidence  = "evidence"
	fieldSpecies   = "species"
	// PubMed's filters (language codes, taxonomy's article types and age
	// groups, journal names).
	fieldJournal     = "journal"
	fieldLanguage    = "language"
	fieldArticleType = "article_type"
	fieldAge         = "age"
	fieldRetracted   = "retracted" // exclude or only
)

// searchParams is one search as a URL states it.
type searchParams struct {
	Q          string
	Conditions []string
	Mechanisms []string
	Evidence   []string
	Species    []string
	From, To   int
	// AddedSince and AddedUntil bound when villi stored a record
	// (inclusive; zero = open): a digest's "See all" link opens the week's
	// new studies, not every match ever stored.
	AddedSince, AddedUntil time.Time
	// FreeFullText keeps records free to read at PMC (free_full_text=1).
	FreeFullText bool
	// Focus makes the condition and topic filters keep only the records
	// about them (focus=1), not those that mention them; the evidence map
	// links its cells so.
	Focus  bool
	Sort   string // "" means relevance
	Page   int    // 1-based
	Size   int
	Cursor string // library.EncodeCursor form; replaces Page
	// NoCorrect searches Q as typed, without spelling correction
	// (nocorrect=1, spell.go).
	NoCorrect bool

	// Journals are any of a journal's names; Languages MEDLINE codes.
	Journals, Languages, ArticleTypes, AgeGroups []string
	// Retracted is "", "exclude" or "only".
	Retracted string
}

const searchParamNames = "q, condition, topic (or mechanism), focus, evidence, species, article_type, age, language, journal, retracted, from, to, added_since, added_until, free_full_text, sort, page, size, cursor, nocorrect"

// fieldFreeFullText is the free full text filter's URL parameter.
const fieldFreeFullText = "free_full_text"

// fieldFocus is the URL parameter of searchParams.Focus.
const fieldFocus = "focus"

func isSearchParam(name string) bool {
	switch name {
	case "q", fieldCondition, fieldTopic, "mechanism", fieldEvidence, fieldSpecies,
		fieldJournal, fieldLanguage, fieldArticleType, fieldAge, fieldRetracted, "from", "to", "added_since", "added_until", fieldFreeFullText, fieldFocus, "sort", "page", "size", "cursor",
		paramNoCorrect:
		return true
	}
	return false
}

// parseSearch reads a search from a raw query string. strict (the API)
// refuses parameters it does not know, so a typo is not silently ignored.
func (s *server) parseSearch(rawQuery string, strict bool) (searchParams, error) {
	p := searchParams{Page: 1, Size: library.DefaultSize}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return p, badInput("the address has a malformed query string: %v", err)
	}
	for name, vals := range v {
		if !isSearchParam(name) {
			if strict {
				return p, badInput("unknown parameter %q: use %s", name, searchParamNames)
			}
			continue
		}
		switch name {
		case "q", "from", "to", "added_since", "added_until", fieldFreeFullText, fieldRetracted, fieldFocus, "sort", "page", "size", "cursor":
			if len(vals) > 1 {
				return p, badInput("parameter %q is given %d times; give it once", name, len(vals))
			}
		}
	}
	p.Q = strings.TrimSpace(v.Get("q"))
	if n := utf8.RuneCountInString(p.Q); n > query.MaxChars {
		return p, badInput("the query is %d characters long; shorten it to at most %d", n, query.MaxChars)
	}
	if p.Conditions, err = slugList(v[fieldCondition], "condition", termSlugs(s.tax.Conditions())); err != nil {
		return p, err
	}
	mechs := append(slices.Clone(v[fieldTopic]), v["mechanism"]...)
	if p.Mechanisms, err = slugList(mechs, "topic", termSlugs(s.tax.Mechanisms())); err != nil {
		return p, err
	}
	if p.Evidence, err = slugList(v[fieldEvidence], "evidence level", taxonomy.EvidenceLevels()); err != nil {
		return p, err
	}
	if p.Species, err = slugList(v[fieldSpecies], "species", taxonomy.SpeciesValues()); err != nil {
		return p, err
	}
	if p.ArticleTypes, err = slugList(v[fieldArticleType], "article type", taxonomy.ArticleTypeValues()); err != nil {
		return p, err
	}
	if p.AgeGroups, err = slugList(v[fieldAge], "age group", taxonomy.AgeGroupValues()); err != nil {
		return p, err
	}
	if p.Languages, err = languageList(v[fieldLanguage]); err != nil {
		return p, err
	}
	if p.Journals, err = journalList(v[fieldJournal]); err != nil {
		return p, err
	}
	switch rt := v.Get(fieldRetracted); rt {
	case "", "include":
	case "exclude", "only":
		p.Retracted = rt
	default:
		return p, badInput("retracted %q: use exclude (leave retracted records out) or only (only retracted records)", rt)
	}
	if p.From, err = yearParam(v.Get("from"), "from"); err != nil {
		return p, err
	}
	if p.To, err = yearParam(v.Get("to"), "to"); err != nil {
		return p, err
	}
	if p.From > 0 && p.To > 0 && p.From > p.To {
		return p, badInput("the year range %d–%d ends before it starts", p.From, p.To)
	}
	if p.AddedSince, err = addedParam(v.Get("added_since"), "added_since", false); err != nil {
		return p, err
	}
	if p.AddedUntil, err = addedParam(v.Get("added_until"), "added_until", true); err != nil {
		return p, err
	}
	if !p.AddedSince.IsZero() && !p.AddedUntil.IsZero() && p.AddedSince.After(p.AddedUntil) {
		return p, badInput("added_since %s is after added_until %s: nothing was added in between", v.Get("added_since"), v.Get("added_until"))
	}
	switch f := v.Get(fieldFreeFullText); f {
	case "", "0":
	case "1":
		p.FreeFullText = true
	default:
		return p, badInput("free_full_text %q: use 1 to keep only records with free full text at PMC", f)
	}
	switch f := v.Get(fieldFocus); f {
	case "", "0":
	case "1":
		p.Focus = true
	default:
		return p, badInput("focus %q: use 1 to keep only records about the chosen conditions and topics, not those that mention them", f)
	}
	switch srt := v.Get("sort"); srt {
	case "", library.SortRelevance:
	case library.SortDate, library.SortEvidence:
		p.Sort = srt
	default:
		return p, badInput("unknown sort %q: use relevance, date (newest first) or evidence (strongest first)", srt)
	}
	if pg := v.Get("page"); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 1 {
			return p, badInput("page %q: pages are numbered from 1", pg)
		}
		if n > library.MaxOffset {
			return p, badInput("page %d is too deep; follow the next-page links (cursor) instead", n)
		}
		p.Page = n
	}
	if sz := v.Get("size"); sz != "" {
		n, err := strconv.Atoi(sz)
		if err != nil || n < 1 || n > library.MaxSize {
			return p, badInput("size %q: give between 1 and %d hits per page", sz, library.MaxSize)
		}
		p.Size = n
	}
	if c := v.Get("cursor"); c != "" {
		if _, err := library.DecodeCursor(c); err != nil {
			return p, badInput("the page cursor is not valid (it comes from a previous result's next); start again from page 1")
		}
		p.Cursor = c
	}
	if p.NoCorrect, err = noCorrectParam(v[paramNoCorrect]); err != nil {
		return p, err
	}
	return p, nil
}

func termSlugs(terms []taxonomy.Term) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t.Slug
	}
	return out
}

// slugList splits repeated and comma-separated values, drops duplicates and
// checks each against valid, naming the first unknown one.
func slugList(vals []string, what string, valid []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" || slices.Contains(out, s) {
				continue
			}
			if !slices.Contains(valid, s) {
				return nil, badInput("unknown %s %q: use one of %s", what, s, strings.Join(valid, ", "))
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// languageList reads language codes: MEDLINE's three letters ("eng",
// "ger"), any case, repeated or comma-separated.
func languageList(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for _, l := range strings.Split(v, ",") {
			l = strings.ToLower(strings.TrimSpace(l))
			if l == "" || slices.Contains(out, l) {
				continue
			}
			if len(l) < 2 || len(l) > 8 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" {
				return nil, badInput("language %q: use a MEDLINE language code such as eng, ger or fre", clipQuery(l))
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// journalList reads journal names (MedlineTA, ISO abbreviation or title,
// any case); titles hold commas, so only repetition separates them.
func journalList(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(out, v) {
			continue
		}
		if utf8.RuneCountInString(v) > 300 {
			return nil, badInput("journal %q is longer than any journal's name", clipQuery(v))
		}
		out = append(out, v)
	}
	return out, nil
}

func yearParam(v, name string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 || n > 9999 {
		return 0, badInput("%s %q is not a year: use four digits, such as 2015", name, v)
	}
	return n, nil
}

// addedParam reads a time a record was stored: a day (YYYY-MM-DD, UTC; as
// an upper bound the whole day) or an RFC 3339 time, the form the digest's
// links use to name its window to the nanosecond.
func addedParam(v, name string, endOfDay bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if endOfDay {
			d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1000 || t.Year() > 9999 {
		return time.Time{}, badInput("%s %q is not a date: use YYYY-MM-DD, such as 2026-01-05, or an RFC 3339 time, such as 2026-01-05T07:00:00Z", name, v)
	}
	return t.UTC(), nil
}

// request is the index request for p.
func (p searchParams) request(facets bool) library.Request {
	after, _ := library.DecodeCursor(p.Cursor) // checked by parseSearch
	r := library.Request{
		Q:            p.Q,
		Conditions:   p.Conditions,
		Mechanisms:   p.Mechanisms,
		Evidence:     p.Evidence,
		Species:      p.Species,
		Journals:     p.Journals,
		Languages:    p.Languages,
		ArticleTypes: p.ArticleTypes,
		AgeGroups:    p.AgeGroups,
		From:         p.From,
		To:           p.To,
		AddedSince:   p.AddedSince,
		AddedUntil:   p.AddedUntil,
		FreeFullText: p.FreeFullText,
		Focus:        p.Focus,
		Sort:         p.Sort,
		Page:         p.Page,
		Size:         p.Size,
		After:        after,
		Facets:       facets,
		NoCorrect:    p.NoCorrect,
	}
	r.ExcludeRetracted, r.OnlyRetracted = p.Retracted == "exclude", p.Retracted == "only"
	return r
}

// filtered reports whether any filter is set (beyond the query).
func (p searchParams) filtered() bool {
	return len(p.Conditions)+len(p.Mechanisms)+len(p.Evidence)+len(p.Species)+len(p.Journals)+len(p.Languages)+len(p.ArticleTypes)+len(p.AgeGroups) > 0 ||
		p.Retracted != "" || p.From > 0 || p.To > 0 ||
		!p.AddedSince.IsZero() || !p.AddedUntil.IsZero() || p.FreeFullText
}

// encode writes p as a query string in a fixed, readable order (q first),
// leaving defaults out.
func (p searchParams) encode() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + url.QueryEscape(v))
	}
	if p.Q != "" {
		add("q", p.Q)
	}
	for _, c := range p.Conditions {
		add(fieldCondition, c)
	}
	for _, m := range p.Mechanisms {
		add(fieldTopic, m)
	}
	if p.Focus {
		add(fieldFocus, "1")
	}
	for _, e := range p.Evidence {
		add(fieldEvidence, e)
	}
	for _, sp := range p.Species {
		add(fieldSpecies, sp)
	}
	for _, v := range p.ArticleTypes {
		add(fieldArticleType, v)
	}
	for _, v := range p.AgeGroups {
		add(fieldAge, v)
	}
	for _, v := range p.Languages {
		add(fieldLanguage, v)
	}
	for _, v := range p.Journals {
		add(fieldJournal, v)
	}
	if p.Retracted != "" {
		add(fieldRetracted, p.Retracted)
	}
	if p.From > 0 {
		add("from", strconv.Itoa(p.From))
	}
	if p.To > 0 {
		add("to", strconv.Itoa(p.To))
	}
	if !p.AddedSince.IsZero() {
		add("added_since", p.AddedSince.Format(time.RFC3339Nano))
	}
	if !p.AddedUntil.IsZero() {
		add("added_until", p.AddedUntil.Format(time.RFC3339Nano))
	}
	if p.FreeFullText {
		add(fieldFreeFullText, "1")
	}
	if p.Sort != "" {
		add("sort", p.Sort)
	}
	if p.Page > 1 {
		add("page", strconv.Itoa(p.Page))
	}
	if p.Size != library.DefaultSize && p.Size > 0 {
		add("size", strconv.Itoa(p.Size))
	}
	if p.Cursor != "" {
		add("cursor", p.Cursor)
	}
	if p.NoCorrect {
		add(paramNoCorrect, "1")
	}
	return b.String()
}

// url is path with p's query string.
func (p searchParams) url(path string) string {
	if q := p.encode(); q != "" {
		return path + "?" + q
	}
	return path
}

// clone copies p with its slices, for building neighbouring links. A new
// search (other filters, other sort) starts again at page 1.
func (p searchParams) clone() searchParams {
	c := p
	c.Conditions = slices.Clone(p.Conditions)
	c.Mechanisms = slices.Clone(p.Mechanisms)
	c.Evidence = slices.Clone(p.Evidence)
	c.Species = slices.Clone(p.Species)
	c.Journals = slices.Clone(p.Journals)
	c.Languages = slices.Clone(p.Languages)
	c.ArticleTypes = slices.Clone(p.ArticleTypes)
	c.AgeGroups = slices.Clone(p.AgeGroups)
	c.Page, c.Cursor = 1, ""
	return c
}

// field returns a pointer to the slice holding a facet field's values.
func (p *searchParams) field(name string) *[]string {
	switch name {
	case fieldCondition:
		return &p.Conditions
	case fieldTopic:
		return &p.Mechanisms
	case fieldEvidence:
		return &p.Evidence
	case fieldSpecies:
		return &p.Species
	case fieldJournal:
		return &p.Journals
	case fieldLanguage:
		return &p.Languages
	case fieldArticleType:
		return &p.ArticleTypes
	case fieldAge:
		return &p.AgeGroups
	}
	panic("web: no search field " + name)
}

// without returns p with one value of a facet field removed.
func (p searchParams) without(field, value string) searchParams {
	c := p.clone()
	f := c.field(field)
	*f = slices.DeleteFunc(*f, func(s string) bool { return s == value })
	return c
}

func (p searchParams) has(field, value string) bool {
	c := p
	return slices.Contains(*c.field(field), value)
}

package query

import "strings"

// tagKind says how a tagged term is searched.
type tagKind int

const (
	tagText    tagKind = iota // analyzed text fields: match, phrase, prefix
	tagAuthor                 // au tokens, au_exact values
	tagKeyword                // one keyword field, exact lowercase value
	tagYear                   // numeric year or range
	tagPMID                   // pmid keyword
	tagID                     // an article identifier keyword: doi, pmc
)

// fieldBoost is one index field and its weight in relevance.
type fieldBoost struct {
	field string
	boost float64
}

// tag is one field tag. name is its canonical spelling in String().
type tag struct {
	name    string
	label   string // for the list of known tags in errors
	kind    tagKind
	fields  []fieldBoost
	aliases []string
}

// untaggedFields are searched by words and phrases without a tag. Titles and
// major MeSH topics say what a paper is about; abstracts mention everything.
var untaggedFields = []fieldBoost{
	{"title", 3}, {"majr", 3}, {"mesh", 2}, {"keywords", 1.5}, {"conclusions", 1.2}, {"abstract", 1},
}

// The identifier tags, which identifier() also returns for pasted DOIs and
// PMC ids. PubMed's [aid] and [lid] hold DOIs too.
var (
	tagDOI = &tag{name: "doi", label: "DOI", kind: tagID, fields: []fieldBoost{{"doi", 1}}, aliases: []string{"aid", "lid"}}
	tagPMC = &tag{name: "pmcid", label: "PMC ID", kind: tagID, fields: []fieldBoost{{"pmc", 1}}, aliases: []string{"pmc"}}
)

var tags = []*tag{
	{name: "ti", label: "title", kind: tagText, fields: []fieldBoost{{"title", 1}}, aliases: []string{"title"}},
	{name: "ab", label: "abstract", kind: tagText, fields: []fieldBoost{{"abstract", 1}}, aliases: []string{"abstract"}},
	{name: "tiab", label: "title/abstract", kind: tagText, fields: []fieldBoost{{"title", 3}, {"abstract", 1}}, aliases: []string{"title/abstract"}},
	{name: "au", label: "author", kind: tagAuthor, aliases: []string{"author", "auth"}},
	{name: "mh", label: "MeSH", kind: tagText, fields: []fieldBoost{{"mesh", 1}}, aliases: []string{"mesh", "mesh terms", "mh:noexp", "mesh:noexp"}},
	{name: "majr", label: "MeSH major topic", kind: tagText, fields: []fieldBoost{{"majr", 1}}, aliases: []string{"mesh major topic", "majr:noexp"}},
	{name: "ot", label: "keyword", kind: tagText, fields: []fieldBoost{{"keywords", 1}}, aliases: []string{"other term", "keyword", "keywords"}},
	{name: "pt", label: "publication type", kind: tagKeyword, fields: []fieldBoost{{"pt", 1}}, aliases: []string{"publication type", "ptyp"}},
	{name: "ta", label: "journal", kind: tagKeyword, fields: []fieldBoost{{"ta", 1}}, aliases: []string{"journal", "jour"}},
	{name: "dp", label: "year", kind: tagYear, aliases: []string{"pdat", "publication date", "date - publication"}},
	{name: "pmid", label: "PubMed ID", kind: tagPMID, aliases: []string{"uid"}},
	tagDOI, tagPMC,
}

var tagByName = func() map[string]*tag {
	m := make(map[string]*tag)
	for _, t := range tags {
		m[t.name] = t
		for _, a := range t.aliases {
			m[a] = t
		}
	}
	return m
}()

// lookupTag finds a tag by any of its spellings, ignoring case and spacing.
func lookupTag(s string) *tag {
	return tagByName[strings.Join(strings.Fields(strings.ToLower(s)), " ")]
}

// knownTags lists the tags for error hints.
func knownTags() string {
	var b strings.Builder
	b.WriteString("known tags: ")
	for i, t := range tags {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[" + t.name + "] " + t.label)
	}
	return b.String()
}

package taxonomy

import (
	"strings"

	"villi/pubmed"
)

// The search filters PubMed users know, read from NLM's own fields rather
// than tagged: an article type from the publication types, an age group from
// the age check tags of MeSH. Unlike the evidence level, which grades a
// record's design once, a record may have several article types, as in
// PubMed (a systematic review is also a review; an RCT is also a clinical
// trial), and carries none when NLM gave it only Journal Article.

// articleTypeWords are the article type groups, in the order filters list
// them: PubMed's own article types first, then villi's commentary.
var articleTypeWords = []words{
	{slug: "meta-analysis", label: "Meta-analysis"},
	{slug: "systematic-review", label: "Systematic review"},
	{slug: "rct", label: "Randomised controlled trial"},
	{slug: "clinical-trial", label: "Clinical trial"},
	{slug: "observational", label: "Observational study"},
	{slug: "case-report", label: "Case report"},
	{slug: "review", label: "Review"},
	{slug: "guideline", label: "Guideline or consensus"},
	{slug: "commentary", label: "Letter, comment or editorial"},
	{slug: "correction", label: "Erratum or retraction notice"},
	{slug: "preprint", label: "Preprint"},
}

// articleTypeOf maps a publication type (lower case) to its groups. The
// trial types nest as in NLM's publication type tree, so the clinical trial
// group holds the randomised ones, and review holds systematic reviews.
var articleTypeOf = map[string][]string{
	"meta-analysis":                         {"meta-analysis"},
	"systematic review":                     {"systematic-review", "review"},
	"randomized controlled trial":           {"rct", "clinical-trial"},
	"clinical trial":                        {"clinical-trial"},
	"clinical trial, phase i":               {"clinical-trial"},
	"clinical trial, phase ii":              {"clinical-trial"},
	"clinical trial, phase iii":             {"clinical-trial"},
	"clinical trial, phase iv":              {"clinical-trial"},
	"controlled clinical trial":             {"clinical-trial"},
	"pragmatic clinical trial":              {"clinical-trial"},
	"equivalence trial":                     {"clinical-trial"},
	"adaptive clinical trial":               {"clinical-trial"},
	"clinical trial, veterinary":            {"clinical-trial"},
	"observational study":                   {"observational"},
	"twin study":                            {"observational"},
	"case reports":                          {"case-report"},
	"review":                                {"review"},
	"scoping review":                        {"review"},
	"practice guideline":                    {"guideline"},
	"guideline":                             {"guideline"},
	"consensus development conference":      {"guideline"},
	"consensus development conference, nih": {"guideline"},
	"comment":                               {"commentary"},
	"letter":                                {"commentary"},
	"editorial":                             {"commentary"},
	"news":                                  {"commentary"},
	"newspaper article":                     {"commentary"},
	"published erratum":                     {"correction"},
	"retraction of publication":             {"correction"},
	"expression of concern":                 {"correction"},
	"preprint":                              {"preprint"},
}

var (
	articleTypes     = slugsOf(articleTypeWords)
	articleTypeIndex = indexOf(articleTypes)
)

// ArticleTypeValues returns the article type slugs in display order.
func ArticleTypeValues() []string { return append([]string(nil), articleTypes...) }

// ArticleTypeLabel names an article type; unknown slugs show as they are.
func ArticleTypeLabel(slug string) string {
	if i, ok := articleTypeIndex[slug]; ok {
		return articleTypeWords[i].label
	}
	return slug
}

// ArticleTypeRank is a type's place in display order; unknown ones last.
func ArticleTypeRank(slug string) int {
	if i, ok := articleTypeIndex[slug]; ok {
		return i
	}
	return len(articleTypes)
}

// ArticleTypes returns the article type groups of a's publication types,
// in display order, each once.
func ArticleTypes(a *pubmed.Article) []string {
	var seen [32]bool
	for _, pt := range a.PublicationTypes {
		for _, g := range articleTypeOf[strings.ToLower(strings.TrimSpace(pt.Name))] {
			seen[articleTypeIndex[g]] = true
		}
	}
	var out []string
	for i, s := range articleTypes {
		if seen[i] {
			out = append(out, s)
		}
	}
	return out
}

// ageWords are the age groups, youngest first.
var ageWords = []words{
	{slug: "child", label: "Child (birth–12 years)"},
	{slug: "adolescent", label: "Adolescent (13–18 years)"},
	{slug: "adult", label: "Adult (19–64 years)"},
	{slug: "aged", label: "Aged (65 years and over)"},
}

// ageOf maps MeSH age check tags to age groups, by descriptor UI and, for
// legacy files without UIs, by name.
var ageOf = map[string]string{
	"D007231": "child", "infant, newborn": "child",
	"D007223": "child", "infant": "child",
	"D002675": "child", "child, preschool": "child",
	"D002648": "child", "child": "child",
	"D000293": "adolescent", "adolescent": "adolescent",
	"D055815": "adult", "young adult": "adult",
	"D000328": "adult", "adult": "adult",
	"D008875": "adult", "middle aged": "adult",
	"D000368": "aged", "aged": "aged",
	"D000369": "aged", "aged, 80 and over": "aged",
}

var (
	ageGroups     = slugsOf(ageWords)
	ageGroupIndex = indexOf(ageGroups)
)

// AgeGroupValues returns the age group slugs, youngest first.
func AgeGroupValues() []string { return append([]string(nil), ageGroups...) }

// AgeGroupLabel names an age group; unknown slugs show as they are.
func AgeGroupLabel(slug string) string {
	if i, ok := ageGroupIndex[slug]; ok {
		return ageWords[i].label
	}
	return slug
}

// AgeGroupRank is a group's place, youngest first; unknown ones last.
func AgeGroupRank(slug string) int {
	if i, ok := ageGroupIndex[slug]; ok {
		return i
	}
	return len(ageGroups)
}

// AgeGroups returns the age groups NLM indexed a under (its MeSH age check
// tags), youngest first, each once. Records not indexed for MeSH have none.
func AgeGroups(a *pubmed.Article) []string {
	var seen [8]bool
	for i := range a.MeSH {
		h := &a.MeSH[i]
		g, ok := ageOf[h.DescriptorUI]
		if !ok && h.DescriptorUI == "" {
			g, ok = ageOf[strings.ToLower(h.DescriptorName)]
		}
		if ok {
			seen[ageGroupIndex[g]] = true
		}
	}
	var out []string
	for i, s := range ageGroups {
		if seen[i] {
			out = append(out, s)
		}
	}
	return out
}

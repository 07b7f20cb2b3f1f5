package web

import (
	"strings"

	"villi/taxonomy"
)

// evidenceLabel returns the words a practitioner reads for an evidence slug.
func evidenceLabel(slug string) string {
	switch slug {
	case "meta-analysis":
		return "Meta-analysis"
	case "systematic-review":
		return "Systematic review"
	case "rct":
		return "Randomised controlled trial"
	case "clinical-trial":
		return "Clinical trial"
	case "observational":
		return "Observational study"
	case "case-report":
		return "Case report"
	case "review":
		return "Review"
	case "animal":
		return "Animal study"
	case "in-vitro":
		return "In vitro"
	case "other", "":
		return "Other"
	}
	return slug
}

// evidenceShort is the badge text in tight places (the evidence map).
func evidenceShort(slug string) string {
	switch slug {
	case "meta-analysis":
		return "MA"
	case "systematic-review":
		return "SR"
	case "rct":
		return "RCT"
	case "clinical-trial":
		return "CT"
	case "observational":
		return "Obs"
	case "case-report":
		return "Case"
	case "review":
		return "Rev"
	case "animal":
		return "Anim"
	case "in-vitro":
		return "Vitro"
	}
	return "Other"
}

func speciesLabel(slug string) string {
	switch slug {
	case "human":
		return "Human"
	case "animal":
		return "Animal"
	case "both":
		return "Human and animal"
	}
	return "Species unknown"
}

// termLabel finds a condition or mechanism label; mechanisms carry their
// 5R examples after a colon, which short labels leave out.
func termLabel(terms []taxonomy.Term, slug string, short bool) string {
	for _, t := range terms {
		if t.Slug == slug {
			if short {
				if head, _, ok := strings.Cut(t.Label, ":"); ok {
					return head
				}
			}
			return t.Label
		}
	}
	return slug
}

// label returns the display label of a facet value.
func (s *server) label(field, value string) string {
	switch field {
	case fieldCondition:
		return termLabel(s.tax.Conditions(), value, true)
	case fieldTopic:
		return termLabel(s.tax.Mechanisms(), value, true)
	case fieldEvidence:
		return evidenceLabel(value)
	case fieldSpecies:
		return speciesLabel(value)
	}
	return value
}

// shortAuthors lists up to three authors, then "et al.".
func shortAuthors(authors []string) string {
	switch n := len(authors); {
	case n == 0:
		return ""
	case n <= 3:
		return strings.Join(authors, ", ")
	default:
		return strings.Join(authors[:3], ", ") + ", et al."
	}
}

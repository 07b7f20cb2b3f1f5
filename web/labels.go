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

// languageName returns the English name of a MEDLINE language code (NLM's
// list; the common ones). Unknown codes show as they are.
func languageName(code string) string {
	switch strings.ToLower(code) {
	case "afr":
		return "Afrikaans"
	case "alb":
		return "Albanian"
	case "ara":
		return "Arabic"
	case "arm":
		return "Armenian"
	case "bul":
		return "Bulgarian"
	case "cat":
		return "Catalan"
	case "chi":
		return "Chinese"
	case "cze":
		return "Czech"
	case "dan":
		return "Danish"
	case "dut":
		return "Dutch"
	case "eng":
		return "English"
	case "epo":
		return "Esperanto"
	case "est":
		return "Estonian"
	case "fin":
		return "Finnish"
	case "fre":
		return "French"
	case "geo":
		return "Georgian"
	case "ger":
		return "German"
	case "gre":
		return "Greek"
	case "heb":
		return "Hebrew"
	case "hin":
		return "Hindi"
	case "hrv":
		return "Croatian"
	case "hun":
		return "Hungarian"
	case "ice":
		return "Icelandic"
	case "ind":
		return "Indonesian"
	case "ita":
		return "Italian"
	case "jpn":
		return "Japanese"
	case "kor":
		return "Korean"
	case "lat":
		return "Latin"
	case "lav":
		return "Latvian"
	case "lit":
		return "Lithuanian"
	case "mac":
		return "Macedonian"
	case "mal":
		return "Malayalam"
	case "may":
		return "Malay"
	case "mul":
		return "Multiple languages"
	case "nor":
		return "Norwegian"
	case "per":
		return "Persian"
	case "pol":
		return "Polish"
	case "por":
		return "Portuguese"
	case "rum":
		return "Romanian"
	case "rus":
		return "Russian"
	case "scc":
		return "Serbian"
	case "scr":
		return "Croatian"
	case "slo":
		return "Slovak"
	case "slv":
		return "Slovenian"
	case "spa":
		return "Spanish"
	case "srp":
		return "Serbian"
	case "swe":
		return "Swedish"
	case "tha":
		return "Thai"
	case "tur":
		return "Turkish"
	case "ukr":
		return "Ukrainian"
	case "und":
		return "Undetermined"
	case "urd":
		return "Urdu"
	case "vie":
		return "Vietnamese"
	}
	return code
}

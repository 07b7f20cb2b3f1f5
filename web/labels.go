package web

import (
	"strings"

	"villi/taxonomy"
)

// label returns the display label of a facet value: taxonomy's words, short
// for conditions and mechanisms (chips and facets), in full for evidence
// levels and species.
func (s *server) label(field, value string) string {
	switch field {
	case fieldCondition:
		if t, ok := s.tax.Condition(value); ok {
			return t.Short()
		}
	case fieldTopic:
		if t, ok := s.tax.Mechanism(value); ok {
			return t.Short()
		}
	case fieldEvidence:
		return taxonomy.EvidenceLabel(value)
	case fieldSpecies:
		return taxonomy.SpeciesLabel(value)
	case fieldArticleType:
		return taxonomy.ArticleTypeLabel(value)
	case fieldAge:
		return taxonomy.AgeGroupLabel(value)
	case fieldLanguage:
		return languageName(value)
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

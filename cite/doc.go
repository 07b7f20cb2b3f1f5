// Package cite formats pubmed.Article values as reference text (AMA 11th,
// APA 7th, Vancouver/NLM) and as export files for reference managers (RIS,
// BibTeX, CSL-JSON, MEDLINE/.nbib, CSV). It is the one citation formatter
// used by the CLI, the web UI, the JSON API and collection exports.
//
// It is pure: it writes only to the io.Writer it is given and knows nothing
// of the store, the index or HTTP.
package cite

// Package taxonomy tags PubMed articles by condition, mechanism (the 5R
// frame plus intestinal permeability and the microbiome), evidence level and
// species, from a human-editable table embedded in the binary
// (taxonomy.txt) that a user may replace (VILLI_TAXONOMY, through Load).
//
// MeSH descriptors decide a record's conditions where NLM has indexed it;
// otherwise title, abstract and keywords do, with word boundaries, context for
// ambiguous abbreviations, short forms that count once the text has named the
// condition ("diabetes" after "type 1 diabetes") and a salience test so that
// a passing mention in a list of diseases does not tag the record. Tag is
// pure and deterministic. TagWithReasons also says, for such a record, which
// of its words (or which publication type) decided each tag.
//
// The package must not import store, index or web, and does no I/O beyond
// reading a table from an io.Reader.
package taxonomy

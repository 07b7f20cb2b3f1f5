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
// Names lists what a person may type to mean a whole tag, for the search's
// term mapping (villi/query): a condition's label, its own heading, its
// synonyms and its abbreviations. A mesh, term or abbr line marked "narrow"
// (a heading under the condition's own, such as Crohn Disease under
// Inflammatory Bowel Diseases, or a phrase for part of it, such as lupus
// nephritis) tags exactly as without the mark but is no name of the tag;
// Narrower lists those. Version hashes only what can change a tag, so
// comments and narrow marks never call for a retag.
//
// The package must not import store, index or web, and does no I/O beyond
// reading a table from an io.Reader.
package taxonomy

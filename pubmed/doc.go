// Package pubmed holds the Article model and a streaming decoder for PubMed
// XML: efetch output, annual baseline and daily update files (PubmedArticleSet,
// PubmedBookArticleSet, DeleteCitation), legacy MedlineCitationSet files and
// bare PubmedArticle, PubmedBookArticle or MedlineCitation documents, gzipped
// or not, with or without a UTF-8 BOM.
//
// It does no I/O beyond the io.Reader it is given, and it does not log.
//
// The decoder is a hand-written tokenizer (no reflection, no tree) that keeps
// only the record being read in memory, so a 30,000-record baseline file
// streams in constant space. It checks well-formedness as it goes: malformed,
// truncated or foreign input gives an *Error naming the line and record (and
// wrapping ErrTruncated or ErrNotPubMed where they apply) after every earlier
// record has been yielded intact.
//
// Every field, word and nesting of inline markup is held to a limit several
// times what any real record reaches (limits.go, with the measured maxima):
// a hostile or corrupt record is cut to them, and Item.Cut says what was
// cut, so that one record cannot cost gigabytes downstream.
//
// Two things callers should know:
//   - A record without a usable PMID (missing, empty or not a number, seen
//     only in hand-made files) is yielded with PMID 0 rather than failing the
//     whole file; ingest must skip it.
//   - The strings of an Article share backing memory in blocks of a few
//     kilobytes. Keeping a short field of very many records for a long time
//     keeps their blocks alive: copy such fields with strings.Clone.
package pubmed

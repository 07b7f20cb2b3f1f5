// Package index owns villi's bleve index: the static mapping, writes in
// atomic batches, search (PubMed-style queries through villi/query, filters,
// facets, highlighted snippets, sorts and search_after paging) and rebuilding
// from the store.
//
// It is never the source of truth. The store (bbolt) is; every document here
// can be rebuilt from it. Search returns PMIDs, scores, snippets and facets,
// and the caller loads the records from the store.
//
// Each write batch records, inside the same bleve batch, the store change
// sequence it brings the index up to (AppliedSeq), so after a crash either
// both the documents and the sequence are there or neither is; Reconcile then
// replays the store's change log from AppliedSeq. Callers apply batches in
// store order: the store commit of a batch and its Apply form one critical
// section.
//
// Search divides the work: bleve finds and scores what the query matches;
// an in-memory doc table (table.go: a row per document with its conditions,
// mechanisms, evidence, species, year, journal, dates as bitsets and
// columns, a few MB at 100k records) filters the hits, counts every facet
// and orders them by date or evidence. Each write builds the next table
// generation copy-on-write and stamps it into its bleve batch, so a search
// always pairs a bleve snapshot with the table of the same state. Open
// loads the table from the postings of one keyword field (fTable). Two
// caches sit on top, both keyed by table generation and emptied by every
// write: query evaluations (the hits and scores of a query, reused when the
// same query is refined by filters, sort or page) and whole results.
//
// A query that finds very little is tried again with its misspelled words
// corrected from the library's own vocabulary (spell.go, vocab.go); a query
// that finds more never gets there.
//
// On disk (the directory given to Open):
//
//	index.bleve/            scorch index, MappingVersion kept as an internal key
//	index.bleve.rebuild/    only while Rebuild runs; swapped in when complete
//
// It must not hold data the store cannot regenerate, and it does not log.
package index

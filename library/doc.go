// Package library owns a villi data directory and is the one door to it: it
// opens the store (bbolt, the source of truth) and the search index (bleve,
// rebuildable) together, brings the index back in line with the store at
// every open, and is the one ingest path — parse → tag → store → index —
// that import, crawl, reparse and retag all use. It holds the one search
// function that the CLI, the web UI, the JSON API and the digest call, with
// its contract in its own names (Request, the sorts and facet names), and
// what those front ends show of the library: records by PMID, runs and
// crawl cursors, Status and the EvidenceMap. It keeps the learned tagger
// (trained by Retag, and by Retrain, which serve calls after crawls) and
// scores its guesses against NLM's indexing when that arrives (Agreement,
// over the store's agreement log).
//
// The store and the index are not exported: records, runs and the index are
// written only here, so every write keeps the two in step. Packages that
// own buckets of their own (account, collection, digest) get the store
// from DB.
//
// It must not parse HTTP or render anything; callers bring readers and show
// the results.
package library

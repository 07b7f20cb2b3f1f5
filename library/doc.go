// Package library owns a villi data directory: it opens the store (bbolt,
// the source of truth) and the search index (bleve, rebuildable) together,
// brings the index back in line with the store at every open, and is the one
// ingest path — parse → tag → store → index — that import, crawl, reparse
// and retag all use. It also holds the one search function that the CLI, the
// web UI, the JSON API and the digest call.
//
// It must not parse HTTP or render anything; callers bring readers and show
// the results.
package library

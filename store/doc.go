// Package store keeps villi's records in one bbolt file, the source of truth
// from which the search index can be rebuilt at any time. It owns the
// articles, their raw PubMed XML, the change log the index replays, and
// (reserved for later issues) crawl cursors, runs, subscriptions,
// collections, the digest send-log and users.
//
// It stores the values and bytes it is given: it must not parse XML, tag,
// index, log or know about HTTP. It imports pubmed and taxonomy for the
// Record type only.
//
// The bucket tree (PMIDs and sequence numbers are 8-byte big-endian keys):
//
//	meta                                string keys and values
//	├── schema_version → "1"            migrations this file has run
//	├── created        → RFC 3339 time  when migration 1 ran
//	├── secret_<name>  → 32 random bytes  Secret: keys that sign digest links
//	└── <key>          → <value>        Meta/SetMeta, e.g. "taxonomy_version"
//	articles                            bucket sequence: number of records
//	└── <pmid>         → JSON Record    head keys first (storedRecord)
//	sources
//	└── <pmid>         → zstd(raw XML)  one frame, content size in its header
//	changes                             bucket sequence: last seq (LastSeq)
//	└── <seq>          → <pmid>         only the latest write of each PMID
//	tombstones
//	└── <pmid>         → <seq>          its delete's entry in changes, dropped
//	                                    when the PMID is stored again
//	cursors
//	└── <query name>   → JSON Cursor    edat/mdat committed through; an unfinished pass
//	runs                                bucket sequence: last run id
//	└── <id>           → JSON Run       crawl, import and digest runs (PutRun)
//	subscriptions                       bucket sequence: last subscription id
//	└── <id>           → JSON Subscription  e-mail, filters, confirmed, last sent
//	collections                         bucket sequence: last collection id
//	└── <id>           → JSON Collection {id, owner, name, items[{pmid, note, added, private}],
//	                                    handout{title, intro, closing}}
//	sendlog
//	└── <sub id><ISO week> → JSON SendEntry  sending, committing, sent, failed, uncertain, skipped
//	users
//	└── <email>        → JSON User      normalised e-mail; bcrypt hash, admin flag, practice name
//	sessions                            (migration 2)
//	└── sha256(token)  → JSON Session   the token itself is never stored
//	notices                             (migration 4)
//	└── <pmid>         → JSON []pubmed.Notice  Retraction Watch entries; attached
//	                                    to every Record read (Article.Notices)
//	sharelinks                          (migration 5)
//	└── sha256(token)  → JSON ShareLink  {collection, created, expires, last_opened};
//	                                    one per collection, deleted with it
//	models                              (migration 6)
//	└── <name>         → model bytes    package learn's Encode: "provisional"
//	agreement                           (migration 7) bucket sequence: last comparison id
//	├── log                             bucket sequence: entries held (≤ MaxComparisons)
//	│   └── <id>       → JSON Comparison {id, pmid, at, guessed, nlm}: tags before and
//	│                                   after NLM's indexing replaced a version without MeSH
//	└── pmids
//	    └── <pmid>     → <id>           its one entry in log (a later one replaces it)
//
// Every write of a PMID (put or delete) takes the next sequence number and
// replaces that PMID's entry in changes, so the log holds at most one entry
// per PMID ever seen and a deleted PMID's entry stays until it is stored
// again. An index that remembers the last seq it applied catches up with
// ChangesSince; one that remembers nothing rebuilds from LastSeq, ForEach
// and then ChangesSince. A put or rewrite that replaces a version without
// MeSH by one with MeSH adds to the agreement log in the same transaction.
//
// Every bucket but sessions, notices, sharelinks, models and agreement is
// created by migration 1, sessions by migration 2, notices by migration 4,
// sharelinks by migration 5, models by migration 6, agreement by migration
// 7; each bucket's accessors live in a file of their own (runs.go,
// cursors.go, users.go, notices.go, sharelinks.go, agreement.go, ...). Schema changes are new entries at the end of
// the migrations list, never edits of old ones; a file whose schema_version
// is newer than the binary's list is refused (ErrSchemaTooNew).
package store

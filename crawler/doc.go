// Package crawler keeps a villi library current from PubMed's E-utilities:
// for each saved query it runs esearch on the history server over entrez-date
// (edat) windows — halved while a window holds more than PubMed lets one
// search page through — then efetches the records in batches and hands them
// to library.Ingest, the one ingest path that import also uses. A second pass
// over modification-date (mdat) windows picks up revised records (new MeSH,
// retractions). Every call goes through colly with one shared rate limiter
// (NCBI's 3 requests/s, 10 with an API key), carries tool, email and
// api_key, and is retried with exponential backoff and jitter on 429
// (honouring Retry-After), 5xx, resets, timeouts, <ERROR> inside a 200 and
// cut or unparsable bodies.
//
// Fetch adds records named by PMID or DOI on demand (villi fetch, the
// article page's button) through the same client, so a crawl and fetches
// together keep to the one rate limit, and through the same ingest.
//
// A cursor per saved query (store.Cursor) is written after every committed
// batch, so a killed or cancelled crawl resumes where it stopped, and every
// run is recorded with library.SaveRun as it goes.
//
// The crawler must not write to the search index or the store's article
// buckets directly (records go through library.Ingest), and must not log
// the API key: request URLs never reach logs or errors.
package crawler

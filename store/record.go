package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"villi/pubmed"
)

// storedRecord is the articles value: a Record's JSON with its bookkeeping
// and the article's version and revision first, so Apply can decide on a
// put by reading the first hundred bytes instead of decoding the article.
// The outer Added, Updated and Seq hide the Record's own (encoding/json
// prefers the shallower field), so each is stored once and the value still
// decodes as a plain Record.
type storedRecord struct {
	Added   time.Time    `json:"added"`
	Updated time.Time    `json:"updated"`
	Seq     uint64       `json:"seq"`
	Version int          `json:"article_version"`
	Revised *pubmed.Date `json:"article_revised,omitempty"`
	*Record
}

// head is what Apply decides on.
type head struct {
	Added   time.Time
	Updated time.Time
	Seq     uint64
	Version int
	Revised *pubmed.Date
}

func encodeRecord(rec *Record) ([]byte, error) {
	js, err := json.Marshal(storedRecord{
		Added: rec.Added, Updated: rec.Updated, Seq: rec.Seq,
		Version: rec.Article.Version, Revised: rec.Article.DateRevised,
		Record: rec,
	})
	if err != nil {
		return nil, fmt.Errorf("encode record %d: %w", rec.Article.PMID, err)
	}
	return js, nil
}

func decodeRecord(pmid uint64, v []byte, rec *Record) error {
	if err := json.Unmarshal(v, rec); err != nil {
		return fmt.Errorf("decode record %d: %w", pmid, err)
	}
	return nil
}

// articleKey ends the head: encodeRecord writes the head fields first, and
// they hold only times, numbers and a date, so the first match is the
// top-level key.
var articleKey = []byte(`,"article":`)

// decodeHead decodes the head that leads a stored record without touching
// the article.
func decodeHead(pmid uint64, v []byte) (head, error) {
	i := bytes.Index(v, articleKey)
	if i < 0 {
		return head{}, fmt.Errorf("decode record %d: no article key", pmid)
	}
	obj := make([]byte, i+1)
	copy(obj, v[:i])
	obj[i] = '}'
	var h struct {
		Added   time.Time    `json:"added"`
		Updated time.Time    `json:"updated"`
		Seq     uint64       `json:"seq"`
		Version int          `json:"article_version"`
		Revised *pubmed.Date `json:"article_revised"`
	}
	if err := json.Unmarshal(obj, &h); err != nil {
		return head{}, fmt.Errorf("decode record %d head: %w", pmid, err)
	}
	return head(h), nil
}

package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"villi/pubmed"
)

// errHistoryGone: the history server no longer holds the search; the
// window goes on by POSTed id lists.
var errHistoryGone = errors.New("history server no longer holds the search")

var errorElem = regexp.MustCompile(`(?s)<ERROR>(.*?)</ERROR>`)

// efetchHistory fetches count records of a WebEnv search from retstart.
func (c *client) efetchHistory(ctx context.Context, what, webEnv, queryKey string, retstart, count int) ([]pubmed.Item, error) {
	p := url.Values{
		"db":        {"pubmed"},
		"WebEnv":    {webEnv},
		"query_key": {queryKey},
		"retstart":  {strconv.Itoa(retstart)},
		"retmax":    {strconv.Itoa(count)},
		"retmode":   {"xml"},
	}
	return c.efetch(ctx, call{what: what, endpoint: "efetch.fcgi", params: p}, true)
}

// efetchIDs fetches records by a POSTed id list.
func (c *client) efetchIDs(ctx context.Context, what string, ids []uint64) ([]pubmed.Item, error) {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(id, 10))
	}
	p := url.Values{"db": {"pubmed"}, "id": {b.String()}, "retmode": {"xml"}}
	return c.efetch(ctx, call{what: what, endpoint: "efetch.fcgi", params: p}, false)
}

func (c *client) efetch(ctx context.Context, k call, history bool) ([]pubmed.Item, error) {
	var items []pubmed.Item
	err := c.do(ctx, k, func(body []byte) error {
		var err error
		items, err = decodeEFetch(body, history)
		return err
	})
	return items, err
}

// decodeEFetch decodes a whole efetch body. An <ERROR> answer or a body
// the decoder cannot read to its end (cut, truncated, garbled) is retried;
// "Unable to obtain query" from the history server is errHistoryGone.
func decodeEFetch(body []byte, history bool) ([]pubmed.Item, error) {
	head := body[:min(len(body), 4096)]
	if bytes.Contains(head, []byte("<eFetchResult")) || bytes.Contains(head, []byte("<ERROR>")) {
		msg := "unknown error"
		if m := errorElem.FindSubmatch(body); m != nil {
			msg = strings.TrimSpace(string(m[1]))
		}
		if history && strings.Contains(msg, "Unable to obtain query") {
			return nil, fmt.Errorf("%w: %s", errHistoryGone, msg)
		}
		return nil, retry("efetch error: %s", msg)
	}
	dec := pubmed.NewDecoder(bytes.NewReader(body))
	var items []pubmed.Item
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if errors.Is(err, pubmed.ErrEmpty) && len(items) == 0 && bytes.Contains(body, []byte("</PubmedArticleSet>")) {
			return nil, nil // a whole, empty set: every record asked for is gone
		}
		if err != nil {
			return nil, &retryable{err: &unreadableError{fmt.Errorf("efetch body cut or unparsable after %d records: %w", len(items), err)}}
		}
		items = append(items, it)
	}
}

package crawler

import (
	"context"
	"errors"

	"villi/pubmed"
)

// fetchBatch fetches the records want (ids off.. of the search res): by
// the history server unless *byIDs, else by a POSTed id list. A history
// fetch that comes back short is a failure: the missing ids are asked for
// by id list. Ids that even that does not return are gone from PubMed
// (deleted after the search) and come back as a deletion, so a stored copy
// is removed. Once the history server has forgotten the search, the rest
// of the window goes by id list (*byIDs is set).
func (c *Crawler) fetchBatch(ctx context.Context, what string, res searchResult, off int, want []uint64, byIDs *bool) ([]pubmed.Item, error) {
	var items []pubmed.Item
	viaHistory := false
	if !*byIDs {
		var err error
		items, err = c.api.efetchHistory(ctx, what, res.WebEnv, res.QueryKey, off, len(want))
		switch {
		case errors.Is(err, errHistoryGone):
			c.cfg.Logger.Info("history server forgot the search; fetching the window by id list", "call", what)
			c.api.retries.Add(1)
			*byIDs = true
		case err != nil:
			return nil, err
		default:
			viaHistory = true
		}
	}
	if *byIDs {
		var err error
		if items, err = c.api.efetchIDs(ctx, what, want); err != nil {
			return nil, err
		}
	}
	missing := missingFrom(want, items)
	if len(missing) > 0 && viaHistory {
		c.cfg.Logger.Info("efetch returned fewer records than asked for; fetching the missing ones by id", "call", what, "missing", len(missing))
		c.api.retries.Add(1)
		more, err := c.api.efetchIDs(ctx, what+" (missing records)", missing)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
		missing = missingFrom(want, items)
	}
	if len(missing) > 0 {
		c.cfg.Logger.Warn("records listed by esearch are no longer served by efetch; treating them as deleted", "call", what, "pmids", missing)
		items = append(items, pubmed.Item{Deleted: missing})
	}
	return items, nil
}

// missingFrom returns the ids of want that no article of items carries.
func missingFrom(want []uint64, items []pubmed.Item) []uint64 {
	got := make(map[uint64]bool, len(items))
	for _, it := range items {
		if it.Article != nil {
			got[it.Article.PMID] = true
		}
	}
	var out []uint64
	for _, id := range want {
		if !got[id] {
			out = append(out, id)
		}
	}
	return out
}

package digest

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"villi/collection"
	"villi/store"
)

// Handout is one record in a practitioner's collection that changed in a way
// she must act on: retracted, given an expression of concern, corrected, or
// removed from PubMed.
type Handout struct {
	// Key identifies the flag (collection, record, kind) so that each is
	// told once: the subscription remembers the keys its sent digests told.
	Key           string
	Collection    string // the collection's name
	CollectionURL string
	PMID          uint64
	Title         string
	ArticleURL    string
	Notice        string // "Retracted", "Expression of concern", ...
	Detail        string // PubMed's notice, e.g. "Retraction in: Gut. 2021;70:600", or ""
}

// HandoutSource lists every current flag on the items of the collections an
// owner (an e-mail address, as logins are kept) holds. The digest tells each
// flag once, in the "check your handouts" section.
type HandoutSource interface {
	Handouts(ctx context.Context, owner string) ([]Handout, error)
}

// collectionHandouts reads the flags from the collections in the store
// (collection.Watch); it is the default HandoutSource.
type collectionHandouts struct {
	st      *store.Store
	baseURL string
}

func (c collectionHandouts) Handouts(ctx context.Context, owner string) ([]Handout, error) {
	alerts, err := collection.Watch(ctx, c.st)
	if err != nil {
		return nil, err
	}
	var out []Handout
	for _, a := range alerts {
		if a.Owner != owner {
			continue
		}
		title := a.Title
		if title == "" {
			title = "PMID " + strconv.FormatUint(a.PMID, 10)
		}
		out = append(out, Handout{
			Key:           fmt.Sprintf("%d:%d:%s", a.CollectionID, a.PMID, a.Flag.Kind),
			Collection:    a.CollectionName,
			CollectionURL: c.baseURL + "/collections/" + strconv.FormatUint(a.CollectionID, 10),
			PMID:          a.PMID,
			Title:         title,
			ArticleURL:    c.baseURL + "/articles/" + strconv.FormatUint(a.PMID, 10),
			Notice:        a.Flag.Label(),
			Detail:        a.Flag.Notice,
		})
	}
	return out, nil
}

// newHandouts splits an owner's current flags into those not told yet and
// the keys the subscription should remember once this digest is sent: the
// told ones still current, plus the new ones.
func newHandouts(all []Handout, told []string) (fresh []Handout, remember []string) {
	for _, h := range all {
		if !slices.Contains(told, h.Key) {
			fresh = append(fresh, h)
		}
		if !slices.Contains(remember, h.Key) {
			remember = append(remember, h.Key)
		}
	}
	return fresh, remember
}

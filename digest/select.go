package digest

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"villi/library"
	"villi/store"
	"villi/taxonomy"
)

// MaxEntrezAge is how long before villi stored a record PubMed may have first
// listed it for the record still to count as new: older records are backfill.
const MaxEntrezAge = 30 * 24 * time.Hour

// Study is one article in a digest.
type Study struct {
	PMID       uint64
	Title      string
	Journal    string
	Year       int
	Evidence   string // slug
	Species    string // slug
	Conditions []string
	// Focus is the conditions the record is about (taxonomy.Focus): the
	// digest heads it under one of them, not under one it only mentions.
	Focus []string
	// Provisional are the tags (slugs) that are villi's guess on a record
	// NLM has not indexed yet (taxonomy.Tags.Provisional). The mail marks
	// the evidence level (EvidenceProvisional) and the condition the study
	// is listed under (ConditionProvisional, set by group) when they are.
	Provisional          []string
	EvidenceProvisional  bool
	ConditionProvisional bool
	KeySentence          string
	Retracted            bool
	ArticleURL           string // the villi article page
	PubMedURL            string
	DOIURL               string // "" without a DOI
	// FullTextURL is the free full text at PMC as of the window's end, so
	// a resent digest says the same; "" when there is none.
	FullTextURL string
	Added       time.Time
	Entrez      time.Time
}

// Group is the items of one condition, strongest evidence first, then newest.
type Group struct {
	Condition string // slug; "" for records without a condition
	Label     string
	Items     []Study // at most Config.GroupCap
	Total     int     // items in the window, shown or not
	MoreURL   string  // the full search in the UI, set when Total > len(Items)
}

// selection is what one digest window holds for one subscription.
type selection struct {
	Groups    []Group
	Total     int
	Truncated bool // more hits than Config.MaxScan were examined
}

// request is the search a subscription stands for, without the window.
func (s *Service) request(sub *store.Subscription) library.Request {
	req := library.Request{
		Q:                sub.Query,
		Conditions:       sub.Conditions,
		Mechanisms:       sub.Mechanisms,
		ExcludeRetracted: true,
		Sort:             library.SortEvidence,
		// A subscription gets what its query says: the mail has no
		// "Showing results for" line, so no spelling correction.
		NoCorrect: true,
	}
	levels := taxonomy.EvidenceLevels()
	if sub.MinEvidence != "" && sub.MinEvidence != levels[len(levels)-1] {
		floor := taxonomy.EvidenceRank(sub.MinEvidence)
		for _, lvl := range levels {
			if taxonomy.EvidenceRank(lvl) <= floor {
				req.Evidence = append(req.Evidence, lvl)
			}
		}
	}
	if sub.HumansOnly {
		req.Species = []string{"human", "both"}
	}
	return req
}

// isNew reports whether rec belongs in a digest window (since, until]: added
// in it, not retracted, and listed by PubMed at most MaxEntrezAge before
// villi stored it.
func isNew(rec *store.Record, since, until time.Time) bool {
	if !rec.Added.After(since) || rec.Added.After(until) || rec.Article.IsRetracted() {
		return false
	}
	e, ok := rec.Article.EntrezDate()
	if !ok || e.Year == 0 {
		return false
	}
	return rec.Added.Sub(e.Sort()) <= MaxEntrezAge
}

// selectItems finds what is new for sub in (since, until] and groups it.
func (s *Service) selectItems(ctx context.Context, sub *store.Subscription, since, until time.Time) (selection, error) {
	req := s.request(sub)
	// AddedSince is inclusive and the index keeps times as it stores them;
	// isNew applies the exact window to the records themselves.
	req.AddedSince = since
	req.Size = library.MaxSize
	var (
		sel     selection
		items   []Study
		scanned int
	)
	for {
		res, err := s.lib.Search(ctx, req)
		if err != nil {
			return selection{}, fmt.Errorf("search for subscription %d: %w", sub.ID, err)
		}
		for _, h := range res.Hits {
			if h.Record != nil && isNew(h.Record, since, until) {
				items = append(items, s.item(h.Record, until))
			}
		}
		scanned += len(res.Hits)
		if res.Next == "" || len(res.Hits) == 0 {
			break
		}
		if scanned >= s.cfg.MaxScan {
			sel.Truncated = true
			break
		}
		if req.After, err = library.DecodeCursor(res.Next); err != nil {
			return selection{}, err
		}
	}
	sel.Total = len(items)
	sel.Groups = s.group(sub, items, since, until)
	return sel, nil
}

// group puts each item under the first of the subscriber's conditions it
// is about (its focus; every condition of the table when she follows none),
// in table order, keeping the search's order within a group. A record that
// only mentions them (Crohn's disease as a minor heading of a paper on air
// embolism) goes under "Other studies".
func (s *Service) group(sub *store.Subscription, items []Study, since, until time.Time) []Group {
	var order []taxonomy.Term
	for _, t := range s.lib.Taxonomy().Conditions() {
		if len(sub.Conditions) == 0 || slices.Contains(sub.Conditions, t.Slug) {
			order = append(order, t)
		}
	}
	byCond := map[string]*Group{}
	var other *Group
	for _, it := range items {
		var g *Group
		for _, t := range order {
			if slices.Contains(it.Focus, t.Slug) {
				if g = byCond[t.Slug]; g == nil {
					g = &Group{Condition: t.Slug, Label: t.Label}
					byCond[t.Slug] = g
				}
				break
			}
		}
		if g == nil {
			if other == nil {
				other = &Group{Label: "Other studies"}
			}
			g = other
		}
		g.Total++
		it.ConditionProvisional = g.Condition != "" && slices.Contains(it.Provisional, g.Condition)
		if len(g.Items) < s.cfg.GroupCap {
			g.Items = append(g.Items, it)
		}
	}
	var out []Group
	for _, t := range order {
		if g := byCond[t.Slug]; g != nil {
			out = append(out, *g)
		}
	}
	if other != nil {
		out = append(out, *other)
	}
	for i := range out {
		if out[i].Total > len(out[i].Items) {
			out[i].MoreURL = s.searchURL(sub, out[i].Condition, since, until)
		}
	}
	return out
}

// searchURL is the UI search for a subscription's filters over the records
// added in the digest window (since, until], narrowed to one condition when
// cond is set (to the records about it, as the group holds): "See all N"
// must open those N, not every match ever stored.
func (s *Service) searchURL(sub *store.Subscription, cond string, since, until time.Time) string {
	req := s.request(sub)
	v := url.Values{}
	if sub.Query != "" {
		v.Set("q", sub.Query)
	}
	if cond != "" {
		// The group holds the records about cond (their focus).
		v.Set("condition", cond)
		v.Set("focus", "1")
	} else {
		v["condition"] = req.Conditions
	}
	v["topic"] = req.Mechanisms
	v["evidence"] = req.Evidence
	v["species"] = req.Species
	// The web's bounds are inclusive; the window excludes since.
	v.Set("added_since", since.Add(time.Nanosecond).UTC().Format(time.RFC3339Nano))
	v.Set("added_until", until.UTC().Format(time.RFC3339Nano))
	v.Set("sort", library.SortEvidence)
	return s.cfg.BaseURL + "/search?" + v.Encode()
}

// item builds a digest item from a stored record, its free full text
// judged at freeAt.
func (s *Service) item(rec *store.Record, freeAt time.Time) Study {
	a := &rec.Article
	it := Study{
		PMID:                a.PMID,
		Title:               a.Title,
		Journal:             journalName(a.Journal.ISOAbbrev, a.Journal.MedlineTA, a.Journal.Title),
		Year:                a.Year(),
		Evidence:            rec.Tags.Evidence,
		Species:             rec.Tags.Species,
		Conditions:          rec.Tags.Conditions,
		Focus:               rec.Tags.Focus.Conditions,
		Provisional:         rec.Tags.Provisional,
		EvidenceProvisional: slices.Contains(rec.Tags.Provisional, rec.Tags.Evidence),
		KeySentence:         KeySentence(a),
		Retracted:           a.IsRetracted(),
		ArticleURL:          s.cfg.BaseURL + "/articles/" + strconv.FormatUint(a.PMID, 10),
		PubMedURL:           "https://pubmed.ncbi.nlm.nih.gov/" + strconv.FormatUint(a.PMID, 10) + "/",
		Added:               rec.Added,
		FullTextURL:         a.FreeFullText(freeAt),
	}
	if a.IDs.DOI != "" {
		it.DOIURL = "https://doi.org/" + a.IDs.DOI
	}
	if e, ok := a.EntrezDate(); ok {
		it.Entrez = e.Sort()
	}
	return it
}

func journalName(names ...string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

package library

import (
	"slices"
	"strings"
	"sync"
	"time"

	"villi/store"
	"villi/taxonomy"
)

// Agreement says how often villi's provisional tags matched NLM's indexing
// when it arrived, over the store's agreement log: the last
// store.MaxComparisons records that were stored without MeSH (every tag
// villi's guess) and then replaced by a version NLM has indexed (a crawl's
// mdat pass, an update file, a reparse). Conditions and evidence levels are
// scored, the tags NLM decides; mechanisms are kept in the log but not
// scored, because on an indexed record a mechanism without MeSH headings,
// or named in the title, still comes from villi's text rules, so the
// comparison would partly be villi's against itself.
type Agreement struct {
	// Records is how many records are compared (0: none yet).
	Records int `json:"records"`
	// Max is how many the log keeps; older comparisons are dropped.
	Max int `json:"max"`
	// From and To are when the oldest and newest comparison were made.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// Tags has one row per condition and evidence level that villi guessed
	// or NLM gave at least once: conditions in table order, then levels
	// strongest first.
	Tags []TagAgreement `json:"tags"`
}

// TagAgreement is one tag's agreement. Precision is Agreed/Guessed, how
// often villi's guess was NLM's; Recall is Agreed/NLM, how much of NLM's
// tagging villi had guessed. Each is absent (null) when its denominator is 0.
type TagAgreement struct {
	Kind      string   `json:"kind"` // "condition" or "evidence"
	Slug      string   `json:"slug"`
	Guessed   int      `json:"guessed"` // records villi had given the tag
	NLM       int      `json:"nlm"`     // records NLM's indexing gave it
	Agreed    int      `json:"agreed"`  // both
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
}

// Tag kinds in Agreement.
const (
	KindCondition = "condition"
	KindEvidence  = "evidence"
)

// noLevel is the evidence level that is no tag: no design was found.
const noLevel = "other"

// agreementCache keeps the last Agreement until the log changes.
type agreementCache struct {
	mu   sync.Mutex
	last uint64 // the newest comparison it was computed through
	ok   bool
	ag   Agreement
}

// Agreement computes the agreement of villi's provisional tags with NLM's
// indexing over the agreement log.
func (l *Library) Agreement() (Agreement, error) {
	last, err := l.st.LastComparison()
	if err != nil {
		return Agreement{}, err
	}
	c := &l.agreement
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.last == last {
		return c.ag, nil
	}
	cs, last, err := l.st.Comparisons()
	if err != nil {
		return Agreement{}, err
	}
	c.ag, c.last, c.ok = agreement(l.tax, cs), last, true
	return c.ag, nil
}

// agreement scores the comparisons.
func agreement(tax *taxonomy.Taxonomy, cs []store.Comparison) Agreement {
	ag := Agreement{Records: len(cs), Max: store.MaxComparisons, Tags: []TagAgreement{}}
	if len(cs) == 0 {
		return ag
	}
	from, to := cs[0].At, cs[0].At
	rows := map[tagKey]*TagAgreement{}
	row := func(kind, slug string) *TagAgreement {
		k := tagKey{kind, slug}
		if rows[k] == nil {
			rows[k] = &TagAgreement{Kind: kind, Slug: slug}
		}
		return rows[k]
	}
	count := func(kind string, guessed, nlm []string) {
		for _, s := range guessed {
			r := row(kind, s)
			r.Guessed++
			if slices.Contains(nlm, s) {
				r.Agreed++
			}
		}
		for _, s := range nlm {
			row(kind, s).NLM++
		}
	}
	level := func(ev string) []string {
		if ev == "" || ev == noLevel {
			return nil
		}
		return []string{ev}
	}
	for _, c := range cs {
		if c.At.Before(from) {
			from = c.At
		}
		if c.At.After(to) {
			to = c.At
		}
		count(KindCondition, dedupe(c.Guessed.Conditions), dedupe(c.NLM.Conditions))
		count(KindEvidence, level(c.Guessed.Evidence), level(c.NLM.Evidence))
	}
	ag.From, ag.To = &from, &to

	// Table order: conditions as the taxonomy lists them, levels strongest
	// first; slugs no longer in the table (an edited table) after their kind.
	var order []tagKey
	for _, t := range tax.Conditions() {
		order = append(order, tagKey{KindCondition, t.Slug})
	}
	order = append(order, unlisted(rows, KindCondition, order)...)
	for _, lv := range taxonomy.EvidenceLevels() {
		order = append(order, tagKey{KindEvidence, lv})
	}
	order = append(order, unlisted(rows, KindEvidence, order)...)
	for _, k := range order {
		r := rows[k]
		if r == nil {
			continue
		}
		r.Precision, r.Recall = ratio(r.Agreed, r.Guessed), ratio(r.Agreed, r.NLM)
		ag.Tags = append(ag.Tags, *r)
	}
	return ag
}

type tagKey struct{ kind, slug string }

// unlisted returns the keys of kind in rows that are not in listed, by slug.
func unlisted(rows map[tagKey]*TagAgreement, kind string, listed []tagKey) []tagKey {
	var out []tagKey
	for k := range rows {
		if k.kind == kind && !slices.Contains(listed, k) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b tagKey) int { return strings.Compare(a.slug, b.slug) })
	return out
}

func dedupe(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

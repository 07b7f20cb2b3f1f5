package collection

import (
	"context"
	"fmt"
	"strings"
	"time"

	"villi/pubmed"
	"villi/store"
)

// Kind is what happened to a cited article.
type Kind string

// The kinds of flag, most serious first.
const (
	Retracted         Kind = "retracted"
	PartialRetraction Kind = "partial-retraction"
	Concern           Kind = "expression-of-concern"
	Erratum           Kind = "erratum"
	// Removed: the PMID is no longer in the library (PubMed deleted the
	// record), so the reference cannot be checked or exported.
	Removed Kind = "removed"
)

// Label is the kind as a person reads it.
func (k Kind) Label() string {
	switch k {
	case Retracted:
		return "Retracted"
	case PartialRetraction:
		return "Partially retracted"
	case Concern:
		return "Expression of concern"
	case Erratum:
		return "Erratum"
	case Removed:
		return "Removed from PubMed"
	}
	return string(k)
}

// Serious reports whether a handout citing the article should change
// (anything but an erratum).
func (k Kind) Serious() bool { return k != Erratum }

// Flag is one reason to look at a reference again.
type Flag struct {
	Kind Kind `json:"kind"`
	// Notice names the notice in PubMed's words, e.g. "Retraction in: Gut.
	// 2021;70(3):600. PMID: 33500001"; "" when PubMed gives none.
	Notice     string `json:"notice,omitempty"`
	NoticePMID uint64 `json:"notice_pmid,omitempty"`
}

// Label is the flag's kind as a person reads it.
func (f Flag) Label() string { return f.Kind.Label() }

// Text is the flag as one line: "Retracted. Retraction in: ...".
func (f Flag) Text() string {
	if f.Notice == "" {
		return f.Kind.Label() + "."
	}
	return f.Kind.Label() + ". " + f.Notice
}

// refKinds maps the CommentsCorrections types that change a reference's
// standing to a flag and the words PubMed prints before the notice.
var refKinds = map[string]struct {
	kind   Kind
	prefix string
}{
	"RetractionIn":                 {Retracted, "Retraction in"},
	"RetractionAndRepublicationIn": {Retracted, "Retracted and republished in"},
	"PartialRetractionIn":          {PartialRetraction, "Partial retraction in"},
	"ExpressionOfConcernIn":        {Concern, "Expression of concern in"},
	"ErratumIn":                    {Erratum, "Erratum in"},
}

// Flags returns what happened to a since publication, most serious first,
// one flag per kind (the first notice of each). A nil article is Removed.
func Flags(a *pubmed.Article) []Flag {
	if a == nil {
		return []Flag{{Kind: Removed}}
	}
	byKind := map[Kind]Flag{}
	for _, c := range a.CommentsCorrections {
		rk, ok := refKinds[c.RefType]
		if !ok {
			continue
		}
		if _, seen := byKind[rk.kind]; seen {
			continue
		}
		byKind[rk.kind] = Flag{Kind: rk.kind, Notice: notice(rk.prefix, c), NoticePMID: c.PMID}
	}
	if r := a.Retraction(); r != nil {
		if _, ok := byKind[Retracted]; !ok {
			// The "Retracted Publication" type without a linked notice, or
			// a retraction only Retraction Watch records.
			byKind[Retracted] = watchFlag(Retracted, r.NoticePMID, r)
		}
	}
	if n := a.Concern(); n != nil {
		if _, ok := byKind[Concern]; !ok {
			byKind[Concern] = watchFlag(Concern, n.NoticePMID, n)
		}
	}
	var out []Flag
	for _, k := range []Kind{Retracted, PartialRetraction, Concern, Erratum} {
		if f, ok := byKind[k]; ok {
			out = append(out, f)
		}
	}
	return out
}

// watchFlag is a flag from a notice PubMed does not link: "Retraction
// Watch, 1 Mar 2024: Plagiarism"; a bare PubMed flag has no notice.
func watchFlag(k Kind, noticePMID uint64, n interface{ Note() string }) Flag {
	text := n.Note()
	if text == pubmed.SourceLabel(pubmed.SourcePubMed) {
		text = ""
	}
	return Flag{Kind: k, Notice: text, NoticePMID: noticePMID}
}

// notice is "Retraction in: Gut. 2021;70:600. PMID: 33500001".
func notice(prefix string, c pubmed.CommentCorrection) string {
	src := strings.TrimSpace(c.RefSource)
	if src != "" && !strings.HasSuffix(src, ".") {
		src += "."
	}
	if c.PMID != 0 {
		src = strings.TrimSpace(fmt.Sprintf("%s PMID: %d", src, c.PMID))
	}
	if src == "" {
		return ""
	}
	return prefix + ": " + src
}

// Alert is one flagged item in someone's collection: the digest's "check
// your handouts" line.
type Alert struct {
	Owner          string    `json:"owner"`
	CollectionID   uint64    `json:"collection_id"`
	CollectionName string    `json:"collection_name"`
	PMID           uint64    `json:"pmid"`
	Title          string    `json:"title"` // "" for a Removed record
	Flag           Flag      `json:"flag"`
	Added          time.Time `json:"added"`   // when the item went into the collection
	Updated        time.Time `json:"updated"` // when the record was last stored (zero if Removed)
}

// Watch returns an Alert for every flag on every item of every collection,
// ordered by owner, collection name and the items' order. The digest keeps
// the ones it has not sent yet (e.g. Updated after its last run) and filters
// by Owner and Kind.
func Watch(ctx context.Context, st *store.Store) ([]Alert, error) {
	all, err := st.AllCollections()
	if err != nil {
		return nil, fmt.Errorf("watch collections: %w", err)
	}
	alerts := []Alert{}
	for _, c := range all {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		recs, err := records(st, c.PMIDs())
		if err != nil {
			return nil, fmt.Errorf("watch collection %d: %w", c.ID, err)
		}
		for _, it := range c.Items {
			var a *pubmed.Article
			var updated time.Time
			if r, ok := recs[it.PMID]; ok {
				a, updated = &r.Article, r.Updated
			}
			for _, f := range Flags(a) {
				al := Alert{
					Owner: c.Owner, CollectionID: c.ID, CollectionName: c.Name,
					PMID: it.PMID, Flag: f, Added: it.Added, Updated: updated,
				}
				if a != nil {
					al.Title = a.Title
				}
				alerts = append(alerts, al)
			}
		}
	}
	return alerts, nil
}

// records loads the stored records for pmids, keyed by PMID; PMIDs the
// store no longer holds are absent.
func records(st *store.Store, pmids []uint64) (map[uint64]*store.Record, error) {
	recs, err := st.GetMany(pmids)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]*store.Record, len(recs))
	for i := range recs {
		out[recs[i].Article.PMID] = &recs[i]
	}
	return out, nil
}

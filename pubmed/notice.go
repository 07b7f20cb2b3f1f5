package pubmed

import (
	"slices"
	"strings"
	"time"
)

// Sources of a retraction, as the JSON API names them.
const (
	SourcePubMed          = "pubmed"
	SourceRetractionWatch = "retraction_watch"
)

// Nature is what a notice from another database than PubMed says about an
// article.
type Nature string

// The natures the Retraction Watch database records. Only a Retraction
// makes an article retracted; a Reinstatement lifts earlier Retraction
// Watch retractions; the other two are shown, never acted on.
const (
	NatureRetraction    Nature = "retraction"
	NatureConcern       Nature = "expression_of_concern"
	NatureCorrection    Nature = "correction"
	NatureReinstatement Nature = "reinstatement"
)

// Notice is one entry about an article in a database other than PubMed (the
// Retraction Watch database). The store keeps notices in a bucket of their
// own and attaches them to every Article it returns, so that whatever holds
// an Article (index, cite, collection, digest, web) gets the same answer
// from Retraction; they are never part of the stored record's JSON, which a
// reparse of PubMed's XML would otherwise wipe.
type Notice struct {
	Source     string    `json:"source"` // SourceRetractionWatch
	Nature     Nature    `json:"nature"`
	Date       time.Time `json:"date,omitzero"` // date of the notice, UTC midnight
	Reasons    []string  `json:"reasons,omitempty"`
	NoticeDOI  string    `json:"notice_doi,omitempty"`
	NoticePMID uint64    `json:"notice_pmid,omitempty"`
	RecordID   string    `json:"record_id,omitempty"` // the database's own id of the entry
}

// Retraction is the one answer to "is this article retracted, and by whom".
type Retraction struct {
	// Sources are SourcePubMed and/or SourceRetractionWatch, in that order.
	Sources []string
	// Date and Reason come from the Retraction Watch notice; PubMed's flag
	// carries neither, so both are empty for a PubMed-only retraction.
	Date       time.Time
	Reason     string
	NoticeDOI  string
	NoticePMID uint64
}

// Retraction returns how the article is retracted, or nil if it is not:
// PubMed's own flag (Retracted), or a Retraction Watch retraction that no
// later Retraction Watch reinstatement lifted. A reinstatement does not
// lift PubMed's flag: PubMed would drop the flag itself.
func (a *Article) Retraction() *Retraction {
	var r Retraction
	if a.Retracted {
		r.Sources = append(r.Sources, SourcePubMed)
	}
	if n := a.watchRetraction(); n != nil {
		r.Sources = append(r.Sources, n.Source)
		r.Date, r.Reason = n.Date, strings.Join(n.Reasons, "; ")
		r.NoticeDOI, r.NoticePMID = n.NoticeDOI, n.NoticePMID
	}
	if len(r.Sources) == 0 {
		return nil
	}
	return &r
}

// IsRetracted reports whether any source retracts the article. Everything
// that leaves retracted records out or warns about them asks this, never
// Retracted alone.
func (a *Article) IsRetracted() bool {
	return a.Retracted || a.watchRetraction() != nil
}

// RetractedElsewhere reports whether a source other than PubMed retracts an
// article PubMed does not flag.
func (a *Article) RetractedElsewhere() bool {
	return !a.Retracted && a.watchRetraction() != nil
}

// Concern returns the latest expression of concern, or nil.
func (a *Article) Concern() *Notice { return a.latest(NatureConcern) }

// Corrections returns the correction notices, oldest first.
func (a *Article) Corrections() []Notice {
	var out []Notice
	for _, n := range a.Notices {
		if n.Nature == NatureCorrection {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(x, y Notice) int { return x.Date.Compare(y.Date) })
	return out
}

// watchRetraction is the latest retraction notice unless a reinstatement
// dated on or after it lifts it (an undated reinstatement lifts any).
func (a *Article) watchRetraction() *Notice {
	r := a.latest(NatureRetraction)
	if r == nil {
		return nil
	}
	for _, n := range a.Notices {
		if n.Nature == NatureReinstatement && (n.Date.IsZero() || !n.Date.Before(r.Date)) {
			return nil
		}
	}
	return r
}

func (a *Article) latest(nature Nature) *Notice {
	var out *Notice
	for i := range a.Notices {
		n := &a.Notices[i]
		if n.Nature == nature && (out == nil || !n.Date.Before(out.Date)) {
			out = n
		}
	}
	return out
}

// SourceLabel is a source as a person reads it.
func SourceLabel(source string) string {
	switch source {
	case SourcePubMed:
		return "PubMed"
	case SourceRetractionWatch:
		return "Retraction Watch"
	}
	return source
}

// Note is the notice in one line: "Retraction Watch, 1 Mar 2024: Plagiarism".
func (n *Notice) Note() string {
	return note([]string{n.Source}, n.Date, strings.Join(n.Reasons, "; "))
}

// Note is the retraction in one line: "PubMed, Retraction Watch, 1 Mar
// 2024: Plagiarism"; just "PubMed" for PubMed's bare flag.
func (r *Retraction) Note() string { return note(r.Sources, r.Date, r.Reason) }

func note(sources []string, date time.Time, reason string) string {
	labels := make([]string, len(sources))
	for i, s := range sources {
		labels[i] = SourceLabel(s)
	}
	s := strings.Join(labels, ", ")
	if !date.IsZero() {
		s += ", " + date.Format("2 Jan 2006")
	}
	if reason != "" {
		s += ": " + reason
	}
	return s
}

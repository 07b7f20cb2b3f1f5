package pubmed

import "time"

// HistoryPMCRelease is the History status of the date a PubMed Central copy
// becomes free to read; PubMed lists the PMC id before an embargo ends.
const HistoryPMCRelease = "pmc-release"

// pmcBase is the article address at PubMed Central, followed by the PMC id.
const pmcBase = "https://pmc.ncbi.nlm.nih.gov/articles/"

// PMCURL returns the article's page at PubMed Central, "" without a PMC id.
func (a *Article) PMCURL() string {
	if a.IDs.PMC == "" {
		return ""
	}
	return pmcBase + a.IDs.PMC + "/"
}

// FreeFrom returns when the record's PMC copy is free to read: its
// pmc-release date, or the zero time when PubMed names none (free as soon as
// it is in PMC). ok is false without a PMC id. PubMed XML carries no licence,
// so "free" means free to read at PMC, as PubMed's own "Free PMC article".
func (a *Article) FreeFrom() (from time.Time, ok bool) {
	if a.IDs.PMC == "" {
		return time.Time{}, false
	}
	for _, h := range a.History {
		if h.Status == HistoryPMCRelease && h.Date.Year > 0 {
			d := h.Date
			d.Hour, d.Minute = 0, 0 // the release day counts whole
			return d.Sort(), true
		}
	}
	return time.Time{}, true
}

// FreeFullText returns the PMC address of the record's full text when it is
// free to read at now, "" when it has no PMC copy or is still embargoed.
func (a *Article) FreeFullText(now time.Time) string {
	from, ok := a.FreeFrom()
	if !ok || now.Before(from) {
		return ""
	}
	return a.PMCURL()
}

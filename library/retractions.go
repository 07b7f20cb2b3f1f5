package library

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"villi/pubmed"
	"villi/retractionwatch"
	"villi/store"
)

// metaRetractionWatch holds the last Retraction Watch import (JSON
// RetractionImport without its problems).
const metaRetractionWatch = "retractionwatch_import"

// RetractionImport says what one import of the Retraction Watch database did.
type RetractionImport struct {
	File     string                    `json:"file"`
	Imported time.Time                 `json:"imported"`
	Rows     int                       `json:"rows"`    // usable rows read
	Matched  int                       `json:"matched"` // rows about a library record (by PMID, else by DOI)
	ByDOI    int                       `json:"by_doi"`  // of Matched, those found by DOI only
	Kept     int                       `json:"kept"`    // rows about a PMID not in the library, kept for when it arrives
	Dropped  int                       `json:"dropped"` // rows with neither a library DOI nor a PMID
	Changed  int                       `json:"changed"` // PMIDs whose notices changed
	Reindex  int                       `json:"reindex"` // library records written again and re-indexed
	Problems []retractionwatch.Problem `json:"-"`
}

// Skipped counts the rows left out for a problem (others were read anyway,
// such as Latin-1 rows).
func (s RetractionImport) Skipped() int {
	n := 0
	for _, p := range s.Problems {
		if p.Skipped {
			n++
		}
	}
	return n
}

// ImportRetractions replaces the Retraction Watch notices with those of the
// database's CSV file (named name in the import's record). Rows are matched
// to records on OriginalPaperPubMedID, then on the case-folded
// OriginalPaperDOI; records whose notices change are written again, so the
// index's retracted flag follows. The same file again changes nothing. A
// file that is not the database's, or cannot be read to its end, changes
// nothing either; bad rows are skipped and listed in Problems.
func (l *Library) ImportRetractions(ctx context.Context, name string, r io.Reader) (RetractionImport, error) {
	entries, problems, err := retractionwatch.Read(r)
	if err != nil {
		return RetractionImport{}, fmt.Errorf("import %s: %w", name, err)
	}
	sum := RetractionImport{File: name, Rows: len(entries), Problems: problems}
	have, byDOI, err := l.pmidsAndDOIs(ctx)
	if err != nil {
		return sum, fmt.Errorf("import %s: %w", name, err)
	}
	notices := map[uint64][]pubmed.Notice{}
	for _, e := range entries {
		var pmid uint64
		switch {
		case e.PMID != 0 && have[e.PMID]:
			pmid = e.PMID
			sum.Matched++
		case byDOI[e.DOI] != 0:
			pmid = byDOI[e.DOI]
			sum.Matched++
			sum.ByDOI++
		case e.PMID != 0:
			pmid = e.PMID
			sum.Kept++
		default:
			sum.Dropped++
			continue
		}
		notices[pmid] = append(notices[pmid], e.Notice)
	}
	for pmid, ns := range notices {
		// The file's row order must not matter, or an equal file re-sorted
		// would rewrite records.
		slices.SortFunc(ns, func(a, b pubmed.Notice) int {
			return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.RecordID, b.RecordID), cmp.Compare(a.Nature, b.Nature))
		})
		notices[pmid] = slices.CompactFunc(ns, func(a, b pubmed.Notice) bool { return sameNotice(&a, &b) })
	}

	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	res, err := l.st.ReplaceNotices(ctx, pubmed.SourceRetractionWatch, notices)
	if err != nil {
		return sum, fmt.Errorf("import %s: %w", name, err)
	}
	sum.Changed, sum.Reindex = len(res.Changed), res.Rewritten
	sum.Imported = l.now().UTC().Round(0)
	js, err := json.Marshal(sum)
	if err != nil {
		return sum, err
	}
	if err := l.st.SetMeta(metaRetractionWatch, string(js)); err != nil {
		return sum, fmt.Errorf("import %s: record the import: %w", name, err)
	}
	return sum, l.catchUp(ctx)
}

func sameNotice(a, b *pubmed.Notice) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// pmidsAndDOIs lists the library's PMIDs and maps its lower-cased DOIs to
// PMIDs.
func (l *Library) pmidsAndDOIs(ctx context.Context) (map[uint64]bool, map[string]uint64, error) {
	have := map[uint64]bool{}
	byDOI := map[string]uint64{}
	err := l.st.ForEach(ctx, func(rec store.Record) error {
		have[rec.Article.PMID] = true
		if d := retractionwatch.NormalizeDOI(rec.Article.IDs.DOI); d != "" {
			byDOI[d] = rec.Article.PMID
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list the library's DOIs: %w", err)
	}
	return have, byDOI, nil
}

// RetractionStatus is what the admin page says about Retraction Watch.
type RetractionStatus struct {
	// Last is the last import; nil when there has been none.
	Last *RetractionImport
	// Elsewhere is how many library records Retraction Watch retracts and
	// PubMed does not flag; Concerns how many carry its expression of concern.
	Elsewhere, Concerns int
}

// RetractionStatus reads the last import and counts the records it flags.
func (l *Library) RetractionStatus() (RetractionStatus, error) {
	var st RetractionStatus
	js, err := l.st.Meta(metaRetractionWatch)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Last = new(RetractionImport)
	if err := json.Unmarshal([]byte(js), st.Last); err != nil {
		return st, fmt.Errorf("read last Retraction Watch import: %w", err)
	}
	pmids, err := l.st.NoticePMIDs(pubmed.SourceRetractionWatch)
	if err != nil {
		return st, err
	}
	recs, err := l.st.GetMany(pmids)
	if err != nil {
		return st, err
	}
	for i := range recs {
		a := &recs[i].Article
		if a.RetractedElsewhere() {
			st.Elsewhere++
		}
		if a.Concern() != nil {
			st.Concerns++
		}
	}
	return st, nil
}

package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"villi/pubmed"
	"villi/retractionwatch"
	"villi/store"
)

const rwHeader = "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,Reason,Paywalled,Notes\n"

// rwRow is one row in the database's format, about the paper with pmid and
// doi ("0" and "unavailable" where missing, as the database writes them).
func rwRow(id int, title, date, doi, pmid, nature, reason string) string {
	return fmt.Sprintf("%d,\"%s\",(BLS) Biology - Molecular;,Some University;,Gut,Elsevier,China,A Author;B Author,https://retractionwatch.com/x,Research Article;,%s,10.1000/notice.%d,0,1/1/2020 0:00,%s,%s,%s,%s,No,\n",
		id, title, date, id, doi, pmid, nature, reason)
}

// rwFixture holds records with DOIs, a few of them retracted by PubMed.
const rwFixture = "PathwayCommons__ncbiutils/tests__data__multiple.xml"

// rwRecords imports rwFixture and returns n of its records with a
// DOI that PubMed does not flag as retracted.
func rwRecords(t *testing.T, lib *Library, n int) []store.Record {
	t.Helper()
	ctx := context.Background()
	if _, err := lib.Import(ctx, bytes.NewReader(readFixture(t, rwFixture)), nil); err != nil {
		t.Fatal(err)
	}
	var out []store.Record
	err := lib.st.ForEach(ctx, func(rec store.Record) error {
		if len(out) < n && rec.Article.IDs.DOI != "" && !rec.Article.Retracted {
			out = append(out, rec)
		}
		return nil
	})
	if err != nil || len(out) < n {
		t.Fatalf("want %d fixture records with a DOI, got %d (err %v)", n, len(out), err)
	}
	return out
}

func pmidStr(r store.Record) string { return fmt.Sprint(r.Article.PMID) }

func importCSV(t *testing.T, lib *Library, csv string) RetractionImport {
	t.Helper()
	sum, err := lib.ImportRetractions(context.Background(), "retraction_watch.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatalf("ImportRetractions: %v", err)
	}
	return sum
}

func searchRetracted(t *testing.T, lib *Library, pmid uint64, exclude bool) (found, retracted bool) {
	t.Helper()
	res, err := lib.Search(context.Background(), Request{Q: fmt.Sprintf("%d[pmid]", pmid), ExcludeRetracted: exclude, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.PMID == pmid {
			return true, h.Retracted
		}
	}
	return false, false
}

func TestImportRetractions_FlagsMatchesAndSkipsBadRows(t *testing.T) {
	lib := openLib(t, t.TempDir())
	recs := rwRecords(t, lib, 5)
	retracted, byDOI, concern, corrected, reinstated := recs[0], recs[1], recs[2], recs[3], recs[4]
	doiUpper := strings.ToUpper(byDOI.Article.IDs.DOI)
	csv := rwHeader +
		rwRow(1, "Retracted by PMID", "3/1/2024 0:00", "unavailable", pmidStr(retracted), "Retraction", "+Falsification/Fabrication of Data;+Concerns/Issues About Data;") + // line 2
		rwRow(2, "Retracted by DOI", "4/15/2023 0:00", doiUpper, "0", "Retraction", "+Plagiarism of Article;") + // line 3
		rwRow(3, "Concern", "5/2/2024 0:00", "unavailable", pmidStr(concern), "Expression of concern", "+Investigation by Journal/Publisher;") + // line 4
		rwRow(4, "Correction", "6/3/2024 0:00", "unavailable", pmidStr(corrected), "Correction", "+Error in Figures;") + // line 5
		rwRow(5, "Retracted, then", "1/10/2022 0:00", "unavailable", pmidStr(reinstated), "Retraction", "+Error in Data;") + // line 6
		rwRow(6, "reinstated", "2/10/2023 0:00", "unavailable", pmidStr(reinstated), "Reinstatement", "") + // line 7
		"7,too,few,columns\n" + // line 8
		rwRow(8, "Bad date", "31/31/2024", "unavailable", pmidStr(concern), "Retraction", "") + // line 9
		rwRow(9, "Caf\xe9 au lait", "7/4/2024 0:00", "unavailable", "999999999", "Retraction", "+Duplication of Image;") // line 10: Latin-1
	sum := importCSV(t, lib, csv)

	var problems []string
	for _, p := range sum.Problems {
		problems = append(problems, p.String())
	}
	wantProblems := []string{
		"line 8 skipped: 4 columns, want 20",
		`line 9 skipped: RetractionDate: "31/31/2024" is not a date like 3/1/2024 0:00`,
		"line 10: not UTF-8, read as Latin-1",
	}
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
	if sum.Rows != 7 || sum.Matched != 6 || sum.ByDOI != 1 || sum.Kept != 1 || sum.Reindex != 5 {
		t.Errorf("summary = %+v, want 7 rows, 6 matched (1 by DOI), 1 kept, 5 re-indexed", sum)
	}

	tests := []struct {
		name          string
		rec           store.Record
		wantRetracted bool
		wantReason    string
		wantConcern   bool
	}{
		{"retraction by PMID", retracted, true, "Falsification/Fabrication of Data; Concerns/Issues About Data", false},
		{"retraction by case-folded DOI", byDOI, true, "Plagiarism of Article", false},
		{"expression of concern", concern, false, "", true},
		{"correction", corrected, false, "", false},
		{"reinstated retraction", reinstated, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pmid := tt.rec.Article.PMID
			got, err := lib.Record(pmid)
			if err != nil {
				t.Fatal(err)
			}
			a := &got.Article
			if a.IsRetracted() != tt.wantRetracted {
				t.Errorf("IsRetracted = %v, want %v (notices %+v)", a.IsRetracted(), tt.wantRetracted, a.Notices)
			}
			if r := a.Retraction(); tt.wantRetracted && (r == nil || r.Reason != tt.wantReason || r.Date.IsZero() ||
				strings.Join(r.Sources, ",") != pubmed.SourceRetractionWatch) {
				t.Errorf("Retraction = %+v, want Retraction Watch with a date and reason %q", r, tt.wantReason)
			}
			if (a.Concern() != nil) != tt.wantConcern {
				t.Errorf("Concern = %+v, want present %v", a.Concern(), tt.wantConcern)
			}
			found, flagged := searchRetracted(t, lib, pmid, false)
			if !found || flagged != tt.wantRetracted {
				t.Errorf("search hit found %v retracted %v, want found, retracted %v", found, flagged, tt.wantRetracted)
			}
			if found, _ := searchRetracted(t, lib, pmid, true); found == tt.wantRetracted {
				t.Errorf("search excluding retracted found it = %v, want %v", found, !tt.wantRetracted)
			}
		})
	}
	if c, _ := lib.Record(corrected.Article.PMID); len(c.Article.Corrections()) != 1 {
		t.Errorf("corrections = %+v, want the one correction", c.Article.Corrections())
	}

	st, err := lib.RetractionStatus()
	if err != nil {
		t.Fatal(err)
	}
	if st.Last == nil || st.Last.File != "retraction_watch.csv" || st.Elsewhere != 2 || st.Concerns != 1 {
		t.Errorf("status = %+v (last %+v), want the import, 2 flagged beyond PubMed, 1 concern", st, st.Last)
	}
	assertConsistent(t, lib)

	// The same file again changes nothing.
	seq, _ := lib.st.LastSeq()
	if again := importCSV(t, lib, csv); again.Changed != 0 || again.Reindex != 0 {
		t.Errorf("re-import = %+v, want nothing changed", again)
	}
	if got, _ := lib.st.LastSeq(); got != seq {
		t.Errorf("LastSeq after re-import = %d, want %d", got, seq)
	}

	// A newer file reinstates the first retraction and drops the others.
	newer := rwHeader +
		rwRow(1, "Retracted by PMID", "3/1/2024 0:00", "unavailable", pmidStr(retracted), "Retraction", "+Falsification/Fabrication of Data;") +
		rwRow(10, "Reinstated", "9/1/2024 0:00", "unavailable", pmidStr(retracted), "Reinstatement", "")
	if sum := importCSV(t, lib, newer); sum.Reindex != 5 {
		t.Errorf("newer import re-indexed %d, want 5 (every record's notices changed)", sum.Reindex)
	}
	for _, r := range []store.Record{retracted, byDOI} {
		if found, flagged := searchRetracted(t, lib, r.Article.PMID, false); !found || flagged {
			t.Errorf("PMID %d after the newer file: found %v retracted %v, want found, not retracted", r.Article.PMID, found, flagged)
		}
	}
}

func TestImportRetractions_NotTheDatabaseChangesNothing(t *testing.T) {
	lib := openLib(t, t.TempDir())
	recs := rwRecords(t, lib, 1)
	importCSV(t, lib, rwHeader+rwRow(1, "x", "3/1/2024 0:00", "unavailable", pmidStr(recs[0]), "Retraction", ""))
	seq, _ := lib.st.LastSeq()
	for _, bad := range []string{
		"",
		"PMID,Title\n" + pmidStr(recs[0]) + ",x\n",
		strings.Replace(rwHeader, "RetractionNature", "Nature", 1),
	} {
		_, err := lib.ImportRetractions(context.Background(), "bad.csv", strings.NewReader(bad))
		if !errors.Is(err, retractionwatch.ErrNotRetractionWatch) {
			t.Errorf("import of %q: err = %v, want ErrNotRetractionWatch", firstWords(bad, 3), err)
		}
	}
	if got, _ := lib.st.LastSeq(); got != seq {
		t.Errorf("LastSeq after refused imports = %d, want %d", got, seq)
	}
	if rec, _ := lib.Record(recs[0].Article.PMID); !rec.Article.IsRetracted() {
		t.Error("the earlier import's retraction is gone after a refused file")
	}
}

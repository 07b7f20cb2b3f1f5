package library

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"villi/index"
	"villi/internal/fixture"
	"villi/pubmed"
	"villi/store"
)

const (
	bigFixture    = "mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml"
	updateFixture = "PathwayCommons__ncbiutils/tests__data__pubmed22n1313.xml"
)

func openLib(t *testing.T, dir string) *Library {
	t.Helper()
	lib, err := Open(context.Background(), dir, Options{BatchSize: 100})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib
}

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countItems decodes data and returns the PMIDs of its articles, in order,
// and how many deletions it holds.
func countItems(t *testing.T, data []byte) (pmids []uint64, deletions int) {
	t.Helper()
	dec := pubmed.NewDecoder(bytes.NewReader(data))
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return pmids, deletions
		}
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if it.Article != nil {
			pmids = append(pmids, it.Article.PMID)
		}
		deletions += len(it.Deleted)
	}
}

func assertConsistent(t *testing.T, lib *Library) {
	t.Helper()
	n, err := lib.st.Count()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := lib.ix.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	if uint64(n) != docs {
		t.Errorf("store holds %d records, index %d documents", n, docs)
	}
}

func TestImport_FixtureFileAddsEveryRecord(t *testing.T) {
	data := readFixture(t, bigFixture)
	pmids, _ := countItems(t, data)
	lib := openLib(t, t.TempDir())

	sum, err := lib.Import(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if got, want := sum.Added+len(sum.Skipped), len(pmids); got != want {
		t.Errorf("added+skipped = %d, want %d records (summary %+v)", got, want, sum)
	}
	assertConsistent(t, lib)

	// Every stored record is found by its PMID and by its title.
	rec, err := lib.st.Get(pmids[0])
	if err != nil {
		t.Fatalf("Get(%d): %v", pmids[0], err)
	}
	res, err := lib.Search(context.Background(), index.Request{Q: `"` + firstWords(rec.Article.Title, 4) + `"`, Size: 50})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if !hasPMID(res, pmids[0]) {
		t.Errorf("search for its title did not find PMID %d (got %d hits)", pmids[0], len(res.Hits))
	}

	// The same file again changes nothing.
	sum, err = lib.Import(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("second Import: %v", err)
	}
	if sum.Added != 0 || sum.Updated != 0 {
		t.Errorf("second import added %d, updated %d; want 0, 0", sum.Added, sum.Updated)
	}
}

func TestImport_GzipAndPlainGiveTheSameLibrary(t *testing.T) {
	data := readFixture(t, bigFixture)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()

	plain := openLib(t, t.TempDir())
	zipped := openLib(t, t.TempDir())
	s1, err1 := plain.Import(context.Background(), bytes.NewReader(data), nil)
	s2, err2 := zipped.Import(context.Background(), &gz, nil)
	if err1 != nil || err2 != nil {
		t.Fatalf("Import: %v, %v", err1, err2)
	}
	if s1.Added != s2.Added {
		t.Errorf("plain added %d, gzip added %d", s1.Added, s2.Added)
	}
}

func TestImport_TruncatedFileKeepsEarlierRecords(t *testing.T) {
	data := readFixture(t, bigFixture)
	pmids, _ := countItems(t, data)
	// Cut inside the last third: the records wholly before the cut must stay.
	cut := data[:len(data)*2/3]
	wantKept, _ := countPrefix(cut)
	lib := openLib(t, t.TempDir())

	sum, err := lib.Import(context.Background(), bytes.NewReader(cut), nil)
	var perr *pubmed.Error
	if !errors.As(err, &perr) {
		t.Fatalf("Import of truncated file: err = %v, want *pubmed.Error", err)
	}
	if !strings.Contains(err.Error(), "line") {
		t.Errorf("error %q does not name the line", err)
	}
	n, _ := lib.st.Count()
	if n < wantKept || n >= len(pmids) {
		t.Errorf("store holds %d records after truncated import, want %d (of %d)", n, wantKept, len(pmids))
	}
	if sum.Added != n {
		t.Errorf("summary says %d added, store holds %d", sum.Added, n)
	}
	assertConsistent(t, lib)

	// The whole file afterwards completes the library without duplicates.
	if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	n, _ = lib.st.Count()
	if want := len(uniq(pmids)); n != want {
		t.Errorf("after re-import store holds %d, want %d", n, want)
	}
	assertConsistent(t, lib)
}

// countPrefix counts the complete records in a truncated document.
func countPrefix(data []byte) (n int, err error) {
	dec := pubmed.NewDecoder(bytes.NewReader(data))
	for {
		it, err := dec.Next()
		if err != nil {
			return n, err
		}
		if it.Article != nil {
			n++
		}
	}
}

func TestImport_DeleteCitationRemovesRecords(t *testing.T) {
	data := readFixture(t, updateFixture)
	pmids, deletions := countItems(t, data)
	if deletions == 0 {
		t.Fatalf("fixture %s has no DeleteCitation", updateFixture)
	}
	lib := openLib(t, t.TempDir())
	// Store one record under a PMID that the file deletes, as if an
	// earlier baseline had brought it.
	dec := pubmed.NewDecoder(bytes.NewReader(data))
	var deleted uint64
	var sample pubmed.Item
	for deleted == 0 {
		it, err := dec.Next()
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if it.Article != nil && sample.Article == nil {
			sample = it
		}
		if len(it.Deleted) > 0 {
			deleted = it.Deleted[0]
		}
	}
	a := *sample.Article
	a.PMID = deleted
	if _, err := lib.Ingest(context.Background(), []pubmed.Item{{Article: &a, Source: sample.Source}}); err != nil {
		t.Fatal(err)
	}

	sum, err := lib.Import(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.Deleted != 1 || sum.Missing != deletions-1 {
		t.Errorf("deleted %d, missing %d; want 1, %d", sum.Deleted, sum.Missing, deletions-1)
	}
	if _, err := lib.st.Get(deleted); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted PMID %d still in store (err %v)", deleted, err)
	}
	if n, _ := lib.st.Count(); n != len(uniq(pmids)) {
		t.Errorf("store holds %d, want the file's %d records", n, len(uniq(pmids)))
	}
	assertConsistent(t, lib)
}

func TestImport_BadInputNamesTheProblemAndKeepsTheLibrary(t *testing.T) {
	lib := openLib(t, t.TempDir())
	if _, err := lib.Import(context.Background(), bytes.NewReader(readFixture(t, bigFixture)), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := lib.st.Count()
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "empty"},
		{"rss", `<?xml version="1.0"?><rss><channel/></rss>`, "rss"},
		{"corrupt gzip", "\x1f\x8b\x08\x00garbage", "gzip"},
		{"not xml", "PMID- 12345\nTI  - a MEDLINE text file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lib.Import(context.Background(), strings.NewReader(tt.input), nil)
			if err == nil {
				t.Fatal("Import succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	if after, _ := lib.st.Count(); after != before {
		t.Errorf("store went from %d to %d records after bad input", before, after)
	}
}

func TestOpen_ReplaysWhatTheStoreCommittedButTheIndexMissed(t *testing.T) {
	data := readFixture(t, bigFixture)
	dir := t.TempDir()
	lib := openLib(t, dir)
	if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash between store commit and index batch: change and
	// delete records in the store alone.
	var first store.Record
	if err := lib.st.ForEach(context.Background(), func(r store.Record) error {
		if first.Article.PMID == 0 {
			first = r
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.st.Apply(context.Background(), store.Batch{Deletes: []uint64{first.Article.PMID}}); err != nil {
		t.Fatal(err)
	}
	lib.Close()

	lib = openLib(t, dir)
	assertConsistent(t, lib)
	res, err := lib.ix.Search(context.Background(), index.Request{Q: strconv.FormatUint(first.Article.PMID, 10) + "[pmid]"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 0 {
		t.Errorf("deleted PMID %d still found in index after reopen", first.Article.PMID)
	}
}

func TestReparse_RebuildsRecordsFromStoredXML(t *testing.T) {
	lib := openLib(t, t.TempDir())
	if _, err := lib.Import(context.Background(), bytes.NewReader(readFixture(t, bigFixture)), nil); err != nil {
		t.Fatal(err)
	}
	// Damage one stored record as a buggy parser would have written it.
	var victim store.Record
	lib.st.ForEach(context.Background(), func(r store.Record) error {
		if victim.Article.PMID == 0 && r.Article.Title != "" {
			victim = r
		}
		return nil
	})
	if _, err := lib.st.Rewrite(context.Background(), func(r *store.Record, _ []byte) (bool, error) {
		if r.Article.PMID != victim.Article.PMID {
			return false, nil
		}
		r.Article.Title = ""
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}

	n, err := lib.Reparse(context.Background())
	if err != nil {
		t.Fatalf("Reparse: %v", err)
	}
	if n != 1 {
		t.Errorf("Reparse changed %d records, want 1", n)
	}
	got, _ := lib.st.Get(victim.Article.PMID)
	if got.Article.Title != victim.Article.Title {
		t.Errorf("title after reparse = %q, want %q", got.Article.Title, victim.Article.Title)
	}
	assertConsistent(t, lib)
}

func firstWords(s string, n int) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ':' || r == ',' || r == '.' || r == '"' })
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

func hasPMID(res *SearchResult, pmid uint64) bool {
	for _, h := range res.Hits {
		if h.PMID == pmid {
			return true
		}
	}
	return false
}

func uniq(p []uint64) map[uint64]bool {
	m := make(map[uint64]bool, len(p))
	for _, x := range p {
		m[x] = true
	}
	return m
}

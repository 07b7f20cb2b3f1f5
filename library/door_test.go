package library

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"villi/store"
)

func importFixture(t *testing.T, lib *Library, rel string) []uint64 {
	t.Helper()
	data := readFixture(t, rel)
	if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}
	pmids, _ := countItems(t, data)
	return pmids
}

func TestRecords_ReturnsHeldInOrderAndNamesTheMissing(t *testing.T) {
	lib := openLib(t, t.TempDir())
	pmids := importFixture(t, lib, updateFixture)
	a, b := pmids[0], pmids[1]
	recs, missing, err := lib.Records([]uint64{b, 1, a, 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, r := range recs {
		got = append(got, r.Article.PMID)
	}
	if want := []uint64{b, a}; !reflect.DeepEqual(got, want) {
		t.Errorf("records = %v, want %v", got, want)
	}
	if want := []uint64{1, 2}; !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
	if _, missing, _ := lib.Records([]uint64{a}); missing != nil {
		t.Errorf("missing = %v for a held PMID, want none", missing)
	}
}

func TestMissingError_NamesTenThenEllipsisAndIsNotFound(t *testing.T) {
	tests := []struct {
		pmids []uint64
		want  string
	}{
		{[]uint64{7}, "not in this library: PMID 7"},
		{[]uint64{1, 2}, "not in this library: PMID 1, 2"},
		{[]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "not in this library: PMID 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …"},
	}
	for _, tt := range tests {
		err := &MissingError{PMIDs: tt.pmids}
		if got := err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%v does not wrap store.ErrNotFound", err)
		}
	}
}

func TestImportRun_RecordedFromItsStartWithEveryFailure(t *testing.T) {
	lib := openLib(t, t.TempDir())
	ctx := context.Background()
	run, err := lib.StartImport()
	if err != nil {
		t.Fatal(err)
	}
	st, err := lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Running == nil || st.Running.Kind != store.RunImport {
		t.Fatalf("while importing, status running = %+v, want the import", st.Running)
	}
	if _, err := run.File(ctx, "good.xml", bytes.NewReader(readFixture(t, updateFixture)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := run.File(ctx, "bad.xml", strings.NewReader("<PubmedArticleSet><PubmedArticle>"), nil); err == nil {
		t.Fatal("truncated file imported without error")
	}
	run.Fail(errors.New("reading the upload: unexpected EOF"))
	_, err = run.Finish(ctx)
	if err == nil || !strings.Contains(err.Error(), "bad.xml") || !strings.Contains(err.Error(), "reading the upload") {
		t.Errorf("Finish error = %v, want both failures", err)
	}

	runs, err := lib.Runs(store.RunImport, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%d import runs recorded, want 1 (started and finished are one run)", len(runs))
	}
	r := runs[0]
	if r.Running() {
		t.Error("finished import still running")
	}
	if want := []string{"good.xml", "bad.xml"}; !reflect.DeepEqual(r.Files, want) {
		t.Errorf("files = %q, want %q", r.Files, want)
	}
	if r.Added == 0 || r.Added != run.Total().Added {
		t.Errorf("added = %d, want the run's total %d (> 0)", r.Added, run.Total().Added)
	}
	if len(r.Failing) != 2 || !strings.HasPrefix(r.Failing[0], "bad.xml: ") {
		t.Errorf("failing = %q, want bad.xml then the upload error", r.Failing)
	}
	if r.Err != r.Failing[len(r.Failing)-1] {
		t.Errorf("error = %q, want the last failure %q", r.Err, r.Failing[len(r.Failing)-1])
	}
	st, err = lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Running != nil || st.LastImport == nil || st.LastImport.ID != r.ID {
		t.Errorf("status after: running %+v, last import %+v; want none running and this import last", st.Running, st.LastImport)
	}
}

func TestStatus_LastOfEachKindAndRunning(t *testing.T) {
	lib := openLib(t, t.TempDir())
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	save := func(r store.Run) store.Run {
		t.Helper()
		if err := lib.SaveRun(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	crawl := save(store.Run{Kind: store.RunCrawl, Started: t0, Ended: t0.Add(time.Minute)})
	digest := save(store.Run{Kind: store.RunDigest, Started: t0.Add(time.Hour), Ended: t0.Add(time.Hour)})
	// More imports than the status lists: the last crawl is still found.
	var imp store.Run
	for i := range statusRuns + 5 {
		imp = save(store.Run{Kind: store.RunImport, Started: t0.Add(2*time.Hour + time.Duration(i)), Ended: t0.Add(3 * time.Hour)})
	}
	running := save(store.Run{Kind: store.RunCrawl, Started: t0.Add(4 * time.Hour)})

	st, err := lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	id := func(r *store.Run) uint64 {
		if r == nil {
			return 0
		}
		return r.ID
	}
	got := [4]uint64{id(st.Running), id(st.LastCrawl), id(st.LastImport), id(st.LastDigest)}
	want := [4]uint64{running.ID, crawl.ID, imp.ID, 0}
	if got != want {
		t.Errorf("running, last crawl, import, digest = %v, want %v", got, want)
	}
	_ = digest // beyond the newest statusRuns runs: not looked for further
	if len(st.Runs) != statusRuns {
		t.Errorf("%d runs listed, want %d", len(st.Runs), statusRuns)
	}
}

func TestEvidenceMap_CachedWhileUnchangedRebuiltAfterAChange(t *testing.T) {
	lib := openLib(t, t.TempDir())
	ctx := context.Background()
	importFixture(t, lib, updateFixture)
	m1, err := lib.EvidenceMap(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := lib.Count()
	if m1.Total != uint64(n) {
		t.Errorf("total = %d, want %d", m1.Total, n)
	}
	if len(m1.Rows) != len(lib.tax.Conditions()) || len(m1.Mechanisms) != len(lib.tax.Mechanisms()) {
		t.Fatalf("map is %d×%d, want a row per condition and a column per mechanism", len(m1.Rows), len(m1.Mechanisms))
	}
	for _, row := range m1.Rows {
		sum := 0
		for _, c := range row.Cells {
			if (c.Count == 0) != (c.Strongest == "") || (c.Count == 0) != (c.Heat == 0) {
				t.Errorf("%s × %s: count %d, strongest %q, heat %d", row.Condition, c.Mechanism, c.Count, c.Strongest, c.Heat)
			}
			sum += c.Count
		}
		if sum > 0 && row.Count == 0 {
			t.Errorf("%s: cells hold records but the row counts none", row.Condition)
		}
	}
	if m2, _ := lib.EvidenceMap(ctx, 0); m2 != m1 {
		t.Error("unchanged library: map rebuilt, want the cached one")
	}
	importFixture(t, lib, bigFixture)
	if m3, _ := lib.EvidenceMap(ctx, time.Hour); m3 != m1 {
		t.Error("changed library within maxStale: map rebuilt, want the cached one")
	}
	m4, err := lib.EvidenceMap(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m4 == m1 || m4.Total <= m1.Total {
		t.Errorf("changed library past maxStale: total %d (was %d), want a new, larger map", m4.Total, m1.Total)
	}
}

func TestHeat(t *testing.T) {
	tests := []struct{ n, most, want int }{
		{0, 10, 0}, {1, 1, 5}, {10, 10, 5}, {1, 1000, 1}, {-1, 5, 0}, {3, 0, 0},
	}
	for _, tt := range tests {
		if got := heat(tt.n, tt.most); got != tt.want {
			t.Errorf("heat(%d, %d) = %d, want %d", tt.n, tt.most, got, tt.want)
		}
	}
}

// A run left "running" by a process that died is interrupted at the next
// open, so the status stops saying "running now" forever.
func TestOpen_MarksRunsOfADeadProcessInterrupted(t *testing.T) {
	dir := t.TempDir()
	lib, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := store.Run{Kind: store.RunCrawl, Started: time.Now().UTC()}
	if err := lib.SaveRun(&run); err != nil {
		t.Fatal(err)
	}
	lib.Close() // as if killed: the run never ended
	lib = openLib(t, dir)
	st, err := lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Running != nil {
		t.Errorf("status still running %+v", st.Running)
	}
	if st.LastCrawl == nil || st.LastCrawl.ID != run.ID || !st.LastCrawl.Interrupted || st.LastCrawl.Err != store.InterruptedError {
		t.Errorf("last crawl = %+v, want run %d interrupted", st.LastCrawl, run.ID)
	}
}

package store

import (
	"testing"
	"time"
)

func TestRuns_NewestFirstByKindAndUpdatedInPlace(t *testing.T) {
	s := openTest(t)
	start := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	crawl := Run{Kind: "crawl", Started: start}
	if err := s.PutRun(&crawl); err != nil {
		t.Fatal(err)
	}
	imp := Run{Kind: "import", Started: start.Add(time.Hour)}
	if err := s.PutRun(&imp); err != nil {
		t.Fatal(err)
	}
	crawl.Added, crawl.Ended = 42, start.Add(time.Minute)
	if err := s.PutRun(&crawl); err != nil {
		t.Fatal(err)
	}

	all, err := s.Runs("", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all), 2; got != want {
		t.Fatalf("runs = %d, want %d", got, want)
	}
	if all[0].ID != imp.ID || all[1].ID != crawl.ID {
		t.Errorf("order = %d,%d, want newest (%d) first", all[0].ID, all[1].ID, imp.ID)
	}
	crawls, err := s.Runs("crawl", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(crawls) != 1 || crawls[0].Added != 42 || crawls[0].Running() {
		t.Errorf("crawl runs = %+v, want one ended run with 42 added", crawls)
	}
}

func TestPutRun_KeepsOnlyTheNewest(t *testing.T) {
	s := openTest(t)
	for range maxRuns + 5 {
		if err := s.PutRun(&Run{Kind: "crawl"}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs("", 2*maxRuns)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(runs); got != maxRuns {
		t.Errorf("kept %d runs, want %d", got, maxRuns)
	}
	if got, want := runs[0].ID, uint64(maxRuns+5); got != want {
		t.Errorf("newest id = %d, want %d", got, want)
	}
}

func TestInterruptRuns_MarksOnlyUnfinishedRuns(t *testing.T) {
	s := openTest(t)
	start := time.Date(2026, 3, 2, 4, 30, 0, 0, time.UTC)
	done := Run{Kind: RunCrawl, Started: start, Ended: start.Add(time.Minute)}
	failed := Run{Kind: RunImport, Started: start, Err: "a.xml: line 3: unexpected EOF"}
	killed := Run{Kind: RunCrawl, Started: start.Add(time.Hour), Added: 7}
	now := start.Add(2 * time.Hour)
	// Started after now: the retrying process's own run, still going.
	ours := Run{Kind: RunImport, Started: now.Add(time.Minute)}
	for _, r := range []*Run{&done, &failed, &killed, &ours} {
		if err := s.PutRun(r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.InterruptRuns(now)
	if err != nil || n != 2 {
		t.Fatalf("InterruptRuns = %d, %v; want 2 (the killed crawl and the import killed after an error)", n, err)
	}
	runs, _ := s.Runs("", 10)
	byID := map[uint64]Run{}
	for _, r := range runs {
		byID[r.ID] = r
	}
	tests := []struct {
		id          uint64
		interrupted bool
		ended       time.Time
		err         string
	}{
		{done.ID, false, done.Ended, ""},
		{failed.ID, true, now, failed.Err},
		{killed.ID, true, now, InterruptedError},
	}
	if r := byID[ours.ID]; !r.Running() {
		t.Errorf("run %d, started after now, = %+v; want it still running", ours.ID, r)
	}
	for _, tt := range tests {
		r := byID[tt.id]
		if r.Interrupted != tt.interrupted || !r.Ended.Equal(tt.ended) || r.Err != tt.err || r.Running() {
			t.Errorf("run %d = interrupted %v, ended %v, err %q; want %v, %v, %q, not running",
				tt.id, r.Interrupted, r.Ended, r.Err, tt.interrupted, tt.ended, tt.err)
		}
	}
	if byID[killed.ID].Added != 7 {
		t.Errorf("the interrupted run lost its counts: %+v", byID[killed.ID])
	}
	if n, _ := s.InterruptRuns(now); n != 0 {
		t.Errorf("second InterruptRuns marked %d, want 0", n)
	}
}

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

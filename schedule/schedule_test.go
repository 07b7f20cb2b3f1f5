package schedule

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCrawl_SkippedWhileRunningAndCancelledByStop(t *testing.T) {
	s := New(time.UTC, nil)
	var (
		starts   atomic.Int32
		finished = make(chan error, 10)
	)
	err := s.AddCrawl("@every 1s", func(ctx context.Context) {
		starts.Add(1)
		<-ctx.Done() // a long crawl: runs until shutdown
		finished <- ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(3500 * time.Millisecond) // three ticks
	if got := starts.Load(); got != 1 {
		t.Errorf("crawl started %d times while the first still ran, want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case err := <-finished:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("job ended with %v, want its context cancelled", err)
		}
	default:
		t.Fatal("Stop returned before the running crawl did")
	}
	if s.RunNow(Crawl) {
		t.Error("RunNow after Stop started a job")
	}
}

func TestRecover_PanickingJobDoesNotKillTheScheduler(t *testing.T) {
	s := New(time.UTC, nil)
	var runs atomic.Int32
	ran := make(chan struct{}, 10)
	err := s.AddCrawl("@every 1s", func(ctx context.Context) {
		if runs.Add(1) == 1 {
			panic("first crawl blows up")
		}
		ran <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop(context.Background())
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatalf("no run after the panic (runs: %d)", runs.Load())
	}
}

func TestDigest_DelayedNotOverlappedNorSkipped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for several cron ticks; skipped in -short")
	}
	s := New(time.UTC, nil)
	var (
		mu          sync.Mutex
		running     int
		worst, runs int
	)
	err := s.AddDigest("@every 1s", func(ctx context.Context) {
		mu.Lock()
		running++
		runs++
		worst = max(worst, running)
		mu.Unlock()
		time.Sleep(1500 * time.Millisecond) // longer than the interval
		mu.Lock()
		running--
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(4200 * time.Millisecond)
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if worst != 1 {
		t.Errorf("%d digests ran at once, want 1", worst)
	}
	// Four ticks of 1s, each run 1.5s: delayed ones queue up rather than vanish.
	if runs < 3 {
		t.Errorf("%d digest runs in 4.2s, want at least 3 (delayed, not skipped)", runs)
	}
}

func TestRunNow_RunsThroughTheChainAndStopWaits(t *testing.T) {
	s := New(time.UTC, nil)
	release := make(chan struct{})
	var starts atomic.Int32
	if err := s.AddCrawl("0 4 * * *", func(ctx context.Context) {
		starts.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
		}
	}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.RunNow(Crawl) {
		t.Fatal("RunNow(crawl) = false")
	}
	waitFor(t, func() bool { return starts.Load() == 1 })
	s.RunNow(Crawl) // skipped: the first is still running
	time.Sleep(100 * time.Millisecond)
	if got := starts.Load(); got != 1 {
		t.Errorf("second RunNow while running started it again (%d starts)", got)
	}
	if s.RunNow("reindex") {
		t.Error("RunNow of an unknown job = true")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	close(release)
}

func TestStop_GivesUpWhenItsContextEnds(t *testing.T) {
	s := New(time.UTC, nil)
	block := make(chan struct{})
	defer close(block)
	if err := s.AddDigest("0 7 * * 1", func(context.Context) { <-block }); err != nil { // ignores cancellation
		t.Fatal(err)
	}
	s.Start()
	s.RunNow(Digest)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with a stuck job: %v, want DeadlineExceeded", err)
	}
}

func TestNext_InTheConfiguredZone(t *testing.T) {
	ny, err := LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s := New(ny, nil)
	if err := s.AddCrawl(DefaultCrawlSpec, func(context.Context) {}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddDigest(DefaultDigestSpec, func(context.Context) {}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCrawl("@daily", func(context.Context) {}); err == nil {
		t.Error("a second crawl job was accepted")
	}
	if !s.Next(Crawl).IsZero() {
		t.Error("Next before Start is not zero")
	}
	s.Start()
	defer s.Stop(context.Background())
	for _, tc := range []struct {
		job          string
		hour, minute int
		weekday      time.Weekday
	}{{Crawl, 4, 30, -1}, {Digest, 7, 0, time.Monday}} {
		next := s.Next(tc.job).In(ny)
		if next.Hour() != tc.hour || next.Minute() != tc.minute {
			t.Errorf("%s next at %v, want %02d:%02d New York time", tc.job, next, tc.hour, tc.minute)
		}
		if tc.weekday >= 0 && next.Weekday() != tc.weekday {
			t.Errorf("%s next on %v, want %v", tc.job, next.Weekday(), tc.weekday)
		}
		if !next.After(time.Now()) || next.After(time.Now().Add(8*24*time.Hour)) {
			t.Errorf("%s next at %v: not within the coming week", tc.job, next)
		}
	}
	if !s.Next("reindex").IsZero() {
		t.Error("Next of an unknown job is not zero")
	}
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		crawl   string
		zone    string
		wantErr string
	}{
		{"defaults", nil, DefaultCrawlSpec, "Local", ""},
		{"set", map[string]string{"VILLI_CRAWL_SPEC": "15 5 * * *", "VILLI_TZ": "Europe/Berlin"}, "15 5 * * *", "Europe/Berlin", ""},
		{"descriptor", map[string]string{"VILLI_CRAWL_SPEC": "@every 6h"}, "@every 6h", "Local", ""},
		{"bad minute", map[string]string{"VILLI_CRAWL_SPEC": "61 4 * * *"}, "", "", "VILLI_CRAWL_SPEC: schedule \"61 4 * * *\""},
		{"too few fields", map[string]string{"VILLI_DIGEST_SPEC": "0 7 *"}, "", "", "VILLI_DIGEST_SPEC: schedule \"0 7 *\""},
		{"bad zone", map[string]string{"VILLI_TZ": "Mars/Olympus"}, "", "", "VILLI_TZ: unknown time zone \"Mars/Olympus\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CrawlSpec != tc.crawl || got.Location.String() != tc.zone || got.DigestSpec != DefaultDigestSpec {
				t.Errorf("got %+v (zone %s), want crawl %q zone %s", got, got.Location, tc.crawl, tc.zone)
			}
		})
	}
}

// Parse reads a spec in the zone the Scheduler would run it in, so that code
// asking when a job is due agrees with the cron entry.
func TestParse(t *testing.T) {
	berlin, err := LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	sunday := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		spec string
		loc  *time.Location
		want time.Time
	}{
		{"default in Berlin", DefaultDigestSpec, berlin, time.Date(2026, 12, 7, 7, 0, 0, 0, berlin)},
		{"nil is UTC", DefaultDigestSpec, nil, time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)},
		{"own zone wins", "CRON_TZ=America/New_York 0 7 * * 1", berlin, time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)},
		{"spaces around", " 30 6 * * 1 ", berlin, time.Date(2026, 12, 7, 6, 30, 0, 0, berlin)},
	} {
		sch, err := Parse(tc.spec, tc.loc)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := sch.Next(sunday); !got.Equal(tc.want) {
			t.Errorf("%s: Next(%v) = %v, want %v", tc.name, sunday, got, tc.want)
		}
	}
	if _, err := Parse("0 7 * * Mon-", berlin); err == nil || !strings.Contains(err.Error(), `"0 7 * * Mon-"`) {
		t.Errorf("bad spec: err = %v, want one naming the spec", err)
	}
	set := Settings{DigestSpec: DefaultDigestSpec, Location: berlin}
	if sch, err := set.DigestSchedule(); err != nil || !sch.Next(sunday).Equal(time.Date(2026, 12, 7, 7, 0, 0, 0, berlin)) {
		t.Errorf("DigestSchedule: %v, want Monday 07:00 in Berlin", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

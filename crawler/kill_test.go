package crawler

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"villi/internal/fakeeutils"
	"villi/library"
)

// killQueries are what the child crawls in TestRun_Kill9...
var killQueries = []Query{qCeliacProbiotic, qZonulin, qCrohnDiet, qColitisFood}

const killBatch = 50

// TestMain runs the child half of TestRun_Kill9ResumesWithNothingLost when
// asked to: a crawl that prints "acked N" after every committed batch.
func TestMain(m *testing.M) {
	if dir := os.Getenv("VILLI_CRAWLKILL_DIR"); dir != "" {
		os.Exit(killChild(dir, os.Getenv("VILLI_CRAWLKILL_URL")))
	}
	os.Exit(m.Run())
}

func killChild(dir, base string) int {
	ctx := context.Background()
	lib, err := library.Open(ctx, dir, library.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 1
	}
	defer lib.Close()
	cfg := fastConfig(base, killQueries...)
	cfg.BatchSize = killBatch
	c, err := New(cfg, lib)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = c.Run(ctx, RunOptions{Progress: func(p Progress) {
		if p.Event == EventBatch {
			fmt.Printf("acked %d\n", p.Run.Added)
		}
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child crawl:", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

func TestRun_Kill9ResumesWithNothingLostAndFewerRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses; skipped in -short")
	}
	srv, base := fake(t, fakeeutils.Config{Seed: 17}, testItems(t))
	all := want(srv, killQueries...)
	fresh := 0 // a fresh crawl: one search and ceil(N/batch) fetches per query
	for _, q := range killQueries {
		fresh += 1 + ceilDiv(len(srv.Match(q.Term, "", "", "")), killBatch)
	}
	dir := filepath.Join(t.TempDir(), "data")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("seed %d; %d records, a fresh crawl takes %d requests", seed, len(all), fresh)

	var (
		stored, total, kills, last int
		done                       bool
	)
	for round := 0; round < 15 && !done; round++ {
		// Kill until most records are in, then let the crawl finish.
		kill := stored < len(all)*6/10
		target := 1 + rng.IntN(4) // batches to let through before the kill
		jitter := time.Duration(rng.IntN(150)) * time.Millisecond
		srv.ResetRequests()
		acked, finished := runChild(t, dir, base, kill, target, jitter)
		reqs := len(srv.Requests())
		total += reqs

		lib := openLib(t, dir)
		n, err := lib.DB().Count()
		if err != nil {
			t.Fatal(err)
		}
		docs, err := lib.IndexCount()
		if err != nil {
			t.Fatal(err)
		}
		lib.Close()
		t.Logf("round %d: kill=%v after %d batches + %v: %d added and acknowledged, %d stored, %d requests",
			round, kill, target, jitter, acked, n, reqs)
		if n < stored+acked {
			t.Fatalf("round %d: %d records stored, but %d were before it and it acknowledged %d more", round, n, stored, acked)
		}
		if int(docs) != n {
			t.Fatalf("round %d: index holds %d documents, store %d", round, docs, n)
		}
		stored = n
		if kill && !finished {
			kills++
		}
		done, last = finished, reqs
	}
	if !done {
		t.Fatal("the crawl never finished")
	}
	assertHolds(t, openLib(t, dir), all)
	if kills == 0 {
		t.Fatal("no round was killed")
	}
	// The finishing run re-does little: a re-search of the interrupted
	// window and of the overlap days of queries already done.
	if last >= fresh {
		t.Errorf("the resumed crawl made %d requests, a fresh one makes %d", last, fresh)
	}
	if slack := kills * (2*len(killQueries) + 2); total > fresh+slack {
		t.Errorf("%d requests over %d kills, want at most %d (fresh %d + %d per kill)", total, kills, fresh+slack, fresh, 2*len(killQueries)+2)
	}
	t.Logf("%d kills, %d requests in all, %d in the finishing run, %d for a fresh crawl", kills, total, last, fresh)
}

// runChild runs one child crawl. With kill it sends SIGKILL once the
// child has acknowledged target batches and jitter has passed. It returns
// how many records the child acknowledged adding and whether it finished.
func runChild(t *testing.T, dir, base string, kill bool, target int, jitter time.Duration) (acked int, finished bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VILLI_CRAWLKILL_DIR="+dir, "VILLI_CRAWLKILL_URL="+base)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	batches := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "acked "); ok {
			acked, _ = strconv.Atoi(v)
			batches++
			if kill && batches == target {
				time.Sleep(jitter)
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		finished = finished || line == "done"
	}
	// After a kill, lines printed before it may still be in the pipe.
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked, _ = strconv.Atoi(v)
		}
		finished = finished || sc.Text() == "done"
	}
	err = cmd.Wait()
	if !kill && err != nil {
		t.Fatalf("child crawl failed: %v\n%s", err, stderr.String())
	}
	return acked, finished
}

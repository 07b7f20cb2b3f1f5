package library

import (
	"bufio"
	"bytes"
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

	"villi/index"
	"villi/internal/corpus"
	"villi/internal/fixture"
)

// The child halves of TestImport_Kill9LosesNothingAcknowledged (import a
// file and print "acked N" after every committed batch) and of
// TestImport_HostileFilePeakMemory.
func TestMain(m *testing.M) {
	if dir := os.Getenv("VILLI_KILLTEST_DIR"); dir != "" {
		os.Exit(killChild(dir, os.Getenv("VILLI_KILLTEST_FILE")))
	}
	if dir := os.Getenv("VILLI_HOSTILETEST_DIR"); dir != "" {
		os.Exit(hostileMemChild(dir, os.Getenv("VILLI_HOSTILETEST_FILE")))
	}
	os.Exit(m.Run())
}

func killChild(dir, file string) int {
	ctx := context.Background()
	lib, err := Open(ctx, dir, Options{BatchSize: 100, LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 1
	}
	defer lib.Close()
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	_, err = lib.Import(ctx, f, func(p Progress) { fmt.Printf("acked %d\n", p.Records) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "child import:", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

func TestImport_Kill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses; skipped in -short")
	}
	const n = 2000
	buf := resampled(t, corpus.Options{N: n, Seed: 7, ShuffleAbstracts: 0.3})
	file := filepath.Join(t.TempDir(), "corpus.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pmids, _ := countItems(t, buf.Bytes())
	dir := filepath.Join(t.TempDir(), "data")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for round := 0; round < 6; round++ {
		wait := time.Duration(100+rng.IntN(2500)) * time.Millisecond
		out, killed := importAndKill(t, dir, file, wait)
		if killed {
			kills++
		}
		acked := lastAcked(out)
		t.Logf("round %d: killed after %v, %d records acknowledged", round, wait, acked)

		lib, err := Open(context.Background(), dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		for _, p := range pmids[:acked] {
			if _, err := lib.st.Get(p); err != nil {
				t.Errorf("round %d: acknowledged PMID %d lost: %v", round, p, err)
				break
			}
		}
		assertConsistent(t, lib)
		lib.Close()
		if strings.Contains(out, "done") {
			break
		}
	}

	// A last import runs to the end: every record once, in store and index.
	lib := openLib(t, dir)
	if _, err := lib.Import(context.Background(), bytes.NewReader(buf.Bytes()), nil); err != nil {
		t.Fatalf("final import: %v", err)
	}
	if got, _ := lib.st.Count(); got != n {
		t.Errorf("store holds %d records, want %d", got, n)
	}
	assertConsistent(t, lib)
	for _, p := range []uint64{pmids[0], pmids[n/2], pmids[n-1]} {
		res, err := lib.ix.Search(context.Background(), index.Request{Q: strconv.FormatUint(p, 10) + "[pmid]"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("PMID %d found %d times in the index, want once", p, res.Total)
		}
	}
	t.Logf("%d kills", kills)
}

func lastAcked(out string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	return n
}

// importAndKill runs this test binary as a child importing file into dir
// (TestMain's VILLI_KILLTEST_* branch) and sends it SIGKILL after wait,
// unless it finishes first. It returns the child's output and whether it
// was killed; a child that fails on its own fails the test.
func importAndKill(t *testing.T, dir, file string, wait time.Duration) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VILLI_KILLTEST_DIR="+dir, "VILLI_KILLTEST_FILE="+file)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("child failed before the kill: %v\n%s", err, errb.String())
		}
		return out.String(), false
	case <-time.After(wait):
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		return out.String(), true
	}
}

// resampled is the big fixture resampled into a corpus (corpus.Source.Write)
// with opts: the input the kill tests import.
func resampled(t *testing.T, opts corpus.Options) *bytes.Buffer {
	t.Helper()
	var src corpus.Source
	f, err := os.Open(fixture.Path(t, bigFixture))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := src.Load(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Write(&buf, opts); err != nil {
		t.Fatal(err)
	}
	return &buf
}

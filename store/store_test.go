package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"villi/taxonomy"
)

// holdEnv makes the test binary a lock holder: it opens the named store,
// prints "locked" and keeps the store open until stdin closes.
const holdEnv = "VILLI_STORE_TEST_HOLD"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		os.Exit(holdLock(path))
	}
	os.Exit(m.Run())
}

func holdLock(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n') // returns at EOF
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestRecord_RoundTripsEveryField(t *testing.T) {
	s := openTest(t)
	want := Record{
		Article: richArticle(31000001),
		Tags: taxonomy.Tags{
			Conditions: []string{"hashimoto"}, Mechanisms: []string{"intestinal-permeability", "repair"},
			Evidence: "rct", Species: "human",
		},
	}
	src := []byte(strings.Repeat(`<PubmedArticle><MedlineCitation Status="MEDLINE">…</MedlineCitation></PubmedArticle>`, 40))
	res := mustApply(t, s, Batch{Puts: []Put{{Record: want, Source: src}}, Now: testNow})
	want.Added, want.Updated, want.Seq = testNow, testNow, res[0].Seq

	got, err := s.Get(31000001)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get after Apply:\n got %+v\nwant %+v", got, want)
	}
	gotSrc, err := s.Source(31000001)
	if err != nil {
		t.Fatalf("Source: %v", err)
	}
	if !bytes.Equal(gotSrc, src) {
		t.Errorf("Source = %d bytes, want the %d bytes stored", len(gotSrc), len(src))
	}
}

func TestGet_UnknownPMIDIsErrNotFound(t *testing.T) {
	s := openTest(t)
	if _, err := s.Get(42); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(42) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Source(42); !errors.Is(err, ErrNotFound) {
		t.Errorf("Source(42) error = %v, want ErrNotFound", err)
	}
}

func TestHas(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "one")), put(rec(3, 1, nil, "three"))}})
	for _, tt := range []struct {
		pmid uint64
		want bool
	}{{1, true}, {2, false}, {3, true}, {0, false}} {
		got, err := s.Has(tt.pmid)
		if err != nil || got != tt.want {
			t.Errorf("Has(%d) = %v, %v; want %v, nil", tt.pmid, got, err, tt.want)
		}
	}
}

func TestGetMany_KeepsOrderAndSkipsMissing(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{put(rec(1, 1, nil, "one")), put(rec(2, 1, nil, "two")), put(rec(3, 1, nil, "three"))}})
	got, err := s.GetMany([]uint64{3, 99, 1})
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	var titles []string
	for _, r := range got {
		titles = append(titles, r.Article.Title)
	}
	if want := []string{"three", "one"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("GetMany(3, 99, 1) titles = %q, want %q", titles, want)
	}
}

func TestSource_NilSourceKeepsNone(t *testing.T) {
	s := openTest(t)
	mustApply(t, s, Batch{Puts: []Put{{Record: rec(7, 1, nil, "no xml")}}})
	if _, err := s.Source(7); !errors.Is(err, ErrNotFound) {
		t.Errorf("Source of a record put without XML: error = %v, want ErrNotFound", err)
	}
}

func TestMeta_SetGetAndReservedKeys(t *testing.T) {
	s := openTest(t)
	if _, err := s.Meta("last_import"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Meta of an unset key: error = %v, want ErrNotFound", err)
	}
	if err := s.SetMeta("last_import", "2024-05-06T07:08:09Z"); err != nil {
		t.Fatalf("SetMeta: %v", err)
	}
	if got, err := s.Meta("last_import"); err != nil || got != "2024-05-06T07:08:09Z" {
		t.Errorf("Meta(last_import) = %q, %v; want the value set", got, err)
	}
	for _, key := range []string{"", "schema_version", "created"} {
		if err := s.SetMeta(key, "x"); err == nil {
			t.Errorf("SetMeta(%q) succeeded, want it refused", key)
		}
	}
	if got, err := s.Meta("schema_version"); err != nil || got != fmt.Sprint(len(migrations)) {
		t.Errorf("Meta(schema_version) = %q, %v; want %d", got, err, len(migrations))
	}
}

func TestOpen_SecondOpenInSameProcessFailsFastWithPid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "villi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	defer s.Close()

	const timeout = 200 * time.Millisecond
	start := time.Now()
	_, err = Open(path, Options{Timeout: timeout})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("data directory in use by another villi process (pid %d)", os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("second Open error = %q, want it to say %q", err, want)
	}
	if elapsed > timeout+500*time.Millisecond {
		t.Errorf("second Open took %v with Timeout %v", elapsed, timeout)
	}
	if _, err := Open(path, Options{Timeout: timeout, ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Errorf("read-only Open while a writer holds the file: error = %v, want ErrLocked", err)
	}
}

func TestOpen_LockHeldByAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	path := filepath.Join(t.TempDir(), "villi.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "locked\n" {
		t.Fatalf("holder said %q, %v (stderr %q), want \"locked\"", line, err, stderr.String())
	}

	const timeout = 300 * time.Millisecond
	start := time.Now()
	_, err = Open(path, Options{Timeout: timeout})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while another process holds the file: error = %v, want ErrLocked", err)
	}
	if want := fmt.Sprintf("(pid %d)", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to name the holder %s", err, want)
	}
	if elapsed > timeout+500*time.Millisecond {
		t.Errorf("Open took %v with Timeout %v", elapsed, timeout)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder: %v (stderr %q)", err, stderr.String())
	}
	if _, err := os.Stat(path + ".pid"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid sidecar after the holder closed: stat error = %v, want it removed", err)
	}
	s, err := Open(path, Options{Timeout: timeout})
	if err != nil {
		t.Fatalf("Open after the holder exited: %v", err)
	}
	s.Close()
}

func TestOpen_StalePidFileFromCrashIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	if err := os.WriteFile(path+".pid", []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open with a stale pid file: %v", err)
	}
	defer s.Close()
	b, err := os.ReadFile(path + ".pid")
	if got, want := strings.TrimSpace(string(b)), fmt.Sprint(os.Getpid()); err != nil || got != want {
		t.Errorf("pid file = %q, %v; want %q", got, err, want)
	}
}

func TestOpen_ReadOnlySharesAndRefusesWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villi.db")
	if _, err := Open(path, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only Open of a missing file succeeded")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, Batch{Puts: []Put{put(rec(5, 1, nil, "five"))}})
	s.Close()

	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open: %v", err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("second read-only Open: %v", err)
	}
	defer r2.Close()
	if got, err := r2.Get(5); err != nil || got.Article.Title != "five" {
		t.Errorf("Get from read-only store = %q, %v", got.Article.Title, err)
	}
	if _, err := r1.Apply(context.Background(), Batch{Puts: []Put{put(rec(6, 1, nil, "six"))}}); err == nil {
		t.Error("Apply on a read-only store succeeded")
	}
}

func TestClose_Twice(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "villi.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestChange_String(t *testing.T) {
	for c, want := range map[Change]string{
		Added: "added", Updated: "updated", Unchanged: "unchanged", Older: "older",
		Deleted: "deleted", Missing: "missing", Change(0): "Change(0)",
	} {
		if got := c.String(); got != want {
			t.Errorf("Change(%d).String() = %q, want %q", int(c), got, want)
		}
	}
}

func TestNoSpace(t *testing.T) {
	pathErr := &os.PathError{Op: "write", Path: "villi.db", Err: syscall.ENOSPC}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"wrapped ENOSPC", fmt.Errorf("store batch: %w", pathErr), true},
		{"EDQUOT", &os.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}, true},
		{"EROFS", &os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, true},
		// bleve formats the error of a segment it cannot persist with %v.
		{"flattened", fmt.Errorf("segment persist err: %v", pathErr), true},
		{"other errno", &os.PathError{Op: "write", Path: "x", Err: syscall.EIO}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := NoSpace(tt.err); got != tt.want {
			t.Errorf("%s: NoSpace(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

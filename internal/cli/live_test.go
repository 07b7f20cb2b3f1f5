package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"villi/control"
	"villi/internal/fixture"
	"villi/library"
)

// liveChildEnv makes the test binary a `villi serve` on the named data
// directory, for the test that kills it.
const liveChildEnv = "VILLI_LIVE_SERVE_DATA"

func TestMain(m *testing.M) {
	if data := os.Getenv(liveChildEnv); data != "" {
		env := map[string]string{
			"VILLI_DATA":       data,
			"VILLI_ADDR":       "127.0.0.1:0",
			"VILLI_PUBLIC":     "true",
			"VILLI_EUTILS_URL": "http://127.0.0.1:9/entrez/eutils/",
		}
		os.Exit(Run(context.Background(), []string{"serve"}, Env{
			Getenv: func(k string) string { return env[k] },
			Stdin:  strings.NewReader(""), Stdout: os.Stdout, Stderr: os.Stderr,
		}))
	}
	os.Exit(m.Run())
}

// searchTotal is what `villi search --json QUERY` finds in data.
func searchTotal(t *testing.T, data, query string) int {
	t.Helper()
	out, errs, code := run(t, data, "search", "--json", query)
	if code != 0 {
		t.Fatalf("search %q in %s: exit %d: %s", query, data, code, errs)
	}
	var body struct{ Total int }
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	return body.Total
}

func countRecords(t *testing.T, data string) int {
	t.Helper()
	lib, err := library.Open(context.Background(), data, library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	n, err := lib.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestServe_BackupAndUsersWorkWhileServing(t *testing.T) {
	data := t.TempDir()
	file := fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")
	if _, errs, code := run(t, data, "import", file); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	records, hits := countRecords(t, data), searchTotal(t, data, "cancer")
	if records == 0 || hits == 0 {
		t.Fatalf("fixture gave %d records, %d hits for cancer; want some of each", records, hits)
	}

	_, logs, cancel, wait := startServe(t, data, map[string]string{"VILLI_PUBLIC": "true"})

	sock := filepath.Join(data, control.SocketName)
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket %s: %v, %v; want a socket only its owner may use (0600)", sock, fi, err)
	}

	// Backup: a complete library, searchable once its index is rebuilt.
	backup := filepath.Join(t.TempDir(), "villi-backup.db")
	out, errs, code := run(t, data, "backup", backup)
	if code != 0 || !strings.HasPrefix(out, "backup written to "+backup) {
		t.Fatalf("backup while serving: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	restored := t.TempDir()
	if err := os.Rename(backup, filepath.Join(restored, "villi.db")); err != nil {
		t.Fatal(err)
	}
	if got := countRecords(t, restored); got != records {
		t.Errorf("backup holds %d records, want %d", got, records)
	}
	if got := searchTotal(t, restored, "cancer"); got != hits {
		t.Errorf("backup finds %d records for cancer, want %d", got, hits)
	}

	// Users: add, refuse a second add with the way out, passwd, list, remove
	// (bcrypt at the default cost is slow under -race: two hashes only).
	const first, second = "gut barrier 2026", "tight junction 2027"
	users := []struct {
		args      []string
		stdin     string
		wantCode  int
		wantOut   string
		wantInErr string
	}{
		{[]string{"user", "add", "--admin", "Ada@Example.org"}, first + "\n", 0, "added administrator ada@example.org\n", ""},
		{[]string{"user", "add", "ada@example.org"}, first + "\n", 1, "", "villi user passwd ada@example.org"},
		{[]string{"user", "add", "bob@example.org"}, "short\n", 1, "", "too short"},
		{[]string{"user", "passwd", "ada@example.org"}, second + "\n", 0, "password changed for ada@example.org; their sessions were ended\n", ""},
		{[]string{"user", "passwd", "nobody@example.org"}, second + "\n", 1, "", "not found"},
		{[]string{"user", "remove", "bob@example.org"}, "", 1, "", "not found"},
	}
	for _, tt := range users {
		out, errs, code := runStdin(t, data, tt.stdin, tt.args...)
		if code != tt.wantCode || out != tt.wantOut || !strings.Contains(errs, tt.wantInErr) {
			t.Errorf("villi %s while serving: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q",
				strings.Join(tt.args, " "), code, out, errs, tt.wantCode, tt.wantOut, tt.wantInErr)
		}
	}
	out, errs, code = run(t, data, "user", "list")
	if code != 0 || !strings.Contains(out, "ada@example.org  admin") || strings.Contains(out, "bob@") {
		t.Errorf("user list while serving: exit %d, stdout %q, stderr %q; want ada as admin and no bob", code, out, errs)
	}

	// Everything else is refused, saying what works and where imports go.
	refused := []struct {
		args  []string
		where string // the admin page's section that does it instead
	}{
		{[]string{"import", file}, "/admin#import"},
		{[]string{"retractions", "import", file}, "/admin#retractions"},
	}
	for _, tt := range refused {
		_, errs, code = run(t, data, tt.args...)
		for _, want := range []string{"data directory in use", "villi serve", "villi backup", "villi user", tt.where} {
			if code != 1 || !strings.Contains(errs, want) {
				t.Errorf("villi %s while serving: exit %d, stderr %q; want exit 1 and %q", strings.Join(tt.args, " "), code, errs, want)
			}
		}
	}

	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, logs.String())
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket after a clean shutdown: %v, want it removed", err)
	}
	for _, pw := range []string{first, second} {
		if strings.Contains(logs.String(), pw) {
			t.Errorf("serve's log holds a password:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "control: user add") {
		t.Errorf("serve's log does not record the user added through it:\n%s", logs.String())
	}

	// The password serve set is the one stored.
	u := storedAdmin(t, data, "ada@example.org")
	if err := bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(second)); err != nil {
		t.Errorf("stored hash does not match the password set while serving: %v", err)
	}
}

// startChildServe runs `villi serve` on data in a child process, in
// directory cwd, and returns it once it is ready.
func startChildServe(t *testing.T, data, cwd string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), liveChildEnv+"="+data)
	cmd.Dir = cwd
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "villi serve: ready") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("child serve exited before it was ready")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child serve not ready within 30 s")
	}
	return cmd
}

func TestServe_StaleSocketOfAKilledServe(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := run(t, data, "import", fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	records := countRecords(t, data)
	seedUsers(t, data, "ada@example.org")

	// A backup's relative path is the client's, not serve's: serve runs
	// elsewhere.
	child := startChildServe(t, data, t.TempDir())
	here := t.TempDir()
	t.Chdir(here)
	if out, errs, code := run(t, data, "backup", "rel.db"); code != 0 {
		t.Fatalf("backup through a child serve: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(here, "rel.db")); err != nil {
		t.Errorf("relative backup path: %v; want the file in the client's directory", err)
	}

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	sock := filepath.Join(data, control.SocketName)
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("no socket left by the killed serve (%v): the test would prove nothing", err)
	}

	// Nobody answers on the stale socket: the commands open the library
	// themselves.
	if out, errs, code := run(t, data, "user", "list"); code != 0 || !strings.Contains(out, "ada@example.org") {
		t.Fatalf("user list beside a stale socket: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The next serve replaces the stale socket and answers on it (the
	// library itself is locked by serve: only the socket can answer).
	_, logs, cancel, wait := startServe(t, data, map[string]string{"VILLI_PUBLIC": "true"})
	out, errs, code := run(t, data, "user", "remove", "ada@example.org")
	if code != 0 || out != "removed ada@example.org\n" {
		t.Errorf("user remove through the next serve: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	backup := filepath.Join(t.TempDir(), "villi.db")
	if _, errs, code := run(t, data, "backup", backup); code != 0 {
		t.Fatalf("backup through the next serve: exit %d: %s", code, errs)
	}
	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, logs.String())
	}
	if got := countRecords(t, filepath.Dir(backup)); got != records {
		t.Errorf("backup through the next serve holds %d records, want %d", got, records)
	}
}

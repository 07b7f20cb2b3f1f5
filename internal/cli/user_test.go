package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"villi/account"
	"villi/store"
)

// runStdin runs villi with stdin as its standard input.
func runStdin(t *testing.T, data, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Getenv: func(k string) string {
			if k == "VILLI_DATA" {
				return data
			}
			return ""
		},
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
	}
	code = Run(context.Background(), args, env)
	return out.String(), errb.String(), code
}

// seedUsers stores users directly, with cheap hashes of "seed password".
func seedUsers(t *testing.T, data string, emails ...string) {
	t.Helper()
	st, err := store.Open(filepath.Join(data, "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, _ := bcrypt.GenerateFromPassword([]byte("seed password"), bcrypt.MinCost)
	for _, e := range emails {
		if err := st.CreateUser(store.User{Email: e, PasswordHash: h}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUser_AddFromStdinThenLogin(t *testing.T) {
	data := t.TempDir()
	const pw = "gut barrier 2026"
	out, errs, code := runStdin(t, data, pw+"\r\nnot part of it\n", "user", "add", "Ada@Example.org", "--admin")
	if code != 0 || out != "added administrator ada@example.org\n" {
		t.Fatalf("user add: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if strings.Contains(out+errs, pw) {
		t.Error("user add echoed the password")
	}

	// What the command stored works for login: the first stdin line without
	// its CRLF, at the default cost.
	u := storedAdmin(t, data, "ada@example.org")
	if c, _ := bcrypt.Cost(u.PasswordHash); c != account.DefaultBcryptCost {
		t.Errorf("hash cost %d, want the default %d", c, account.DefaultBcryptCost)
	}
	if err := bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(pw)); err != nil {
		t.Errorf("stored hash does not match the stdin password: %v", err)
	}
}

func TestUser_BadInputChangesNothing(t *testing.T) {
	data := t.TempDir()
	const pw = "gut barrier 2026"
	seedUsers(t, data, "ada@example.org")
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"again", pw + "\n", []string{"user", "add", "ADA@example.org"}, 1, "already exists; use `villi user passwd ada@example.org`"},
		{"short password", "tiny1\n", []string{"user", "add", "bob@example.org"}, 1, "5 characters is too short"},
		{"short new password", "tiny1\n", []string{"user", "passwd", "ada@example.org"}, 1, "5 characters is too short"},
		{"no password", "", []string{"user", "add", "bob@example.org"}, 1, "no password"},
		{"bad email", pw + "\n", []string{"user", "add", "bob"}, 1, "not a plain address"},
		{"no action", "", []string{"user"}, 2, "name an action"},
		{"unknown action", "", []string{"user", "rename"}, 2, `unknown action "rename"`},
		{"two emails", pw, []string{"user", "add", "a@b.org", "c@d.org"}, 2, "takes one EMAIL"},
		{"admin on list", "", []string{"user", "list", "--admin"}, 2, "--admin goes with user add"},
		{"remove unknown", "", []string{"user", "remove", "nobody@example.org"}, 1, "not found"},
		{"passwd unknown", pw, []string{"user", "passwd", "nobody@example.org"}, 1, "not found"},
	}
	for _, tt := range tests {
		_, errs, code := runStdin(t, data, tt.stdin, tt.args...)
		if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", tt.name, code, errs, tt.wantCode, tt.wantErr)
		}
		if tt.stdin != "" && strings.Contains(errs, strings.TrimSpace(tt.stdin)) {
			t.Errorf("%s: stderr repeats the password", tt.name)
		}
	}
	out, _, _ := runStdin(t, data, "", "user", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "ada@example.org") {
		t.Errorf("after refused commands, user list:\n%s", out)
	}
}

func TestUser_PasswdListRemove(t *testing.T) {
	data := t.TempDir()
	seedUsers(t, data, "ada@example.org", "bob@example.org")
	if _, errs, code := runStdin(t, data, "second password\n", "user", "passwd", "BOB@example.org"); code != 0 {
		t.Fatalf("passwd bob: %s", errs)
	}

	st, err := store.Open(filepath.Join(data, "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A new hash at the default cost (TestUser_AddFromStdinThenLogin checks
	// such a hash against its password; bcrypt under -race is slow).
	bob, _ := st.User("bob@example.org")
	if c, _ := bcrypt.Cost(bob.PasswordHash); c != account.DefaultBcryptCost {
		t.Errorf("passwd stored a hash of cost %d, want %d", c, account.DefaultBcryptCost)
	}
	if ada, _ := st.User("ada@example.org"); bytes.Equal(bob.PasswordHash, ada.PasswordHash) {
		t.Error("passwd kept the seeded hash")
	}
	if _, err := st.CreateCollection("bob@example.org", "Bob's handout"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errs, code := runStdin(t, data, "", "user", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "EMAIL") ||
		!strings.HasPrefix(lines[1], "ada@example.org") || !strings.HasPrefix(lines[2], "bob@example.org") ||
		!strings.HasSuffix(lines[2], " 1") {
		t.Errorf("user list: exit %d\n%s%s", code, out, errs)
	}

	out, errs, code = runStdin(t, data, "", "user", "remove", "bob@example.org")
	if code != 0 || out != "removed bob@example.org; 1 collection kept\n" {
		t.Errorf("user remove: exit %d, %q %q", code, out, errs)
	}
	out, _, _ = runStdin(t, data, "", "user", "list")
	if strings.Contains(out, "bob@") {
		t.Errorf("bob still listed after remove:\n%s", out)
	}
}

// storedAdmin reads a user from the data directory's store (no library
// open) and fails unless it is an administrator.
func storedAdmin(t *testing.T, data, email string) store.User {
	t.Helper()
	st, err := store.Open(filepath.Join(data, "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.User(email)
	if err != nil || !u.Admin {
		t.Fatalf("stored %s: %+v, %v; want an admin", email, u, err)
	}
	return u
}

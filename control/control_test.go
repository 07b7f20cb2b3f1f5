package control

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"villi/account"
	"villi/library"
	"villi/store"
)

// staleSocket leaves a socket file nobody listens on, as a killed serve does.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

func startService(t *testing.T, dir string) *Server {
	t.Helper()
	ctx := context.Background()
	lib, err := library.Open(ctx, dir, library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	acc, err := account.New(lib.DB(), account.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(dir, NewService(lib, acc), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestDial_NoServeIsErrNotRunning(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dial(context.Background(), dir); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial without a socket: %v, want ErrNotRunning", err)
	}
	staleSocket(t, SocketPath(dir))
	if _, err := Dial(context.Background(), dir); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial on a stale socket: %v, want ErrNotRunning", err)
	}
}

func TestStart_ReplacesAStaleSocketAndRemovesItOnShutdown(t *testing.T) {
	dir := t.TempDir()
	staleSocket(t, SocketPath(dir))
	srv := startService(t, dir)
	fi, err := os.Lstat(SocketPath(dir))
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v, %v; want a socket with mode 0600", fi, err)
	}
	c, err := Dial(context.Background(), dir)
	if err != nil {
		t.Fatalf("Dial a started server: %v", err)
	}
	defer c.Close()
	if _, err := c.Users(context.Background()); err != nil {
		t.Errorf("Users: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(SocketPath(dir)); !os.IsNotExist(err) {
		t.Errorf("socket after Shutdown: %v, want it removed", err)
	}
	// Leftover private staging directories would pile up in the data directory.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); n != "villi.db" && n != "villi.db.pid" && n != "index.bleve" {
			t.Errorf("data directory holds %s after Shutdown", e.Name())
		}
	}
}

func TestClient_ErrorsKeepTheirMeaning(t *testing.T) {
	dir := t.TempDir()
	srv := startService(t, dir)
	defer srv.Shutdown(context.Background())
	c, err := Dial(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	u, err := c.AddUser(ctx, "Ada@Example.org", "gut barrier 2026", true)
	if err != nil || u.Email != "ada@example.org" || !u.Admin {
		t.Fatalf("AddUser: %+v, %v; want admin ada@example.org", u, err)
	}
	tests := []struct {
		name string
		err  error
		want error // nil: any error with the text
		text string
	}{
		{"add again", func() error { _, err := c.AddUser(ctx, "ada@example.org", "gut barrier 2026", false); return err }(), store.ErrExists, "ada@example.org"},
		{"passwd unknown", c.SetPassword(ctx, "nobody@example.org", "gut barrier 2026"), store.ErrNotFound, "nobody@example.org"},
		{"remove unknown", func() error { _, err := c.RemoveUser(ctx, "nobody@example.org"); return err }(), store.ErrNotFound, "nobody@example.org"},
		{"short password", c.SetPassword(ctx, "ada@example.org", "short"), nil, "too short"},
	}
	for _, tt := range tests {
		if tt.err == nil || (tt.want != nil && !errors.Is(tt.err, tt.want)) || !strings.Contains(tt.err.Error(), tt.text) {
			t.Errorf("%s: error %v; want %v naming %q", tt.name, tt.err, tt.want, tt.text)
		}
	}
	users, err := c.Users(ctx)
	if err != nil || len(users) != 1 || users[0].Email != "ada@example.org" || !users[0].Admin {
		t.Errorf("Users: %+v, %v; want only admin ada", users, err)
	}
}

// Package tmpfs gives tests a small file system of their own to fill up:
// what villi does on a full disk is tested on a real one, not a fake.
//
// Mounting needs root. Without it tests skip with a clear message, unless
// VILLI_REQUIRE_ROOT=1 (as in CI), where they fail.
package tmpfs

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size (as mount takes it: "40m") on a new
// directory and unmounts it when the test ends.
func Mount(tb testing.TB, size string) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("VILLI_REQUIRE_ROOT") == "1" {
			tb.Fatal("mounting a tmpfs needs root, and VILLI_REQUIRE_ROOT=1 is set")
		}
		tb.Skip("mounting a tmpfs needs root; run as root (CI does; VILLI_REQUIRE_ROOT=1 turns this skip into a failure)")
	}
	dir := tb.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		tb.Fatalf("mount tmpfs on %s: %v: %s", dir, err, bytes.TrimSpace(out))
	}
	// Registered after TempDir's cleanup, so it runs before it.
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("umount %s: %v: %s", dir, err, bytes.TrimSpace(out))
		}
	})
	return dir
}

// Fill writes a filler file in dir until the file system is full, and
// returns the function that removes it again.
func Fill(tb testing.TB, dir string) (free func()) {
	tb.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	// Halving the write size fills the last partial pages too.
	buf := make([]byte, 64<<10)
	for n := len(buf); n > 0; n /= 2 {
		for err == nil {
			_, err = f.Write(buf[:n])
		}
		if !errors.Is(err, syscall.ENOSPC) {
			f.Close()
			tb.Fatalf("fill %s: %v, want no space left on device", dir, err)
		}
		err = nil
	}
	f.Close()
	return func() {
		tb.Helper()
		if err := os.Remove(name); err != nil {
			tb.Fatal(err)
		}
	}
}

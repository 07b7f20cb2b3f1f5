package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"villi/internal/fixture"
	"villi/internal/tmpfs"
	"villi/store"
)

// getBody GETs url and returns the status and body.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Issue 12: with the disk full and the index behind the store, every
// command failed at open ("bring index in line with store: ... no space
// left on device"). Reading commands and serve now work with a warning,
// writing commands fail naming the full disk, and serve catches up by
// itself once there is room.
func TestFullDisk_CommandsAndServeWorkDegradedThenCatchUp(t *testing.T) {
	mnt := tmpfs.Mount(t, "40m")
	data := filepath.Join(mnt, "data")
	// One import batch (50 records) leaves one index segment: bleve has
	// nothing to merge, so it frees no room behind the filler's back.
	if _, errs, code := run(t, data, "import", fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")); code != 0 {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	seedUsers(t, data, "ada@example.org")

	// The store commits records the index never sees (a kill between the two).
	st, err := store.Open(filepath.Join(data, "villi.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var puts []store.Put
	var oldPMID uint64
	if err := st.ForEach(context.Background(), func(r store.Record) error {
		oldPMID = r.Article.PMID
		a := r.Article
		a.PMID += 60_000_000
		puts = append(puts, store.Put{Record: store.Record{Article: a}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), store.Batch{Puts: puts}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	lagging := itoa(puts[0].Record.Article.PMID)
	free := tmpfs.Fill(t, mnt)

	warned := func(what, errs string) {
		t.Helper()
		if !strings.Contains(errs, "warning") || !strings.Contains(errs, "disk is full") {
			t.Errorf("%s: stderr does not warn of the full disk:\n%s", what, errs)
		}
	}
	out, errs, code := run(t, data, "show", lagging)
	if code != 0 || !strings.Contains(out, "PMID- "+lagging) {
		t.Errorf("show %s on a full disk: exit %d, stdout %q, stderr:\n%s", lagging, code, out, errs)
	}
	warned("show", errs)
	if out, errs, code := run(t, data, "search", itoa(oldPMID)+"[pmid]"); code != 0 || !strings.Contains(out, itoa(oldPMID)) {
		t.Errorf("search on a full disk: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	backup := filepath.Join(t.TempDir(), "villi.db")
	if out, errs, code := run(t, data, "backup", backup); code != 0 {
		t.Errorf("backup to another disk while the data disk is full: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	if out, errs, code := run(t, data, "user", "list"); code != 0 || !strings.Contains(out, "ada@example.org") {
		t.Errorf("user list on a full disk: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	// Writing commands fail, naming the data directory and the full disk.
	for _, args := range [][]string{
		{"import", fixture.Path(t, "mattgrayson__pubmed/efetch.xml")},
		{"reindex"},
	} {
		_, errs, code := run(t, data, args...)
		if code != 1 || !strings.Contains(errs, "cannot write to the data directory "+data+", its disk is full") {
			t.Errorf("%s on a full disk: exit %d, want 1 and an error naming the full disk; stderr:\n%s", args[0], code, errs)
		}
	}

	base, logs, cancel, wait := startServe(t, data, map[string]string{"VILLI_PUBLIC": "true"})
	if code, body := getBody(t, base+"/healthz"); code != http.StatusOK || !strings.HasPrefix(body, "degraded: ") {
		t.Errorf("/healthz on a full disk = %d %q, want 200 degraded: ...", code, body)
	}
	var status struct {
		Records  int `json:"records"`
		Degraded *struct {
			Reason string `json:"reason"`
		} `json:"degraded"`
	}
	_, body := getBody(t, base+"/api/v1/status")
	if err := json.Unmarshal([]byte(body), &status); err != nil {
		t.Fatal(err)
	}
	if status.Degraded == nil || !strings.Contains(status.Degraded.Reason, "disk is full") {
		t.Errorf("/api/v1/status on a full disk: %s, want degraded with the reason", body)
	}
	if status.Records != 2*len(puts) {
		t.Errorf("status records = %d, want %d (the store's)", status.Records, 2*len(puts))
	}
	for _, path := range []string{"/", "/search?q=" + itoa(oldPMID) + "%5Bpmid%5D", "/articles/" + lagging} {
		if code, body := getBody(t, base+path); code != http.StatusOK || !strings.Contains(body, `<p class="notice" role="alert">villi cannot write to its data directory: its disk is full`) {
			t.Errorf("GET %s on a full disk: %d, no warning banner", path, code)
		}
	}

	// Room again: serve catches up on its own and the warning goes.
	free()
	deadline := time.Now().Add(3 * catchUpEvery)
	for {
		if _, body := getBody(t, base+"/healthz"); body == "ok\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still degraded %s after room returned; logs:\n%s", 3*catchUpEvery, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, body := getBody(t, base+"/api/v1/search?q="+lagging+"%5Bpmid%5D"); !strings.Contains(body, `"pmid":`+lagging) {
		t.Errorf("after catching up, a search for the lagging PMID %s: %s", lagging, body)
	}
	if _, body := getBody(t, base+"/"); strings.Contains(body, `role="alert"`) {
		t.Error("the warning banner stayed after catching up")
	}
	if !strings.Contains(logs.String(), "the library caught up") {
		t.Errorf("serve did not log catching up:\n%s", logs.String())
	}
	cancel()
	if code := wait(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, logs.String())
	}
	if _, errs, code := run(t, data, "show", lagging); code != 0 || strings.Contains(errs, "warning") {
		t.Errorf("show after catching up: exit %d, stderr:\n%s", code, errs)
	}
}

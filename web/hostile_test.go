package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
)

// lockedBuffer collects log lines written from handler goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAdminImport_HostileRecordsStaySmallOnPagesAndInLogs uploads the
// tester's hostile file (16 MiB titles, three million nested <i>, a 16 MiB
// word, a 16 MiB author name, between two real records) on /admin/import:
// the page names each cut record's PMID, each article page stays small, and
// no log line grows with the record.
func TestAdminImport_HostileRecordsStaySmallOnPagesAndInLogs(t *testing.T) {
	lib := newLibrary(t, 20)
	var logs lockedBuffer
	srv := newServer(t, lib, Options{Accounts: adminAccounts(t, lib), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	items := pubmedtest.Items(t, fixture.Path(t, conditionFixture))
	var gz bytes.Buffer
	pubmedtest.Hostile(t, &gz, items[0].Source, items[len(items)-1].Source)

	ada := browserClient(t)
	login(t, ada, srv.URL, "ada@example.org")
	resp, body := upload(t, ada, srv.URL, map[string][]byte{"hostile.xml.gz": gz.Bytes()}, nil)
	wantStatus(t, "hostile upload", resp, body, 200, "Imported 1 file")
	hostile := []uint64{pubmedtest.HostileTitle, pubmedtest.HostileNesting, pubmedtest.HostileWord, pubmedtest.HostileAuthor}
	for _, pmid := range hostile {
		if !strings.Contains(body, "PMID "+strconv.FormatUint(pmid, 10)+"): stored cut") {
			t.Errorf("import page has no note for PMID %d", pmid)
		}
	}
	if len(body) > 64<<10 {
		t.Errorf("import page is %d bytes, want at most 64 KiB", len(body))
	}

	for _, pmid := range append(hostile, items[0].Article.PMID, items[len(items)-1].Article.PMID) {
		resp, page := get(t, srv.URL+"/articles/"+strconv.FormatUint(pmid, 10))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("article %d: status %d", pmid, resp.StatusCode)
		}
		if len(page) > 64<<10 {
			t.Errorf("article %d: page is %d bytes, want at most 64 KiB", pmid, len(page))
		}
	}
	for line := range strings.Lines(logs.String()) {
		if len(line) > 2<<10 {
			t.Errorf("a log line of %d bytes, want at most 2 KiB: %.200s", len(line), line)
		}
	}
}

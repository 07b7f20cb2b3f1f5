package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"villi/internal/fixture"
)

const tinySet = `<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">%s</PMID>
<Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue><Title>J</Title></Journal>
<ArticleTitle>Zonulin in %s</ArticleTitle></Article></MedlineCitation>
<PubmedData><History><PubMedPubDate PubStatus="entrez"><Year>2020</Year><Month>1</Month><Day>2</Day></PubMedPubDate></History></PubmedData>
</PubmedArticle>
</PubmedArticleSet>
`

// syncBuffer is a log sink the server goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRun_ServesFilesAndFoldersAndLogsRequests(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.xml", strings.NewReplacer("%s", "111").Replace(tinySet))
	write("synthetic.xml", strings.NewReplacer("%s", "222").Replace(tinySet))
	write("esearch.xml", `<eSearchResult><Count>0</Count></eSearchResult>`)
	write("records.tsv", "local_file\tgenuine\nsynthetic.xml\tNO\ngood.xml\tyes\n")
	file := fixture.Path(t, "mattgrayson__pubmed/example-data__efetch.xml")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "3", file, dir}, &logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("run: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server not ready")
	}

	resp, err := http.Get("http://" + addr + "/entrez/eutils/esearch.fcgi?db=pubmed&term=zonulin&api_key=topsecret")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "<Id>111</Id>") || strings.Contains(string(body), "<Id>222</Id>") {
		t.Errorf("esearch should find the genuine record 111 and not the synthetic 222:\n%s", body)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
	out := logs.String()
	for _, want := range []string{"msg=loaded", "skipped", "msg=request endpoint=esearch", "term=zonulin", "client=api_key"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "topsecret") {
		t.Errorf("the api_key leaked into the log:\n%s", out)
	}
}

func TestRun_RefusesNonLoopbackAndBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:8099", "x.xml"},
		{"-addr", "192.168.1.2:8099", "x.xml"},
		{"-faults", "teapot=1", "x.xml"},
		{},
	} {
		if err := run(context.Background(), args, io.Discard, nil); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}

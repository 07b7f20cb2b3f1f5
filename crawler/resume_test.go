package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"villi/internal/corpus"
	"villi/internal/fakeeutils"
	"villi/pubmed"
	"villi/store"
)

// revise returns a new version of a record: revised today, and retracted.
func revise(t *testing.T, it pubmed.Item, today time.Time) pubmed.Item {
	t.Helper()
	src := it.Source
	end := bytes.Index(src, []byte("</PMID>"))
	if end < 0 {
		t.Fatalf("PMID %d: no </PMID> in its source", it.Article.PMID)
	}
	end += len("</PMID>")
	rev := fmt.Sprintf("<DateRevised><Year>%d</Year><Month>%02d</Month><Day>%02d</Day></DateRevised>", today.Year(), today.Month(), today.Day())
	out := slices.Concat(src[:end], []byte(rev), src[end:])
	out = bytes.Replace(out, []byte("</PublicationTypeList>"), []byte("<PublicationType>Retracted Publication</PublicationType></PublicationTypeList>"), 1)
	a, err := pubmed.Parse(out)
	if err != nil {
		t.Fatalf("revised PMID %d: %v", it.Article.PMID, err)
	}
	if !a.Retracted || a.DateRevised == nil {
		t.Fatalf("revised PMID %d does not read as revised and retracted", a.PMID)
	}
	return pubmed.Item{Article: a, Source: out}
}

func TestRun_MdatPassReplacesRevisedRecordsAndDropsVanishedOnes(t *testing.T) {
	items := testItems(t)
	var (
		mu       sync.Mutex
		onSearch func(fakeeutils.Request)
	)
	srv, base := fake(t, fakeeutils.Config{Seed: 9, Observe: func(r fakeeutils.Request) {
		mu.Lock()
		f := onSearch
		mu.Unlock()
		if f != nil && r.Endpoint == "esearch" {
			f(r)
		}
	}}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qZonulin)
	cfg.Rate = 5 // leaves the server's Observe hook time to act between search and fetch
	c := newCrawler(t, cfg, lib)
	if _, err := c.Run(context.Background(), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := want(srv, qZonulin)
	if len(ids) < 10 {
		t.Fatalf("query %s matches only %d records", qZonulin.Name, len(ids))
	}

	byPMID := map[uint64]pubmed.Item{}
	for _, it := range items {
		if it.Article != nil {
			byPMID[it.Article.PMID] = it
		}
	}
	today := time.Now().UTC()
	revisedID, vanishID := ids[3], ids[7]
	srv.Add(revise(t, byPMID[revisedID], today), revise(t, byPMID[vanishID], today))
	// The second record is deleted at PubMed between the mdat search
	// that lists it and the efetch.
	mu.Lock()
	onSearch = func(r fakeeutils.Request) {
		if r.Params.Get("datetype") == "mdat" {
			srv.Delete(vanishID)
		}
	}
	mu.Unlock()

	srv.ResetRequests()
	run, err := c.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Updated != 1 || run.Deleted != 1 || run.Added != 0 {
		t.Errorf("run = %+v, want 1 updated, 1 deleted", run)
	}
	rec, err := lib.DB().Get(revisedID)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Article.Retracted || rec.Article.DateRevised == nil {
		t.Errorf("PMID %d still the old version: retracted=%v revised=%v", revisedID, rec.Article.Retracted, rec.Article.DateRevised)
	}
	if _, err := lib.DB().Get(vanishID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PMID %d deleted at the source is still stored (err %v)", vanishID, err)
	}
	assertHolds(t, lib, want(srv, qZonulin))
	var mdatSearches int
	for _, r := range srv.Requests() {
		if r.Endpoint == "esearch" && r.Params.Get("datetype") == "mdat" {
			mdatSearches++
			lo := today.AddDate(0, 0, -DefaultOverlapDays).Format(ncbiDate)
			if got := r.Params.Get("mindate"); got != lo {
				t.Errorf("mdat window starts %s, want %s (last crawl less the overlap)", got, lo)
			}
		}
	}
	if mdatSearches != 1 {
		t.Errorf("%d mdat searches, want 1", mdatSearches)
	}
}

func TestRun_CancelStopsAtABatchBoundaryAndResumes(t *testing.T) {
	items := testItems(t)
	srv, base := fake(t, fakeeutils.Config{Seed: 11}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qCrohnDiet)
	cfg.BatchSize = 50
	c := newCrawler(t, cfg, lib)
	all := want(srv, qCrohnDiet)
	if len(all) < 4*cfg.BatchSize {
		t.Fatalf("query %s matches only %d records", qCrohnDiet.Name, len(all))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		during  store.Run
		active  bool
		nested  error
		batches int
	)
	run, err := c.Run(ctx, RunOptions{Progress: func(p Progress) {
		if p.Event != EventBatch {
			return
		}
		batches++
		during, active = c.Running()
		_, nested = c.Run(ctx, RunOptions{})
		if p.Done == 2*cfg.BatchSize {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: err = %v, want context.Canceled", err)
	}
	if !active || during.Added == 0 || during.Ended.IsZero() == false {
		t.Errorf("Running during the crawl = %+v, %v; want an active run with records added", during, active)
	}
	if !errors.Is(nested, ErrRunning) {
		t.Errorf("a second Run during the first: err = %v, want ErrRunning", nested)
	}
	if _, ok := c.Running(); ok {
		t.Error("Running reports a run after Run returned")
	}
	if batches != 2 || run.Added != 2*cfg.BatchSize || run.Err == "" || run.Ended.IsZero() {
		t.Errorf("run = %+v after %d batches, want 2 batches of %d and the cancellation recorded", run, batches, cfg.BatchSize)
	}
	if n, _ := lib.DB().Count(); n != 2*cfg.BatchSize {
		t.Errorf("store holds %d records after cancelling at a batch boundary, want %d", n, 2*cfg.BatchSize)
	}
	if got := len(srv.Requests()); got != 3 {
		t.Errorf("%d requests before the cancel took effect, want 3 (search, two batches)", got)
	}
	cur, err := lib.DB().Cursor(qCrohnDiet.Name)
	if err != nil || cur.Pass == nil || cur.Pass.Window == nil || cur.Pass.Window.Done != 2*cfg.BatchSize {
		t.Fatalf("cursor after cancel = %+v (%v), want a window with %d done", cur, err, 2*cfg.BatchSize)
	}

	srv.ResetRequests()
	if _, err := c.Run(context.Background(), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	assertHolds(t, lib, all)
	// The resumed crawl searches the window again, fetches only the batches
	// not committed, then searches the mdat days.
	if got, want := len(srv.Requests()), 1+ceilDiv(len(all), cfg.BatchSize)-2+1; got != want {
		t.Errorf("resumed crawl made %d requests, want %d", got, want)
	}
}

func TestRun_WindowSplittingBeatsTheTenThousandCap(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests more than 10,000 records; skipped in -short")
	}
	t0 := time.Now()
	var src corpus.Source
	var buf bytes.Buffer
	buf.WriteString("<PubmedArticleSet>\n")
	// The pool is the real records without an abstract: indexing 10,600
	// of them stays quick enough for -race.
	for _, it := range topicalItems(t) {
		if it.Article != nil && len(it.Article.Abstract) == 0 {
			buf.Write(it.Source)
		}
	}
	buf.WriteString("</PubmedArticleSet>\n")
	if err := src.Load(&buf); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	const n = 10600
	first := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	buf.Reset()
	if err := src.Write(&buf, corpus.Options{N: n, Seed: 5, ShuffleAbstracts: 0.2,
		// Two months of entrez dates: one search window that size holds all.
		Entrez: func(i int) time.Time { return first.AddDate(0, 0, i%61) }}); err != nil {
		t.Fatal(err)
	}
	srv := fakeeutils.New(fakeeutils.Config{Seed: 13})
	if err := srv.Load(&buf, "corpus"); err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus built and served in %v", time.Since(t0))
	q := Query{Name: "everything/2024", Term: "2024[edat]"}
	if got := srv.Count(q.Term, "edat", "2024/03/01", "2024/04/30"); got != n {
		t.Fatalf("fake counts %d records in the window, want %d", got, n)
	}
	base := serve(t, srv)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, q)
	cfg.BatchSize = 500
	c := newCrawler(t, cfg, lib)
	var splits, windows int
	run, err := c.Run(context.Background(), RunOptions{Progress: func(p Progress) {
		switch p.Event {
		case EventSplit:
			splits++
			if p.Count <= c.cfg.MaxIDs {
				t.Errorf("window %v-%v halved with only %d records", p.Min, p.Max, p.Count)
			}
		case EventWindow:
			windows++
			if p.Count > c.cfg.MaxIDs {
				t.Errorf("window %v-%v fetched with %d records, over the cap", p.Min, p.Max, p.Count)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records in %d windows after %d splits, %d requests, crawled in %v", run.Added, windows, splits, run.Requests, run.Ended.Sub(run.Started))
	if splits == 0 {
		t.Error("no window was split")
	}
	if run.Added != n {
		t.Errorf("added %d records, want %d", run.Added, n)
	}
	if got, _ := lib.DB().Count(); got != n {
		t.Errorf("store holds %d records, want %d", got, n)
	}
	for _, r := range srv.Requests() {
		if r.Endpoint == "esearch" {
			continue
		}
		if rs, _ := strconv.Atoi(r.Params.Get("retstart")); rs >= c.cfg.MaxIDs {
			t.Errorf("efetch pages past the cap: retstart %d", rs)
		}
	}
}

func TestRun_ExpiredHistoryFallsBackToPostedIDLists(t *testing.T) {
	items := testItems(t)
	var (
		srv     *fakeeutils.Server
		expired atomic.Bool
	)
	srv, base := fake(t, fakeeutils.Config{Seed: 21, Observe: func(r fakeeutils.Request) {
		// NCBI forgets the search after the window's first batch.
		if r.Endpoint == "efetch" && expired.CompareAndSwap(false, true) {
			srv.ExpireHistory()
		}
	}}, items)
	lib := openLib(t, t.TempDir())
	cfg := fastConfig(base, qCrohnDiet)
	cfg.Rate, cfg.BatchSize = 10, 50
	c := newCrawler(t, cfg, lib)
	run, err := c.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := want(srv, qCrohnDiet)
	assertHolds(t, lib, all)
	var byHistory, byID int
	for _, r := range srv.Requests() {
		switch {
		case r.Endpoint != "efetch":
		case r.Params.Get("id") != "":
			byID++
			if r.Method != "POST" {
				t.Errorf("id list sent by %s, want POST", r.Method)
			}
		case r.Status == 200 && r.Bytes > 0 && r.Fault == "":
			byHistory++
		}
	}
	batches := ceilDiv(len(all), cfg.BatchSize)
	// One batch by WebEnv, one refused ("Unable to obtain query"), the rest by id.
	if byID != batches-1 || run.Retries != 1 {
		t.Errorf("%d batches: %d fetched by id list, %d retries; want %d by id after one refusal", batches, byID, run.Retries, batches-1)
	}
	if byHistory < 1 {
		t.Errorf("no fetch by WebEnv before the history expired")
	}
}

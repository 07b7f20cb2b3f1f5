package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/digest"
	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/library"
	"villi/pubmed"
	"villi/taxonomy"
)

var seeAll = regexp.MustCompile(`See all (\d+) in [^:\n]+: (\S+)`)

// A digest's "See all N" link must open the N new studies it counted, not
// every record that ever matched the subscription: the library below holds
// matching records stored before the digest window and after it.
func TestDigestSeeAllLinkOpensExactlyTheWeeksStudies(t *testing.T) {
	ctx := context.Background()
	lib, err := library.Open(ctx, filepath.Join(t.TempDir(), "data"), library.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	arts := pubmedtest.Articles(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))[:150]
	// The records are from the 1990s; as crawled they would be new, so PubMed
	// lists each yesterday (else the digest drops them as backfill). Added
	// is the ingest clock: each third is stored in its own phase.
	y := time.Now().UTC().AddDate(0, 0, -1)
	for _, a := range arts {
		a.History = append([]pubmed.HistoryDate{{Status: pubmed.HistoryEntrez, Date: pubmed.Date{Year: y.Year(), Month: int(y.Month()), Day: y.Day()}}}, a.History...)
	}
	third := len(arts) / 3
	ingest := func(as []*pubmed.Article) {
		items := make([]pubmed.Item, len(as))
		for i, a := range as {
			items[i] = pubmed.Item{Article: a}
		}
		if _, err := lib.Ingest(ctx, items); err != nil {
			t.Fatal(err)
		}
	}

	const cond = "celiac"
	ingest(arts[:third]) // before the window
	clock := &testClock{t: time.Now()}
	cfg := digest.Config{
		From: "villi digest <digest@villi.example.org>", BaseURL: testDigestBase, Location: time.UTC,
		Secret: []byte("web-test-secret-0123456789abcdef"), GroupCap: 2, Clock: clock.now,
	}
	svc, err := digest.New(lib, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := svc.Add(ctx, digest.SignUp{Email: "rita@example.org", Conditions: []string{cond}}, true)
	if err != nil {
		t.Fatal(err)
	}
	ingest(arts[third : 2*third]) // in the window
	clock.set(time.Now())
	ingest(arts[2*third:]) // after it: the digest was sent before these came

	var want []uint64
	tax := taxonomy.Default()
	for _, a := range arts[third : 2*third] {
		// The digest heads a record under the condition it is about (its
		// focus); the See all link opens those.
		if !a.Retracted && slices.Contains(tax.Tag(a).Focus.Conditions, cond) {
			want = append(want, a.PMID)
		}
	}
	slices.Sort(want)
	var before, after int
	for _, a := range arts[:third] {
		if slices.Contains(tax.Tag(a).Conditions, cond) {
			before++
		}
	}
	for _, a := range arts[2*third:] {
		if slices.Contains(tax.Tag(a).Conditions, cond) {
			after++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%s records stored before the window: %d, after it: %d; want some of each", cond, before, after)
	}
	if len(want) <= cfg.GroupCap {
		t.Fatalf("the window holds %d %s records; want more than the cap of %d so the digest links to the rest", len(want), cond, cfg.GroupCap)
	}

	m, err := svc.Preview(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	match := seeAll.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("digest text has no See all link:\n%s", m.Text)
	}
	if n, _ := strconv.Atoi(match[1]); n != len(want) {
		t.Errorf("digest says See all %d, want %d", n, len(want))
	}
	link, err := url.Parse(match[2])
	if err != nil || link.Path != "/search" || !strings.HasPrefix(match[2], testDigestBase) {
		t.Fatalf("See all link %q is not the villi search page", match[2])
	}
	if !strings.Contains(m.HTML, `href="`+strings.ReplaceAll(match[2], "&", "&amp;")+`"`) {
		t.Errorf("the HTML part does not link to the same search as the text part (%s)", match[2])
	}

	srv := newServer(t, lib, Options{})
	if resp, _ := get(t, srv.URL+"/search?"+link.RawQuery); resp.StatusCode != http.StatusOK {
		t.Errorf("the search page answers the link with %d", resp.StatusCode)
	}
	var got []uint64
	q := link.Query()
	q.Set("size", "100")
	for {
		resp, body := get(t, srv.URL+"/api/v1/search?"+q.Encode())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/api/v1/search with the link's parameters: %d %s", resp.StatusCode, body)
		}
		var res library.SearchResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			got = append(got, h.PMID)
		}
		if res.Next == "" {
			break
		}
		q.Set("cursor", res.Next)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the link's search finds %d records, want the %d the digest counted\n got %v\nwant %v", len(got), len(want), got, want)
	}
}

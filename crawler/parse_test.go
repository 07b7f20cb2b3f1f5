package crawler

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWindow_HalveCoversEveryDayOnce(t *testing.T) {
	d := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	for _, w := range []window{
		{d(2024, 1, 1), d(2024, 1, 2)},
		{d(2024, 1, 1), d(2024, 1, 3)},
		{d(1800, 1, 1), d(2026, 11, 30)},
		{d(2024, 2, 27), d(2024, 3, 5)}, // across a leap day
	} {
		a, b := w.halve()
		if !a.Min.Equal(w.Min) || !b.Max.Equal(w.Max) || !a.Max.AddDate(0, 0, 1).Equal(b.Min) {
			t.Errorf("%s halved into %s and %s: gap or overlap", w, a, b)
		}
		if a.days()+b.days() != w.days() || a.days() < 1 || b.days() < 1 || a.days() > b.days()+1 || b.days() > a.days()+1 {
			t.Errorf("%s (%d days) halved into %d + %d days", w, w.days(), a.days(), b.days())
		}
	}
}

func TestParseESearch(t *testing.T) {
	ok := `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">
<eSearchResult><Count>2</Count><RetMax>2</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey><WebEnv>MCID_1</WebEnv><IdList>
<Id>39001</Id>
<Id>38002</Id>
</IdList><TranslationSet><Translation><From>x</From><To>y</To></Translation></TranslationSet><TranslationStack><TermSet><Term>zonulin[All Fields]</Term><Field>All Fields</Field><Count>77</Count><Explode>N</Explode></TermSet></TranslationStack><QueryTranslation>zonulin</QueryTranslation><ErrorList><PhraseNotFound>zonulinn</PhraseNotFound></ErrorList></eSearchResult>
`
	r, err := parseESearch([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if r.Count != 2 || len(r.IDs) != 2 || r.IDs[0] != 39001 || r.WebEnv != "MCID_1" || r.QueryKey != "1" || len(r.NotFound) != 1 {
		t.Errorf("parsed %+v", r)
	}
	for name, body := range map[string]string{
		"error in 200": `<eSearchResult><ERROR>Search Backend failed: Unable to open connection</ERROR></eSearchResult>`,
		"cut":          ok[:len(ok)/2],
		"no count":     `<eSearchResult><IdList/></eSearchResult>`,
		"html":         `<html><body>Bad Gateway</body></html>`,
	} {
		var rt *retryable
		if _, err := parseESearch([]byte(body)); !errors.As(err, &rt) {
			t.Errorf("%s: err = %v, want a retryable error", name, err)
		}
	}
}

func TestDecodeEFetch(t *testing.T) {
	items := testItems(t)[:3]
	var body bytes.Buffer
	body.WriteString("<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n")
	var ends []int // offsets just after each record
	for _, it := range items {
		body.Write(it.Source)
		body.WriteByte('\n')
		ends = append(ends, body.Len())
	}
	body.WriteString("</PubmedArticleSet>\n")
	whole := body.Bytes()

	got, err := decodeEFetch(whole, true)
	if err != nil || len(got) != 3 {
		t.Fatalf("whole body: %d items, %v", len(got), err)
	}
	empty, err := decodeEFetch([]byte("<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n"), true)
	if err != nil || len(empty) != 0 {
		t.Errorf("empty set: %d items, %v; want none and no error", len(empty), err)
	}
	for name, b := range map[string][]byte{
		"cut after a whole record": whole[:ends[1]],
		"cut inside a record":      whole[:ends[1]+40],
		"cut before the root ends": whole[:len(whole)-8],
		"efetch error":             []byte("<eFetchResult>\n\t<ERROR>Search Backend failed</ERROR>\n</eFetchResult>"),
		"not xml":                  []byte(`{"error":"API rate limit exceeded"}`),
	} {
		var rt *retryable
		if _, err := decodeEFetch(b, true); !errors.As(err, &rt) {
			t.Errorf("%s: err = %v, want a retryable error", name, err)
		}
	}
	_, err = decodeEFetch([]byte("<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"), true)
	if !errors.Is(err, errHistoryGone) {
		t.Errorf("history expired: err = %v, want errHistoryGone", err)
	}
	if _, err := decodeEFetch([]byte("<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"), false); errors.Is(err, errHistoryGone) || err == nil {
		t.Errorf("id-list fetch: err = %v, want a plain retryable error", err)
	}
}

func TestRedact_DropsTheURLWithTheKey(t *testing.T) {
	lib := openLib(t, t.TempDir())
	cfg := fastConfig("http://127.0.0.1:1/entrez/eutils/", qZonulin)
	cfg.APIKey, cfg.MaxRetries = "sekret-key-000", 1
	var logged bytes.Buffer
	cfg.Logger = testLogger(&logged)
	c := newCrawler(t, cfg, lib)
	run, err := c.Run(t.Context(), RunOptions{})
	if err == nil {
		t.Fatal("crawl of a closed port succeeded")
	}
	for _, s := range []string{err.Error(), run.Err, strings.Join(run.Failing, " "), logged.String()} {
		if strings.Contains(s, "sekret") {
			t.Errorf("API key leaked: %s", s)
		}
	}
	if !strings.Contains(logged.String(), "retrying") {
		t.Errorf("retry not logged: %q", logged.String())
	}
}

package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"villi/library"
	"villi/pubmed"
	"villi/store"
)

// The selection drops retracted records twice, and each check has its own
// job; these tests hold each one alone.

// isNew looks at the record itself: the search ran against the index, and a
// record can be retracted in the store by the time its hit is read back.
func TestIsNew_RetractedRecordIsNeverNew(t *testing.T) {
	a := lupusArticle(t)
	since := entrez(t, a)
	added := since.Add(2 * 24 * time.Hour)
	retracted := *a
	retracted.Retracted = true
	tests := []struct {
		name string
		a    *pubmed.Article
		want bool
	}{
		{"current", a, true},
		{"retracted", &retracted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &store.Record{Article: *tt.a, Added: added}
			if got := isNew(rec, since, added.Add(time.Hour)); got != tt.want {
				t.Errorf("isNew = %v, want %v", got, tt.want)
			}
		})
	}
}

func lupusArticle(t *testing.T) *pubmed.Article {
	t.Helper()
	for _, a := range readFixture(t, fixMultiple) {
		if a.PMID == pmidLupus {
			return a
		}
	}
	t.Fatalf("PMID %d not in %s", pmidLupus, fixMultiple)
	return nil
}

// The search leaves retractions out so they do not use up the scan budget
// (Config.MaxScan): a week of many retractions ranked first by evidence must
// not push out the one new study behind them.
func TestSelect_RetractionsDoNotUseUpTheScanBudget(t *testing.T) {
	var arts []*pubmed.Article
	seen := map[uint64]bool{}
	for _, f := range []string{fixMultiple, fixTricky, fixMetapub} {
		for _, a := range readFixture(t, f) {
			if _, ok := a.EntrezDate(); ok && !seen[a.PMID] {
				seen[a.PMID] = true
				arts = append(arts, a)
			}
		}
	}
	if len(arts) <= library.MaxSize {
		t.Fatalf("%d records with an entrez date; want more than a page of %d", len(arts), library.MaxSize)
	}
	// The keeper is the record the subscription's search ranks last.
	order := func(lib *library.Library) []uint64 {
		var out []uint64
		req := library.Request{Sort: library.SortEvidence, Size: library.MaxSize}
		for {
			res, err := lib.Search(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				out = append(out, h.Record.Article.PMID)
			}
			if res.Next == "" {
				return out
			}
			if req.After, err = library.DecodeCursor(res.Next); err != nil {
				t.Fatal(err)
			}
		}
	}
	plain := make([]stored, len(arts))
	for i, a := range arts {
		plain[i] = stored{article: a, added: entrez(t, a).Add(2 * 24 * time.Hour)}
	}
	ranked := order(openLib(t, plain))
	keeper := ranked[len(ranked)-1]

	recs := make([]stored, len(arts))
	for i, a := range arts {
		c := *a
		c.Retracted = c.PMID != keeper
		recs[i] = stored{article: &c, added: plain[i].added}
	}
	lib := openLib(t, recs)
	cfg := testConfig(farOff)
	cfg.MaxScan = library.MaxSize
	s := newService(t, lib, cfg)
	sub := store.Subscription{ID: 1, Email: "a@example.org"}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}
	if got := allPMIDs(sel); !slices.Equal(got, []uint64{keeper}) || sel.Truncated {
		t.Errorf("selected %v (truncated %v), want [%d]: %d retractions ranked first used up the scan of %d",
			got, sel.Truncated, keeper, len(recs)-1, cfg.MaxScan)
	}
}

// A retraction only Retraction Watch records leaves the record out of the
// digest as PubMed's flag does.
func TestSelect_RetractionWatchRetractionDropsOut(t *testing.T) {
	lib, _ := selectionLib(t)
	s := newService(t, lib, testConfig(farOff))
	sub := store.Subscription{ID: 1, Email: "a@example.org", Conditions: []string{"lupus"}}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil || !slices.Equal(allPMIDs(sel), []uint64{pmidLupus}) {
		t.Fatalf("before the import: %v, %v; want [%d]", allPMIDs(sel), err, pmidLupus)
	}
	csv := "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,Reason,Paywalled,Notes\n" +
		fmt.Sprintf("1,x,,,,,,,,,3/1/2024 0:00,unavailable,0,unavailable,unavailable,%d,Retraction,+Plagiarism;,No,\n", pmidLupus)
	if _, err := lib.ImportRetractions(context.Background(), "rw.csv", strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	sel, err = s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}
	if got := allPMIDs(sel); len(got) != 0 {
		t.Errorf("after the Retraction Watch import: %v, want nothing", got)
	}
}

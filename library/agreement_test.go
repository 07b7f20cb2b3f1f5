package library

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/learn"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// beforeIndexing is a real record as PubMed serves it before NLM indexes
// it: no MeSH, no publication types, no revision date (so the indexed
// version is newer), and no source XML (which holds the MeSH).
func beforeIndexing(it pubmed.Item) pubmed.Item {
	a := *it.Article
	a.MeSH, a.PublicationTypes, a.DateRevised = nil, nil, nil
	return pubmed.Item{Article: &a, Ordinal: it.Ordinal, Line: it.Line}
}

func topicalItems(t *testing.T, pmids ...uint64) []pubmed.Item {
	t.Helper()
	all := pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))
	var out []pubmed.Item
	for _, p := range pmids {
		i := slices.IndexFunc(all, func(it pubmed.Item) bool { return it.Article != nil && it.Article.PMID == p })
		if i < 0 {
			t.Fatalf("PMID %d not in the topical fixture", p)
		}
		if !learn.Indexed(all[i].Article) {
			t.Fatalf("PMID %d: the fixture's record has no MeSH", p)
		}
		out = append(out, all[i])
	}
	return out
}

func f(x float64) *float64 { return &x }

// Five real records arrive first without NLM's indexing (tagged from their
// text alone), then indexed: each is compared once, and the scores per tag
// are what the two sets of tags give.
//
//	PMID      villi guessed            NLM gave
//	1534884   celiac ibd               celiac ibd review
//	1600929   celiac                   review
//	2041857   celiac case-report       celiac case-report
//	1572309   celiac animal            animal
//	2030925   —                        celiac rct
func TestIngest_IndexingArrivingIsScoredPerTag(t *testing.T) {
	ctx := context.Background()
	lib := openLib(t, t.TempDir())
	items := topicalItems(t, 1534884, 1600929, 2041857, 1572309, 2030925)
	var early []pubmed.Item
	for _, it := range items {
		early = append(early, beforeIndexing(it))
	}
	sum, err := lib.Ingest(ctx, early)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 5 || sum.NewlyIndexed != 0 {
		t.Fatalf("records without MeSH: added %d, newly indexed %d; want 5, 0", sum.Added, sum.NewlyIndexed)
	}
	if ag, _ := lib.Agreement(); ag.Records != 0 || len(ag.Tags) != 0 {
		t.Fatalf("before indexing: %+v, want no comparison", ag)
	}
	sum, err = lib.Ingest(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 5 || sum.NewlyIndexed != 5 {
		t.Fatalf("indexed versions: updated %d, newly indexed %d; want 5, 5", sum.Updated, sum.NewlyIndexed)
	}
	want := []TagAgreement{
		{Kind: KindCondition, Slug: "celiac", Guessed: 4, NLM: 3, Agreed: 2, Precision: f(0.5), Recall: f(2.0 / 3)},
		{Kind: KindCondition, Slug: "ibd", Guessed: 1, NLM: 1, Agreed: 1, Precision: f(1), Recall: f(1)},
		{Kind: KindEvidence, Slug: "rct", NLM: 1, Recall: f(0)},
		{Kind: KindEvidence, Slug: "case-report", Guessed: 1, NLM: 1, Agreed: 1, Precision: f(1), Recall: f(1)},
		{Kind: KindEvidence, Slug: "review", NLM: 2, Recall: f(0)},
		{Kind: KindEvidence, Slug: "animal", Guessed: 1, NLM: 1, Agreed: 1, Precision: f(1), Recall: f(1)},
	}
	ag, err := lib.Agreement()
	if err != nil {
		t.Fatal(err)
	}
	if ag.Records != 5 || ag.Max != store.MaxComparisons {
		t.Errorf("records %d of %d, want 5 of %d", ag.Records, ag.Max, store.MaxComparisons)
	}
	if !reflect.DeepEqual(ag.Tags, want) {
		got, _ := json.MarshalIndent(ag.Tags, "", " ")
		exp, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("agreement per tag:\n%s\nwant\n%s", got, exp)
	}

	// The same indexed versions again change nothing and count nothing.
	sum, err = lib.Ingest(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	st, err := lib.Status()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != 5 || sum.NewlyIndexed != 0 || st.Agreement.Records != 5 {
		t.Errorf("again: unchanged %d, newly indexed %d, status compares %d; want 5, 0, 5", sum.Unchanged, sum.NewlyIndexed, st.Agreement.Records)
	}
}

// Scoring, on hand-made comparisons: a slug listed twice counts once,
// "other" is no level, a tag nobody gave has no row, a slug the table no
// longer has comes after its kind, and a ratio with nothing to divide by is
// absent.
func TestAgreement_Scores(t *testing.T) {
	tax := taxonomy.Default()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cs := []store.Comparison{
		{At: t0.Add(time.Hour), Guessed: store.TagSet{Conditions: []string{"lupus", "lupus"}, Evidence: "other"},
			NLM: store.TagSet{Conditions: []string{"lupus"}, Evidence: "other"}},
		{At: t0, Guessed: store.TagSet{Conditions: []string{"gone-from-table"}, Evidence: "rct"},
			NLM: store.TagSet{Evidence: "meta-analysis", Mechanisms: []string{"repair"}}},
		{At: t0.Add(2 * time.Hour), Guessed: store.TagSet{Conditions: []string{"hashimoto"}},
			NLM: store.TagSet{Conditions: []string{"lupus"}, Evidence: "rct"}},
	}
	got := agreement(tax, cs)
	want := Agreement{Records: 3, Max: store.MaxComparisons, From: &t0, To: new(t0.Add(2 * time.Hour)), Tags: []TagAgreement{
		{Kind: KindCondition, Slug: "hashimoto", Guessed: 1, Precision: f(0)},
		{Kind: KindCondition, Slug: "lupus", Guessed: 1, NLM: 2, Agreed: 1, Precision: f(1), Recall: f(0.5)},
		{Kind: KindCondition, Slug: "gone-from-table", Guessed: 1, Precision: f(0)},
		{Kind: KindEvidence, Slug: "meta-analysis", NLM: 1, Recall: f(0)},
		{Kind: KindEvidence, Slug: "rct", Guessed: 1, NLM: 1, Agreed: 0, Precision: f(0), Recall: f(0)},
	}}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("agreement:\n%s\nwant\n%s", g, w)
	}
	if none := agreement(tax, nil); none.Records != 0 || none.Tags == nil || len(none.Tags) != 0 || none.From != nil {
		t.Errorf("no comparisons: %+v, want 0 records and an empty list", none)
	}
}

// Retrain fits a model and re-tags only the records NLM has not indexed:
// those carry its guesses after, the indexed ones are not rewritten, and
// the index follows.
func TestRetrain_RetagsOnlyRecordsNotIndexed(t *testing.T) {
	ctx := context.Background()
	lib := openLib(t, t.TempDir())
	items := pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))[:2000]
	if _, err := lib.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	seqs := map[uint64]uint64{}
	err := lib.st.ForEach(ctx, func(r store.Record) error {
		seqs[r.Article.PMID] = r.Seq
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lib.Model() != nil {
		t.Fatal("a model before any training")
	}
	changed, err := lib.Retrain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := lib.Model()
	if m == nil || m.Records < 1000 {
		t.Fatalf("model after retrain: %+v, want one trained on the indexed records", m)
	}
	if _, err := lib.st.Model(modelName); err != nil {
		t.Fatalf("model not stored: %v", err)
	}
	const pmid = 16498340 // not indexed; the model calls it a case report
	rec, err := lib.st.Get(pmid)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Tags.Evidence != "case-report" || !slices.Contains(rec.Tags.Provisional, "case-report") {
		t.Errorf("PMID %d after retrain: evidence %q provisional %v; want a provisional case report", pmid, rec.Tags.Evidence, rec.Tags.Provisional)
	}
	rewritten := 0
	err = lib.st.ForEach(ctx, func(r store.Record) error {
		if r.Seq == seqs[r.Article.PMID] {
			return nil
		}
		rewritten++
		if learn.Indexed(&r.Article) {
			t.Errorf("indexed PMID %d rewritten by retrain", r.Article.PMID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if changed == 0 || rewritten != changed {
		t.Errorf("retrain says %d changed, %d records have a new seq; want the same, above 0", changed, rewritten)
	}
	res, err := lib.Search(ctx, Request{Q: "evidence:case-report alopecia"})
	if err != nil {
		t.Fatal(err)
	}
	if !hasPMID(res, pmid) {
		t.Errorf("the index did not follow: evidence:case-report alopecia misses %d", pmid)
	}
	assertConsistent(t, lib)
}

// Serve's shutdown cancels a retrain: it returns the cancellation soon,
// and store and index agree on what was rewritten before it.
func TestRetrain_CancelledStopsConsistent(t *testing.T) {
	lib := openLib(t, t.TempDir())
	items := pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))[:2000]
	if _, err := lib.Ingest(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{0, 300 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), after)
		start := time.Now()
		_, err := lib.Retrain(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("retrain cancelled after %v: err %v, want the deadline", after, err)
		}
		if took := time.Since(start); took > after+5*time.Second {
			t.Errorf("retrain cancelled after %v returned after %v", after, took)
		}
		assertConsistent(t, lib)
	}
}

package library

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// A library tagged by the previous evidence rules (table version
// b22966c14056) is moved to the current ones by Retag, store and index
// alike: the letters no longer count as a trial or a meta-analysis, the
// case-control study is observational, and the Caco-2 study is cell work
// of no species. The previous version stored no focus and gave "remove" to
// any record naming gluten: after Retag the gliadin lab study and the
// bleeding study are not remove, and every record has its focus, which the
// index's Focus filter finds.
func TestRetag_MovesRecordsTaggedByThePreviousRulesToTheNewOnes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// What the previous rules gave these real records (measured at the
	// commit before this test was added).
	old := map[uint64]taxonomy.Tags{
		26110358: {Conditions: []string{"ibd"}, Mechanisms: []string{}, Evidence: "rct", Species: "human"},
		21749983: {Conditions: []string{"ibd"}, Mechanisms: []string{"rebalance"}, Evidence: "rct", Species: "human"},
		27908551: {Conditions: []string{"ibd"}, Mechanisms: []string{}, Evidence: "meta-analysis", Species: "human"},
		8602182:  {Conditions: []string{"celiac"}, Mechanisms: []string{"remove"}, Evidence: "other", Species: "human"},
		9989255:  {Conditions: []string{"celiac"}, Mechanisms: []string{"remove"}, Evidence: "other", Species: "human"},
		// Tagged alike by both versions but for the focus, which the
		// previous version did not store: retag must still move it.
		23094605: {Conditions: []string{"celiac", "ibd"}, Mechanisms: []string{"rebalance", "microbiome"}, Evidence: "review", Species: "human"},
	}
	want := map[uint64][2]string{
		26110358: {"commentary", "human"},
		21749983: {"commentary", "human"},
		27908551: {"commentary", "human"},
		8602182:  {"observational", "human"},
		9989255:  {"in-vitro", "unknown"},
		23094605: {"review", "human"},
	}
	var items []pubmed.Item
	for _, it := range pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml")) {
		if it.Article != nil {
			if _, ok := old[it.Article.PMID]; ok {
				items = append(items, it)
			}
		}
	}
	if len(items) != len(old) {
		t.Fatalf("found %d of the %d records in the topical fixture", len(items), len(old))
	}

	lib := openLib(t, dir)
	if _, err := lib.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	// Write the store as the previous rules left it.
	if _, err := lib.st.Rewrite(ctx, func(r *store.Record, _ []byte) (bool, error) {
		r.Tags = old[r.Article.PMID]
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := lib.st.SetMeta(metaTaxonomyVersion, "b22966c14056"); err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}

	lib = openLib(t, dir)
	if stale, err := lib.TaxonomyStale(); err != nil || !stale {
		t.Fatalf("TaxonomyStale = %v, %v; want true: the table's version changed", stale, err)
	}
	if got := focusHits(t, lib, "celiac"); len(got) != 0 {
		t.Fatalf("before retag, the focus filter finds %v about celiac; the previous version stored no focus", got)
	}
	if got := evidenceHits(t, lib, "rct", "meta-analysis"); len(got) != 3 {
		t.Fatalf("before retag, the index finds %v as rct or meta-analysis; want the three letters", got)
	}
	changed, err := lib.Retag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if changed != len(want) {
		t.Errorf("Retag changed %d records, want %d", changed, len(want))
	}
	var pmids []uint64
	for p := range want {
		pmids = append(pmids, p)
	}
	recs, _, err := lib.Records(pmids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		w := want[r.Article.PMID]
		if r.Tags.Evidence != w[0] || r.Tags.Species != w[1] {
			t.Errorf("%d after retag: evidence %q species %q, want %q %q", r.Article.PMID, r.Tags.Evidence, r.Tags.Species, w[0], w[1])
		}
	}
	if got := evidenceHits(t, lib, "rct", "meta-analysis"); len(got) != 0 {
		t.Errorf("after retag, the index still finds %v as rct or meta-analysis", got)
	}
	if got := evidenceHits(t, lib, "commentary"); len(got) != 3 {
		t.Errorf("after retag, the index finds %v as commentary, want the three letters", got)
	}
	if stale, err := lib.TaxonomyStale(); err != nil || stale {
		t.Errorf("TaxonomyStale after retag = %v, %v; want false", stale, err)
	}
	wantFocus := map[uint64][2][]string{ // focus conditions, mechanisms
		26110358: {{"ibd"}, {}},
		21749983: {{"ibd"}, {"rebalance"}},
		27908551: {{"ibd"}, {}},
		8602182:  {{"celiac"}, {}},
		9989255:  {{"celiac"}, {}},
		23094605: {{"ibd"}, {"microbiome"}},
	}
	for _, r := range recs {
		w := wantFocus[r.Article.PMID]
		if !slices.Equal(r.Tags.Focus.Conditions, w[0]) || !slices.Equal(r.Tags.Focus.Mechanisms, w[1]) {
			t.Errorf("%d after retag: focus %q %q, want %q %q", r.Article.PMID, r.Tags.Focus.Conditions, r.Tags.Focus.Mechanisms, w[0], w[1])
		}
		if slices.Contains(r.Tags.Mechanisms, "remove") {
			t.Errorf("%d %q after retag: still remove (%q)", r.Article.PMID, r.Article.Title, r.Tags.Mechanisms)
		}
	}
	if got := focusHits(t, lib, "celiac"); !slices.Equal(got, []uint64{8602182, 9989255}) {
		t.Errorf("after retag, the focus filter finds %v about celiac, want [8602182 9989255]", got)
	}
	assertConsistent(t, lib)
}

// focusHits returns, in PMID order, the records whose focus is one of the
// conditions.
func focusHits(t *testing.T, lib *Library, conds ...string) []uint64 {
	t.Helper()
	res, err := lib.Search(context.Background(), Request{Conditions: conds, Focus: true, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, h := range res.Hits {
		out = append(out, h.PMID)
	}
	slices.Sort(out)
	return out
}

func evidenceHits(t *testing.T, lib *Library, levels ...string) []uint64 {
	t.Helper()
	res, err := lib.Search(context.Background(), Request{Evidence: levels, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, h := range res.Hits {
		out = append(out, h.PMID)
	}
	return out
}

// Records stored before villi kept the reasons for provisional tags have
// their provisional tags but no reasons: Retag gives each its reasons, one
// per tag, and a second Retag, finding them alike, rewrites nothing.
func TestRetag_FillsTheReasonsOfProvisionalTags(t *testing.T) {
	ctx := context.Background()
	// 100 records NLM had not indexed when the fixture was fetched, and
	// 200 it had.
	var items []pubmed.Item
	unindexed, indexed := 0, 0
	for _, it := range pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml")) {
		switch {
		case it.Article == nil:
		case len(it.Article.MeSH) == 0 && unindexed < 100:
			unindexed++
			items = append(items, it)
		case len(it.Article.MeSH) > 0 && indexed < 200:
			indexed++
			items = append(items, it)
		}
	}
	lib := openLib(t, t.TempDir())
	if _, err := lib.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	stripped, err := lib.st.Rewrite(ctx, func(r *store.Record, _ []byte) (bool, error) {
		if r.Tags.ProvisionalWhy == nil {
			return false, nil
		}
		r.Tags.ProvisionalWhy = nil
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stripped < 10 {
		t.Fatalf("%d of %d topical records stored with reasons, want the unindexed ones (10 or more)", stripped, len(items))
	}
	changed, err := lib.Retag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if changed < stripped {
		t.Errorf("Retag changed %d records, want at least the %d stored without reasons", changed, stripped)
	}
	var pmids []uint64
	for _, it := range items {
		if it.Article != nil {
			pmids = append(pmids, it.Article.PMID)
		}
	}
	recs, _, err := lib.Records(pmids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if len(r.Tags.ProvisionalWhy) != len(r.Tags.Provisional) {
			t.Errorf("%d after retag: %d reasons for provisional %v", r.Article.PMID, len(r.Tags.ProvisionalWhy), r.Tags.Provisional)
		}
	}
	if again, err := lib.Retag(ctx); err != nil || again != 0 {
		t.Errorf("second Retag changed %d records (%v), want none", again, err)
	}
}

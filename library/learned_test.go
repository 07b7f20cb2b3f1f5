package library

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/learn"
	"villi/pubmed"
	"villi/store"
)

// Retag trains the learned tagger on the records NLM has indexed, stores it,
// and tags the records NLM has not indexed with it: 16498340, a case report
// in a letter's clothes that NLM had not typed yet, is a case report by the
// model where the rules found no design, and its tags are provisional; an
// indexed record's are not. The model survives a reopen and tags as ingest does.
func TestRetag_TrainsStoresAndAppliesTheModel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	items := pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))[:2000]
	lib := openLib(t, dir)
	if _, err := lib.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	const pmid = 16498340
	before, err := lib.st.Get(pmid)
	if err != nil {
		t.Fatal(err)
	}
	if before.Tags.Evidence != "other" || !slices.Contains(before.Tags.Provisional, "celiac") {
		t.Fatalf("before retag (rules alone): evidence %q provisional %v; want other and celiac provisional",
			before.Tags.Evidence, before.Tags.Provisional)
	}
	if _, err := lib.Retag(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := lib.st.Model(modelName)
	if err != nil {
		t.Fatal(err)
	}
	m, err := learn.Decode(p)
	if err != nil || m.Records < 1000 {
		t.Fatalf("stored model: %v, trained on %d records; want the indexed ones of 2000", err, m.Records)
	}
	after, err := lib.st.Get(pmid)
	if err != nil {
		t.Fatal(err)
	}
	if after.Tags.Evidence != "case-report" || !slices.Contains(after.Tags.Provisional, "case-report") {
		t.Errorf("after retag: evidence %q provisional %v; want a provisional case-report", after.Tags.Evidence, after.Tags.Provisional)
	}
	res, err := lib.Search(ctx, Request{Q: "evidence:case-report alopecia"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Hits, func(h Hit) bool { return h.PMID == pmid && slices.Contains(h.Provisional, "case-report") }) {
		t.Errorf("search evidence:case-report alopecia: %d hits, want %d with case-report provisional", len(res.Hits), pmid)
	}
	indexed, err := lib.st.Get(items[0].Article.PMID)
	if err != nil {
		t.Fatal(err)
	}
	if len(indexed.Article.MeSH) == 0 || indexed.Tags.Provisional != nil {
		t.Errorf("indexed record %d: %d headings, provisional %v; want headings and none", indexed.Article.PMID, len(indexed.Article.MeSH), indexed.Tags.Provisional)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened, the stored model tags what is ingested again.
	lib = openLib(t, dir)
	if lib.model.Load() == nil {
		t.Fatal("reopened library has no model")
	}
	it := items[slices.IndexFunc(items, func(it pubmed.Item) bool { return it.Article != nil && it.Article.PMID == pmid })]
	if got := lib.tag(it.Article); got.Evidence != "case-report" {
		t.Errorf("tagged after reopen (as ingest tags): evidence %q, want the model's case-report", got.Evidence)
	}
}

// A stored model of another format version is not used: the library opens
// on the rules alone, and retag replaces it.
func TestOpen_IgnoresAModelOfAnotherVersion(t *testing.T) {
	dir := t.TempDir()
	lib := openLib(t, dir)
	bad := append([]byte("villi-model\n"), 99, 0, 0, 0)
	if err := lib.st.PutModel(modelName, bad); err != nil {
		t.Fatal(err)
	}
	lib.Close()
	lib = openLib(t, dir)
	if lib.model.Load() != nil {
		t.Fatal("a version-99 model was loaded")
	}
	if _, err := lib.st.Model(modelName); errors.Is(err, store.ErrNotFound) {
		t.Fatal("the stored model was deleted at open")
	}
}

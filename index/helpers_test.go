package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"villi/internal/pubmedtest"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

func openIndex(t testing.TB, dir string) *Index {
	t.Helper()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "villi.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// storeOnly writes puts and deletes to the store alone, as if the process
// died before the index batch, and returns the batch's newest seq.
func storeOnly(t testing.TB, s *store.Store, recs []store.Record, deletes []uint64) uint64 {
	t.Helper()
	b := store.Batch{Deletes: deletes}
	for _, r := range recs {
		b.Puts = append(b.Puts, store.Put{Record: r, Source: []byte(fmt.Sprintf("<PubmedArticle>%d</PubmedArticle>", r.Article.PMID))})
	}
	res, err := s.Apply(context.Background(), b)
	if err != nil {
		t.Fatalf("store.Apply: %v", err)
	}
	var seq uint64
	for _, r := range res {
		seq = max(seq, r.Seq)
	}
	return seq
}

// ingest is the ingest spine in miniature: store first, then the index with
// the records as stored (so Added is set).
func ingest(t testing.TB, s *store.Store, ix *Index, recs []store.Record, deletes []uint64) {
	t.Helper()
	seq := storeOnly(t, s, recs, deletes)
	pmids := make([]uint64, len(recs))
	for i, r := range recs {
		pmids[i] = r.Article.PMID
	}
	stored, err := s.GetMany(pmids)
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if err := ix.Apply(context.Background(), stored, deletes, seq); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

var (
	conditions = []string{"hashimoto", "rheumatoid-arthritis", "multiple-sclerosis", "lupus", "celiac", "psoriasis", "type-1-diabetes", "ibd"}
	mechanisms = []string{"remove", "repair", "rebalance", "regulate", "reintroduce", "intestinal-permeability", "microbiome"}
	species    = []string{"human", "animal", "both", "unknown"}
	journals   = []pubmed.Journal{
		{Title: "Journal of autoimmunity", ISOAbbrev: "J Autoimmun", MedlineTA: "J Autoimmun"},
		{Title: "Gut microbes", ISOAbbrev: "Gut Microbes", MedlineTA: "Gut Microbes"},
		{Title: "Nutrients", ISOAbbrev: "Nutrients", MedlineTA: "Nutrients"},
		{Title: "Frontiers in immunology", ISOAbbrev: "Front Immunol", MedlineTA: "Front Immunol"},
		{Title: "Gut", ISOAbbrev: "Gut", MedlineTA: "Gut"},
	}
	words = strings.Fields(`zonulin gluten microbiota permeability butyrate glutamine
		probiotic fibre thyroiditis arthritis colitis barrier junction lactobacillus
		bifidobacterium inflammation diet vagus stress omega polyphenol zinc fasting`)
)

// synthetic returns n deterministic records with varied tags, dates and
// texts, PMIDs from base upward. Hand-made records stand in where the tests
// need control over every field; fixture records cover real text.
func synthetic(n int, base uint64, seed uint64) []store.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	sentence := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = pick(words)
		}
		ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
		return strings.Join(ws, " ") + "."
	}
	levels := taxonomy.EvidenceLevels()
	recs := make([]store.Record, n)
	for i := range recs {
		a := pubmed.Article{
			PMID:      base + uint64(i),
			Version:   1,
			Kind:      pubmed.KindArticle,
			Status:    "MEDLINE",
			Title:     sentence(6),
			Journal:   journals[rng.IntN(len(journals))],
			Languages: []string{"eng"},
			Authors: []pubmed.Author{
				{LastName: "Fasano", ForeName: "Alessio", Initials: "A"},
				{LastName: pick([]string{"Smith", "Vojdani", "Lerner"}), Initials: "J"},
			},
			PublicationTypes: []pubmed.PublicationType{{Name: "Journal Article"}},
			MeSH: []pubmed.MeshHeading{
				{DescriptorUI: "D006801", DescriptorName: "Humans"},
				{DescriptorName: "Gastrointestinal Microbiome", Major: rng.IntN(2) == 0},
			},
			Keywords: []pubmed.Keyword{{Text: pick(words)}},
		}
		if rng.IntN(20) != 0 { // a few records have no date at all
			a.PubDate = pubmed.Date{Year: 1995 + rng.IntN(31), Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(28)}
		}
		a.History = []pubmed.HistoryDate{{Status: "entrez", Date: pubmed.Date{Year: 2000 + rng.IntN(25), Month: 3, Day: 4}}}
		if rng.IntN(3) == 0 {
			a.Abstract = []pubmed.AbstractSection{{Text: sentence(12) + " " + sentence(9)}}
		} else {
			a.Abstract = []pubmed.AbstractSection{
				{Label: "BACKGROUND", Category: "BACKGROUND", Text: sentence(10)},
				{Label: "RESULTS", Category: "RESULTS", Text: sentence(14) + " " + sentence(8)},
				{Label: "CONCLUSIONS", Category: "CONCLUSIONS", Text: sentence(9) + " " + sentence(7)},
			}
		}
		a.Retracted = rng.IntN(25) == 0
		var tags taxonomy.Tags
		for _, c := range conditions {
			if rng.IntN(4) == 0 {
				tags.Conditions = append(tags.Conditions, c)
			}
		}
		for _, m := range mechanisms {
			if rng.IntN(3) == 0 {
				tags.Mechanisms = append(tags.Mechanisms, m)
			}
		}
		tags.Evidence = levels[rng.IntN(len(levels))]
		tags.Species = pick(species)
		recs[i] = store.Record{Article: a, Tags: tags}
	}
	return recs
}

// allRecords reads every record of the store.
func allRecords(t testing.TB, s *store.Store) []store.Record {
	t.Helper()
	var out []store.Record
	if err := s.ForEach(context.Background(), func(r store.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("ForEach: %v", err)
	}
	return out
}

// searchAll pages through every hit with the Next cursor.
func searchAll(t testing.TB, ix *Index, r Request) []Hit {
	t.Helper()
	var hits []Hit
	for page := 0; ; page++ {
		res, err := ix.Search(context.Background(), r)
		if err != nil {
			t.Fatalf("Search(%+v): %v", r, err)
		}
		hits = append(hits, res.Hits...)
		if res.Next == nil {
			return hits
		}
		if page > 10000 {
			t.Fatal("paging does not end")
		}
		r.After = res.Next
	}
}

func pmids(hits []Hit) []uint64 {
	out := make([]uint64, len(hits))
	for i, h := range hits {
		out[i] = h.PMID
	}
	return out
}

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ingestAt stores recs in one batch stamped at (their Added time) and
// indexes what the store kept.
func ingestAt(t testing.TB, s *store.Store, ix *Index, at time.Time, recs []store.Record) {
	t.Helper()
	batch := store.Batch{Now: at}
	for _, r := range recs {
		batch.Puts = append(batch.Puts, store.Put{Record: r})
	}
	res, err := s.Apply(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(res))
	for i, r := range res {
		ids[i] = r.PMID
	}
	stored, err := s.GetMany(ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(context.Background(), stored, nil, res[len(res)-1].Seq); err != nil {
		t.Fatal(err)
	}
}

// taggedRecords decodes a fixture file and tags its articles as the
// library's ingest does.
func taggedRecords(tb testing.TB, path string) []store.Record {
	tb.Helper()
	tax := taxonomy.Default()
	var recs []store.Record
	for _, a := range pubmedtest.Articles(tb, path) {
		recs = append(recs, store.Record{Article: *a, Tags: tax.Tag(a)})
	}
	return recs
}

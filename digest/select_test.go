package digest

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"

	"villi/library"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// PMIDs of multiple.xml the selection tests single out.
const (
	pmidRAFresh    = 1339917 // rheumatoid arthritis, stored exactly 30 days after its entrez date
	pmidRABackfill = 1698773 // rheumatoid arthritis, stored 31 days after: backfill
	pmidLupus      = 1405313 // lupus, animal study
	pmidMS         = 1605492 // multiple sclerosis
	pmidRetracted  = 1752960 // retracted
)

// selectionLib holds every record of three fixture files, each stored two
// days after PubMed listed it, except the RA records at 30 and 31 days.
func selectionLib(t *testing.T) (*library.Library, []stored) {
	t.Helper()
	var recs []stored
	seen := map[uint64]bool{}
	for _, f := range []string{fixMultiple, fixTricky, fixMetapub} {
		for _, a := range readFixture(t, f) {
			if seen[a.PMID] {
				continue
			}
			seen[a.PMID] = true
			age := 2 * 24 * time.Hour
			switch a.PMID {
			case pmidRAFresh:
				age = MaxEntrezAge
			case pmidRABackfill:
				age = MaxEntrezAge + 24*time.Hour
			}
			recs = append(recs, stored{article: a, added: entrez(t, a).Add(age)})
		}
	}
	return openLib(t, recs), recs
}

// want lists, independently of the search path, the PMIDs a digest over
// (since, until] must hold: not retracted, listed at most 30 days before
// they were stored, and keep(tags) true.
func want(recs []stored, since, until time.Time, keep func(a *pubmed.Article, tg taxonomy.Tags) bool) []uint64 {
	var out []uint64
	for _, r := range recs {
		e, ok := r.article.EntrezDate()
		if !ok || r.article.Retracted || !r.added.After(since) || r.added.After(until) || r.added.Sub(e.Sort()) > MaxEntrezAge {
			continue
		}
		if keep(r.article, taxonomy.Default().Tag(r.article)) {
			out = append(out, r.article.PMID)
		}
	}
	slices.Sort(out)
	return out
}

func allPMIDs(sel selection) []uint64 {
	var out []uint64
	for _, g := range sel.Groups {
		for _, it := range g.Items {
			out = append(out, it.PMID)
		}
	}
	slices.Sort(out)
	return out
}

var (
	longAgo = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	farOff  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestSelect_BackfillRetractionsAndGrouping(t *testing.T) {
	lib, recs := selectionLib(t)
	cfg := testConfig(farOff)
	cfg.GroupCap = 1000
	s := newService(t, lib, cfg)
	sub := store.Subscription{ID: 1, Email: "a@example.org"}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}

	got := allPMIDs(sel)
	wantAll := want(recs, longAgo, farOff, func(*pubmed.Article, taxonomy.Tags) bool { return true })
	if !slices.Equal(got, wantAll) {
		t.Errorf("selected %d records, want %d\n got %v\nwant %v", len(got), len(wantAll), got, wantAll)
	}
	for _, p := range []uint64{pmidRABackfill, pmidRetracted} {
		if slices.Contains(got, p) {
			t.Errorf("PMID %d was selected; backfill and retracted records must be left out", p)
		}
	}
	if !slices.Contains(got, pmidRAFresh) {
		t.Errorf("PMID %d (stored exactly 30 days after its entrez date) missing", pmidRAFresh)
	}

	var order []string
	for _, g := range sel.Groups {
		order = append(order, g.Condition)
	}
	// The fresh rheumatoid arthritis record is cell work on methylcobalamin
	// that NLM indexed with Arthritis, Rheumatoid as a minor heading: it
	// mentions the condition without being about it, so it is no
	// rheumatoid arthritis study and goes under "Other studies".
	if wantOrder := []string{"multiple-sclerosis", "lupus", ""}; !slices.Equal(order, wantOrder) {
		t.Errorf("group order = %q, want %q (table order of the records' focus, the rest last)", order, wantOrder)
	}
	byCond := pmidsOf(sel.Groups)
	if !slices.Contains(byCond[""], pmidRAFresh) {
		t.Errorf("PMID %d (rheumatoid arthritis as a minor heading) not under Other studies: %v", pmidRAFresh, byCond)
	}
	for cond, pm := range map[string][]uint64{"multiple-sclerosis": {pmidMS}, "lupus": {pmidLupus}} {
		if !slices.Equal(byCond[cond], pm) {
			t.Errorf("group %s = %v, want %v", cond, byCond[cond], pm)
		}
	}
	if sel.Total != len(wantAll) {
		t.Errorf("Total = %d, want %d", sel.Total, len(wantAll))
	}

	// Strongest evidence first, then newest.
	for _, g := range sel.Groups {
		for i := 1; i < len(g.Items); i++ {
			a, b := g.Items[i-1], g.Items[i]
			ra, rb := taxonomy.EvidenceRank(a.Evidence), taxonomy.EvidenceRank(b.Evidence)
			if ra > rb || (ra == rb && a.Year < b.Year) {
				t.Errorf("group %q: %d (%s, %d) before %d (%s, %d)", g.Label, a.PMID, a.Evidence, a.Year, b.PMID, b.Evidence, b.Year)
			}
		}
	}
}

func TestSelect_WindowIsExclusiveThenInclusive(t *testing.T) {
	lib, recs := selectionLib(t)
	s := newService(t, lib, testConfig(farOff))
	sort.Slice(recs, func(i, j int) bool { return recs[i].added.Before(recs[j].added) })
	// A window from the 10th record's Added time (excluded) to the 20th's (included).
	since, until := recs[9].added, recs[19].added
	sub := store.Subscription{ID: 1, Email: "a@example.org"}
	s.cfg.GroupCap = 1000
	sel, err := s.selectItems(context.Background(), &sub, since, until)
	if err != nil {
		t.Fatal(err)
	}
	got := allPMIDs(sel)
	w := want(recs, since, until, func(*pubmed.Article, taxonomy.Tags) bool { return true })
	if !slices.Equal(got, w) {
		t.Errorf("window (%v, %v]: got %v, want %v", since, until, got, w)
	}
	if slices.Contains(got, recs[9].article.PMID) {
		t.Errorf("record added exactly at the window start was selected")
	}
	if len(w) == 0 {
		t.Fatal("test window holds nothing; choose another")
	}
}

func TestSelect_Filters(t *testing.T) {
	lib, recs := selectionLib(t)
	s := newService(t, lib, testConfig(farOff))
	s.cfg.GroupCap = 1000
	animal := taxonomy.EvidenceRank("animal")
	cases := []struct {
		name string
		sub  store.Subscription
		keep func(a *pubmed.Article, tg taxonomy.Tags) bool
	}{
		{"condition", store.Subscription{Conditions: []string{"lupus", "multiple-sclerosis"}},
			func(_ *pubmed.Article, tg taxonomy.Tags) bool {
				return slices.Contains(tg.Conditions, "lupus") || slices.Contains(tg.Conditions, "multiple-sclerosis")
			}},
		{"mechanism", store.Subscription{Mechanisms: []string{"microbiome"}},
			func(_ *pubmed.Article, tg taxonomy.Tags) bool { return slices.Contains(tg.Mechanisms, "microbiome") }},
		{"min evidence", store.Subscription{MinEvidence: "animal"},
			func(_ *pubmed.Article, tg taxonomy.Tags) bool { return taxonomy.EvidenceRank(tg.Evidence) <= animal }},
		{"humans only", store.Subscription{HumansOnly: true},
			func(_ *pubmed.Article, tg taxonomy.Tags) bool { return tg.Species == "human" || tg.Species == "both" }},
		{"pmid query", store.Subscription{Query: "1339917 1405313 1698773 1752960"},
			func(a *pubmed.Article, _ taxonomy.Tags) bool {
				return a.PMID == 1339917 || a.PMID == 1405313 || a.PMID == 1698773 || a.PMID == 1752960
			}},
		{"condition and humans only", store.Subscription{Conditions: []string{"lupus", "multiple-sclerosis"}, HumansOnly: true},
			func(_ *pubmed.Article, tg taxonomy.Tags) bool {
				return (slices.Contains(tg.Conditions, "lupus") || slices.Contains(tg.Conditions, "multiple-sclerosis")) && (tg.Species == "human" || tg.Species == "both")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.sub.ID, c.sub.Email = 1, "a@example.org"
			sel, err := s.selectItems(context.Background(), &c.sub, longAgo, farOff)
			if err != nil {
				t.Fatal(err)
			}
			got, w := allPMIDs(sel), want(recs, longAgo, farOff, c.keep)
			if !slices.Equal(got, w) {
				t.Errorf("got %v, want %v", got, w)
			}
			if len(w) == 0 {
				t.Error("the case selects nothing: it proves nothing")
			}
			if len(c.sub.Conditions) > 0 {
				for _, g := range sel.Groups {
					if !slices.Contains(c.sub.Conditions, g.Condition) {
						t.Errorf("group %q is not one of the followed conditions", g.Condition)
					}
				}
			}
		})
	}
}

func TestSelect_RecordRetractedLaterDropsOut(t *testing.T) {
	lib, recs := selectionLib(t)
	s := newService(t, lib, testConfig(farOff))
	sub := store.Subscription{ID: 1, Email: "a@example.org", Conditions: []string{"lupus"}}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil || !slices.Equal(allPMIDs(sel), []uint64{pmidLupus}) {
		t.Fatalf("before retraction: %v, %v; want [%d]", allPMIDs(sel), err, pmidLupus)
	}
	// The daily mdat pass brings a revised record flagged retracted.
	var a pubmed.Article
	for _, r := range recs {
		if r.article.PMID == pmidLupus {
			a = *r.article
		}
	}
	a.Retracted = true
	a.DateRevised = &pubmed.Date{Year: 2026, Month: 1, Day: 1}
	addRecords(t, lib, []stored{{article: &a, added: farOff.Add(-time.Hour)}})
	sel, err = s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}
	if got := allPMIDs(sel); len(got) != 0 {
		t.Errorf("after retraction: %v, want nothing", got)
	}
}

func TestSelect_CapPerGroupLinksToFullSearch(t *testing.T) {
	lib, recs := selectionLib(t)
	cfg := testConfig(farOff)
	cfg.GroupCap = 3
	s := newService(t, lib, cfg)
	sub := store.Subscription{ID: 1, Email: "a@example.org", MinEvidence: "in-vitro", Query: "cells"}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}
	var other *Group
	for i := range sel.Groups {
		if sel.Groups[i].Condition == "" {
			other = &sel.Groups[i]
		}
	}
	if other == nil || other.Total <= 3 {
		t.Fatalf("want an 'other' group of more than 3; groups = %+v", sel.Groups)
	}
	if len(other.Items) != 3 {
		t.Errorf("items shown = %d, want the cap of 3", len(other.Items))
	}
	u, err := url.Parse(other.MoreURL)
	if err != nil || u.Host != "villi.example.org" || u.Path != "/search" {
		t.Fatalf("MoreURL = %q, want the villi search page", other.MoreURL)
	}
	q := u.Query()
	if q.Get("q") != "cells" || q.Get("sort") != "evidence" || len(q["species"]) != 0 || len(q["evidence"]) != taxonomy.EvidenceRank("in-vitro")+1 {
		t.Errorf("MoreURL query = %v, want the subscription's filters", q)
	}
	_ = recs
}

// A subscription gets what its query says: the mail cannot say "Showing
// results for", so a misspelled query that the search page would correct
// selects nothing rather than records of another query.
func TestSelect_QueryIsNeverSpellCorrected(t *testing.T) {
	lib, _ := selectionLib(t)
	s := newService(t, lib, testConfig(farOff))
	const typo = "rheumatiod arthritsi"
	res, err := lib.Search(context.Background(), library.Request{Q: typo})
	if err != nil {
		t.Fatal(err)
	}
	if res.CorrectedFrom == "" || res.Total == 0 {
		t.Fatalf("search %q: corrected_from %q, %d hits; want a correction with hits, or the case proves nothing", typo, res.CorrectedFrom, res.Total)
	}
	sub := store.Subscription{ID: 1, Email: "a@example.org", Query: typo}
	sel, err := s.selectItems(context.Background(), &sub, longAgo, farOff)
	if err != nil {
		t.Fatal(err)
	}
	if got := allPMIDs(sel); len(got) != 0 {
		t.Errorf("a digest for %q selects %v; want nothing: its query is searched as written", typo, got)
	}
}

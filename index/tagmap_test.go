package index

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"villi/internal/fixture"
	"villi/query"
	"villi/store"
	"villi/taxonomy"
)

// topicalIndex indexes the 8,600 topical records with Rebuild from a real
// store.
func topicalIndex(t *testing.T) (*Index, *store.Store, []store.Record) {
	t.Helper()
	if testing.Short() {
		t.Skip("indexes 8,600 records")
	}
	recs := topicalRecords(t)
	s := openStore(t)
	for i := 0; i < len(recs); i += 1000 {
		storeOnly(t, s, recs[i:min(i+1000, len(recs))], nil)
	}
	ix := openIndex(t, filepath.Join(t.TempDir(), "ix"))
	// A quarter of an hour: under -race on the shared 2-core machine the
	// rebuild (index, doc table, segment merge) has taken more than five
	// minutes at load 18.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := ix.Rebuild(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	return ix, s, recs
}

// hitSet returns the PMIDs a request finds, from the query's evaluation
// (no paging, no snippets), and how it was searched.
func hitSet(t *testing.T, ix *Index, r Request) (map[uint64]bool, string) {
	t.Helper()
	bi, d, release, err := ix.acquireDocs()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	names := &libraryNames{ix: ix, bi: bi, d: d, gen: d.current().gen}
	p, err := newPlan(r, query.Mapping{Tags: ix.tags, Library: names})
	if err != nil {
		t.Fatalf("%q: %v", r.Q, err)
	}
	tab := d.current()
	hits := newBitset(tab.n)
	copy(hits, tab.live)
	if p.must != nil {
		e, err := ix.evaluation(context.Background(), bi, d, p)
		if err != nil {
			t.Fatal(err)
		}
		tab, hits = e.tab, slices.Clone(e.hits)
	}
	if f := tab.filter(d, &p.r); f != nil {
		hits.and(f)
	}
	out := map[uint64]bool{}
	hits.each(func(row int32) { out[tab.pmid[row]] = true })
	return out, p.searchedAs
}

func missing(want, got map[uint64]bool) []uint64 {
	var out []uint64
	for id := range want {
		if !got[id] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestTermMapping_Topical searches the real topical records as a
// practitioner types into PubMed: names of conditions, evidence levels,
// ambiguous abbreviations, surnames, journals. Each case gives what it is
// searched as and the records it must find: every record of the tags it
// maps to and every record its words alone find (the `only` query).
func TestTermMapping_Topical(t *testing.T) {
	ix, _, recs := topicalIndex(t)
	set := func(r Request) map[uint64]bool { s, _ := hitSet(t, ix, r); return s }

	tests := []struct {
		q, searchedAs string
		// must: requests whose every hit q finds; more: q finds more than
		// each of these (the mapping adds records, or the words alone lose
		// them); same: q finds exactly these.
		must, more []Request
		same       *Request
		// notAll: requests some of whose hits q does not find (it does not
		// map).
		notAll []Request
		// under: a MeSH heading; q finds at least 95% of the records NLM
		// indexed under it.
		under string
		// leak, unless: q finds no record NLM indexed under the heading
		// leak and not under, whose title, abstract, keywords and MeSH name
		// none of the words unless: only a mapping to the whole tag could
		// find one.
		leak   string
		unless []string
	}{
		{q: "inflammatory bowel disease",
			searchedAs: `IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd`,
			must:       []Request{{Conditions: []string{"ibd"}}, {Q: `"inflammatory bowel disease"`}},
			more:       []Request{{Q: `"inflammatory bowel disease"`}, {Q: `"IBD"`}}},
		{q: "gluten free diet AND ibd",
			searchedAs: `gluten AND free AND diet AND (IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd)`,
			must:       []Request{{Q: "gluten free diet", Conditions: []string{"ibd"}}},
			more:       []Request{{Q: `gluten free diet AND "ibd"`}}},
		{q: "type 1 diabetes celiac",
			searchedAs: `(T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus" OR condition:type-1-diabetes) AND (coeliac OR celiac OR condition:celiac)`,
			must:       []Request{{Conditions: []string{"type-1-diabetes", "celiac"}, Q: "condition:type-1-diabetes AND condition:celiac"}},
			more:       []Request{{Q: `"type 1 diabetes" celiac`}}},
		// A part of a condition is searched as its words, which search
		// MeSH too: what NLM indexed under it, not the rest of the tag.
		{q: "Crohn's disease", searchedAs: `(crohn OR "crohn disease")`,
			notAll: []Request{{Conditions: []string{"ibd"}}}, under: "Crohn Disease",
			leak: "Colitis, Ulcerative", unless: []string{"crohn"}},
		{q: "crohn", searchedAs: `(crohn OR "crohn disease")`,
			notAll: []Request{{Conditions: []string{"ibd"}}}, under: "Crohn Disease",
			leak: "Colitis, Ulcerative", unless: []string{"crohn"}},
		{q: "Crohn Disease", searchedAs: `(crohn OR "crohn disease")`, under: "Crohn Disease"},
		{q: "ulcerative colitis", searchedAs: `(UC OR "ulcerative colitis" OR "colitis, ulcerative")`,
			notAll: []Request{{Conditions: []string{"ibd"}}}, under: "Colitis, Ulcerative",
			leak: "Crohn Disease", unless: []string{"ulcer", "uc"}},
		{q: "Colitis, Ulcerative", searchedAs: `(UC OR "ulcerative colitis" OR "colitis, ulcerative")`, under: "Colitis, Ulcerative",
			leak: "Crohn Disease", unless: []string{"ulcer", "uc"}},
		{q: "inflammatory bowel disease crohn",
			searchedAs: `(IBD OR "inflammatory bowel disease" OR "inflammatory bowel diseases" OR condition:ibd) AND (crohn OR "crohn disease")`,
			under:      "Crohn Disease", leak: "Colitis, Ulcerative", unless: []string{"crohn"}},
		{q: "lupus", searchedAs: "lupus OR condition:lupus", must: []Request{{Conditions: []string{"lupus"}}}},
		{q: "lupus nephritis", searchedAs: "(lupus OR condition:lupus) AND nephritis",
			notAll: []Request{{Conditions: []string{"lupus"}}}},
		{q: "children with diabetes", searchedAs: "children AND diabetes",
			notAll: []Request{{Conditions: []string{"type-1-diabetes"}}},
			leak:   "Diabetes Mellitus, Type 1", unless: []string{"child"}},
		{q: "childhood diabetes", searchedAs: "childhood AND diabetes",
			notAll: []Request{{Conditions: []string{"type-1-diabetes"}}},
			leak:   "Diabetes Mellitus, Type 1", unless: []string{"child"}},
		{q: "diabetic children", searchedAs: "diabetic AND children",
			notAll: []Request{{Conditions: []string{"type-1-diabetes"}}},
			leak:   "Diabetes Mellitus, Type 1", unless: []string{"child"}},
		{q: "type 1 diabetes", searchedAs: `T1D OR T1DM OR "type 1 diabetes" OR "type 1 diabetes mellitus" OR condition:type-1-diabetes`,
			must: []Request{{Conditions: []string{"type-1-diabetes"}}}, under: "Diabetes Mellitus, Type 1"},
		{q: "psoriatic", searchedAs: "psoriatic", notAll: []Request{{Conditions: []string{"psoriasis"}}},
			under: "Arthritis, Psoriatic"},
		{q: "randomized controlled trial",
			searchedAs: `"randomized controlled trial" OR evidence:rct`,
			must:       []Request{{Evidence: []string{"rct"}}, {Q: `"randomized controlled trial"`}},
			more:       []Request{{Q: `"randomized controlled trial"`}}},
		// Quoted and tagged, the words only, as in PubMed.
		{q: `"inflammatory bowel disease"`, searchedAs: `"inflammatory bowel disease"`,
			notAll: []Request{{Conditions: []string{"ibd"}}, {Q: "IBD"}}},
		{q: "inflammatory bowel disease[tiab]", searchedAs: `"inflammatory bowel disease"[tiab]`,
			notAll: []Request{{Conditions: []string{"ibd"}}}},
		{q: "condition:ibd", searchedAs: "condition:ibd", same: &Request{Conditions: []string{"ibd"}}},
		// Ambiguous abbreviations: the taxonomy's context words decide.
		{q: "cd gluten", searchedAs: "(cd OR condition:celiac) AND gluten",
			must: []Request{{Q: "gluten", Conditions: []string{"celiac"}}}, more: []Request{{Q: `"cd" gluten`}}},
		// CD and UC in an IBD context keep the ibd tag (taxonomy.txt says
		// why): as words alone they would miss what is written out.
		{q: "CD colitis", searchedAs: "(CD OR condition:ibd) AND colitis",
			must: []Request{{Q: "colitis", Conditions: []string{"ibd"}}}},
		{q: "cd diet", searchedAs: "cd AND diet"},
		{q: "uc mesalamine", searchedAs: `(UC OR "ulcerative colitis" OR "colitis, ulcerative" OR condition:ibd) AND mesalamine`,
			must: []Request{{Q: "mesalamine", Conditions: []string{"ibd"}}}},
		{q: "uc diet", searchedAs: "uc AND diet"},
		{q: "UC diet", searchedAs: `(UC OR "ulcerative colitis" OR "colitis, ulcerative") AND diet`},
		{q: "ms relapsing", searchedAs: `(MS OR "multiple sclerosis" OR condition:multiple-sclerosis) AND relapsing`},
		{q: "ms diet", searchedAs: "ms AND diet"},
		{q: "ra methotrexate", searchedAs: `(RA OR "rheumatoid arthritis" OR condition:rheumatoid-arthritis) AND methotrexate`},
		{q: "ra diet", searchedAs: "ra AND diet"},
		// Surnames: fasano is one in this library (51 records), rice is a
		// food far more often than an author.
		{q: "fasano zonulin", searchedAs: "(fasano OR fasano[au]) AND zonulin",
			must: []Request{{Q: "fasano[au] AND zonulin"}}, more: []Request{{Q: `"fasano" zonulin`}}},
		{q: "rice celiac", searchedAs: "rice AND (coeliac OR celiac OR condition:celiac)"},
		// Journals, by ISO abbreviation or a one-word title alone.
		{q: "Am J Gastroenterol celiac",
			searchedAs: `((J AND Gastroenterol) OR "Am J Gastroenterol"[ta]) AND (coeliac OR celiac OR condition:celiac)`,
			must:       []Request{{Q: "celiac", Journals: []string{"Am J Gastroenterol"}}}},
		{q: "Gut", searchedAs: "Gut OR Gut[ta]", must: []Request{{Journals: []string{"Gut"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, as := hitSet(t, ix, Request{Q: tt.q})
			if as != tt.searchedAs {
				t.Errorf("searched as\n got %s\nwant %s", as, tt.searchedAs)
			}
			// "Searched as" is villi's own syntax: it searches the same.
			again, as2 := hitSet(t, ix, Request{Q: as})
			if as2 != as || len(again) != len(got) || len(missing(got, again)) > 0 {
				t.Errorf("%s searches as %s, %d records; the query found %d", as, as2, len(again), len(got))
			}
			for _, r := range tt.must {
				want := set(r)
				if len(want) == 0 {
					t.Errorf("%+v finds nothing: a vacuous case", r)
				}
				if m := missing(want, got); len(m) > 0 {
					t.Errorf("%d records found, misses %d of the %d of %+v: %v", len(got), len(m), len(want), r, m[:min(5, len(m))])
				}
			}
			for _, r := range tt.more {
				if n := len(set(r)); len(got) <= n {
					t.Errorf("%d records found, %+v finds %d: the mapping adds nothing", len(got), r, n)
				}
			}
			for _, r := range tt.notAll {
				if want := set(r); len(missing(want, got)) == 0 {
					t.Errorf("%d records found, all %d of %+v: it maps", len(got), len(want), r)
				}
			}
			if tt.under != "" {
				want := indexedUnder(recs, tt.under)
				if len(want) == 0 {
					t.Errorf("no record indexed under %s: a vacuous case", tt.under)
				}
				miss := missing(want, got)
				t.Logf("%d of the %d records NLM indexed under %s", len(want)-len(miss), len(want), tt.under)
				if float64(len(miss)) > 0.05*float64(len(want)) {
					t.Errorf("finds %d of the %d records NLM indexed under %s; misses %v",
						len(want)-len(miss), len(want), tt.under, miss[:min(10, len(miss))])
				}
			}
			if tt.leak != "" {
				leaks := leakable(recs, tt.leak, tt.under, tt.unless)
				if len(leaks) == 0 {
					t.Errorf("no record under %s names none of %q: a vacuous case", tt.leak, tt.unless)
				}
				var found []uint64
				for id := range leaks {
					if got[id] {
						found = append(found, id)
					}
				}
				t.Logf("%d of the %d records under %s that never name %q", len(found), len(leaks), tt.leak, tt.unless)
				if len(found) > 0 {
					slices.Sort(found)
					t.Errorf("finds %d of the %d records NLM indexed under %s that never name %q: %v",
						len(found), len(leaks), tt.leak, tt.unless, found[:min(10, len(found))])
				}
			}
			if tt.same != nil {
				if want := set(*tt.same); len(want) != len(got) || len(missing(want, got)) > 0 {
					t.Errorf("%d records found, %+v finds %d", len(got), *tt.same, len(want))
				}
			}
			t.Logf("%d records", len(got))
		})
	}

	t.Run("a narrower name maps to no tag and finds 95% of what NLM indexed under it", func(t *testing.T) {
		narrower := taxonomy.Default().Narrower()
		tried := 0
		for _, n := range narrower {
			if n.Kind != query.KindCondition || n.Abbr {
				continue // abbreviations need context: query's tests try them with it
			}
			tried++
			got, as := hitSet(t, ix, Request{Q: n.Text})
			tag := query.KindCondition + ":" + n.Slug
			if slices.Contains(topLevelOr(as), tag) {
				t.Errorf("%q (narrow in %s) is searched as %s: ORed with the whole tag", n.Text, n.Slug, as)
			} else if strings.Contains(as, tag) {
				// Only a part of it that names the tag alone may bring the
				// tag in, ANDed with the rest: lupus nephritis is lupus
				// records that name nephritis.
				ws := strings.FieldsFunc(n.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
				byPart := false
				for i := range ws {
					for j := i + 1; j <= len(ws) && !byPart; j++ {
						if j-i == len(ws) {
							continue
						}
						_, partAs := hitSet(t, ix, Request{Q: strings.Join(ws[i:j], " ")})
						byPart = slices.Contains(topLevelOr(partAs), tag)
					}
				}
				if !byPart {
					t.Errorf("%q (narrow in %s) is searched as %s: no part of it names the tag", n.Text, n.Slug, as)
				}
			}
			want := indexedUnder(recs, n.Text)
			miss := missing(want, got)
			t.Logf("%-20s %-45q %-55s %d of the %d records indexed under it", n.Slug, n.Text, as, len(want)-len(miss), len(want))
			if float64(len(miss)) > 0.05*float64(len(want)) {
				t.Errorf("%q (searched as %s) finds %d of the %d records NLM indexed under it; misses %v",
					n.Text, as, len(want)-len(miss), len(want), miss[:min(10, len(miss))])
			}
		}
		if tried == 0 {
			t.Error("the table has no narrow names: a vacuous test")
		}
	})

	t.Run("each name of a condition finds 95% of what NLM indexed under its headings", func(t *testing.T) {
		truth := meshTruth(t)
		for _, c := range conditions {
			want := truth[c]
			if len(want) == 0 {
				t.Logf("%s: no MeSH-indexed records in the fixture", c)
				continue
			}
			for _, name := range ix.tags.Names(query.KindCondition, c) {
				got, as := hitSet(t, ix, Request{Q: name})
				miss := missing(want, got)
				recall := 1 - float64(len(miss))/float64(len(want))
				t.Logf("%-22s %-45q recall %.3f (%d of %d)", c, name, recall, len(want)-len(miss), len(want))
				if recall < 0.95 {
					t.Errorf("%s: %q (searched as %s) finds %d of the %d records NLM indexed under its headings; misses %v",
						c, name, as, len(want)-len(miss), len(want), miss[:min(10, len(miss))])
				}
			}
		}
	})
}

// topLevelOr returns the alternatives of a searched-as text's outermost OR
// (the text itself when it is no OR): "a OR (b AND c) OR condition:ibd" is
// a, (b AND c) and condition:ibd.
func topLevelOr(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], " OR "):
			out = append(out, s[start:i])
			start = i + len(" OR ")
			i += len(" OR ") - 1
		}
	}
	return append(out, s[start:])
}

// headingKey is a heading's words in any order and case: "Colitis,
// Ulcerative" and "ulcerative colitis" are one key.
func headingKey(s string) string {
	ws := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	slices.Sort(ws)
	return strings.Join(ws, " ")
}

// indexedUnder returns the records NLM indexed under the heading named
// (its words in any order; none for a name that is no heading).
func indexedUnder(recs []store.Record, heading string) map[uint64]bool {
	k := headingKey(heading)
	out := map[uint64]bool{}
	for _, r := range recs {
		for _, h := range r.Article.MeSH {
			if headingKey(h.DescriptorName) == k {
				out[r.Article.PMID] = true
			}
		}
	}
	return out
}

// leakable returns the records indexed under leak and not under (when
// given) whose title, abstract, keywords and headings hold no word that
// begins with one of unless (lower case; a prefix, so that "ulcer" covers
// what stems alike): no search of words finds one, only a mapping to a
// tag that holds them all.
func leakable(recs []store.Record, leak, under string, unless []string) map[uint64]bool {
	in, not := indexedUnder(recs, leak), map[uint64]bool{}
	if under != "" {
		not = indexedUnder(recs, under)
	}
	out := map[uint64]bool{}
	for _, r := range recs {
		a := &r.Article
		if !in[a.PMID] || not[a.PMID] {
			continue
		}
		text := []string{a.Title, a.AbstractText()}
		for _, k := range a.Keywords {
			text = append(text, k.Text)
		}
		for _, h := range a.MeSH {
			text = append(text, h.DescriptorName)
		}
		words := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(strings.Join(text, " ")), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			words[w] = true
		}
		named := false
		for w := range words {
			named = named || slices.ContainsFunc(unless, func(p string) bool { return strings.HasPrefix(w, p) })
		}
		if !named {
			out[a.PMID] = true
		}
	}
	return out
}

// meshTruth reads the topical fixture's truth: per condition, the records
// NLM's MeSH indexing puts under its headings.
func meshTruth(t *testing.T) map[string]map[uint64]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(fixture.Topical(t), "truth.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[uint64]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 || cols[2] != "mesh" || cols[1] == "" {
			continue
		}
		var pmid uint64
		for _, r := range cols[0] {
			pmid = pmid*10 + uint64(r-'0')
		}
		for _, c := range strings.Split(cols[1], ",") {
			if out[c] == nil {
				out[c] = map[uint64]bool{}
			}
			out[c][pmid] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSurnames_CachedPerGeneration checks that a surname of the library's
// authors maps, that the dictionary is built once and reused (no bleve
// round trip per search), and that a newer generation gets a new one, built
// in the background, once the old is a minute old.
func TestSurnames_CachedPerGeneration(t *testing.T) {
	recs := taggedRecords(t, fixture.Path(t, "mokztk__pubmed-parser/CPFE.xml"))
	s := openStore(t)
	ix := openIndex(t, t.TempDir())
	ingest(t, s, ix, recs, nil)

	var surname string
	for _, r := range recs {
		for _, a := range r.Article.Authors {
			if w := strings.ToLower(a.LastName); len(w) > 4 && !strings.ContainsAny(w, " -'") && surname == "" {
				surname = w
			}
		}
	}
	if surname == "" {
		t.Fatal("no author in the fixture")
	}
	search := func(q string) string {
		t.Helper()
		res, err := ix.Search(context.Background(), Request{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		return res.SearchedAs
	}
	if got, want := search(surname+" lung"), "("+surname+" OR "+surname+"[au]) AND lung"; got != want {
		t.Fatalf("searched as %s, want %s", got, want)
	}
	built, _, err := ix.surnames.snapshot()
	if err != nil || built.IsZero() {
		t.Fatalf("surname dictionary: built %v, error %v", built, err)
	}
	search(surname + " fibrosis")
	if again, _, _ := ix.surnames.snapshot(); again != built {
		t.Error("a second search rebuilt the surname dictionary of the same generation")
	}

	// A new author in a new generation: the dictionary at hand serves it
	// for a minute; then a search refreshes it in the background and a
	// later search maps the name.
	extra := recs[0]
	extra.Article.PMID = 99999001
	extra.Article.Authors = append(slices.Clone(extra.Article.Authors), extra.Article.Authors[0])
	extra.Article.Authors[len(extra.Article.Authors)-1].LastName = "Zyxwvutson"
	ingest(t, s, ix, []store.Record{extra}, nil)
	if got := search("zyxwvutson lung"); got != "zyxwvutson AND lung" {
		t.Errorf("within a minute: searched as %s, want the old dictionary's zyxwvutson AND lung", got)
	}
	if again, building, _ := ix.surnames.snapshot(); again != built || building {
		t.Error("a search within a minute of the last build started another")
	}
	ix.surnames.mu.Lock()
	ix.surnames.built = time.Now().Add(-2 * surnameMaxAge)
	ix.surnames.mu.Unlock()
	want := "(zyxwvutson OR zyxwvutson[au]) AND lung"
	deadline := time.Now().Add(30 * time.Second)
	for got := search("zyxwvutson lung"); got != want; got = search("zyxwvutson lung") {
		if time.Now().After(deadline) {
			t.Fatalf("a minute on: still searched as %s, want %s", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, err := ix.surnames.snapshot(); err != nil {
		t.Errorf("refresh: %v", err)
	}
}

// BenchmarkSurnameDictionary measures building the surname dictionary, which
// the first search of a table generation that asks for one pays (at most
// once a minute while writes go on).
func BenchmarkSurnameDictionary(b *testing.B) {
	for _, n := range benchSizes(b) {
		c := openBenchCorpus(b, n)
		bi, _, release, err := c.ix.acquireDocs()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set, err := buildSurnames(bi)
				if err != nil || len(set) == 0 {
					b.Fatalf("%d surnames, %v", len(set), err)
				}
			}
		})
		release()
	}
}

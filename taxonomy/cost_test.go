package taxonomy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"villi/internal/cputime"
	"villi/pubmed"
)

// longTexts are repetitive abstracts that once cost Tag time quadratic in
// their length, each through another loop: every abbreviation looked
// through every earlier definition and every hit, every hit and every ref
// through every "not" phrase. Each took from 30 s to minutes of CPU at
// these lengths; fuzz workers died of the engine's 10 s limit per input on
// shorter forms.
var longTexts = []struct {
	title, unit string
	size        int
}{
	{"x", "x (CD) ", 500_000},                                               // undefined abbreviations
	{"x", "celiac disease (CD) ", 1_000_000},                                // definitions after terms
	{"x", "type 1 diabetes type 2 diabetes thyroiditis riedel ", 4_000_000}, // terms among "not" phrases
	{"Hashimoto's thyroiditis", "thyroiditis celiac artery ", 3_000_000},    // refs among other blocks' "not" phrases
}

// TestTag_LongRepetitiveTextsFinish: Tag's cost grows with a text's length,
// not its square. The 30 s of CPU are not a speed target
// (BenchmarkTag_LongText measures speed): these texts take about 2 s of CPU
// each under -race, and took many minutes before. CPU time rather than wall
// time, so that a loaded machine slows the test without failing it.
func TestTag_LongRepetitiveTextsFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("megabytes of text under -short")
	}
	const budget = 30 * time.Second
	tx := Default()
	for _, lt := range longTexts {
		abstract := strings.Repeat(lt.unit, lt.size/len(lt.unit)+1)
		done := make(chan struct{})
		cpu0, start := cputime.Process(), time.Now()
		go func() {
			defer close(done)
			tx.Tag(article(lt.title, abstract))
		}()
		tick := time.NewTicker(100 * time.Millisecond)
	wait:
		for {
			select {
			case <-done:
				break wait
			case <-tick.C:
				if used := cputime.Process() - cpu0; used > budget {
					t.Fatalf("Tag has used %v of CPU (%v wall) on %d bytes of %q without returning",
						used.Round(time.Second), time.Since(start).Round(time.Second), len(abstract), lt.unit)
				}
			}
		}
		tick.Stop()
		t.Logf("%d bytes of %q: %v CPU, %v wall", len(abstract), lt.unit, cputime.Process()-cpu0, time.Since(start))
	}
}

// BenchmarkTag_LongText tags each long text at three lengths; linear cost
// shows as the same MB/s at every length.
func BenchmarkTag_LongText(b *testing.B) {
	tx := Default()
	for _, lt := range longTexts {
		for _, size := range []int{10_000, 100_000, 1_000_000} {
			abstract := strings.Repeat(lt.unit, size/len(lt.unit)+1)
			a := article(lt.title, abstract)
			b.Run(fmt.Sprintf("%s/%dKB", strings.Fields(lt.unit)[0], size/1000), func(b *testing.B) {
				b.SetBytes(int64(len(abstract)))
				for b.Loop() {
					tx.Tag(a)
				}
			})
		}
	}
}

// TestTag_ConcurrentArticlesAgreeWithSequential: goroutines tagging
// different real records at once share the pool's scanners and get what
// tagging one at a time gives. Under -race this is where a scanner handed
// to two calls, or state one article leaves for the next, would show.
func TestTag_ConcurrentArticlesAgreeWithSequential(t *testing.T) {
	recs := loadTopical(t)
	var articles []*pubmed.Article
	for i := 0; i < len(recs); i += 32 {
		a := *recs[i].article
		bare := a
		bare.MeSH, bare.PublicationTypes = nil, nil
		articles = append(articles, &a, &bare)
	}
	tx := Default()
	want := make([]Tags, len(articles))
	for i, a := range articles {
		want[i] = tx.tag(tx.newScanner(), a)
	}
	const workers = 8
	errs := make(chan string, workers)
	for w := range workers {
		go func() {
			// Each goroutine starts elsewhere, so that neighbours in the
			// pool hold different articles.
			for k := range articles {
				i := (k + w*len(articles)/workers) % len(articles)
				if got := tx.Tag(articles[i]); !equalTags(got, want[i]) {
					errs <- fmt.Sprintf("pmid %d (MeSH %t): concurrent Tag = %+v, sequential %+v",
						articles[i].PMID, len(articles[i].MeSH) > 0, got, want[i])
					return
				}
			}
			errs <- ""
		}()
	}
	for range workers {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestTag_NotPhrasesOfEveryLengthCancelOverlappingTerms: a term is looked
// up only against the "not" phrases that start close enough before it to
// overlap, as far back as the longest one reaches; phrases of every length
// still cancel a term they cover at their first or last word.
func TestTag_NotPhrasesOfEveryLengthCancelOverlappingTerms(t *testing.T) {
	tx, err := Load(strings.NewReader(`condition a
  term   zeta
  not    zeta w | w zeta | v v v v zeta | zeta v v v v
  not    u u
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		title string
		want  []string
	}{
		{"zeta", []string{"a"}},
		{"zeta w", []string{}},
		{"w zeta", []string{}},
		{"v v v v zeta", []string{}},      // the longest phrase, ending on the term
		{"zeta v v v v", []string{}},      // and starting on it
		{"v v v v v zeta", []string{}},    // one more word before it changes nothing
		{"v v v zeta", []string{"a"}},     // too short to be the phrase
		{"u u v v v zeta", []string{"a"}}, // a phrase ending before the term
	}
	for _, tt := range tests {
		if got := tx.Tag(article(tt.title, "")).Conditions; !slices.Equal(got, tt.want) {
			t.Errorf("title %q: conditions = %q, want %q", tt.title, got, tt.want)
		}
	}
}

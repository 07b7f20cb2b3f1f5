package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"villi/internal/cputime"
	"villi/pubmed"
	"villi/taxonomy"
)

const benchBatch = 500

// words gives generated abstracts a vocabulary close to the corpus's, so
// sources compress about as well as real PubMed XML does.
var words = strings.Fields(`the of and in with patients disease intestinal permeability gut microbiome
celiac gluten diet zonulin increased decreased significantly compared controls study results
autoimmune thyroiditis inflammatory bowel crohn colitis mucosal barrier tight junction serum levels
randomized trial placebo group supplementation probiotic butyrate fibre short chain fatty acids
associated risk cohort mice model expression cytokine interleukin tumor necrosis factor response
clinical outcomes baseline weeks treatment effect analysis data were was this these our we`)

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// benchPut builds a record shaped like a MEDLINE article (six authors,
// a structured abstract, a dozen MeSH headings) and its ~4 KB source XML.
func benchPut(r *rand.Rand, pmid uint64) Put {
	a := pubmed.Article{
		PMID: pmid, Version: 1, Kind: pubmed.KindArticle, Status: "MEDLINE", Owner: "NLM",
		Title:       sentence(r, 14),
		Journal:     pubmed.Journal{Title: "Nutrients", ISOAbbrev: "Nutrients", MedlineTA: "Nutrients", ISSN: "2072-6643", Volume: "13", Issue: "4"},
		PubDate:     pubmed.Date{Year: 2015 + r.IntN(10), Month: 1 + r.IntN(12)},
		DateRevised: &pubmed.Date{Year: 2024, Month: 1 + r.IntN(12), Day: 1 + r.IntN(28)},
		IDs:         pubmed.ArticleIDs{DOI: fmt.Sprintf("10.3390/nu%d", pmid)},
		Languages:   []string{"eng"},
	}
	for _, label := range []string{"BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"} {
		a.Abstract = append(a.Abstract, pubmed.AbstractSection{Label: label, Category: label, Text: sentence(r, 45)})
	}
	for range 6 {
		a.Authors = append(a.Authors, pubmed.Author{LastName: strings.ToUpper(sentence(r, 1)[:1]) + sentence(r, 1), Initials: "AB", Affiliations: []string{"Department of Gastroenterology, " + sentence(r, 3)}})
	}
	for i := range 12 {
		a.MeSH = append(a.MeSH, pubmed.MeshHeading{DescriptorUI: fmt.Sprintf("D%06d", r.IntN(70000)), DescriptorName: sentence(r, 2), Major: i%4 == 0})
	}
	a.PublicationTypes = []pubmed.PublicationType{{UI: "D016428", Name: "Journal Article"}}

	var x strings.Builder
	fmt.Fprintf(&x, `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">%d</PMID><Article PubModel="Print"><Journal><ISSN IssnType="Electronic">2072-6643</ISSN><JournalIssue CitedMedium="Internet"><Volume>13</Volume><Issue>4</Issue><PubDate><Year>%d</Year><Month>%d</Month></PubDate></JournalIssue><Title>Nutrients</Title></Journal><ArticleTitle>%s</ArticleTitle><Abstract>`,
		pmid, a.PubDate.Year, a.PubDate.Month, a.Title)
	for _, s := range a.Abstract {
		fmt.Fprintf(&x, `<AbstractText Label="%s" NlmCategory="%s">%s</AbstractText>`, s.Label, s.Category, s.Text)
	}
	x.WriteString(`</Abstract><AuthorList CompleteYN="Y">`)
	for _, au := range a.Authors {
		fmt.Fprintf(&x, `<Author ValidYN="Y"><LastName>%s</LastName><Initials>%s</Initials><AffiliationInfo><Affiliation>%s</Affiliation></AffiliationInfo></Author>`, au.LastName, au.Initials, au.Affiliations[0])
	}
	x.WriteString(`</AuthorList><Language>eng</Language></Article><MeshHeadingList>`)
	for _, m := range a.MeSH {
		yn := map[bool]string{true: "Y", false: "N"}[m.Major]
		fmt.Fprintf(&x, `<MeshHeading><DescriptorName UI="%s" MajorTopicYN="%s">%s</DescriptorName></MeshHeading>`, m.DescriptorUI, yn, m.DescriptorName)
	}
	fmt.Fprintf(&x, `</MeshHeadingList></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">%d</ArticleId><ArticleId IdType="doi">%s</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`, pmid, a.IDs.DOI)

	tags := taxonomy.Tags{Conditions: []string{"celiac"}, Mechanisms: []string{"intestinal-permeability", "rebalance"}, Evidence: "rct", Species: "human"}
	return Put{Record: Record{Article: a, Tags: tags}, Source: []byte(x.String())}
}

func benchBatches(n int, firstPMID uint64) []Batch {
	r := rand.New(rand.NewPCG(7, 11))
	out := make([]Batch, n)
	pmid := firstPMID
	for i := range out {
		for range benchBatch {
			out[i].Puts = append(out[i].Puts, benchPut(r, pmid))
			pmid++
		}
	}
	return out
}

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "villi.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkApply stores batches of 500 records (~4 KB of XML each): new
// PMIDs, a re-import of the same records, and newer revisions of them.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	var cpu0 time.Duration
	start := func(b *testing.B) {
		b.ResetTimer()
		cpu0 = cputime.Process()
	}
	report := func(b *testing.B) {
		n := float64(b.N * benchBatch)
		b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
		// CPU per record stays meaningful on a shared machine, where wall
		// time mostly measures the neighbours.
		b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/n, "cpu-µs/record")
	}
	b.Run("added", func(b *testing.B) {
		s := openBench(b)
		batches := benchBatches(4, 1)
		var srcBytes int
		for _, p := range batches[0].Puts {
			srcBytes += len(p.Source)
		}
		b.SetBytes(int64(srcBytes))
		next := uint64(1)
		start(b)
		for i := range b.N {
			batch := batches[i%len(batches)]
			puts := make([]Put, len(batch.Puts))
			for j, p := range batch.Puts {
				p.Record.Article.PMID = next
				next++
				puts[j] = p
			}
			if _, err := s.Apply(ctx, Batch{Puts: puts}); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
		if st, err := os.Stat(s.Path()); err == nil {
			b.ReportMetric(float64(st.Size())/float64(b.N*benchBatch), "file-bytes/record")
		}
	})
	for _, mode := range []string{"unchanged", "updated"} {
		b.Run(mode, func(b *testing.B) {
			s := openBench(b)
			batches := benchBatches(4, 1)
			for _, batch := range batches {
				if _, err := s.Apply(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			start(b)
			for i := range b.N {
				batch := batches[i%len(batches)]
				if mode == "updated" {
					for j := range batch.Puts {
						a := &batch.Puts[j].Record.Article
						rev := *a.DateRevised
						rev.Year++
						a.DateRevised = &rev
					}
				}
				if _, err := s.Apply(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
	}
}

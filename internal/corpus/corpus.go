// Package corpus builds larger PubMed corpora for benchmarks and crawl tests
// by resampling real records: each generated record is a real record's XML
// with a new PMID and, with some probability, the abstract of another real
// record, so the text statistics stay those of PubMed. It never invents text.
package corpus

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"

	"villi/pubmed"
)

// Source is a pool of real records to resample.
type Source struct {
	records [][]byte // PubmedArticle elements (MedlineCitation-only records are wrapped)
}

// Len returns how many real records the pool holds.
func (s *Source) Len() int { return len(s.records) }

// Load reads every PubmedArticle from r into the pool; book articles and
// deletions are left out, since a corpus is for search and crawl volume.
func (s *Source) Load(r io.Reader) error {
	dec := pubmed.NewDecoder(r)
	for {
		it, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if it.Article == nil || it.Article.Kind != pubmed.KindArticle {
			continue
		}
		src := it.Source
		if bytes.HasPrefix(src, []byte("<MedlineCitation")) {
			src = append(append([]byte("<PubmedArticle>"), src...), "</PubmedArticle>"...)
		}
		s.records = append(s.records, src)
	}
}

// Options shape a generated corpus.
type Options struct {
	N         int    // records to write
	FirstPMID uint64 // PMIDs are FirstPMID, FirstPMID+1, ...; 0 means 90,000,000 (above real PMIDs)
	Seed      uint64
	// ShuffleAbstracts is the share (0–1) of records whose abstract is taken
	// from another randomly chosen record.
	ShuffleAbstracts float64
	// Entrez, when set, gives record i its entrez (and pubmed) History date,
	// so crawl tests can fill a date window with more than 10,000 records.
	Entrez func(i int) time.Time
}

var (
	rePMID     = regexp.MustCompile(`<PMID( [^>]*)?>\d+</PMID>`)
	reIDPubmed = regexp.MustCompile(`<ArticleId IdType="pubmed">\d+</ArticleId>`)
	reAbstract = regexp.MustCompile(`(?s)<Abstract>.*?</Abstract>`)
	reHistory  = regexp.MustCompile(`(?s)<PubMedPubDate PubStatus="(entrez|pubmed)">.*?</PubMedPubDate>`)
)

// Write writes a PubmedArticleSet of opts.N resampled records to w.
func (s *Source) Write(w io.Writer, opts Options) error {
	if len(s.records) == 0 {
		return errors.New("corpus: no source records loaded")
	}
	first := opts.FirstPMID
	if first == 0 {
		first = 90_000_000
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PubmedArticleSet>\n")
	for i := range opts.N {
		rec := s.records[rng.IntN(len(s.records))]
		pmid := strconv.FormatUint(first+uint64(i), 10)
		// Only the first PMID is the record's own; later ones are in
		// CommentsCorrections and point at other records.
		done := false
		rec = rePMID.ReplaceAllFunc(rec, func(m []byte) []byte {
			if done {
				return m
			}
			done = true
			return []byte(`<PMID Version="1">` + pmid + `</PMID>`)
		})
		rec = reIDPubmed.ReplaceAll(rec, []byte(`<ArticleId IdType="pubmed">`+pmid+`</ArticleId>`))
		if opts.ShuffleAbstracts > 0 && rng.Float64() < opts.ShuffleAbstracts {
			other := s.records[rng.IntN(len(s.records))]
			if abs := reAbstract.Find(other); abs != nil && reAbstract.Match(rec) {
				rec = reAbstract.ReplaceAllLiteral(rec, abs)
			}
		}
		if opts.Entrez != nil {
			rec = setEntrez(rec, opts.Entrez(i))
		}
		bw.Write(rec)
		bw.WriteByte('\n')
	}
	bw.WriteString("</PubmedArticleSet>\n")
	return bw.Flush()
}

// setEntrez replaces or adds the entrez and pubmed History dates.
func setEntrez(rec []byte, t time.Time) []byte {
	date := func(status string) string {
		return fmt.Sprintf(`<PubMedPubDate PubStatus="%s"><Year>%d</Year><Month>%d</Month><Day>%d</Day><Hour>%d</Hour><Minute>%d</Minute></PubMedPubDate>`,
			status, t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
	}
	rec = reHistory.ReplaceAllFunc(rec, func(m []byte) []byte {
		return []byte(date(string(reHistory.FindSubmatch(m)[1])))
	})
	if !bytes.Contains(rec, []byte(`PubStatus="entrez"`)) {
		hist := date("entrez") + date("pubmed")
		switch {
		case bytes.Contains(rec, []byte("<History>")):
			rec = bytes.Replace(rec, []byte("<History>"), []byte("<History>"+hist), 1)
		case bytes.Contains(rec, []byte("<PubmedData>")):
			rec = bytes.Replace(rec, []byte("<PubmedData>"), []byte("<PubmedData><History>"+hist+"</History>"), 1)
		default:
			rec = bytes.Replace(rec, []byte("</PubmedArticle>"), []byte("<PubmedData><History>"+hist+"</History></PubmedData></PubmedArticle>"), 1)
		}
	}
	return rec
}

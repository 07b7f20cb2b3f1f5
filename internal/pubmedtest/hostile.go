package pubmedtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"testing"
)

// The PMIDs of the records Hostile writes, one hostile feature each.
const (
	HostileTitle    uint64 = 99000001 // a title of 16 MiB of one letter
	HostileNesting  uint64 = 99000002 // a title inside three million nested <i>
	HostileWord     uint64 = 99000003 // an abstract with a 16 MiB word
	HostileAuthor   uint64 = 99000004 // an author whose last name is 16 MiB
	HostileBigTitle uint64 = 99000005 // a title of 60 MiB of one letter (HostileLarge only)
)

// Hostile writes, gzipped, a PubmedArticleSet holding before (the Source of
// a real record), the four hostile records HostileTitle ... HostileAuthor,
// then after (another real record's Source). Its XML is about 70 MB; its
// gzip, a few hundred kilobytes.
func Hostile(tb testing.TB, w io.Writer, before, after []byte) {
	tb.Helper()
	writeHostile(tb, w, before, after, false)
}

// HostileLarge is Hostile with a fifth record, HostileBigTitle, the 60 MiB
// title a tester sent through `villi import`.
func HostileLarge(tb testing.TB, w io.Writer, before, after []byte) {
	tb.Helper()
	writeHostile(tb, w, before, after, true)
}

func writeHostile(tb testing.TB, w io.Writer, before, after []byte, large bool) {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 1<<20)
	bw.WriteString("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n")
	bw.Write(before)
	bw.WriteString("\n")
	hostile := func(pmid uint64, title, abstract, lastName func()) {
		bw.WriteString(`<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">`)
		bw.WriteString(strconv.FormatUint(pmid, 10))
		bw.WriteString(`</PMID><Article PubModel="Print"><Journal><Title>Journal of Hostile Input</Title></Journal><ArticleTitle>`)
		title()
		bw.WriteString(`</ArticleTitle><Abstract><AbstractText>Gluten and the gut barrier. `)
		abstract()
		bw.WriteString(`</AbstractText></Abstract><AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>`)
		lastName()
		bw.WriteString("</LastName><Initials>H</Initials></Author></AuthorList><Language>eng</Language></Article></MedlineCitation></PubmedArticle>\n")
	}
	text := func(s string) func() { return func() { bw.WriteString(s) } }
	repeat := func(s string, n int) func() {
		return func() {
			chunk := bytes.Repeat([]byte(s), 1<<16/len(s))
			for n >= 1<<16/len(s) {
				bw.Write(chunk)
				n -= 1 << 16 / len(s)
			}
			bw.Write(chunk[:n*len(s)])
		}
	}
	const mib16 = 16 << 20
	hostile(HostileTitle, repeat("a", mib16), text("A short abstract."), text("Doe"))
	hostile(HostileNesting, func() {
		repeat("<i>", 3_000_000)()
		bw.WriteString("Deeply nested title")
		repeat("</i>", 3_000_000)()
	}, text("A short abstract."), text("Doe"))
	hostile(HostileWord, text("A huge word in the abstract"), repeat("b", mib16), text("Doe"))
	hostile(HostileAuthor, text("An over-long author name"), text("A short abstract."), repeat("c", mib16))
	if large {
		hostile(HostileBigTitle, repeat("a", 60<<20), text("A short abstract."), text("Doe"))
	}
	bw.Write(after)
	bw.WriteString("\n</PubmedArticleSet>\n")
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
}

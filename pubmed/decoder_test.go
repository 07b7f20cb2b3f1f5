package pubmed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

const oneRecord = `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="2">111</PMID>` +
	`<Article><ArticleTitle>First &amp; <i>only</i></ArticleTitle></Article></MedlineCitation></PubmedArticle>`

func decodeString(t *testing.T, in string) ([]Item, error) {
	t.Helper()
	d := NewDecoder(strings.NewReader(in))
	var items []Item
	for {
		it, err := d.Next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		items = append(items, it)
	}
}

func TestDecode_InputForms(t *testing.T) {
	set := "<PubmedArticleSet>\n" + oneRecord + "\n<DeleteCitation><PMID Version=\"1\">5</PMID><PMID>6</PMID></DeleteCitation>\n</PubmedArticleSet>\n"
	tests := []struct {
		name       string
		in         string
		wantPMIDs  []uint64 // 0 marks a deletion item
		wantDelete []uint64
	}{
		{"set with deletion", set, []uint64{111, 0}, []uint64{5, 6}},
		{"declaration and doctype", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">` + "\n" + set,
			[]uint64{111, 0}, []uint64{5, 6}},
		{"doctype with internal subset", `<!DOCTYPE PubmedArticleSet [ <!ENTITY x "a>b"> ]>` + set, []uint64{111, 0}, []uint64{5, 6}},
		{"UTF-8 BOM", "\xef\xbb\xbf" + set, []uint64{111, 0}, []uint64{5, 6}},
		{"bare PubmedArticle", oneRecord + "\n", []uint64{111}, nil},
		{"bare MedlineCitation", `<MedlineCitation><PMID>7</PMID></MedlineCitation>`, []uint64{7}, nil},
		{"bare PubmedBookArticle", `<PubmedBookArticle><BookDocument><PMID>8</PMID></BookDocument></PubmedBookArticle>`, []uint64{8}, nil},
		{"legacy MedlineCitationSet", `<MedlineCitationSet><MedlineCitation><PMID>9</PMID></MedlineCitation><DeleteCitation><PMID>10</PMID></DeleteCitation></MedlineCitationSet>`,
			[]uint64{9, 0}, []uint64{10}},
		{"book set", `<PubmedBookArticleSet><PubmedBookArticle><BookDocument><PMID>12</PMID></BookDocument></PubmedBookArticle></PubmedBookArticleSet>`, []uint64{12}, nil},
		{"empty set", `<PubmedArticleSet></PubmedArticleSet>`, nil, nil},
		{"comments and PIs around", "<!-- c --><?pi x?>\n<PubmedArticleSet><!-- inside -->" + oneRecord + "</PubmedArticleSet><!-- after -->\n", []uint64{111}, nil},
		{"self-closing deletion", `<PubmedArticleSet><DeleteCitation/></PubmedArticleSet>`, []uint64{0}, []uint64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				in := tc.in
				if gz {
					var b bytes.Buffer
					zw := gzip.NewWriter(&b)
					io.WriteString(zw, in)
					zw.Close()
					in = b.String()
				}
				items, err := decodeString(t, in)
				if err != nil {
					t.Fatalf("gzip=%v: %v", gz, err)
				}
				var pmids []uint64
				var deleted []uint64
				for i, it := range items {
					if it.Ordinal != i+1 {
						t.Errorf("item %d: Record = %d", i, it.Ordinal)
					}
					if it.Article != nil {
						pmids = append(pmids, it.Article.PMID)
						continue
					}
					pmids = append(pmids, 0)
					deleted = append(deleted, it.Deleted...)
					if it.Deleted == nil {
						t.Errorf("deletion item with nil Deleted")
					}
				}
				if !reflect.DeepEqual(pmids, tc.wantPMIDs) {
					t.Errorf("gzip=%v: items %v, want %v", gz, pmids, tc.wantPMIDs)
				}
				if len(deleted) > 0 || len(tc.wantDelete) > 0 {
					if !reflect.DeepEqual(deleted, tc.wantDelete) {
						t.Errorf("gzip=%v: deleted %v, want %v", gz, deleted, tc.wantDelete)
					}
				}
			}
		})
	}
}

func TestDecode_ItemCarriesExactSourceAndLine(t *testing.T) {
	in := "<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n  " + oneRecord + "\n  <DeleteCitation>\n<PMID>5</PMID></DeleteCitation>\n</PubmedArticleSet>"
	items, err := decodeString(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d items, want 2", len(items))
	}
	if got := string(items[0].Source); got != oneRecord {
		t.Errorf("Source = %q, want %q", got, oneRecord)
	}
	if got, want := string(items[1].Source), "<DeleteCitation>\n<PMID>5</PMID></DeleteCitation>"; got != want {
		t.Errorf("deletion Source = %q, want %q", got, want)
	}
	if items[0].Line != 3 || items[1].Line != 4 {
		t.Errorf("lines %d, %d; want 3, 4", items[0].Line, items[1].Line)
	}
	a := items[0].Article
	if a.Version != 2 || a.Title != "First & only" || a.TitleHTML != "First &amp; <i>only</i>" {
		t.Errorf("got version %d title %q html %q", a.Version, a.Title, a.TitleHTML)
	}
}

func TestDecode_RefusesWhatIsNotPubMed(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
		is      error
	}{
		{"no bytes", "", "empty input: no XML element", ErrEmpty},
		{"only whitespace", " \n\t\n", "empty input: no XML element", ErrEmpty},
		{"only a declaration", `<?xml version="1.0"?>` + "\n<!-- nothing -->\n", "empty input: no XML element", ErrEmpty},
		{"JSON", `{"esearchresult": {"count": "3"}}`, `line 1: not PubMed XML: input is not XML (starts with "{\"esearchresult\": {\"count\": \"3\"}}")`, ErrNotPubMed},
		{"eSearchResult", "<?xml version=\"1.0\"?>\n<eSearchResult><Count>0</Count></eSearchResult>", "line 2: not PubMed XML: root element <eSearchResult>", ErrNotPubMed},
		{"HTML error page", "<!DOCTYPE html>\n<html><body>Bad Gateway</body></html>", "line 2: not PubMed XML: root element <html>", ErrNotPubMed},
		{"bare fragments", oneRecord + "\n" + oneRecord, "line 2: more than one top-level element: <PubmedArticle> after </PubmedArticle> (bare records need a PubmedArticleSet root)", nil},
		{"text after root", "<PubmedArticleSet></PubmedArticleSet>\ntrailing junk", `line 2: text "trailing junk" after the root element </PubmedArticleSet>`, nil},
		{"unknown child", "<PubmedArticleSet>\n<Foo/></PubmedArticleSet>", "line 2: unexpected element <Foo> in <PubmedArticleSet>", nil},
		{"mismatched tags", "<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation></PubmedArticle>", "line 3, record 1: mismatched end tag: </PubmedArticle> closes <MedlineCitation>", nil},
		{"undefined entity", "<PubmedArticleSet><PubmedArticle><X>&nbsp;</X></PubmedArticle></PubmedArticleSet>", `line 1, record 1: undefined entity "&nbsp;"`, nil},
		{"bad attribute", `<PubmedArticleSet><PubmedArticle a=b></PubmedArticle></PubmedArticleSet>`, "line 1: unquoted value of attribute a in tag <PubmedArticle>", nil},
		{"truncated in a record", "<PubmedArticleSet>\n" + oneRecord + "\n<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><Abstract><AbstractText>cut he",
			"line 3, record 2 (after PMID 111): unexpected end of input inside <AbstractText>", ErrTruncated},
		{"truncated in a tag", "<PubmedArticleSet><PubmedArticle><PMID Vers", "line 1, record 1: unexpected end of input inside <PubmedArticle>", ErrTruncated},
		{"truncated after a record", "<PubmedArticleSet>\n" + oneRecord + "\n", "line 3 (after PMID 111): unexpected end of input inside <PubmedArticleSet>", ErrTruncated},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><PubmedArticleSet/>`, `line 1: unsupported encoding "ISO-8859-1" (PubMed XML is UTF-8)`, nil},
		{"corrupt gzip header", "\x1f\x8bnot really gzip", "line 1: gzip stream: gzip: invalid header", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeString(t, tc.in)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestDecode_ErrorIsSticky(t *testing.T) {
	d := NewDecoder(strings.NewReader("<PubmedArticleSet>" + oneRecord + "<PubmedArticle>"))
	if _, err := d.Next(); err != nil {
		t.Fatalf("first record: %v", err)
	}
	_, err1 := d.Next()
	_, err2 := d.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v then %v, want the same error twice", err1, err2)
	}
	var e *Error
	if !errors.As(err1, &e) || e.Ordinal != 2 || e.LastPMID != 111 {
		t.Errorf("error %#v, want *Error at record 2 after PMID 111", err1)
	}
}

func TestDecode_CorruptGzipNamesGzip(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, "<PubmedArticleSet>"+strings.Repeat(oneRecord, 200)+"</PubmedArticleSet>")
	zw.Close()
	gz := b.Bytes()

	t.Run("cut", func(t *testing.T) {
		_, err := decodeString(t, string(gz[:len(gz)/2]))
		if err == nil || !strings.Contains(err.Error(), "gzip stream: unexpected EOF") {
			t.Fatalf("error = %v, want it to name the gzip stream", err)
		}
	})
	t.Run("bad checksum", func(t *testing.T) {
		bad := bytes.Clone(gz)
		bad[len(bad)-6] ^= 0xff // CRC-32 in the trailer
		_, err := decodeString(t, string(bad))
		if err == nil || !strings.Contains(err.Error(), "gzip") {
			t.Fatalf("error = %v, want it to name gzip", err)
		}
	})
}

// TestDecode_TruncatedAtRandomOffsetsKeepsEarlierRecords cuts a real file at
// random offsets: every record that ends before the cut is yielded intact,
// then a truncation *Error names the record being read.
func TestDecode_TruncatedAtRandomOffsetsKeepsEarlierRecords(t *testing.T) {
	full := readFixture(t, "mattgrayson__pubmed/example-data__efetch.xml")
	whole, err := decodeString(t, string(full))
	if err != nil {
		t.Fatal(err)
	}
	rootEnd := bytes.LastIndex(full, []byte("</PubmedArticleSet>"))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		cut := rng.IntN(rootEnd)
		// One-byte reads too: refills must land anywhere in a token.
		r := io.Reader(bytes.NewReader(full[:cut]))
		if cut%3 == 0 {
			r = iotest.OneByteReader(r)
		}
		d := NewDecoder(r)
		var got []Item
		for {
			it, err := d.Next()
			if err == nil {
				got = append(got, it)
				continue
			}
			var e *Error
			if cut > 0 && (!errors.As(err, &e) || !errors.Is(err, ErrTruncated)) {
				t.Fatalf("cut at %d: error %v, want a truncation *Error", cut, err)
			}
			break
		}
		for i, it := range got {
			w := whole[i]
			if !bytes.Equal(it.Source, w.Source) || !reflect.DeepEqual(it.Article, w.Article) || it.Line != w.Line {
				t.Fatalf("cut at %d: record %d differs from the uncut decode", cut, i+1)
			}
		}
		want := 0
		for _, w := range whole {
			if end := bytes.Index(full, w.Source) + len(w.Source); end <= cut {
				want++
			}
		}
		if len(got) != want {
			t.Errorf("cut at %d: %d records before the error, want %d", cut, len(got), want)
		}
	}
}

// genReader serves a PubmedArticleSet of n copies of a record, each with a
// new PMID (written between before and after), never holding more than one.
type genReader struct {
	before, after []byte
	n, i          int
	buf           bytes.Buffer
	done          bool
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && !g.done {
		switch {
		case g.i == 0 && g.buf.Len() == 0:
			g.buf.WriteString("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n")
		}
		if g.i < g.n {
			g.buf.Write(g.before)
			g.buf.WriteString(strconv.Itoa(40000000 + g.i))
			g.buf.Write(g.after)
			g.i++
			continue
		}
		g.buf.WriteString("</PubmedArticleSet>\n")
		g.done = true
	}
	return g.buf.Read(p)
}

// TestDecode_StreamsABaselineSizedFileInBoundedMemory decodes 30,000
// generated records (a baseline file's count) and checks that the decoder's
// window never grows beyond a few records.
func TestDecode_StreamsABaselineSizedFileInBoundedMemory(t *testing.T) {
	items, err := decodeString(t, string(readFixture(t, "mattgrayson__pubmed/example-data__efetch.xml")))
	if err != nil {
		t.Fatal(err)
	}
	// The shortest real record keeps the test quick; 30,000 of them are
	// still ~45 MB of XML.
	shortest := items[0]
	for _, it := range items {
		if len(it.Source) < len(shortest.Source) {
			shortest = it
		}
	}
	pm := []byte(">" + strconv.FormatUint(shortest.Article.PMID, 10) + "<")
	i := bytes.Index(shortest.Source, pm)
	rec := shortest.Source
	const n = 30000
	d := NewDecoder(&genReader{before: rec[:i+1], after: append(bytes.Clone(rec[i+len(pm)-1:]), '\n'), n: n})
	count, maxBuf := 0, 0
	for {
		it, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := uint64(40000000 + count); it.Article.PMID != want {
			t.Fatalf("record %d: PMID %d, want %d", count+1, it.Article.PMID, want)
		}
		count++
		maxBuf = max(maxBuf, cap(d.s.buf))
	}
	if count != n {
		t.Errorf("%d records, want %d", count, n)
	}
	if total := n * len(rec); maxBuf > 1<<20 {
		t.Errorf("window grew to %d bytes for a %d-byte input; want it bounded by a record or so", maxBuf, total)
	}
}

// Found by FuzzDecode: whitespace filling the first read, then more.
func TestDecode_LongLeadingWhitespace(t *testing.T) {
	in := strings.Repeat(" ", 300<<10) + "\n" + oneRecord
	items, err := decodeString(t, in)
	if err != nil || len(items) != 1 || items[0].Line != 2 {
		t.Fatalf("got %d items, err %v; want the record on line 2", len(items), err)
	}
	if _, err := decodeString(t, strings.Repeat(" ", 300<<10)); !errors.Is(err, ErrEmpty) {
		t.Fatalf("only whitespace: %v, want ErrEmpty", err)
	}
}

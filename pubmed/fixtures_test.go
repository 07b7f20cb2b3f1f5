package pubmed

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"villi/internal/fixture"
)

// negativeFixtures are the fixture files that are not valid PubMed record
// XML on purpose (PROVENANCE.tsv notes say so), with the error each must
// give. Records before the fault may be yielded: wantItems of them.
var negativeFixtures = map[string]struct {
	wantItems int
	wantErr   string
	is        error
}{
	"iAmGiG__Python-PostgreSQL/data__pubmed_sample.xml": {8,
		"line 5001, record 9 (after PMID 36226319): unexpected end of input inside <ArticleIdList>", ErrTruncated},
	"JabRef__jabref/jablib__src__test__resources__org__jabref__logic__importer__fileformat__MedlineImporterTestMalformedEntry.xml": {0,
		"line 4, record 1: mismatched end tag: </PubmedArticleSet> closes <PubmedArticle>", nil},
	"JabRef__jabref/jablib__src__test__resources__org__jabref__logic__importer__fileformat__MedlinePlainImporterTestInvalidFormat.xml": {0,
		`line 1: not PubMed XML: input is not XML (starts with "PMC some PMC")`, ErrNotPubMed},
	"piratevax__m22_web_semantic/pubmed_result.xml": {0,
		"line 256: more than one top-level element: <PubmedArticle> after </PubmedArticle> (bare records need a PubmedArticleSet root)", nil},
	"SEEDtk__ncbi.utils/data__pubmed.xml": {0,
		"line 2: not PubMed XML: root element <RAW_DATA>", ErrNotPubMed},
	"LaughingBubba__pubmed-local/db__mongo__sample.xml": {0,
		"line 1: not PubMed XML: root element <root>", ErrNotPubMed},
	"PathwayCommons__ncbiutils/tests__data__no_pubmedarticleset.xml": {0,
		"line 2: not PubMed XML: root element <rss>", ErrNotPubMed},
	"wcmc-its__ReCiter-PubMed-Retrieval-Tool/src__test__resources__pubmed__callable__special_characters.xml": {0,
		`line 30, record 1: invalid character "&&&& of ": '&' must start a reference like &amp;`, nil},
}

// recordRoots are the roots whose files the decoder must read whole.
var recordRoots = map[string]bool{
	"PubmedArticleSet": true, "PubmedBookArticleSet": true, "MedlineCitationSet": true,
	"PubmedArticle": true, "PubmedBookArticle": true, "MedlineCitation": true,
}

type decoded struct {
	items []Item
	err   error
	input []byte // the uncompressed input
}

func decodeFile(t *testing.T, rel string) decoded {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixture.PubMed(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	var out decoded
	out.input = raw
	if bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if out.input, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	d := NewDecoder(bytes.NewReader(raw))
	for {
		it, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.err = err
			break
		}
		out.items = append(out.items, it)
	}
	return out
}

// TestDecode_EveryFixtureFile feeds every fixture file to the decoder:
// record files yield exactly PROVENANCE.tsv's counts, negative fixtures
// fail with a clear message, and everything else (E-utilities results, MeSH
// vocabularies, JSON, vcr cassettes) is refused with ErrNotPubMed. Each
// item's Source is the exact input at its Line, and Parse(Source) gives the
// same Article the stream gave.
func TestDecode_EveryFixtureFile(t *testing.T) {
	files := fixture.Files(t)
	if len(files) < 300 {
		t.Fatalf("PROVENANCE.tsv lists %d files, want the ~395 shipped", len(files))
	}
	var records, deletions int
	for _, f := range files {
		t.Run(f.Path, func(t *testing.T) {
			got := decodeFile(t, f.Path)
			if neg, ok := negativeFixtures[f.Path]; ok {
				if got.err == nil || got.err.Error() != neg.wantErr {
					t.Fatalf("error = %v, want %q", got.err, neg.wantErr)
				}
				if neg.is != nil && !errors.Is(got.err, neg.is) {
					t.Errorf("error %v does not wrap %v", got.err, neg.is)
				}
				var e *Error
				if !errors.As(got.err, &e) {
					t.Errorf("error %T is not an *Error", got.err)
				}
				if len(got.items) != neg.wantItems {
					t.Errorf("yielded %d items before the error, want %d", len(got.items), neg.wantItems)
				}
				checkSources(t, got)
				return
			}
			if !recordRoots[f.Root] {
				if !errors.Is(got.err, ErrNotPubMed) {
					t.Fatalf("root %q: error = %v, want ErrNotPubMed", f.Root, got.err)
				}
				return
			}
			if got.err != nil {
				t.Fatalf("error: %v", got.err)
			}
			want := f.Articles + f.Books + f.MedlineCitations
			if f.Root == "MedlineCitationSet" && f.Articles > 0 {
				// PROVENANCE counts the MedlineCitation inside each
				// PubmedArticle of such a set a second time.
				want -= f.Articles
			}
			var arts, dels int
			for _, it := range got.items {
				if it.Article != nil {
					arts++
				} else {
					dels += len(it.Deleted)
				}
			}
			if arts != want || dels != f.Deleted {
				t.Errorf("got %d records, %d deleted PMIDs; want %d, %d", arts, dels, want, f.Deleted)
			}
			records += arts
			deletions += dels
			checkSources(t, got)
		})
	}
	t.Logf("%d records and %d deletions decoded", records, deletions)
}

// checkSources checks that each item's Source is the input's bytes at the
// item's line, in order, and that Parse(Source) gives the streamed Article.
func checkSources(t *testing.T, got decoded) {
	t.Helper()
	off := 0
	for _, it := range got.items {
		i := bytes.Index(got.input[off:], it.Source)
		if i < 0 || len(it.Source) == 0 {
			t.Fatalf("record %d: Source (%d bytes) is not in the input after offset %d", it.Ordinal, len(it.Source), off)
		}
		off += i
		if line := bytes.Count(got.input[:off], []byte("\n")) + 1; line != it.Line {
			t.Errorf("record %d: Line = %d, Source starts on line %d", it.Ordinal, it.Line, line)
		}
		off += len(it.Source)
		if it.Article == nil {
			continue
		}
		a, err := Parse(it.Source)
		if err != nil {
			t.Fatalf("record %d (PMID %d): Parse(Source): %v", it.Ordinal, it.Article.PMID, err)
		}
		if !reflect.DeepEqual(a, it.Article) {
			t.Errorf("record %d (PMID %d): Parse(Source) differs from the streamed Article", it.Ordinal, it.Article.PMID)
		}
	}
}

// TestDecode_RecordsMatchRecordsTSV checks every genuine record against
// records.tsv (computed with Python's ElementTree): PMID, MeSH count, title
// prefix and abstract length. Text is also checked against an independent
// reading of the record's Source with encoding/xml: each abstract section's
// Text is its character data with whitespace collapsed.
func TestDecode_RecordsMatchRecordsTSV(t *testing.T) {
	byFile := map[string][]fixture.Record{}
	var order []string
	for _, r := range fixture.Records(t) {
		if _, ok := byFile[r.Path]; !ok {
			order = append(order, r.Path)
		}
		byFile[r.Path] = append(byFile[r.Path], r)
	}
	checked := 0
	for _, path := range order {
		if _, neg := negativeFixtures[path]; neg {
			continue
		}
		want := byFile[path]
		got := decodeFile(t, path)
		if got.err != nil {
			t.Errorf("%s: %v", path, got.err)
			continue
		}
		var arts []Item
		for _, it := range got.items {
			if it.Article != nil {
				arts = append(arts, it)
			}
		}
		if len(arts) != len(want) {
			// PubmedArticles inside a MedlineCitationSet: records.tsv
			// lists their MedlineCitations as records of their own.
			var outer []fixture.Record
			for _, r := range want {
				if r.Kind != "MedlineCitation" {
					outer = append(outer, r)
				}
			}
			want = outer
		}
		if len(arts) != len(want) {
			t.Errorf("%s: %d records, records.tsv has %d", path, len(arts), len(want))
			continue
		}
		for i, it := range arts {
			a, w := it.Article, want[i]
			if !w.Genuine {
				continue
			}
			checked++
			where := path + " record " + strconv.Itoa(w.RecordNo)
			if w.PMID != "" && strconv.FormatUint(a.PMID, 10) != w.PMID {
				t.Errorf("%s: PMID = %d, want %s", where, a.PMID, w.PMID)
			}
			if n := distinctMeSH(a); n != w.MeSH {
				t.Errorf("%s: %d MeSH descriptors, want %d", where, n, w.MeSH)
			}
			if wt := collapse(w.TitlePrefix); !strings.HasPrefix(a.Title, wt) && !strings.HasPrefix(wt, a.Title) {
				t.Errorf("%s: title = %q, want prefix %q", where, a.Title, wt)
			}
			ref := referenceAbstracts(t, it.Source)
			if ref.chars != w.AbstractChars {
				t.Errorf("%s: Source holds %d abstract characters, records.tsv %d", where, ref.chars, w.AbstractChars)
			}
			var gotSecs []string
			for _, s := range a.Abstract {
				gotSecs = append(gotSecs, s.Text)
			}
			for _, o := range a.OtherAbstracts {
				for _, s := range o.Sections {
					gotSecs = append(gotSecs, s.Text)
				}
			}
			if !reflect.DeepEqual(gotSecs, ref.sections) {
				t.Errorf("%s: abstract sections\n got %q\nwant %q", where, gotSecs, ref.sections)
			}
		}
	}
	if checked < 3800 {
		t.Errorf("checked %d genuine records, want all of records.tsv's ~3,850 outside negative fixtures", checked)
	}
}

func distinctMeSH(a *Article) int {
	seen := map[string]bool{}
	for _, h := range a.MeSH {
		seen[h.DescriptorUI+"|"+h.DescriptorName] = true
	}
	return len(seen)
}

// collapse is the reference whitespace rule: XML whitespace runs become one
// space, trimmed at both ends.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
}

type refAbstract struct {
	chars    int      // runes of character data in every AbstractText, as ElementTree counts
	sections []string // each non-empty AbstractText's text, collapsed
}

// referenceAbstracts reads AbstractText elements (of Abstract and
// OtherAbstract) from a record's Source with encoding/xml.
func referenceAbstracts(t *testing.T, src []byte) refAbstract {
	t.Helper()
	var out refAbstract
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	var stack []string
	depth := -1 // depth of the AbstractText being read, -1 outside
	var cur strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("encoding/xml on Source: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			n := len(stack)
			if depth < 0 && tok.Name.Local == "AbstractText" && n >= 2 &&
				(stack[n-2] == "Abstract" || stack[n-2] == "OtherAbstract") {
				depth = n
				cur.Reset()
			}
		case xml.EndElement:
			if len(stack) == depth {
				out.chars += utf8.RuneCountInString(cur.String())
				if s := collapse(cur.String()); s != "" {
					out.sections = append(out.sections, s)
				}
				depth = -1
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if depth >= 0 {
				cur.Write(tok)
			}
		}
	}
}

// TestDecode_TopicalCorpus reads the 8,600 re-encoded topical records.
func TestDecode_TopicalCorpus(t *testing.T) {
	dir := fixture.Topical(t)
	f, err := os.Open(filepath.Join(dir, "gut-diet-topics.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, err := os.ReadFile(filepath.Join(dir, "truth.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	type truthRow struct{ pmid, hasMeSH, title string }
	var want []truthRow
	for _, line := range strings.Split(strings.TrimSpace(string(truth)), "\n") {
		c := strings.Split(line, "\t")
		if len(c) < 4 {
			t.Fatalf("truth.tsv: short row %q", line)
		}
		want = append(want, truthRow{c[0], c[2], c[3]})
	}
	d := NewDecoder(f)
	n := 0
	for ; ; n++ {
		it, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(want) {
			continue
		}
		a, w := it.Article, want[n]
		if strconv.FormatUint(a.PMID, 10) != w.pmid {
			t.Fatalf("record %d: PMID %d, truth.tsv %s", n+1, a.PMID, w.pmid)
		}
		if got := len(a.MeSH) > 0; got != (w.hasMeSH == "mesh") {
			t.Errorf("PMID %d: has MeSH = %v, truth.tsv says %q", a.PMID, got, w.hasMeSH)
		}
		if !strings.HasPrefix(a.Title, collapse(w.title)) {
			t.Errorf("PMID %d: title %q, want prefix %q", a.PMID, a.Title, w.title)
		}
	}
	if n != len(want) || n != 8600 {
		t.Errorf("%d records, truth.tsv has %d, README says 8,600", n, len(want))
	}
}

package pubmed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"villi/internal/fixture"
)

// fieldMax is the longest value seen at one field path of the Article.
type fieldMax struct {
	bytes, token  int
	pmid, tokPMID uint64
}

type realMaxima struct {
	fields  map[string]*fieldMax
	lists   map[string]int // longest list per path
	depth   int            // deepest inline markup in an HTML field
	source  int            // largest record
	records int
	cut     string // the first real record that was cut, and how
}

// measureFixtures decodes every record of every fixture file (pubmed and
// topical; records before a negative fixture's fault count too) and keeps
// the longest value of every string field of the Article, found by
// reflection so that a field added later is measured too.
func measureFixtures(t *testing.T) realMaxima {
	m := realMaxima{fields: map[string]*fieldMax{}, lists: map[string]int{}}
	var paths []string
	for _, dir := range []string{fixture.PubMed(t), fixture.Topical(t)} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xml.gz")) {
				paths = append(paths, p)
			}
			return nil
		})
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder(f)
		for {
			it, err := d.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrNotPubMed) && !errors.Is(err, ErrEmpty) {
					t.Logf("%s: %v (records before it measured)", filepath.Base(p), err)
				}
				break
			}
			m.source = max(m.source, len(it.Source))
			if it.Article == nil {
				continue
			}
			m.records++
			if len(it.Cut) > 0 && m.cut == "" {
				m.cut = fmt.Sprintf("%s: PMID %d: %v", filepath.Base(p), it.Article.PMID, it.Cut)
			}
			m.walk(reflect.ValueOf(*it.Article), "", it.Article.PMID)
		}
		f.Close()
	}
	return m
}

func (m *realMaxima) walk(v reflect.Value, path string, pmid uint64) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			m.walk(v.Elem(), path, pmid)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			m.walk(v.Field(i), strings.TrimPrefix(path+"."+name, "."), pmid)
		}
	case reflect.Slice:
		m.lists[path] = max(m.lists[path], v.Len())
		for i := range v.Len() {
			m.walk(v.Index(i), path+"[]", pmid)
		}
	case reflect.String:
		s := v.String()
		fm := m.fields[path]
		if fm == nil {
			fm = &fieldMax{}
			m.fields[path] = fm
		}
		if len(s) > fm.bytes {
			fm.bytes, fm.pmid = len(s), pmid
		}
		if strings.HasSuffix(path, "html") {
			m.depth = max(m.depth, inlineDepth(s))
			return
		}
		for _, w := range strings.Fields(s) {
			if len(w) > fm.token {
				fm.token, fm.tokPMID = len(w), pmid
			}
		}
	}
}

// inlineDepth returns the deepest nesting of tags in an HTML field.
func inlineDepth(html string) int {
	depth, deepest := 0, 0
	b := []byte(html)
	for i := bytes.IndexByte(b, '<'); i >= 0; i = bytes.IndexByte(b, '<') {
		if i+1 < len(b) && b[i+1] == '/' {
			depth--
		} else {
			depth++
			deepest = max(deepest, depth)
		}
		b = b[i+1:]
	}
	return deepest
}

// limitOf is the limit on the text at an Article field path.
func limitOf(path string) int {
	switch path {
	case "title", "vernacular_title", "book.title", "book.collection_title", "copyright":
		return maxTitle
	case "abstract[].text", "other_abstracts[].sections[].text", "coi_statement":
		return maxParagraph
	case "authors[].affiliations[]", "book.editors[].affiliations[]":
		return maxAffiliation
	}
	return maxShort
}

// TestLimits_RealRecordsFit holds the limits of limits.go to the real
// records: none is cut, and each limit is at least four times the longest
// real value it bounds. -v logs the maxima.
func TestLimits_RealRecordsFit(t *testing.T) {
	m := measureFixtures(t)
	if m.records < 12000 {
		t.Fatalf("measured %d records, want the 12,470 of the fixtures", m.records)
	}
	if m.cut != "" {
		t.Errorf("a real record was cut: %s", m.cut)
	}
	var keys []string
	for k := range m.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	longestWord := 0
	for _, k := range keys {
		f := m.fields[k]
		t.Logf("%-40s %6d bytes (PMID %d), longest word %4d (PMID %d)", k, f.bytes, f.pmid, f.token, f.tokPMID)
		longestWord = max(longestWord, f.token)
		if strings.HasSuffix(k, "html") {
			continue // the text's limit, plus markup
		}
		if limit := limitOf(k); 4*f.bytes > limit {
			t.Errorf("%s: longest real value %d bytes (PMID %d) is over a quarter of its limit %d", k, f.bytes, f.pmid, limit)
		}
	}
	if 4*longestWord > maxWord {
		t.Errorf("longest real word %d bytes is over a quarter of maxWord %d", longestWord, maxWord)
	}
	if 4*m.depth > maxInline {
		t.Errorf("deepest real inline markup %d is over a quarter of maxInline %d", m.depth, maxInline)
	}
	t.Logf("%d records; longest word %d bytes; deepest inline markup %d; largest record %d bytes", m.records, longestWord, m.depth, m.source)
}

// TestDecode_HostileRecordsAreCut feeds records built to exhaust memory
// between two ordinary ones: each is cut to the limits, says so in Cut, and
// the records around it decode whole.
func TestDecode_HostileRecordsAreCut(t *testing.T) {
	rec := func(pmid, title, abstract, last string) string {
		return `<PubmedArticle><MedlineCitation><PMID>` + pmid + `</PMID><Article><ArticleTitle>` + title +
			`</ArticleTitle><Abstract><AbstractText Label="BACKGROUND">` + abstract + `</AbstractText></Abstract>` +
			`<AuthorList><Author><LastName>` + last + `</LastName></Author></AuthorList></Article></MedlineCitation></PubmedArticle>`
	}
	const mib = 1 << 20
	big := strings.Repeat("a", 4*mib)
	for _, tc := range []struct {
		name, title, abstract, last string
		wantCut                     string
		lines                       int // of Cut
		check                       func(*Article) string
	}{
		{"title of one letter", big, "x", "Doe", "<ArticleTitle> word cut to 4096 bytes (was 4194304 bytes)", 1, func(a *Article) string {
			if len(a.Title) > maxTitle+len(ellipsis) || len(a.TitleHTML) > maxTitle+len(ellipsis) {
				return "title kept " + strconv.Itoa(len(a.Title)) + " bytes"
			}
			return ""
		}},
		{"title of many words", strings.Repeat("gut ", mib), "x", "Doe", "<ArticleTitle> cut to 4096 bytes (was 4194303 bytes)", 1, func(a *Article) string {
			if !strings.HasSuffix(a.Title, " gut…") || len(a.Title) > maxTitle+len(ellipsis) {
				return "title " + a.Title[len(a.Title)-20:]
			}
			return ""
		}},
		{"nested inline markup", strings.Repeat("<i>", 300000) + "deep" + strings.Repeat("</i>", 300000), "x", "Doe",
			"<ArticleTitle> inline markup kept to 8 levels (was 300000 levels)", 1, func(a *Article) string {
				if a.Title != "deep" || a.TitleHTML != strings.Repeat("<i>", 8)+"deep"+strings.Repeat("</i>", 8) {
					return "title " + a.Title + ", html " + a.TitleHTML[:min(100, len(a.TitleHTML))]
				}
				return ""
			}},
		{"markup outweighing text", strings.Repeat("<sup>x</sup> ", 100000), "x", "Doe",
			"<ArticleTitle> inline markup dropped where it outweighed the text", 2, func(a *Article) string {
				if len(a.TitleHTML) > 2*maxTitle+len(ellipsis) {
					return "html " + strconv.Itoa(len(a.TitleHTML)) + " bytes"
				}
				return ""
			}},
		{"huge word in an abstract", "t", "Gluten. " + big + " and more", "Doe", "<AbstractText> word cut to 4096 bytes", 1, func(a *Article) string {
			s := a.Abstract[0]
			if !strings.HasPrefix(s.Text, "Gluten. aaa") || !strings.HasSuffix(s.Text, "a and more") || len(s.Text) != len("Gluten. ")+maxWord+len(" and more") || s.HTML != s.Text {
				return "abstract " + strconv.Itoa(len(s.Text)) + " bytes"
			}
			return ""
		}},
		{"word split by references", "t", strings.Repeat("b&amp;", mib), "Doe", "<AbstractText> word cut to 4096 bytes", 1, func(a *Article) string {
			if len(a.Abstract[0].Text) > maxWord {
				return "abstract " + strconv.Itoa(len(a.Abstract[0].Text)) + " bytes"
			}
			return ""
		}},
		{"over-long author name", "t", "x", strings.Repeat("é", mib), "<LastName> cut to 1024 bytes (was 2097152 bytes)", 1, func(a *Article) string {
			if n := len(a.Authors[0].LastName); n > maxShort+len(ellipsis) || !utf8.ValidString(a.Authors[0].LastName) {
				return "last name " + strconv.Itoa(n) + " bytes"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := "<PubmedArticleSet>" + rec("1", "Before", "An abstract.", "Smith") + rec("2", tc.title, tc.abstract, tc.last) +
				rec("3", "After", "An abstract.", "Jones") + "</PubmedArticleSet>"
			d := NewDecoder(strings.NewReader(in))
			var items []Item
			for {
				it, err := d.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, it)
			}
			if len(items) != 3 {
				t.Fatalf("got %d records, want 3", len(items))
			}
			for _, i := range []int{0, 2} {
				if a := items[i].Article; items[i].Cut != nil || a.Title != [...]string{"Before", "", "After"}[i] || a.Abstract[0].Text != "An abstract." {
					t.Errorf("record %d: cut %v, title %q: not intact", a.PMID, items[i].Cut, a.Title)
				}
			}
			got := items[1]
			if len(got.Cut) != tc.lines || !strings.Contains(strings.Join(got.Cut, "; "), tc.wantCut) {
				t.Errorf("Cut = %q, want %d lines, one containing %q", got.Cut, tc.lines, tc.wantCut)
			}
			if msg := tc.check(got.Article); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestDecode_LongAttributeIsCut: an attribute value is held to maxShort.
func TestDecode_LongAttributeIsCut(t *testing.T) {
	label := strings.Repeat("L", 1<<20)
	a, err := Parse([]byte(`<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>T</ArticleTitle><Abstract><AbstractText Label="` +
		label + `">x</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>`))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(a.Abstract[0].Label); got != maxShort+len(ellipsis) {
		t.Errorf("label kept %d bytes, want %d", got, maxShort+len(ellipsis))
	}
}

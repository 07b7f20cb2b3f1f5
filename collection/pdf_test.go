package collection

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"villi/cite"
	"villi/internal/fixture"
	"villi/internal/pdftest"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// fixtureArticles decodes every record of every PubMed fixture file that
// decodes (the negative fixtures stop at their first error), once per PMID.
func fixtureArticles(tb testing.TB) []*pubmed.Article {
	tb.Helper()
	seen := map[uint64]bool{}
	var out []*pubmed.Article
	for _, fl := range fixture.Files(tb) {
		f, err := os.Open(filepath.Join(fixture.PubMed(tb), fl.Path))
		if err != nil {
			continue
		}
		dec := pubmed.NewDecoder(f)
		for {
			it, err := dec.Next()
			if err != nil { // io.EOF, or a negative fixture's error
				break
			}
			if a := it.Article; a != nil && a.PMID != 0 && !seen[a.PMID] {
				seen[a.PMID] = true
				out = append(out, a)
			}
		}
		f.Close()
	}
	if len(out) < 1000 {
		tb.Fatalf("only %d fixture records decode", len(out))
	}
	return out
}

// taggedStore stores articles with their taxonomy tags, as the ingest path does.
func taggedStore(tb testing.TB, arts []*pubmed.Article) *store.Store {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "villi.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	tax := taxonomy.Default()
	puts := make([]store.Put, len(arts))
	for i, a := range arts {
		puts[i] = store.Put{Record: store.Record{Article: *a, Tags: tax.Tag(a)}}
	}
	if _, err := st.Apply(context.Background(), store.Batch{Puts: puts}); err != nil {
		tb.Fatal(err)
	}
	return st
}

// fillCollection makes a collection of ada's holding pmids, every third
// with a note and every fifth note private.
func fillCollection(tb testing.TB, s *Service, name string, pmids []uint64) store.Collection {
	tb.Helper()
	ctx := context.Background()
	c, err := s.Create(ctx, ada, name)
	if err != nil {
		tb.Fatal(err)
	}
	for i, p := range pmids {
		note := ""
		if i%3 == 0 {
			note = "Note " + strconv.Itoa(i) + ": read the discussion."
		}
		if _, err := s.Add(ctx, ada, c.ID, p, note); err != nil {
			tb.Fatal(err)
		}
		if i%15 == 0 {
			if _, err := s.SetItemNote(ctx, ada, c.ID, p, "PRIVATE "+strconv.Itoa(i), true); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return c
}

func pmidsOf(arts []*pubmed.Article) []uint64 {
	out := make([]uint64, len(arts))
	for i, a := range arts {
		out[i] = a.PMID
	}
	return out
}

func renderPDF(tb testing.TB, l *ReferenceList) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := l.WritePDF(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// checkPDF reads the PDF back and holds it to the list: metadata, every
// reference exactly as its text (after the documented font substitutions,
// however wrapped) and in order, and the handout's parts.
func checkPDF(t *testing.T, l *ReferenceList, pdf []byte) string {
	t.Helper()
	info := pdftest.Info(t, pdf)
	if info["Title"] != l.Handout.Title || info["Author"] != l.Handout.Practice || info["Creator"] != "villi" {
		t.Errorf("PDF metadata title %q, author %q, creator %q; want %q, %q, villi",
			info["Title"], info["Author"], info["Creator"], l.Handout.Title, l.Handout.Practice)
	}
	pages, _ := strconv.Atoi(info["Pages"])
	if min, max := 1+len(l.Entries)/20, 2+len(l.Entries)/5; pages < min || pages > max {
		t.Errorf("%d references on %d pages, want %d to %d", len(l.Entries), pages, min, max)
	}
	text := pdftest.Text(t, pdf)
	flat := pdftest.Squeeze(text)
	at := 0
	for _, e := range l.Entries {
		want, err := PDFText(e.Text)
		if err != nil {
			t.Fatal(err)
		}
		w := pdftest.Squeeze(strconv.Itoa(e.N) + "." + want)
		i := strings.Index(flat[at:], w)
		if i < 0 {
			t.Errorf("reference %d (PMID %d) is not in the PDF as %q", e.N, e.PMID, want)
			continue
		}
		at += i + len(w)
		if e.Evidence != "" && !strings.Contains(flat[at:], pdftest.Squeeze("Evidence:"+taxonomy.EvidenceLabel(e.Evidence))) {
			t.Errorf("reference %d: no evidence level %q after it", e.N, e.Evidence)
		}
	}
	links := 0
	for _, e := range l.Entries {
		if e.FullText != "" {
			links++
			// A link annotation, uncompressed in the page's dictionary.
			if !bytes.Contains(pdf, []byte("/URI ("+e.FullText+")")) || !strings.Contains(flat, pdftest.Squeeze("Free full text (PMC): "+e.FullText)) {
				t.Errorf("reference %d: free full text %s is not a link in the PDF", e.N, e.FullText)
			}
		}
	}
	if links == 0 && len(l.Entries) > 100 {
		t.Errorf("no free full text among %d references to check", len(l.Entries))
	}
	for _, want := range []string{l.Handout.Title, l.Handout.Practice, Disclaimer} {
		if !strings.Contains(flat, pdftest.Squeeze(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	return text
}

// handoutSample picks MaxItems fixture records for one handout: every
// record whose reference has a character outside ASCII (where fonts fail),
// then the others in file order.
func handoutSample(arts []*pubmed.Article) []*pubmed.Article {
	var odd, plain []*pubmed.Article
	for _, a := range arts {
		txt, _ := cite.BareReference(cite.Vancouver, a)
		if strings.IndexFunc(txt, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
			odd = append(odd, a)
		} else {
			plain = append(plain, a)
		}
	}
	return append(odd, plain...)[:MaxItems]
}

func TestPDF_EveryReferenceAsItsText(t *testing.T) {
	pdftest.Require(t)
	arts := handoutSample(fixtureArticles(t))
	st := taggedStore(t, arts)
	if err := st.CreateUser(store.User{Email: ada.Email, PasswordHash: []byte("x"), Practice: "Ada Gut Clinic · Zürich"}); err != nil {
		t.Fatal(err)
	}
	s := New(st)
	ctx := context.Background()
	c := fillCollection(t, s, "Fixtures", pmidsOf(arts))
	if _, err := s.SetHandout(ctx, ada, c.ID, "Études on the gut: what to read", "Read *these* first.", "Ask me **anything**."); err != nil {
		t.Fatal(err)
	}
	for _, style := range cite.Styles {
		l, err := s.References(ctx, ada, c.ID, style)
		if err != nil {
			t.Fatal(err)
		}
		flat := pdftest.Squeeze(checkPDF(t, l, renderPDF(t, l)))
		for _, want := range []string{"Read these first.", "Ask me anything."} {
			if !strings.Contains(flat, pdftest.Squeeze(want)) {
				t.Errorf("%s: PDF lacks the handout text %q", style, want)
			}
		}
		notes := 0
		for _, e := range l.Entries {
			if e.Note != "" {
				notes++
				if !strings.Contains(flat, pdftest.Squeeze("Note:"+e.Note)) {
					t.Errorf("%s: reference %d: note %q missing", style, e.N, e.Note)
				}
			}
		}
		if notes < 100 {
			t.Errorf("%s: only %d notes to check", style, notes)
		}
	}
}

// TestPDF_FontCoversFixtureReferences measures the Go fonts against every
// fixture record's reference in every style: which characters they lack,
// and that each becomes a documented substitute rather than a code point
// in brackets — except C1 control characters, debris of mis-decoded
// Windows-1252 text that no font draws, which stay visible as "[U+0099]".
func TestPDF_FontCoversFixtureReferences(t *testing.T) {
	set, err := coverage()
	if err != nil {
		t.Fatal(err)
	}
	covered := coveredBy(set)
	lacking := map[rune]string{}
	for _, a := range fixtureArticles(t) {
		for _, style := range cite.Styles {
			txt, _ := cite.BareReference(style, a)
			for _, r := range norm.NFC.String(txt) {
				if !covered(r) {
					lacking[r] = fontText(string(r), covered)
				}
			}
		}
	}
	var report []string
	for r, sub := range lacking {
		report = append(report, fmt.Sprintf("U+%04X→%q", r, sub))
		if strings.HasPrefix(sub, "[U+") && !unicode.Is(unicode.Cc, r) {
			t.Errorf("U+%04X %q has no substitute: the PDF prints %s", r, r, sub)
		}
	}
	sort.Strings(report)
	t.Logf("the Go fonts lack %d characters of the fixture references: %s", len(lacking), strings.Join(report, " "))
}

func TestFontText(t *testing.T) {
	set, err := coverage()
	if err != nil {
		t.Fatal(err)
	}
	covered := coveredBy(set)
	for _, tc := range []struct{ in, want string }{
		{"Öztürk İ, Kılıç M. Gαs and Gαi – 5 µg", "Öztürk İ, Kılıç M. Gαs and Gαi – 5 µg"},
		{"Café não", "Café não"},                                           // composed (NFC), the same text
		{"ϵ-toxin, ⍺-synuclein, Crohnʼs", "ε-toxin, α-synuclein, Crohn’s"},   // the substitution table
		{"10 mg, daily now", "10 mg, daily now"},                             // spaces the fonts lack
		{"Ratio：1", "Ratio:1"},                                               // compatibility form (NFKC)
		{"Periprosthetic 😀 漢", "Peripro[U+0099]sthetic [U+1F600] [U+6F22]"}, // shown, not dropped
	} {
		if got := fontText(tc.in, covered); got != tc.want {
			t.Errorf("fontText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package collection

import (
	"fmt"
	"html"
	"io"
	"strings"
	"sync"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// The PDF is set in the Go fonts (golang.org/x/image/font/gofont, BSD
// licence), embedded from the module: a Unicode TrueType family covering
// Latin, Greek and Cyrillic with the usual punctuation, so a reference's
// diacritics and Greek letters print as themselves.
const pdfFamily = "go"

var goFonts = []struct {
	style string
	ttf   []byte
}{{"", goregular.TTF}, {"B", gobold.TTF}, {"I", goitalic.TTF}, {"BI", gobolditalic.TTF}}

// coverage is the set of BMP runes every Go font style has a glyph for;
// computed once, it is the same for every PDF.
var coverage = sync.OnceValues(func() (*[1 << 16 / 64]uint64, error) {
	var set [1 << 16 / 64]uint64
	for i := range set {
		set[i] = ^uint64(0)
	}
	var buf sfnt.Buffer
	for _, f := range goFonts {
		font, err := sfnt.Parse(f.ttf)
		if err != nil {
			return nil, fmt.Errorf("parse Go font %q: %w", f.style, err)
		}
		for r := rune(0); r < 1<<16; r++ {
			if g, err := font.GlyphIndex(&buf, r); err != nil || g == 0 {
				set[r/64] &^= 1 << (r % 64)
			}
		}
	}
	return &set, nil
})

// substitutes are the characters the Go fonts lack that the fixture
// records use (see TestPDF_FontCoversFixtureReferences), each printed as
// the character a reader takes it for.
var substitutes = map[rune]string{
	'\u02BC': "\u2019", // modifier letter apostrophe → right single quotation mark
	'\u03F5': "\u03B5", // lunate epsilon (ϵ) → Greek epsilon (ε)
	'\u237A': "\u03B1", // APL alpha (⍺) → Greek alpha (α)
}

// fontText is s as the PDF prints it, character for character but for what
// the fonts cannot show: s is composed (NFC: "e" and a combining acute
// become "é", the same text), then a character the fonts lack becomes its
// substitute, an uncovered space a plain space, its compatibility form
// (NFKC: fullwidth "：" becomes ":") when the fonts have that, and
// otherwise its code point in brackets ("[U+1F600]"), so nothing of a
// reference disappears unseen.
func fontText(s string, covered func(rune) bool) string {
	s = norm.NFC.String(s)
	ok := true
	for _, r := range s {
		ok = ok && covered(r)
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case covered(r):
			b.WriteRune(r)
		case substitutes[r] != "":
			b.WriteString(substitutes[r])
		case unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		default:
			if k := norm.NFKC.String(string(r)); k != string(r) && allCovered(k, covered) {
				b.WriteString(k)
			} else {
				fmt.Fprintf(&b, "[U+%04X]", r)
			}
		}
	}
	return b.String()
}

func allCovered(s string, covered func(rune) bool) bool {
	for _, r := range s {
		if !covered(r) {
			return false
		}
	}
	return true
}

// coveredBy returns the rune test over a coverage set. The line breaks the
// layout itself writes count as covered.
func coveredBy(set *[1 << 16 / 64]uint64) func(rune) bool {
	return func(r rune) bool {
		if r == '\n' {
			return true
		}
		return r < 1<<16 && set[r/64]&(1<<(r%64)) != 0
	}
}

// PDFText is how the PDF prints s (see fontText): what a test reading the
// PDF back compares against.
func PDFText(s string) (string, error) {
	set, err := coverage()
	if err != nil {
		return "", err
	}
	return fontText(s, coveredBy(set)), nil
}

// Page layout, in millimetres and points.
const (
	pdfMargin    = 18.0
	pdfHang      = 9.0 // the hanging indent of a numbered reference
	pdfListStep  = 6.0 // indent per list or quote level of the handout text
	pdfBodySize  = 10.5
	pdfSmallSize = 8.5
	pdfLine      = 5.0 // line height of body text
	pdfSmallLine = 4.0
)

// pdfDoc writes one handout.
type pdfDoc struct {
	f       *fpdf.Fpdf
	covered func(rune) bool
}

// WritePDF writes the list as a handout PDF: title, practice, introduction,
// the numbered references (each with its flags and notices, evidence level,
// free full text link and note), the closing text and the disclaimer, as
// text in an embedded Unicode font. Its metadata carry the title, the
// practice as author and villi as creator.
func (l *ReferenceList) WritePDF(w io.Writer) error {
	set, err := coverage()
	if err != nil {
		return err
	}
	f := fpdf.New("P", "mm", "A4", "")
	d := &pdfDoc{f: f, covered: coveredBy(set)}
	for _, font := range goFonts {
		f.AddUTF8FontFromBytes(pdfFamily, font.style, font.ttf)
	}
	h := &l.Handout
	f.SetTitle(h.Title, true)
	if h.Practice != "" {
		f.SetAuthor(h.Practice, true)
	}
	f.SetCreator("villi", true)
	f.SetSubject("References in "+l.StyleName+" style", true)
	f.SetCreationDate(l.Generated)
	f.SetModificationDate(l.Generated)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin)
	f.AddPage()

	d.line(18, 8, true, false, h.Title)
	if h.Practice != "" {
		f.SetTextColor(60, 60, 60)
		d.line(12, 6, false, false, h.Practice)
		f.SetTextColor(0, 0, 0)
	}
	f.SetTextColor(90, 90, 90)
	d.line(pdfSmallSize, pdfSmallLine, false, false, fmt.Sprintf("References in %s style · %s · %s",
		l.StyleName, count(len(l.Entries), "reference"), l.Generated.Format("2 January 2006")))
	f.SetTextColor(0, 0, 0)
	if l.Flagged > 0 {
		f.Ln(2)
		f.SetTextColor(160, 0, 0)
		d.line(pdfBodySize, pdfLine, true, false, fmt.Sprintf("Warning: %s retracted or flagged (marked below).", verbCount(l.Flagged)))
		f.SetTextColor(0, 0, 0)
	}
	f.Ln(3)
	d.text(&h.Intro)

	for i := range l.Entries {
		d.entry(&l.Entries[i])
	}
	if l.Provisional > 0 {
		f.Ln(1)
		f.SetTextColor(70, 70, 70)
		d.line(pdfSmallSize, pdfSmallLine, false, true, ProvisionalNote)
		f.SetTextColor(0, 0, 0)
	}

	f.Ln(2)
	d.text(&h.Closing)
	f.Ln(4)
	f.SetDrawColor(180, 180, 180)
	f.Line(pdfMargin, f.GetY(), 210-pdfMargin, f.GetY())
	f.Ln(2)
	f.SetTextColor(70, 70, 70)
	d.line(pdfSmallSize, pdfSmallLine, false, true, Disclaimer)
	f.SetTextColor(0, 0, 0)
	if err := f.Output(w); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

func (d *pdfDoc) font(size float64, r Run) {
	style := ""
	if r.Bold {
		style += "B"
	}
	if r.Italic {
		style += "I"
	}
	d.f.SetFont(pdfFamily, style, size)
}

// line writes s as one paragraph in one style and ends the line.
func (d *pdfDoc) line(size, h float64, bold, italic bool, s string) {
	d.runs(size, h, []Run{{Text: s, Bold: bold, Italic: italic}})
	d.f.Ln(h)
}

// runs writes styled text from the current position, wrapping at the
// right margin and back to the left one.
func (d *pdfDoc) runs(size, h float64, runs []Run) {
	for _, r := range runs {
		d.font(size, r)
		t := fontText(r.Text, d.covered)
		if r.URL != "" {
			d.f.SetTextColor(20, 70, 160)
			d.f.WriteLinkString(h, t, r.URL)
			d.f.SetTextColor(0, 0, 0)
		} else {
			d.f.Write(h, t)
		}
	}
}

// indented writes runs with a left margin of at, the first line starting
// at first (a number or bullet hanging left of the text).
func (d *pdfDoc) indented(at float64, marker string, size, h float64, runs []Run) {
	f := d.f
	if marker != "" {
		f.SetFont(pdfFamily, "", size)
		f.SetX(at - pdfHang + 1)
		f.Write(h, marker)
	}
	f.SetLeftMargin(at)
	f.SetX(at)
	d.runs(size, h, runs)
	f.Ln(h)
	f.SetLeftMargin(pdfMargin)
}

// text writes a Markdown text's blocks.
func (d *pdfDoc) text(t *Text) {
	for _, b := range t.Blocks {
		at := pdfMargin + float64(b.Indent)*pdfListStep
		if b.Marker != "" {
			at += pdfHang - pdfListStep
		}
		switch b.Kind {
		case Rule:
			d.f.Line(at, d.f.GetY()+1, 210-pdfMargin, d.f.GetY()+1)
			d.f.Ln(3)
			continue
		case Heading:
			size := max(pdfBodySize, 15-float64(b.Level)*1.5)
			runs := make([]Run, len(b.Runs))
			for i, r := range b.Runs {
				r.Bold = true
				runs[i] = r
			}
			d.f.Ln(1)
			d.indented(at, b.Marker, size, size*0.5, runs)
		default:
			d.indented(at, b.Marker, pdfBodySize, pdfLine, b.Runs)
		}
		d.f.Ln(1.5)
	}
}

// entry writes one numbered reference, kept on one page where it fits.
func (d *pdfDoc) entry(e *Entry) {
	f := d.f
	at := pdfMargin + pdfHang
	d.keepTogether(e, 210-pdfMargin-at)
	for _, fl := range e.Flags {
		f.SetTextColor(160, 0, 0)
		runs := []Run{{Text: "[" + fl.Kind.Label() + "]", Bold: true}}
		if fl.Notice != "" {
			runs = append(runs, Run{Text: " " + fl.Notice})
		}
		d.indented(at, "", pdfSmallSize+0.5, pdfSmallLine, runs)
		f.SetTextColor(0, 0, 0)
	}
	d.indented(at, fmt.Sprintf("%d.", e.N), pdfBodySize, pdfLine, referenceRuns(string(e.HTML)))
	var meta []Run
	if l := e.EvidenceLabel(); l != "" {
		meta = append(meta, Run{Text: "Evidence: "}, Run{Text: l, Bold: true})
		if e.EvidenceProvisional {
			meta = append(meta, Run{Text: " (provisional)", Italic: true})
		}
	}
	if e.FullText != "" {
		if meta != nil {
			meta = append(meta, Run{Text: " · "})
		}
		meta = append(meta, Run{Text: "Free full text (PMC): "}, Run{Text: e.FullText, URL: e.FullText})
	}
	if meta != nil {
		d.indented(at, "", pdfSmallSize+0.5, pdfSmallLine+0.5, meta)
	}
	if e.Note != "" {
		d.indented(at, "", pdfBodySize-0.5, pdfLine-0.3, []Run{{Text: "Note: ", Bold: true, Italic: true}, {Text: e.Note, Italic: true}})
	}
	f.Ln(2)
}

// keepTogether starts a new page when the entry would not fit on this one,
// estimating its lines in the regular font.
func (d *pdfDoc) keepTogether(e *Entry, width float64) {
	f := d.f
	f.SetFont(pdfFamily, "", pdfBodySize)
	lines := float64(len(f.SplitText(fontText(e.Text, d.covered), width)) + 1)
	if e.Note != "" {
		lines += float64(len(f.SplitText(fontText(e.Note, d.covered), width)))
	}
	need := lines*pdfLine + float64(len(e.Flags))*2*pdfSmallLine + 2*pdfSmallLine
	_, pageH := f.GetPageSize()
	if f.GetY()+need > pageH-pdfMargin && f.GetY() > pdfMargin+need/4 {
		f.AddPage()
	}
}

// referenceRuns splits a cite HTML reference at its inline tags: italics
// and bold keep their style, sup, sub and u their text.
func referenceRuns(h string) []Run {
	var out []Run
	var st Run
	last := 0
	emit := func(s string) {
		if s != "" {
			r := st
			r.Text = html.UnescapeString(s)
			out = append(out, r)
		}
	}
	for _, m := range inlineTag.FindAllStringIndex(h, -1) {
		emit(h[last:m[0]])
		switch h[m[0]:m[1]] {
		case "<i>":
			st.Italic = true
		case "</i>":
			st.Italic = false
		case "<b>":
			st.Bold = true
		case "</b>":
			st.Bold = false
		}
		last = m[1]
	}
	emit(h[last:])
	return out
}

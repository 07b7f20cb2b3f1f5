package collection

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"villi/cite"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// ReferenceList is a collection rendered in one citation style: the data of
// a print page and of the Markdown export.
type ReferenceList struct {
	Collection store.Collection
	Style      cite.Style
	StyleName  string // "AMA (11th ed.)"
	Entries    []Entry
	Flagged    int // entries with a serious flag (anything but an erratum)
	// Provisional counts the entries whose evidence level is provisional:
	// a list with any says once what the mark means (ProvisionalNote).
	Provisional int
	Generated   time.Time
	Handout     Handout
}

// Entry is one numbered reference.
type Entry struct {
	N       int // 1-based
	PMID    uint64
	Article *pubmed.Article // nil when the record is no longer in the library
	Text    string          // the reference as plain text
	// HTML is the reference as HTML: escaped text with the style's italics
	// and the title's inline markup (cite.Reference), safe to emit as is.
	HTML template.HTML
	Note string
	// Private is the note's flag: share links leave such a note out.
	Private bool
	Added   time.Time
	Flags   []Flag // most serious first; empty for a sound reference
	// FullText is the free full text at PMC as of the list's Generated
	// time; "" when there is none.
	FullText string
	// Evidence and Species are the record's taxonomy slugs, for the
	// badges result lists show and the handout's evidence level; "" when
	// the record is no longer in the library.
	Evidence, Species string
	// EvidenceProvisional says the evidence level is villi's guess from
	// the title and abstract (taxonomy.Tags.Provisional): NLM has not
	// indexed the record yet. A handout says so beside the level.
	EvidenceProvisional bool
}

// ProvisionalNote explains, once per list, the mark beside a provisional
// evidence level, in words a client reading a handout understands.
const ProvisionalNote = "(provisional): the evidence level was assigned automatically from the title and abstract; " +
	"the U.S. National Library of Medicine has not indexed the record yet."

// EvidenceLabel names the entry's evidence level in full, as article pages do.
func (e *Entry) EvidenceLabel() string {
	if e.Evidence == "" {
		return ""
	}
	return taxonomy.EvidenceLabel(e.Evidence)
}

// Serious reports whether the entry carries a flag other than an erratum.
func (e *Entry) Serious() bool {
	for _, f := range e.Flags {
		if f.Kind.Serious() {
			return true
		}
	}
	return false
}

// PubMedURL is the article's PubMed page.
func (e *Entry) PubMedURL() string {
	return fmt.Sprintf("https://pubmed.ncbi.nlm.nih.gov/%d/", e.PMID)
}

var styleNames = map[cite.Style]string{
	cite.AMA:       "AMA (11th ed.)",
	cite.APA:       "APA (7th ed.)",
	cite.Vancouver: "Vancouver (NLM)",
}

// References renders collection id in style, in the collection's order.
func (s *Service) References(ctx context.Context, u store.User, id uint64, style cite.Style) (*ReferenceList, error) {
	if _, ok := styleNames[style]; !ok {
		return nil, fmt.Errorf("%w %q: valid styles are ama, apa, vancouver", cite.ErrUnknownStyle, style)
	}
	c, err := s.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	return s.render(c, style)
}

// Handout is References as the owner hands it out — its print view, PDF
// and Markdown: without the notes she marked private, which are for her
// eyes only (the collection page shows them).
func (s *Service) Handout(ctx context.Context, u store.User, id uint64, style cite.Style) (*ReferenceList, error) {
	l, err := s.References(ctx, u, id, style)
	if err != nil {
		return nil, err
	}
	l.dropPrivateNotes()
	return l, nil
}

// dropPrivateNotes blanks the notes marked private, in the entries and in
// the collection they came from.
func (l *ReferenceList) dropPrivateNotes() {
	for i := range l.Entries {
		if l.Entries[i].Private {
			l.Entries[i].Note = ""
		}
	}
	for i := range l.Collection.Items {
		if l.Collection.Items[i].Private {
			l.Collection.Items[i].Note = ""
		}
	}
}

// render renders c in style, for whoever may see it.
func (s *Service) render(c store.Collection, style cite.Style) (*ReferenceList, error) {
	name, ok := styleNames[style]
	if !ok {
		return nil, fmt.Errorf("%w %q: valid styles are ama, apa, vancouver", cite.ErrUnknownStyle, style)
	}
	recs, err := records(s.st, c.PMIDs())
	if err != nil {
		return nil, fmt.Errorf("render collection %d: %w", c.ID, err)
	}
	l := &ReferenceList{Collection: c, Style: style, StyleName: name, Generated: time.Now().UTC()}
	if l.Handout, err = s.handout(c); err != nil {
		return nil, fmt.Errorf("render collection %d: %w", c.ID, err)
	}
	for i, it := range c.Items {
		e := Entry{N: i + 1, PMID: it.PMID, Note: it.Note, Private: it.Private, Added: it.Added}
		if r, ok := recs[it.PMID]; ok {
			e.Article = &r.Article
			var h string
			e.Text, h = cite.BareReference(style, e.Article)
			e.HTML = template.HTML(h) // cite escapes; the title subset is the decoder's safe HTML
			e.FullText = e.Article.FreeFullText(l.Generated)
			e.Evidence, e.Species = r.Tags.Evidence, r.Tags.Species
			if e.EvidenceProvisional = slices.Contains(r.Tags.Provisional, e.Evidence); e.EvidenceProvisional {
				l.Provisional++
			}
		} else {
			e.Text = fmt.Sprintf("PMID %d (no longer in the library).", it.PMID)
			e.HTML = template.HTML(html.EscapeString(e.Text))
		}
		e.Flags = Flags(e.Article)
		if e.Serious() {
			l.Flagged++
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// exportNote is the note an export carries: the flags cite does not write
// itself (it writes a retraction of a.IsRetracted), in capitals so they stand
// out in a reference manager, then the user's note.
func exportNote(e *Entry) string {
	var parts []string
	for _, f := range e.Flags {
		if f.Kind == Retracted && e.Article != nil && e.Article.IsRetracted() {
			continue
		}
		p := strings.ToUpper(f.Kind.Label()) + ":"
		if f.Notice != "" {
			p += " " + f.Notice
		}
		parts = append(parts, p)
	}
	switch {
	case e.Note == "":
	case len(parts) > 0:
		parts = append(parts, "Note: "+e.Note)
	default:
		parts = append(parts, e.Note)
	}
	return strings.Join(parts, " ")
}

// Export writes collection id in format f, in the collection's order, each
// item with its note and flags. Items no longer in the library cannot be
// exported and are left out (References shows them flagged Removed).
func (s *Service) Export(ctx context.Context, u store.User, id uint64, w io.Writer, f cite.Format) error {
	l, err := s.References(ctx, u, id, cite.Vancouver)
	if err != nil {
		return err
	}
	return l.Export(w, f)
}

// Export writes the list's articles in format f (see Service.Export).
func (l *ReferenceList) Export(w io.Writer, f cite.Format) error {
	items := make([]cite.Item, 0, len(l.Entries))
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Article == nil {
			continue
		}
		items = append(items, cite.Item{Article: e.Article, Note: exportNote(e)})
	}
	return cite.Export(w, f, items)
}

// WriteMarkdown writes the list as a Markdown handout, as the print view
// and PDF have it: the handout's title and practice, a line naming style
// and count, a warning when references are flagged, the introduction, a
// numbered list with each reference's flags in bold, its evidence level
// (marked where it is provisional, with ProvisionalNote once) and note, the
// closing text and the disclaimer.
func (l *ReferenceList) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	title := l.Handout.Title
	if title == "" {
		title = l.Collection.Name
	}
	fmt.Fprintf(bw, "# %s\n\n", mdEscape(title))
	if l.Handout.Practice != "" {
		fmt.Fprintf(bw, "**%s**\n\n", mdEscape(l.Handout.Practice))
	}
	fmt.Fprintf(bw, "%s style · %s · %s\n", l.StyleName, count(len(l.Entries), "reference"), l.Generated.Format("2 January 2006"))
	if l.Flagged > 0 {
		fmt.Fprintf(bw, "\n> **Warning:** %s retracted, under an expression of concern or removed from PubMed. Check before handing this out.\n",
			verbCount(l.Flagged))
	}
	writeMarkdownText(bw, l.Handout.Intro)
	if len(l.Entries) > 0 {
		bw.WriteString("\n")
	}
	for _, e := range l.Entries {
		fmt.Fprintf(bw, "%d. ", e.N)
		for _, f := range e.Flags {
			fmt.Fprintf(bw, "**%s:** ", strings.ToUpper(f.Kind.Label()))
		}
		bw.WriteString(htmlToMarkdown(string(e.HTML)))
		if e.Article != nil {
			fmt.Fprintf(bw, " [PubMed](%s)", e.PubMedURL())
		}
		if lb := e.EvidenceLabel(); lb != "" {
			mark := ""
			if e.EvidenceProvisional {
				mark = " (provisional)"
			}
			fmt.Fprintf(bw, " Evidence: %s%s.", mdEscape(lb), mark)
		}
		bw.WriteString("\n")
		for _, f := range e.Flags {
			if f.Notice != "" {
				fmt.Fprintf(bw, "   - *%s*\n", mdEscape(f.Notice))
			}
		}
		if e.Note != "" {
			lines := strings.Split(e.Note, "\n")
			fmt.Fprintf(bw, "   - Note: %s\n", mdEscape(lines[0]))
			for _, ln := range lines[1:] {
				fmt.Fprintf(bw, "     %s\n", mdLine(ln))
			}
		}
	}
	if l.Provisional > 0 {
		fmt.Fprintf(bw, "\n*%s*\n", mdEscape(ProvisionalNote))
	}
	writeMarkdownText(bw, l.Handout.Closing)
	fmt.Fprintf(bw, "\n---\n\n*%s*\n", mdEscape(Disclaimer))
	return bw.Flush()
}

// writeMarkdownText writes a handout text back as Markdown from its parsed
// blocks, so what the page leaves out (raw HTML, links other than http,
// https and mailto, images) stays out of the file too.
func writeMarkdownText(bw *bufio.Writer, t Text) {
	for i, b := range t.Blocks {
		if i == 0 || b.Marker == "" || t.Blocks[i-1].Marker == "" {
			// Items of one list follow each other without a blank line,
			// which would make the list loose.
			bw.WriteString("\n")
		}
		switch b.Kind {
		case Heading:
			fmt.Fprintf(bw, "%s %s\n", strings.Repeat("#", min(max(b.Level, 2), 6)), markdownRuns(b.Runs))
		case Code:
			var code strings.Builder
			for _, r := range b.Runs {
				code.WriteString(r.Text)
			}
			fence := "```"
			for strings.Contains(code.String(), fence) {
				fence += "`"
			}
			fmt.Fprintf(bw, "%s\n%s\n%s\n", fence, strings.TrimRight(code.String(), "\n"), fence)
		case Rule:
			bw.WriteString("---\n")
		default:
			prefix := ""
			if b.Marker != "" {
				marker := b.Marker
				if marker == "•" {
					marker = "-"
				}
				prefix = strings.Repeat("  ", max(b.Indent-1, 0)) + marker + " "
			}
			fmt.Fprintf(bw, "%s%s\n", prefix, markdownRuns(b.Runs))
		}
	}
}

// markdownRuns writes inline runs as Markdown: escaped text, emphasis and
// links.
func markdownRuns(runs []Run) string {
	// Runs in one style side by side are one span: "*c_**d*" would not
	// read back as "c_d" in italics.
	var merged []Run
	for _, r := range runs {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if last.Bold == r.Bold && last.Italic == r.Italic && last.Code == r.Code && last.URL == r.URL {
				last.Text += r.Text
				continue
			}
		}
		merged = append(merged, r)
	}
	var b strings.Builder
	for _, r := range merged {
		raw := strings.ReplaceAll(r.Text, "\n", " ")
		text := mdEscape(raw)
		if r.Code {
			tick := "`"
			for strings.Contains(raw, tick) {
				tick += "`"
			}
			text = tick + " " + raw + " " + tick
		}
		if r.Italic {
			text = "*" + text + "*"
		}
		if r.Bold {
			text = "**" + text + "**"
		}
		if r.URL != "" {
			dest := r.URL
			if strings.ContainsAny(dest, " ()<>\n") {
				dest = "<" + strings.NewReplacer("<", "%3C", ">", "%3E", "\n", "%0A").Replace(dest) + ">"
			}
			text = "[" + text + "](" + dest + ")"
		}
		b.WriteString(text)
	}
	return b.String()
}

func count(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func verbCount(n int) string {
	if n == 1 {
		return "1 reference has been"
	}
	return fmt.Sprintf("%d references have been", n)
}

// mdSpecial are the characters Markdown could read as syntax inside a line.
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "~", `\~`,
)

func mdEscape(s string) string { return mdSpecial.Replace(s) }

// listMarker matches what would start a list item or a heading at the start
// of a line: "-", "+", "1." or "1)".
var listMarker = regexp.MustCompile(`^(\s*)([-+]|\d+[.)])(\s|$)`)

// mdLine escapes a whole line, including a leading list marker, so a note's
// own lines stay text.
func mdLine(s string) string {
	s = mdEscape(s)
	if m := listMarker.FindStringSubmatchIndex(s); m != nil {
		end := m[5] // the marker's last character, "-", "+", "." or ")"
		s = s[:end-1] + `\` + s[end-1:]
	}
	return s
}

// inlineTag matches the tags cite's HTML may hold: its own italics and the
// title subset of the decoder (i, b, sup, sub, u).
var inlineTag = regexp.MustCompile(`</?(?:i|b|sup|sub|u)>`)

// htmlToMarkdown turns a cite HTML reference into Markdown: italics and
// bold kept, other tags dropped, text unescaped and escaped for Markdown.
func htmlToMarkdown(h string) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineTag.FindAllStringIndex(h, -1) {
		b.WriteString(mdEscape(html.UnescapeString(h[last:m[0]])))
		switch h[m[0]:m[1]] {
		case "<i>", "</i>":
			b.WriteString("*")
		case "<b>", "</b>":
			b.WriteString("**")
		}
		last = m[1]
	}
	b.WriteString(mdEscape(html.UnescapeString(h[last:])))
	return b.String()
}

// FileName is a download name for collection c with extension ext (".ris",
// ".md"): the name folded to lower-case ASCII words joined by hyphens (at
// most 60 characters), or "collection-ID" when nothing of it is left.
func FileName(c store.Collection, ext string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(c.Name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	name := b.String()
	if len(name) > 60 {
		// Cut at a word boundary when there is one.
		name = name[:60]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
	}
	if name == "" {
		return fmt.Sprintf("collection-%d%s", c.ID, ext)
	}
	return name + ext
}

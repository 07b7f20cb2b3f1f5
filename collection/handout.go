package collection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"villi/store"
)

// Limits on a handout's text.
const (
	MaxTitleChars    = 200
	MaxTextChars     = 5000 // the introduction, and the closing text, each
	MaxPracticeChars = 120
)

// Disclaimer ends every handout, on the page, in print and in the PDF.
const Disclaimer = "These references are for information and discussion with your practitioner. " +
	"They are not medical advice: do not start, stop or change a treatment on the strength of a study alone. " +
	"Evidence levels are assigned automatically from PubMed's record; check the article before relying on it."

// Handout is the text around a reference list: what makes it something to
// hand a client rather than a bibliography.
type Handout struct {
	Title    string // the collection's handout title, else its name
	Practice string // the owner's practice name; "" when none is set
	Intro    Text
	Closing  Text
}

// Text is a Markdown text rendered two ways from one parse: HTML for pages
// and blocks for the PDF. Raw HTML is left out and only http, https and
// mailto links survive, so nothing of the text can run in a reader's
// browser; images become links to them, so a handout loads nothing from
// elsewhere.
type Text struct {
	Source string
	HTML   template.HTML
	Blocks []Block
}

// BlockKind is what a block of Markdown is.
type BlockKind int

const (
	Para BlockKind = iota
	Heading
	Code
	Rule
)

// Block is one paragraph-like piece of a Text, as the PDF lays it out.
type Block struct {
	Kind   BlockKind
	Level  int    // a heading's level
	Indent int    // list and quote nesting
	Marker string // "•" or "3." on a list item's first block
	Runs   []Run
}

// Run is inline text in one style.
type Run struct {
	Text         string
	Bold, Italic bool
	Code         bool
	URL          string // a link's target: http, https or mailto only
}

// cleanLine trims a one-line field (title, practice name) and checks its length.
func cleanLine(what, s string, max int) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("%w: a %s of %d characters is too long (at most %d)", ErrInvalid, what, n, max)
	}
	return s, nil
}

// cleanText tidies a Markdown text as a note is tidied and checks its length.
func cleanText(what, s string) (string, error) {
	s = tidyText(s)
	if n := utf8.RuneCountInString(s); n > MaxTextChars {
		return "", fmt.Errorf("%w: the %s has %d characters, too long (at most %d)", ErrInvalid, what, n, MaxTextChars)
	}
	return s, nil
}

// SetHandout replaces collection id's handout title, introduction and
// closing text. Bad input changes nothing.
func (s *Service) SetHandout(ctx context.Context, u store.User, id uint64, title, intro, closing string) (store.Collection, error) {
	var h store.Handout
	var err error
	if h.Title, err = cleanLine("handout title", title, MaxTitleChars); err != nil {
		return store.Collection{}, err
	}
	if h.Intro, err = cleanText("introduction", intro); err != nil {
		return store.Collection{}, err
	}
	if h.Closing, err = cleanText("closing text", closing); err != nil {
		return store.Collection{}, err
	}
	if _, err := s.Get(ctx, u, id); err != nil {
		return store.Collection{}, err
	}
	return s.st.SetHandout(id, h)
}

// SetPractice sets the practice name u's handouts carry ("" falls back to
// the site's default).
func (s *Service) SetPractice(ctx context.Context, u store.User, name string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, err
	}
	name, err := cleanLine("practice name", name, MaxPracticeChars)
	if err != nil {
		return store.User{}, err
	}
	return s.st.SetPractice(u.Email, name)
}

// Practice returns u's practice name as stored ("" when none is set).
func (s *Service) Practice(ctx context.Context, u store.User) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	su, err := s.st.User(u.Email)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return su.Practice, err
}

// handout renders c's handout text; the practice is its owner's.
func (s *Service) handout(c store.Collection) (Handout, error) {
	h := Handout{Title: c.Handout.Title}
	if h.Title == "" {
		h.Title = c.Name
	}
	if u, err := s.st.User(c.Owner); err == nil {
		h.Practice = u.Practice
	} else if !errors.Is(err, store.ErrNotFound) {
		return Handout{}, err
	}
	var err error
	if h.Intro, err = RenderMarkdown(c.Handout.Intro); err != nil {
		return Handout{}, err
	}
	if h.Closing, err = RenderMarkdown(c.Handout.Closing); err != nil {
		return Handout{}, err
	}
	return h, nil
}

// markdown is CommonMark without raw HTML (goldmark's default: no
// WithUnsafe), with safeLinks applied to every document.
var markdown = goldmark.New(goldmark.WithParserOptions(
	parser.WithASTTransformers(util.Prioritized(safeLinks{}, 0)),
))

// RenderMarkdown renders src (see Text).
func RenderMarkdown(src string) (Text, error) {
	t := Text{Source: src}
	if src == "" {
		return t, nil
	}
	b := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(b))
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, b, doc); err != nil {
		return Text{}, fmt.Errorf("render markdown: %w", err)
	}
	t.HTML = template.HTML(buf.String()) // goldmark escapes text and omits raw HTML
	t.Blocks = blocks(doc, b)
	return t, nil
}

// safeURL reports whether a link may point at dest: web and mail addresses
// only (goldmark's own check lets other schemes such as ftp: or tel:
// through, and data:image links, which a handout has no use for).
func safeURL(dest string) bool {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// safeLinks rewrites a parsed document before it is rendered: an image
// becomes a link to it (its alt text the label), and a link or autolink to
// anything safeURL refuses becomes its plain text. Headings move one level
// down, since the handout's title is the page's only h1.
type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, r text.Reader, _ parser.Context) {
	src := r.Source()
	var images, links, autos []ast.Node
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch n := n.(type) {
			case *ast.Image:
				images = append(images, n)
			case *ast.Link:
				links = append(links, n)
			case *ast.AutoLink:
				autos = append(autos, n)
			case *ast.Heading:
				n.Level = min(n.Level+1, 6)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range images {
		img := n.(*ast.Image)
		l := ast.NewLink()
		l.Destination, l.Title = img.Destination, img.Title
		moveChildren(img, l)
		img.Parent().ReplaceChild(img.Parent(), img, l)
		links = append(links, l)
	}
	for _, n := range links {
		if l := n.(*ast.Link); !safeURL(string(l.Destination)) {
			unwrap(l)
		}
	}
	for _, n := range autos {
		a := n.(*ast.AutoLink)
		if !safeURL(string(a.URL(src))) {
			a.Parent().ReplaceChild(a.Parent(), a, ast.NewString(a.Label(src)))
		}
	}
}

func moveChildren(from, to ast.Node) {
	for c := from.FirstChild(); c != nil; {
		next := c.NextSibling()
		from.RemoveChild(from, c)
		to.AppendChild(to, c)
		c = next
	}
}

// unwrap replaces n with its children.
func unwrap(n ast.Node) {
	p := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		n.RemoveChild(n, c)
		p.InsertBefore(p, n, c)
		c = next
	}
	p.RemoveChild(p, n)
}

// blocks flattens a document into the blocks the PDF writes.
func blocks(doc ast.Node, src []byte) []Block {
	var out []Block
	var walk func(n ast.Node, indent int, marker string)
	walk = func(n ast.Node, indent int, marker string) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Paragraph, *ast.TextBlock:
				out = append(out, Block{Kind: Para, Indent: indent, Marker: marker, Runs: inlines(c, src)})
			case *ast.Heading:
				out = append(out, Block{Kind: Heading, Level: c.Level, Indent: indent, Marker: marker, Runs: inlines(c, src)})
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var b strings.Builder
				lines := c.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				out = append(out, Block{Kind: Code, Indent: indent, Marker: marker,
					Runs: []Run{{Text: strings.TrimRight(b.String(), "\n"), Code: true}}})
			case *ast.ThematicBreak:
				out = append(out, Block{Kind: Rule, Indent: indent})
			case *ast.Blockquote:
				walk(c, indent+1, marker)
			case *ast.List:
				n := c.Start
				for it := c.FirstChild(); it != nil; it = it.NextSibling() {
					m := "•"
					if c.IsOrdered() {
						m = fmt.Sprintf("%d%c", n, c.Marker)
						n++
					}
					walk(it, indent+1, m)
				}
			default: // raw HTML blocks: left out, as on the page
				continue
			}
			marker = "" // a list item's marker goes on its first block only
		}
	}
	walk(doc, 0, "")
	return out
}

// inlines collects the text of a block's inline nodes with their style.
func inlines(n ast.Node, src []byte) []Run {
	var out []Run
	var walk func(n ast.Node, st Run)
	walk = func(n ast.Node, st Run) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				v := c.Segment.Value(src)
				if !c.IsRaw() {
					v = util.UnescapePunctuations(util.ResolveNumericReferences(util.ResolveEntityNames(v)))
				}
				r := st
				r.Text = string(v)
				switch {
				case c.HardLineBreak():
					r.Text += "\n"
				case c.SoftLineBreak():
					r.Text += " "
				}
				out = append(out, r)
			case *ast.String:
				r := st
				r.Text = string(c.Value)
				out = append(out, r)
			case *ast.Emphasis:
				s := st
				if c.Level >= 2 {
					s.Bold = true
				} else {
					s.Italic = true
				}
				walk(c, s)
			case *ast.CodeSpan:
				s := st
				s.Code = true
				walk(c, s)
			case *ast.Link:
				s := st
				s.URL = string(c.Destination)
				walk(c, s)
			case *ast.AutoLink:
				r := st
				r.Text, r.URL = string(c.Label(src)), string(c.URL(src))
				out = append(out, r)
			case *ast.RawHTML: // left out, as on the page
			default:
				walk(c, st)
			}
		}
	}
	walk(n, Run{})
	return out
}

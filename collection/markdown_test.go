package collection

import (
	"bufio"
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"villi/cite"
	"villi/store"
)

// TestWriteMarkdownText_RoundTrips: a handout text written back as Markdown
// reads as the same page the handout shows, and what the page leaves out
// (raw HTML, script links, images) stays out.
func TestWriteMarkdownText_RoundTrips(t *testing.T) {
	for _, src := range []string{
		"# Why these studies\n\nRead **these** *first*; see [PubMed](https://pubmed.ncbi.nlm.nih.gov/).",
		"1. Gluten & you\n2. Zonulin < 5 \\*not\\* a cure\n\n- one\n- two with `code`",
		"Dear client,\n\nPlease read **these** first. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
		"![pixel](https://tracker.example/p.gif)\n\n---\n\nAsk: [write](mailto:ada@example.org) or [call](https://example.org/a_(b))",
		"```\nfenced ``` code\n```\n\n## Second heading\n\nA_b *c_d* [e](https://example.org/?q=a b)",
	} {
		want, err := RenderMarkdown(src)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		writeMarkdownText(bw, want)
		bw.Flush()
		got, err := RenderMarkdown(b.String())
		if err != nil {
			t.Fatal(err)
		}
		// The file's headings sit under its own "# title", as the page's
		// do under the handout's <h1>; RenderMarkdown moves them one level
		// further down again.
		gotHTML := headingUp.ReplaceAllStringFunc(string(got.HTML), func(tag string) string {
			return tag[:len(tag)-1] + string(tag[len(tag)-1]-1)
		})
		if strip(gotHTML) != strip(string(want.HTML)) {
			t.Errorf("%q\nexported as %q\nreads as %q\nwant      %q", src, b.String(), strip(gotHTML), strip(string(want.HTML)))
		}
		checkSafeHTML(t, b.String(), string(got.HTML))
	}
}

var (
	headingUp = regexp.MustCompile(`</?h[2-6]`)
	comment   = regexp.MustCompile(`<!--.*?-->`)
)

// strip drops HTML comments (goldmark marks where it left raw HTML out)
// and spaces around them.
func strip(h string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(comment.ReplaceAllString(h, "")), " "), " </", "</")
}

// TestWriteMarkdown_IsTheHandout: the Markdown export carries what the
// print view and PDF carry — title, practice, introduction, each
// reference's evidence level, closing text and the disclaimer.
func TestWriteMarkdown_IsTheHandout(t *testing.T) {
	arts := fixtureArticles(t)[:40]
	st := taggedStore(t, arts)
	s := New(st)
	ctx := context.Background()
	if err := st.CreateUser(store.User{Email: ada.Email, PasswordHash: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	c := fillCollection(t, s, "Fixtures", pmidsOf(arts))
	if _, err := s.SetPractice(ctx, ada, "Ada's Gut Clinic"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetHandout(ctx, ada, c.ID, "Your gut, explained", "Dear client,\n\nRead **these** first. <script>alert(1)</script>", "Questions? [Write to us](https://example.org/contact)."); err != nil {
		t.Fatal(err)
	}
	l, err := s.Handout(ctx, ada, c.ID, cite.Vancouver)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := l.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# Your gut, explained\n", "**Ada's Gut Clinic**\n", "\nDear client,\n", "Read **these** first.",
		"Questions? [Write to us](https://example.org/contact).", "\n---\n\n*" + mdEscape(Disclaimer) + "*\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q\n--- got ---\n%s", want, md)
		}
	}
	if strings.Contains(md, "<script") {
		t.Errorf("Markdown carries the introduction's raw HTML:\n%s", md)
	}
	if i, j := strings.Index(md, "Dear client"), strings.Index(md, "\n1. "); i < 0 || j < i {
		t.Errorf("introduction not before the references:\n%s", md)
	}
	n := 0
	for _, e := range l.Entries {
		if lb := e.EvidenceLabel(); lb != "" {
			n++
			if !strings.Contains(md, "Evidence: "+mdEscape(lb)+".") {
				t.Errorf("reference %d: Markdown lacks its evidence level %q", e.N, lb)
			}
		}
	}
	if n == 0 {
		t.Fatal("no reference with an evidence level to check")
	}
}

// TestWriteMarkdown_MarksProvisionalEvidence: a level that is villi's guess
// says so beside the reference, and the note explaining the mark comes
// once; a list without one never mentions it.
func TestWriteMarkdown_MarksProvisionalEvidence(t *testing.T) {
	arts := fixtureArticles(t)[:10]
	st := taggedStore(t, arts)
	s := New(st)
	c := fillCollection(t, s, "Fixtures", pmidsOf(arts))
	l, err := s.Handout(context.Background(), ada, c.ID, cite.APA)
	if err != nil {
		t.Fatal(err)
	}
	write := func() string {
		var b bytes.Buffer
		if err := l.WriteMarkdown(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if md := write(); strings.Contains(md, "provisional") {
		t.Errorf("no provisional level, yet the Markdown says provisional:\n%s", md)
	}
	e := &l.Entries[3]
	e.EvidenceProvisional, l.Provisional = true, 1
	md := write()
	if want := "Evidence: " + mdEscape(e.EvidenceLabel()) + " (provisional)."; strings.Count(md, want) != 1 {
		t.Errorf("Markdown has %q %d times, want once:\n%s", want, strings.Count(md, want), md)
	}
	if n := strings.Count(md, mdEscape(ProvisionalNote)); n != 1 {
		t.Errorf("the note on provisional levels appears %d times, want once", n)
	}
}

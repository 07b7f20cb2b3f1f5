package collection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"villi/cite"
	"villi/store"
)

// allowedTags are the elements Markdown may produce on a handout page.
var allowedTags = map[string]bool{
	"p": true, "em": true, "strong": true, "a": true, "ul": true, "ol": true, "li": true,
	"code": true, "pre": true, "blockquote": true, "hr": true, "br": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"html": true, "head": true, "body": true, // the parser's own wrapper
}

// checkSafeHTML parses h as a browser would and fails on any element,
// attribute or link target a hostile text could use to run script or load
// something.
func checkSafeHTML(t *testing.T, src, h string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !allowedTags[n.Data] {
				t.Errorf("%q renders a <%s> element: %s", src, n.Data, h)
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "href" && n.Data == "a":
					if !safeURL(a.Val) {
						t.Errorf("%q renders a link to %q: %s", src, a.Val, h)
					}
				case a.Key == "title" || a.Key == "start":
				default:
					t.Errorf("%q renders attribute %s=%q on <%s>: %s", src, a.Key, a.Val, n.Data, h)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func TestRenderMarkdown_HostileInputNeverReachesThePage(t *testing.T) {
	for _, src := range []string{
		"<script>alert(1)</script>",
		"Hello <script>alert(1)</script> there",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](&#106;avascript:alert(1))",
		"[click](java%73cript:alert(1))",
		"<javascript:alert(1)>",
		"[vb](vbscript:msgbox(1))",
		"[data](data:text/html;base64,PHNjcmlwdD4=)",
		"![x](data:image/png;base64,iVBORw0KGgo=)",
		`<img src=x onerror=alert(1)>`,
		`![x](x.png" onerror="alert(1))`,
		`![x](https://tracker.example/pixel.gif)`,
		`<a href="https://example.org" onclick="alert(1)">x</a>`,
		`[x](https://example.org "t\" onmouseover=\"alert(1)")`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		"<iframe src=\"https://evil.example\"></iframe>",
		"<svg onload=alert(1)>",
		"- item <b onmouseover=alert(1)>bold</b>\n- [ok](https://example.org/ok)",
		"[ref]\n\n[ref]: javascript:alert(1)",
		"> quote <style>body{display:none}</style>",
	} {
		got, err := RenderMarkdown(src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		checkSafeHTML(t, src, string(got.HTML))
		for _, b := range got.Blocks {
			for _, r := range b.Runs {
				if r.URL != "" && !safeURL(r.URL) {
					t.Errorf("%q: PDF link to %q", src, r.URL)
				}
				if strings.Contains(strings.ToLower(r.Text), "<script") {
					t.Errorf("%q: PDF text carries the raw HTML %q", src, r.Text)
				}
			}
		}
	}
}

func TestRenderMarkdown_WhatAPractitionerWrites(t *testing.T) {
	src := "# Why these studies\n\nRead **these** *first*; see [PubMed](https://pubmed.ncbi.nlm.nih.gov/).\n\n" +
		"1. Gluten & you\n2. Zonulin < 5 \\*not\\* a cure\n\n![chart](https://example.org/c.png)"
	got, err := RenderMarkdown(src)
	if err != nil {
		t.Fatal(err)
	}
	h := string(got.HTML)
	for _, want := range []string{
		"<h2>Why these studies</h2>", "<strong>these</strong>", "<em>first</em>",
		`<a href="https://pubmed.ncbi.nlm.nih.gov/">PubMed</a>`, "<ol>", "Gluten &amp; you",
		"Zonulin &lt; 5 *not* a cure", `<a href="https://example.org/c.png">chart</a>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	var text []string
	for _, b := range got.Blocks {
		var line strings.Builder
		line.WriteString(b.Marker)
		for _, r := range b.Runs {
			line.WriteString(r.Text)
		}
		text = append(text, line.String())
	}
	want := []string{"Why these studies", "Read these first; see PubMed.", "1.Gluten & you", "2.Zonulin < 5 *not* a cure", "chart"}
	if strings.Join(text, "|") != strings.Join(want, "|") {
		t.Errorf("PDF blocks = %q, want %q", text, want)
	}
	if got.Blocks[0].Kind != Heading || !got.Blocks[1].Runs[1].Bold || !got.Blocks[1].Runs[3].Italic ||
		got.Blocks[1].Runs[5].URL != "https://pubmed.ncbi.nlm.nih.gov/" || got.Blocks[4].Runs[0].URL != "https://example.org/c.png" {
		t.Errorf("PDF block styles wrong: %+v", got.Blocks)
	}
}

func TestSetHandout_LimitsAndOwnership(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	c, err := s.Create(ctx, ada, "Thyroid")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetHandout(ctx, ada, c.ID, "  Your   thyroid ", "Intro\r\n\x07text", "Bye"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                  string
		u                     store.User
		title, intro, closing string
		want                  error
		msg                   string
	}{
		{"long title", ada, strings.Repeat("t", MaxTitleChars+1), "", "", ErrInvalid, "handout title of 201 characters"},
		{"long intro", ada, "", strings.Repeat("é", MaxTextChars+1), "", ErrInvalid, "introduction has 5001 characters"},
		{"long closing", ada, "", "", strings.Repeat("x", MaxTextChars+1), ErrInvalid, "closing text has 5001 characters"},
		{"stranger", bob, "Mine now", "", "", store.ErrNotFound, ""},
	} {
		_, err := s.SetHandout(ctx, tc.u, c.ID, tc.title, tc.intro, tc.closing)
		if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%s: error = %v, want %v saying %q", tc.name, err, tc.want, tc.msg)
		}
	}
	got, _ := st.Collection(c.ID)
	if want := (store.Handout{Title: "Your thyroid", Intro: "Intro\ntext", Closing: "Bye"}); got.Handout != want {
		t.Errorf("handout after bad input = %+v, want %+v kept", got.Handout, want)
	}
	if _, err := s.SetHandout(ctx, root, c.ID, "", "", ""); err != nil {
		t.Errorf("admin clears the handout: %v", err)
	}
	l, err := s.References(ctx, ada, c.ID, cite.AMA)
	if err != nil {
		t.Fatal(err)
	}
	if l.Handout.Title != "Thyroid" || l.Handout.Intro.HTML != "" {
		t.Errorf("cleared handout = %+v, want the collection's name as title and no intro", l.Handout)
	}
}

func TestPractice_OwnersNameOnTheirHandoutsAndShareLinks(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	for _, u := range []store.User{ada, bob} {
		if err := st.CreateUser(store.User{Email: u.Email, PasswordHash: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetPractice(ctx, ada, strings.Repeat("p", MaxPracticeChars+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("long practice name: error = %v, want ErrInvalid", err)
	}
	if _, err := s.SetPractice(ctx, ada, " Ada's  Gut Clinic "); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Practice(ctx, ada); got != "Ada's Gut Clinic" {
		t.Errorf("Practice(ada) = %q", got)
	}
	c, _ := s.Create(ctx, ada, "Gut")
	if _, err := s.SetHandout(ctx, ada, c.ID, "Your gut", "Hello", ""); err != nil {
		t.Fatal(err)
	}
	token, _, err := s.Share(ctx, ada, c.ID, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Shared(ctx, token, cite.APA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if l.Handout.Practice != "Ada's Gut Clinic" || l.Handout.Title != "Your gut" || !strings.Contains(string(l.Handout.Intro.HTML), "Hello") {
		t.Errorf("shared handout = %+v, want ada's practice, title and intro", l.Handout)
	}
	cb, _ := s.Create(ctx, bob, "Bob's")
	lb, err := s.References(ctx, bob, cb.ID, cite.APA)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Handout.Practice != "" {
		t.Errorf("bob's handout carries practice %q, want none (the site's default applies)", lb.Handout.Practice)
	}
}

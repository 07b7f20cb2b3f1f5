package web

import (
	"context"
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/library"
	"villi/pubmed"
)

// Markup planted in one record's text, one per field, as PubMed XML can
// carry it (escaped character data, not elements).
const (
	markTitle    = `<script>title()</script>`
	markJournal  = `<b>Journal</b> & Co`
	markAbstract = `<script>abstract()</script>`
	markAuthor   = `<i>Dawoud</i>`
	markMeSH     = `<script>mesh()</script>`

	// hostilePMID is the planted record; basePMID the topical record it is
	// copied from, which keeps its MeSH and title words, so the copy is its
	// most similar article.
	hostilePMID = "99000001"
	basePMID    = "1452072"
	// hostileWord is in the planted abstract only, to find the record by.
	hostileWord = "villiescape"
)

var allMarks = []string{markTitle, markJournal, markAbstract, markAuthor, markMeSH}

// hostileRecord returns PubMed XML of the first topical record (PMID
// 1452072) turned into PMID 99000001, with markup in its title, journal,
// abstract, first author and a MeSH heading; made a randomised trial of
// 2025 so that it heads the home page's newest trials.
func hostileRecord(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	it, err := pubmed.NewDecoder(f).Next()
	if err != nil {
		t.Fatal(err)
	}
	src := string(it.Source)
	if !strings.Contains(src, ">"+basePMID+"<") {
		t.Fatalf("first topical record is not PMID %s", basePMID)
	}
	esc := html.EscapeString // XML character data escapes the same way
	edits := []struct{ re, repl string }{
		{`>` + basePMID + `<`, `>` + hostilePMID + `<`},
		{`<ArticleTitle>Immunohistochemical `, `<ArticleTitle>Immunohistochemical ` + esc(markTitle) + ` `},
		{`<Title>[^<]*</Title>`, `<Title>` + esc(markJournal) + `</Title>`},
		{`<ISOAbbreviation>[^<]*</ISOAbbreviation>`, `<ISOAbbreviation>` + esc(markJournal) + `</ISOAbbreviation>`},
		{`<MedlineTA>[^<]*</MedlineTA>`, `<MedlineTA>` + esc(markJournal) + `</MedlineTA>`},
		{`<AbstractText>`, `<AbstractText>Serum ` + hostileWord + ` ` + esc(markAbstract) + ` rose &amp; fell. `},
		{`<LastName>al-Dawoud</LastName>`, `<LastName>` + esc(markAuthor) + `</LastName>`},
		{`>Adolescent</DescriptorName>`, `>` + esc(markMeSH) + `</DescriptorName>`},
		{`<PublicationTypeList>`, `<PublicationTypeList><PublicationType>Randomized Controlled Trial</PublicationType>`},
		{`<Year>1992</Year>`, `<Year>2025</Year>`},
	}
	for _, e := range edits {
		re := regexp.MustCompile(e.re)
		if !re.MatchString(src) {
			t.Fatalf("record %s has no %s to edit", basePMID, e.re)
		}
		src = re.ReplaceAllLiteralString(src, e.repl)
	}
	return "<PubmedArticleSet>" + src + "</PubmedArticleSet>"
}

// hostileLibrary is a private library of the first 20 topical records and
// the hostile one, ingested through Import.
func hostileLibrary(t *testing.T) *library.Library {
	t.Helper()
	lib := newLibrary(t, 20)
	sum, err := lib.Import(context.Background(), strings.NewReader(hostileRecord(t)), nil)
	if err != nil {
		t.Fatalf("import the hostile record: %v", err)
	}
	if sum.Added != 1 {
		t.Fatalf("import the hostile record: %+v, want 1 added", sum)
	}
	return lib
}

// checkEscaped fails unless body carries each of want escaped and none of
// the planted markup raw.
func checkEscaped(t *testing.T, where, body string, want ...string) {
	t.Helper()
	for _, m := range allMarks {
		if strings.Contains(body, m) {
			t.Errorf("%s: raw %q in the output", where, m)
		}
	}
	for _, m := range want {
		if !strings.Contains(body, html.EscapeString(m)) {
			t.Errorf("%s: lacks %q escaped (%q)", where, m, html.EscapeString(m))
		}
	}
}

func TestEscaping_RecordTextOnEveryPage(t *testing.T) {
	lib := hostileLibrary(t)
	const user = "escape@example.org"
	srv := newServer(t, lib, Options{Accounts: newAccounts(t, lib, true, user)}).URL
	c := browserClient(t)
	login(t, c, srv, user)

	// Into a collection, for the collection page and the print view.
	if resp := postForm(t, c, srv, "/articles/"+hostilePMID+"/collect", url.Values{"collection": {"new"}, "name": {"Escapes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("collect: status %d", resp.StatusCode)
	}
	_, body := fetch(t, c, srv, "/collections")
	m := regexp.MustCompile(`<a href="/collections/([0-9]+)">Escapes</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("collections page lacks the new collection")
	}
	coll := "/collections/" + m[1]

	listed := []string{markTitle, markJournal, markAuthor}
	pages := []struct {
		name, path string
		want       []string
	}{
		{"search results with snippet", "/search?q=" + hostileWord, append(listed, markAbstract)},
		{"article page", "/articles/" + hostilePMID, append(listed, markAbstract, markMeSH)},
		{"similar articles", "/articles/" + basePMID, listed},
		{"home page trials", "/", listed},
		{"collection AMA", coll + "?style=ama", listed},
		{"collection APA", coll + "?style=apa", listed},
		{"collection Vancouver", coll + "?style=vancouver", listed},
		{"print AMA", coll + "/print?style=ama", listed},
		{"print APA", coll + "/print?style=apa", listed},
		{"print Vancouver", coll + "/print?style=vancouver", listed},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			resp, body := fetch(t, c, srv, p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", p.path, resp.StatusCode)
			}
			checkEscaped(t, p.path, body, p.want...)
		})
	}
	// The similar list must be what shows the copy on its original's page.
	_, body = fetch(t, c, srv, "/articles/"+basePMID)
	if _, similar, ok := strings.Cut(body, `id="similar-h"`); !ok || !strings.Contains(similar, `href="/articles/`+hostilePMID+`"`) {
		t.Errorf("article %s does not list %s among similar articles", basePMID, hostilePMID)
	}
}

// In the Atom feed the title and author are text constructs (XML-escaped
// text a reader shows as is); the summary is HTML, so record text in it is
// escaped once for HTML and again for XML.
func TestEscaping_RecordTextInAtom(t *testing.T) {
	srv := newServer(t, hostileLibrary(t), Options{})
	resp, body := get(t, srv.URL+"/search.atom?q="+hostileWord)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, m := range allMarks {
		if strings.Contains(body, m) {
			t.Errorf("raw %q in the feed", m)
		}
	}
	var feed struct {
		Entries []struct {
			Title   string `xml:"title"`
			Authors []struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Summary struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	if len(feed.Entries) != 1 {
		t.Fatalf("%d entries, want the hostile record alone", len(feed.Entries))
	}
	e := feed.Entries[0]
	if !strings.Contains(e.Title, markTitle) {
		t.Errorf("entry title %q, want the title as text, %q in it", e.Title, markTitle)
	}
	if len(e.Authors) == 0 || !strings.Contains(e.Authors[0].Name, markAuthor) {
		t.Errorf("entry authors %+v, want the first as text with %q", e.Authors, markAuthor)
	}
	if e.Summary.Type != "html" {
		t.Errorf("summary type %q, want html", e.Summary.Type)
	}
	checkEscaped(t, "atom summary", e.Summary.Body, markJournal, markAbstract)
}

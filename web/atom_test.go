package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAtom_ValidFeedOfTheSearch(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{BaseURL: "https://villi.example.org"})
	resp, body := get(t, srv.URL+"/search.atom?q=gluten&condition=celiac&size=10")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Author  struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Updated string `xml:"updated"`
			Links   []struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Summary struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"summary"`
			Categories []struct {
				Term string `xml:"term,attr"`
			} `xml:"category"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	// RFC 4287's required elements.
	if feed.Title == "" || feed.ID == "" || feed.Author.Name == "" {
		t.Errorf("feed title %q id %q author %q: all required", feed.Title, feed.ID, feed.Author.Name)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("feed updated %q: %v", feed.Updated, err)
	}
	if want := "https://villi.example.org/search?q=gluten&condition=celiac"; feed.ID != want {
		t.Errorf("feed id %q, want %q", feed.ID, want)
	}
	if !strings.Contains(feed.Title, "gluten") || !strings.Contains(feed.Title, "Celiac disease") {
		t.Errorf("feed title %q does not describe the search", feed.Title)
	}
	var self bool
	for _, l := range feed.Links {
		self = self || (l.Rel == "self" && strings.HasPrefix(l.Href, "https://villi.example.org/search.atom?"))
	}
	if !self {
		t.Errorf("no absolute self link in %+v", feed.Links)
	}
	if len(feed.Entries) != 10 {
		t.Fatalf("%d entries, want 10", len(feed.Entries))
	}
	ids := map[string]bool{}
	for _, e := range feed.Entries {
		if e.Title == "" || !strings.HasPrefix(e.ID, "https://pubmed.ncbi.nlm.nih.gov/") || ids[e.ID] {
			t.Errorf("entry title %q id %q: want a title and a unique PubMed id", e.Title, e.ID)
		}
		ids[e.ID] = true
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry updated %q: %v", e.Updated, err)
		}
		if len(e.Links) == 0 || !strings.HasPrefix(e.Links[0].Href, "https://villi.example.org/articles/") {
			t.Errorf("entry links %+v, want the article page first", e.Links)
		}
		if e.Summary.Type != "html" || !strings.Contains(e.Summary.Body, "<p>") {
			t.Errorf("entry summary %+v, want escaped HTML", e.Summary)
		}
		var celiac bool
		for _, c := range e.Categories {
			celiac = celiac || c.Term == "celiac"
		}
		if !celiac {
			t.Errorf("entry %s lacks the celiac category", e.ID)
		}
	}
}

func TestAtom_BadSearchIs400(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	if resp, _ := get(t, srv.URL+"/search.atom?q=%28gluten"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("syntax error: %d, want 400", resp.StatusCode)
	}
}

// A feed reader shows no banner: the retraction must be in the entry itself,
// and only in the retracted one's.
func TestAtom_RetractedEntrySaysSo(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	tests := []struct {
		name          string
		pmid          int
		wantRetracted bool
	}{
		{"retracted", retractedPMID, true},
		{"not retracted", 1452072, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/search.atom?q="+strconv.Itoa(tt.pmid))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var feed struct {
				Entries []struct {
					ID      string `xml:"id"`
					Title   string `xml:"title"`
					Summary string `xml:"summary"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(body), &feed); err != nil {
				t.Fatalf("feed does not parse: %v", err)
			}
			if len(feed.Entries) != 1 || !strings.HasSuffix(feed.Entries[0].ID, "/"+strconv.Itoa(tt.pmid)+"/") {
				t.Fatalf("entries %+v, want PMID %d alone", feed.Entries, tt.pmid)
			}
			e := feed.Entries[0]
			got := strings.Contains(e.Title+e.Summary, "Retracted publication")
			if got != tt.wantRetracted {
				t.Errorf("entry says retracted: %v, want %v\ntitle: %s\nsummary: %s", got, tt.wantRetracted, e.Title, e.Summary)
			}
		})
	}
}

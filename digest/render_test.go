package digest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"villi/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./digest -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", name, i+1, g, w)
			}
		}
	}
}

// handoutList is a fixed HandoutSource.
type handoutList map[string][]Handout

func (h handoutList) Handouts(_ context.Context, owner string) ([]Handout, error) {
	return h[owner], nil
}

func TestRender_Golden(t *testing.T) {
	lib, recs := selectionLib(t)
	st := lib.DB()
	// Crawl history for the health line.
	for _, r := range []store.Run{
		{Kind: "crawl", Started: time.Date(1992, 6, 1, 4, 0, 0, 0, time.UTC), Ended: time.Date(1992, 6, 1, 4, 9, 0, 0, time.UTC), Added: 60},
		{Kind: "import", Started: time.Date(1992, 6, 2, 9, 0, 0, 0, time.UTC), Ended: time.Date(1992, 6, 2, 9, 1, 0, 0, time.UTC), Added: 40},
		{Kind: "crawl", Started: time.Date(1992, 6, 8, 4, 0, 0, 0, time.UTC), Ended: time.Date(1992, 6, 8, 4, 7, 0, 0, time.UTC), Added: 3,
			Failing: []string{"lupus-diet: efetch: HTTP 500 after 5 retries"}},
	} {
		if err := st.PutRun(&r); err != nil {
			t.Fatal(err)
		}
	}
	until := time.Date(1992, 6, 8, 7, 0, 0, 0, time.UTC) // Monday
	since := time.Date(1992, 6, 1, 7, 0, 0, 0, time.UTC)
	cfg := testConfig(until)
	cfg.GroupCap = 2
	cfg.From = "Praxis Łukasz Müller <digest@villi.example.org>"
	cfg.Handouts = handoutList{"carla@example.org": {{
		Key: "7:1752960:retracted", Detail: "Retraction in: J Clin Invest. 1993;91(4):1816. PMID: 8473522",
		Collection: "Lupus handout (2024)", CollectionURL: "https://villi.example.org/collections/7",
		PMID: pmidRetracted, Title: "Heparin-like molecules and the extracellular matrix", ArticleURL: "https://villi.example.org/articles/1752960",
		Notice: "Retracted",
	}}}
	s := newService(t, lib, cfg)
	cases := []struct {
		name         string
		sub          store.Subscription
		since, until time.Time
	}{
		{"conditions", store.Subscription{ID: 11, Email: "anna@example.org", Conditions: []string{"rheumatoid-arthritis", "lupus", "multiple-sclerosis"}}, longAgo, until},
		{"everything", store.Subscription{ID: 12, Email: "ben@example.org", MinEvidence: "in-vitro"}, longAgo, until},
		{"empty-with-handouts", store.Subscription{ID: 13, Email: "carla@example.org", Conditions: []string{"hashimoto"}, Query: "zonulin"}, since, until},
		{"empty", store.Subscription{ID: 14, Email: "dan@example.org", Conditions: []string{"celiac"}, EmptyWeek: store.EmptyWeekSkip}, since, until},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := s.build(context.Background(), &c.sub, WeekKey(c.until, time.UTC), c.since, c.until)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "digest-"+c.name+".html", m.HTML)
			golden(t, "digest-"+c.name+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			checkMailHTML(t, m.HTML)
			reviewDigest(t, s, &c.sub, m, windowCount(recs, &c.sub, c.since, c.until), cfg.Handouts.(handoutList)[c.sub.Email])
			if c.name == "empty" && (!m.Empty || !m.Skip) {
				t.Errorf("empty week with skip chosen: Empty %v Skip %v, want both", m.Empty, m.Skip)
			}
			if c.name == "empty-with-handouts" && (m.Empty || !strings.Contains(m.Text, "CHECK YOUR HANDOUTS")) {
				t.Error("a week with a handout warning must be sent and show it")
			}
		})
	}
	t.Run("confirm", func(t *testing.T) {
		sub := store.Subscription{ID: 21, Email: "eve@example.org", Conditions: []string{"celiac"}, Mechanisms: []string{"repair", "intestinal-permeability"}, MinEvidence: "rct"}
		m, err := s.confirmation(&sub, until)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "confirm.html", m.HTML)
		golden(t, "confirm.txt", "Subject: "+m.Subject+"\n\n"+m.Text)
		checkMailHTML(t, m.HTML)
		reviewConfirm(t, s, &sub, m, until)
	})
}

var remoteRef = regexp.MustCompile(`(?i)<(img|link|script|iframe)\b|url\(|@import`)

// checkMailHTML holds the rules every mail's HTML keeps: no remote images,
// styles or scripts; dark-mode and phone-ready.
func checkMailHTML(t *testing.T, html string) {
	t.Helper()
	if m := remoteRef.FindString(html); m != "" {
		t.Errorf("HTML loads something (%q): mails carry no remote images, styles or scripts", m)
	}
	for _, want := range []string{
		`<meta name="color-scheme" content="light dark">`,
		`@media (prefers-color-scheme: dark)`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`max-width:`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

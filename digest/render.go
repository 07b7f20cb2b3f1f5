package digest

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"villi/store"
	"villi/taxonomy"
)

//go:embed templates
var templateFS embed.FS

// Message is one rendered mail: exactly what Run sends and Preview shows.
type Message struct {
	To        string
	Subject   string
	MessageID string // without angle brackets
	Text      string // the text/plain part
	HTML      string // the text/html part
	Week      string
	// Since and Until bound the Added times the digest covers: (Since, Until].
	Since, Until time.Time
	Items        int
	Empty        bool // nothing new in the window
	// Skip is set when the digest is empty and the subscriber chose no mail
	// for empty weeks: Run sends nothing and logs the week as skipped.
	Skip           bool
	ManageURL      string
	UnsubscribeURL string
	// Handouts are the collection flags this digest tells.
	Handouts []Handout
	told     []string // the subscription's Told once this is sent
}

// view is what the digest templates see.
type view struct {
	Subject, Preheader string
	WeekLabel          string
	SinceLabel         string
	Filters            string
	Groups             []Group
	Total              int
	Truncated          bool
	// Provisional says a study shown carries a provisional mark: the mail
	// then explains it once (ProvisionalNote).
	Provisional    bool
	Health         string
	Handouts       []Handout
	HandoutsURL    string
	ManageURL      string
	UnsubscribeURL string
	BaseURL        string
	SearchURL      string
}

// ProvisionalNote explains, once per mail, the mark beside a tag that is
// villi's guess rather than NLM's indexing.
const ProvisionalNote = "(provisional) marks a tag that is villi's guess from the title and abstract: NLM has not indexed the record yet."

// anyProvisional reports whether a study shown is marked provisional.
func anyProvisional(groups []Group) bool {
	for _, g := range groups {
		for _, it := range g.Items {
			if it.EvidenceProvisional || it.ConditionProvisional {
				return true
			}
		}
	}
	return false
}

// confirmView is what the confirmation templates see.
type confirmView struct {
	Subject    string
	Filters    string
	ConfirmURL string
	ManageURL  string // set when the address is already subscribed
	Expires    string
	BaseURL    string
}

// templates are parsed once, at New: a broken template is a start-up error.
type templates struct {
	html map[string]*htmltemplate.Template
	text map[string]*texttemplate.Template
}

// speciesBadge names a record's species in a mail. An unknown species gets
// no badge: it would tell the reader nothing.
func speciesBadge(slug string) string {
	if slug == "unknown" || !slices.Contains(taxonomy.SpeciesValues(), slug) {
		return ""
	}
	return taxonomy.SpeciesShort(slug)
}

// evidenceStyle colours a badge by strength; white on these colours reads in
// light and dark mode alike.
func evidenceStyle(slug string) htmltemplate.CSS {
	bg := "#5f6b7a"
	switch r := taxonomy.EvidenceRank(slug); {
	case r <= 1:
		bg = "#1b6e3a"
	case r <= 3:
		bg = "#1f5fa8"
	case r <= 6:
		bg = "#7a5a12"
	}
	return htmltemplate.CSS("display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;line-height:16px;font-weight:600;color:#ffffff;background:" + bg + ";")
}

func parseTemplates() (*templates, error) {
	funcs := map[string]any{
		"evidence":        taxonomy.EvidenceShort,
		"evidenceStyle":   evidenceStyle,
		"species":         speciesBadge,
		"plural":          plural,
		"wrap":            wrap,
		"provisionalNote": func() string { return ProvisionalNote },
	}
	t := &templates{html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	for _, name := range []string{"digest", "confirm"} {
		h, err := htmltemplate.New(name+".html").Funcs(funcs).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("digest template %s.html: %w", name, err)
		}
		x, err := texttemplate.New(name+".txt").Funcs(funcs).ParseFS(templateFS, "templates/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("digest template %s.txt: %w", name, err)
		}
		t.html[name], t.text[name] = h, x
	}
	return t, nil
}

// render executes the HTML and text templates of name with data.
func (t *templates) render(name string, data any) (html, text string, err error) {
	var hb, tb bytes.Buffer
	if err := t.html[name].Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("render %s.html: %w", name, err)
	}
	if err := t.text[name].Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("render %s.txt: %w", name, err)
	}
	return hb.String(), tidyText(tb.String()), nil
}

// tidyText drops trailing spaces and runs of blank lines that template
// actions leave behind.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// wrap breaks s into lines of at most width columns (longer words stay
// whole), the first prefixed by first and the others by rest.
func wrap(first, rest string, width int, s string) string {
	var b strings.Builder
	prefix := first
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(prefix+line))+1+len([]rune(w)) > width {
			b.WriteString(prefix + line + "\n")
			prefix, line = rest, ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(prefix + line)
	}
	return b.String()
}

// Describe says in words what a subscription follows, as the mails do.
func (s *Service) Describe(sub *store.Subscription) string { return s.describe(sub) }

// describe says in words what a subscription follows.
func (s *Service) describe(sub *store.Subscription) string {
	var parts []string
	if len(sub.Conditions) > 0 {
		parts = append(parts, strings.Join(s.labels(s.lib.Taxonomy().Conditions(), sub.Conditions), ", "))
	}
	if len(sub.Mechanisms) > 0 {
		parts = append(parts, strings.Join(s.labels(s.lib.Taxonomy().Mechanisms(), sub.Mechanisms), ", "))
	}
	if sub.Query != "" {
		parts = append(parts, "“"+sub.Query+"”")
	}
	if lv := taxonomy.EvidenceLevels(); sub.MinEvidence != "" && sub.MinEvidence != lv[len(lv)-1] {
		if taxonomy.EvidenceRank(sub.MinEvidence) == 0 {
			parts = append(parts, taxonomy.EvidenceShort(sub.MinEvidence)+" only")
		} else {
			parts = append(parts, taxonomy.EvidenceShort(sub.MinEvidence)+" or stronger")
		}
	}
	if sub.HumansOnly {
		parts = append(parts, "human studies only")
	}
	if len(parts) == 0 {
		return "everything new in the library"
	}
	return strings.Join(parts, " · ")
}

// labels maps slugs to their short labels in table order.
func (s *Service) labels(terms []taxonomy.Term, slugs []string) []string {
	var out []string
	for _, t := range terms {
		for _, sl := range slugs {
			if sl == t.Slug {
				out = append(out, t.Short())
			}
		}
	}
	return out
}

// dayLabel formats a date the way the mails do: "7 Dec 2026".
func dayLabel(t time.Time, loc *time.Location) string { return t.In(loc).Format("2 Jan 2006") }

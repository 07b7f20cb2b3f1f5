package digest

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// The golden files are reviewed, not only regenerated: -update rewrites
// them, and these checks say what each must hold, so a rewrite that drops
// the unsubscribe link or miscounts the week fails although it matches
// its new golden file byte for byte.

var (
	groupHead = regexp.MustCompile(`(?m)^== (.+) \((\d+)\) ==$`)
	seeAllRe  = regexp.MustCompile(`(?m)^See all (\d+) in (.+): (\S+)$`)
	tokenRe   = regexp.MustCompile(`[?&]token=([A-Za-z0-9_.-]+)`)
)

// windowCount counts, independently of the search path, the records a
// digest for sub over (since, until] holds, ignoring sub.Query (the caller
// treats it as an upper bound then).
func windowCount(recs []stored, sub *store.Subscription, since, until time.Time) int {
	floor := taxonomy.EvidenceRank(sub.MinEvidence)
	return len(want(recs, since, until, func(_ *pubmed.Article, tg taxonomy.Tags) bool {
		if len(sub.Conditions) > 0 && !slices.ContainsFunc(sub.Conditions, func(c string) bool { return slices.Contains(tg.Conditions, c) }) {
			return false
		}
		if sub.HumansOnly && tg.Species != "human" && tg.Species != "both" {
			return false
		}
		return sub.MinEvidence == "" || taxonomy.EvidenceRank(tg.Evidence) <= floor
	}))
}

// reviewDigest holds a rendered digest to what every digest must say.
func reviewDigest(t *testing.T, s *Service, sub *store.Subscription, m *Message, bound int, handouts []Handout) {
	t.Helper()
	n := m.Items
	switch {
	case sub.Query == "" && n != bound:
		t.Errorf("digest holds %d studies, want %d (the window's records that match)", n, bound)
	case n > bound:
		t.Errorf("digest holds %d studies, more than the %d the filters allow", n, bound)
	}

	// Counts: subject, heading and groups agree with the number of items.
	if n > 0 {
		count := plural(n, "new study", "new studies")
		if !strings.HasPrefix(m.Subject, "villi weekly: "+count) {
			t.Errorf("subject %q does not start with the count %q", m.Subject, count)
		}
		for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			if !strings.Contains(body, count+" since ") {
				t.Errorf("%s part does not say %q", part, count+" since …")
			}
		}
		sum := 0
		for _, g := range groupHead.FindAllStringSubmatch(m.Text, -1) {
			k, _ := strconv.Atoi(g[2])
			sum += k
		}
		if sum != n {
			t.Errorf("group headings add up to %d, the digest holds %d", sum, n)
		}
	} else if !strings.Contains(m.Text, "No new records matched") || !strings.Contains(m.HTML, "No new records matched") {
		t.Error("an empty week must say that nothing matched, in both parts")
	}

	// Every study shown links to its villi page and to PubMed, in both parts.
	shown := 0
	for _, line := range strings.Split(m.Text, "\n") {
		if pm, ok := strings.CutPrefix(strings.TrimSpace(line), "PubMed: https://pubmed.ncbi.nlm.nih.gov/"); ok {
			shown++
			pmid := strings.TrimSuffix(pm, "/")
			if !strings.Contains(m.Text, "/articles/"+pmid) || !strings.Contains(m.HTML, "/articles/"+pmid) || !strings.Contains(m.HTML, "pubmed.ncbi.nlm.nih.gov/"+pmid+"/") {
				t.Errorf("PMID %s lacks its villi or PubMed link in one of the parts", pmid)
			}
		}
	}
	if shown > n {
		t.Errorf("%d studies shown, the digest counts %d", shown, n)
	}
	// Fewer shown than counted only with a See all link for the rest,
	// restricted to the digest's window.
	links := seeAllRe.FindAllStringSubmatch(m.Text, -1)
	if shown < n && len(links) == 0 {
		t.Errorf("%d of %d studies shown and no See all link", shown, n)
	}
	for _, l := range links {
		u, err := url.Parse(l[3])
		if err != nil || u.Query().Get("added_since") == "" || u.Query().Get("added_until") == "" {
			t.Errorf("See all link %q does not name the digest window", l[3])
		}
		if !strings.Contains(m.HTML, html.EscapeString(l[3])) {
			t.Errorf("the HTML part lacks the See all link of the text part: %s", l[3])
		}
	}

	// Unsubscribe and manage links for this subscription, in both parts.
	for name, link := range map[string]string{"unsubscribe": m.UnsubscribeURL, "manage": m.ManageURL} {
		if link == "" || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, html.EscapeString(link)) {
			t.Errorf("%s link %q missing from a part", name, link)
		}
	}
	if tok := tokenRe.FindStringSubmatch(m.UnsubscribeURL); tok == nil {
		t.Errorf("unsubscribe link %q has no token", m.UnsubscribeURL)
	} else if id, err := s.sign.verify(tok[1], purposeUnsubscribe, m.Until); err != nil || id != sub.ID {
		t.Errorf("unsubscribe token names subscription %d (%v), want %d", id, err, sub.ID)
	}

	// Retraction notices for the subscriber's handouts, and none otherwise.
	if len(handouts) == 0 && strings.Contains(m.Text, "CHECK YOUR HANDOUTS") {
		t.Error("a handout warning without handouts")
	}
	for _, h := range handouts {
		for part, body := range map[string]string{"text": m.Text, "html": html.UnescapeString(m.HTML)} {
			for _, want := range []string{h.Notice, h.Title, "PMID " + strconv.FormatUint(h.PMID, 10), h.Detail, h.CollectionURL} {
				if !strings.Contains(body, want) {
					t.Errorf("%s part lacks %q of the handout notice", part, want)
				}
			}
		}
	}
}

// reviewConfirm holds the confirmation mail to its one job: a working
// confirm link for this subscription, and no unsubscribe link for a
// subscription that does not exist yet.
func reviewConfirm(t *testing.T, s *Service, sub *store.Subscription, m *Message, at time.Time) {
	t.Helper()
	i := strings.Index(m.Text, "/subscribe/confirm?token=")
	if i < 0 {
		t.Fatal("confirmation mail has no confirm link")
	}
	tok := tokenRe.FindStringSubmatch(m.Text[i:])
	if id, err := s.sign.verify(tok[1], purposeConfirm, at); err != nil || id != sub.ID {
		t.Errorf("confirm token names subscription %d (%v), want %d", id, err, sub.ID)
	}
	if !strings.Contains(m.HTML, "/subscribe/confirm?token="+tok[1]) {
		t.Error("the HTML part lacks the confirm link")
	}
	if strings.Contains(m.Text, "/unsubscribe") {
		t.Error("confirmation mail carries an unsubscribe link")
	}
}

package digest

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"villi/store"
	"villi/taxonomy"
)

// A digest line names each record's evidence level and species in
// taxonomy's short words; an unknown species gets no badge.
func TestRender_EvidenceAndSpeciesInTaxonomysShortWords(t *testing.T) {
	tpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var items []Study
	for _, l := range taxonomy.EvidenceLevels() {
		for _, sp := range taxonomy.SpeciesValues() {
			items = append(items, Study{PMID: uint64(len(items) + 1), Title: "T", Journal: "J" + l + "/" + sp, Evidence: l, Species: sp})
		}
	}
	htmlOut, text, err := tpl.render("digest", view{Groups: []Group{{Label: "G", Items: items, Total: len(items)}}, Total: len(items)})
	if err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, it := range items {
		want := fmt.Sprintf("  J%s/%s · %s", it.Evidence, it.Species, taxonomy.EvidenceShort(it.Evidence))
		wantHTML := taxonomy.EvidenceShort(it.Evidence)
		if it.Species != "unknown" {
			want += " · " + taxonomy.SpeciesShort(it.Species)
			wantHTML += " " + taxonomy.SpeciesShort(it.Species)
		}
		if !strings.Contains(text, want+"\n") {
			t.Errorf("text lacks %q", want)
		}
		_, after, _ := strings.Cut(htmlOut, ">J"+it.Evidence+"/"+it.Species+"&nbsp; ")
		badges, _, _ := strings.Cut(after, "</p>")
		if got := html.UnescapeString(tags.ReplaceAllString(badges, "")); got != wantHTML {
			t.Errorf("HTML badges of %s/%s read %q, want %q", it.Evidence, it.Species, got, wantHTML)
		}
	}
}

// What a subscription follows reads in short labels: the mechanism without
// its 5R examples, RCT rather than the full words.
func TestDescribe_ShortLabels(t *testing.T) {
	s := newService(t, openLib(t, nil), testConfig(longAgo))
	sub := store.Subscription{Conditions: []string{"celiac"}, Mechanisms: []string{"repair"}, MinEvidence: "rct"}
	tax := taxonomy.Default()
	celiac, _ := tax.Condition("celiac")
	repair, _ := tax.Mechanism("repair")
	want := celiac.Short() + " · " + repair.Short() + " · " + taxonomy.EvidenceShort("rct") + " or stronger"
	if got := s.Describe(&sub); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

package taxonomy

import (
	"testing"
)

// Every slug villi can show has words for each place that shows it: a
// missing row would put an empty badge or heading on a page or in a mail.
func TestLabels_EverySlugHasALongAndAShortLabel(t *testing.T) {
	tx := Default()
	for _, tc := range []struct {
		kind  string
		slugs []string
		long  func(string) string
		short func(string) string
	}{
		{"evidence", EvidenceLevels(), EvidenceLabel, EvidenceShort},
		{"evidence abbr", EvidenceLevels(), EvidenceLabel, EvidenceAbbr},
		{"species", SpeciesValues(), SpeciesLabel, SpeciesShort},
		{"condition", slugs(tx.Conditions()), termWords(tx.Condition, false), termWords(tx.Condition, true)},
		{"mechanism", slugs(tx.Mechanisms()), termWords(tx.Mechanism, false), termWords(tx.Mechanism, true)},
	} {
		for _, slug := range tc.slugs {
			long, short := tc.long(slug), tc.short(slug)
			if long == "" {
				t.Errorf("%s %q: long label %q", tc.kind, slug, long)
			}
			if short == "" || len(short) > len(long) {
				t.Errorf("%s %q: short label %q (long %q)", tc.kind, slug, short, long)
			}
		}
	}
}

func termWords(find func(string) (Term, bool), short bool) func(string) string {
	return func(slug string) string {
		term, ok := find(slug)
		if !ok {
			return ""
		}
		if short {
			return term.Short()
		}
		return term.Label
	}
}

// Distinct levels must read differently wherever they are shown, or a
// reader could not tell a trial from a review.
func TestLabels_DistinctPerLevel(t *testing.T) {
	for name, words := range map[string]func(string) string{"label": EvidenceLabel, "short": EvidenceShort, "abbr": EvidenceAbbr} {
		seen := map[string]string{}
		for _, l := range EvidenceLevels() {
			w := words(l)
			if prev, dup := seen[w]; dup {
				t.Errorf("%s %q names both %s and %s", name, w, prev, l)
			}
			seen[w] = l
		}
	}
}

func TestLabels_Words(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"rct label", EvidenceLabel("rct"), "Randomised controlled trial"},
		{"rct short", EvidenceShort("rct"), "RCT"},
		{"observational abbr", EvidenceAbbr("observational"), "Obs"},
		// Unknown levels rank as other, so they read as other.
		{"unknown level", EvidenceLabel("expert-opinion"), "Other"},
		{"empty level", EvidenceShort(""), "Other"},
		{"both label", SpeciesLabel("both"), "Human and animal"},
		{"both short", SpeciesShort("both"), "Human + animal"},
		{"unknown species", SpeciesLabel("martian"), "Species unknown"},
		{"mechanism short", Term{Slug: "repair", Label: "Repair: zinc, glutamine"}.Short(), "Repair"},
		{"condition short", Term{Slug: "ibd", Label: "Inflammatory bowel disease"}.Short(), "Inflammatory bowel disease"},
		{"colon first", Term{Slug: "x", Label: ": odd"}.Short(), ": odd"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestCondition_LooksUpBySlugWithinItsKind(t *testing.T) {
	tx := Default()
	if c, ok := tx.Condition("celiac"); !ok || c.Label != "Celiac disease" {
		t.Errorf("Condition(celiac) = %+v, %v", c, ok)
	}
	if m, ok := tx.Mechanism("repair"); !ok || m.Short() != "Repair" {
		t.Errorf("Mechanism(repair) = %+v, %v", m, ok)
	}
	if _, ok := tx.Condition("repair"); ok {
		t.Error("Condition(repair) found a mechanism")
	}
	if _, ok := tx.Mechanism("leaky-gut"); ok {
		t.Error("Mechanism(leaky-gut) found something")
	}
}

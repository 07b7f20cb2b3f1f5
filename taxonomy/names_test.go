package taxonomy

import (
	"slices"
	"strings"
	"testing"
)

func TestNames_WhatASearchMaps(t *testing.T) {
	names := Default().Names()
	has := func(kind, slug, text string) bool {
		return slices.ContainsFunc(names, func(n Name) bool { return n.Kind == kind && n.Slug == slug && n.Text == text })
	}
	for _, w := range []struct{ kind, slug, text string }{
		{"condition", "ibd", "Inflammatory bowel disease"},   // label
		{"condition", "ibd", "Inflammatory Bowel Diseases"},  // heading
		{"condition", "hashimoto", "Autoimmune Thyroiditis"}, // heading, un-inverted
		{"condition", "hashimoto", "struma lymphomatosa"},    // term
		{"condition", "celiac", "gluten sensitive enteropathy"},
		{"condition", "ibd", "ibd"},             // slug
		{"condition", "type-1-diabetes", "T1D"}, // abbr always
		{"mechanism", "intestinal-permeability", "Intestinal permeability"},
		{"evidence", "rct", "Randomized controlled trial"},
		{"evidence", "case-report", "Case Reports"}, // publication type
	} {
		if !has(w.kind, w.slug, w.text) {
			t.Errorf("no name %q for %s:%s", w.text, w.kind, w.slug)
		}
	}
	for _, n := range names {
		low := strings.ToLower(n.Text)
		switch {
		case n.Kind == "mechanism" && (n.Slug == "repair" || n.Slug == "remove"):
			t.Errorf("5R step named: %+v", n)
		case strings.Contains(low, "encephalomyelitis") || strings.Contains(low, "nod mice"):
			t.Errorf("an animal model is not a name of its condition: %+v", n)
		case n.Kind == "condition" && low == "diabetes":
			t.Errorf("a ref (short form) is not a name: %+v", n)
		case n.Abbr && n.Text == "HT":
			t.Errorf("an abbreviation the text must define is not a name: %+v", n)
		case n.Kind == "evidence" && (low == "review" || low == "letter" || low == "other"):
			t.Errorf("a one-word evidence name is an ordinary word: %+v", n)
		}
	}
	ms := slices.IndexFunc(names, func(n Name) bool { return n.Abbr && n.Text == "MS" })
	if ms < 0 || names[ms].Slug != "multiple-sclerosis" || !slices.Contains(names[ms].Near, "demyelinat*") {
		t.Errorf("MS: got %+v, want multiple-sclerosis with its context words", names[max(ms, 0)])
	}
}

package crawler

import (
	"slices"
	"strings"
	"testing"
)

func TestDefaultQueries_CoverEveryTopicTimesEveryCondition(t *testing.T) {
	qs := DefaultQueries()
	topics := []string{"permeability", "zonulin", "tight-junctions", "microbiome", "probiotics", "gluten", "diet"}
	conditions := []string{"hashimoto", "rheumatoid-arthritis", "multiple-sclerosis", "lupus", "celiac", "psoriasis", "type-1-diabetes", "ibd"}
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = q.Name
	}
	for _, tp := range topics {
		for _, c := range conditions {
			if !slices.Contains(names, tp+"/"+c) {
				t.Errorf("no default query %s/%s", tp, c)
			}
		}
	}
	if len(qs) != len(topics)*len(conditions) {
		t.Errorf("%d default queries, want %d", len(qs), len(topics)*len(conditions))
	}
	for _, q := range qs {
		if !strings.Contains(q.Term, " AND ") || strings.Contains(q.Term, `\`) {
			t.Errorf("%s: term %q is not topic AND condition on one line", q.Name, q.Term)
		}
	}
}

func TestParseQueries(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []Query
		wantErr  string
	}{
		{"comments and continuation", "# mine\n\nzonulin/celiac: zonulin AND \\\n   celiac[tiab]\nleaky: \"leaky gut\"\n",
			[]Query{{"zonulin/celiac", "zonulin AND celiac[tiab]"}, {"leaky", `"leaky gut"`}}, ""},
		{"no colon", "a: x\nzonulin celiac\n", nil, "line 2: want `name: PubMed query`"},
		{"bad name", "Zonulin Celiac: zonulin\n", nil, `line 1: query name "Zonulin Celiac"`},
		{"empty term", "a: x\n\nb:   \n", nil, `line 3: query "b" has no PubMed term`},
		{"duplicate", "a: x\nb: y\na: z\n", nil, `line 3: query "a" already defined on line 1`},
		{"unbalanced", "a: (zonulin OR celiac\n", nil, `line 1: query "a": 1 unclosed (`},
		{"quote", "a: x\nb: \"leaky gut\n", nil, `line 2: query "b": unterminated quote`},
		{"stray bracket", "a: celiac]\n", nil, "unmatched ] at column 7"},
		{"dangling continuation", "a: x \\\n", nil, "line 1: file ends inside a query"},
		{"nothing", "# only comments\n", nil, "no queries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseQueries(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	qs := []Query{{"zonulin/celiac", "a"}, {"zonulin/ibd", "b"}, {"gluten/celiac", "c"}}
	for _, tc := range []struct {
		patterns []string
		want     []string
		wantErr  string
	}{
		{nil, []string{"zonulin/celiac", "zonulin/ibd", "gluten/celiac"}, ""},
		{[]string{"gluten/celiac", "zonulin/*"}, []string{"zonulin/celiac", "zonulin/ibd", "gluten/celiac"}, ""},
		{[]string{"*/celiac"}, []string{"zonulin/celiac", "gluten/celiac"}, ""},
		{[]string{"diet/lupus"}, nil, `no saved query named "diet/lupus" (saved: zonulin/celiac, zonulin/ibd, gluten/celiac)`},
		{[]string{"[z"}, nil, "query pattern"},
	} {
		got, err := Select(qs, tc.patterns)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err = %v, want %q", tc.patterns, err, tc.wantErr)
			}
			continue
		}
		var names []string
		for _, q := range got {
			names = append(names, q.Name)
		}
		if err != nil || !slices.Equal(names, tc.want) {
			t.Errorf("%v: got %v (%v), want %v", tc.patterns, names, err, tc.want)
		}
	}
}

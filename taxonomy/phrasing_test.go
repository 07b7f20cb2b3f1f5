package taxonomy

import (
	"slices"
	"strings"
	"testing"

	"villi/pubmed"
)

// TestTag_TrickyPhrasings holds the phrasings that decided the text rules
// for the small conditions (QUALITY.md): mentions that are one mention
// although several rules match them, short forms that only count once the
// text has named the condition, and the spellings NLM's indexers read as
// the condition.
func TestTag_TrickyPhrasings(t *testing.T) {
	tests := []struct {
		name            string
		title, abstract string
		want            []string
	}{
		// Joined hits.
		{"Hashimoto's thyroiditis named once in a list is one passing mention",
			"Wheat sensitivity and autoimmunity",
			"Patients developed autoimmune diseases such as type 1 diabetes or Hashimoto's thyroiditis. We studied wheat sensitivity.",
			[]string{}},
		{"Hashimoto's thyroiditis named twice is a topic",
			"Thyroxine dose and atypical sprue",
			"Patients with Hashimoto's thyroiditis needed more thyroxine. In Hashimoto's thyroiditis, malabsorption raised the dose.",
			[]string{"hashimoto"}},

		// Refs: a short form counts only once the text names the condition.
		{"a bare thyroiditis is not Hashimoto's",
			"Renal tubular acidosis with celiac disease and thyroiditis", "",
			[]string{"celiac"}},
		{"thyroiditis refers back to autoimmune thyroiditis named in the abstract",
			"Thyroiditis and celiac disease", "Autoimmune thyroiditis was found in 10 of 60 patients.",
			[]string{"hashimoto", "celiac"}},
		{"subacute thyroiditis in the text leaves a bare thyroiditis ambiguous",
			"Thyroiditis after a viral infection", "Subacute thyroiditis differs from autoimmune thyroiditis.",
			[]string{}},
		{"a bare diabetes is type 1 once the text names type 1 diabetes",
			"Children and adolescents living with diabetes and celiac disease",
			"We interviewed children with type 1 diabetes and celiac disease about their diet.",
			[]string{"celiac", "type-1-diabetes"}},
		{"diabetic refers back to type 1 diabetes too",
			"Diabetic muscle infarction: a case report",
			"A 22-year-old woman with an 11-year history of poorly controlled type 1 diabetes had thigh pain.",
			[]string{"type-1-diabetes"}},
		{"a bare diabetes alone is not type 1",
			"Diabetes and celiac disease", "",
			[]string{"celiac"}},
		{"type 2 diabetes in the text stops the ref",
			"Diet in diabetes", "Type 1 diabetes and type 2 diabetes differ in how diet helps.",
			[]string{}},
		{"type 2 diabetes alone is not type 1",
			"Gluten intake and type 2 diabetes", "Type 2 diabetic patients ate less gluten.",
			[]string{}},
		{"streptozotocin diabetes is chemical, not type 1",
			"Rosemary extract in the urine of diabetic rats",
			"Streptozotocin-diabetic rats were compared with controls; some markers resembled type 1 diabetes.",
			[]string{}},

		// Spellings.
		{"type one diabetes spelled out", "Type one diabetes mellitus after Hirschsprung disease", "", []string{"type-1-diabetes"}},
		{"type 1A diabetes", "HLA-DQ8 and type 1A diabetes", "", []string{"type-1-diabetes"}},
		{"IDDM", "Coeliac antibodies in IDDM", "", []string{"celiac", "type-1-diabetes"}},
		{"juvenile diabetes", "Wheat and juvenile diabetes", "", []string{"type-1-diabetes"}},
		{"struma lymphomatosa is Hashimoto's", "Struma lymphomatosa in a coeliac woman", "", []string{"hashimoto", "celiac"}},
		{"chronic lymphocytic thyroiditis", "Chronic lymphocytic thyroiditis and gluten", "", []string{"hashimoto"}},
		{"psoriatic patients", "Gluten-free diet in psoriatic patients", "", []string{"psoriasis"}},
		{"psoriatic arthritis counts for psoriasis, not rheumatoid arthritis",
			"Psoriatic arthritis and gluten", "", []string{"psoriasis"}},

		// Abbreviations.
		{"RA defined as rheumatoid arthritis counts its uses",
			"Gluten antibodies in arthritis",
			"Rheumatoid arthritis (RA) may mimic coeliac disease. Eighty-five RA patients were included.",
			[]string{"rheumatoid-arthritis"}},
		{"an undefined RA needs joint context",
			"Vitamin A in the gut", "RA signalling shapes gut homing. RA was measured in serum.",
			[]string{}},
		{"T1D abbreviation alone", "Gluten and T1D", "", []string{"type-1-diabetes"}},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(article(tt.title, tt.abstract)).Conditions
			if !slices.Equal(got, tt.want) {
				t.Errorf("conditions = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLoad_RefRulesInAUsersTable shows a ref rule in a table a user writes:
// "overgrowth" counts for SIBO only where the text names SIBO and does not
// name fungal overgrowth.
func TestLoad_RefRulesInAUsersTable(t *testing.T) {
	tx, err := Load(strings.NewReader(`condition sibo  Small intestinal bacterial overgrowth
  term   small intestinal bacterial overgrowth | sibo
  ref    overgrowth
  not    fungal overgrowth
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, abstract string
		want                  []string
	}{
		{"ref after the full name", "Overgrowth after PPIs", "SIBO was common.", []string{"sibo"}},
		{"ref alone", "Overgrowth after PPIs", "", []string{}},
		{"a not phrase anywhere stops the ref", "Overgrowth after PPIs", "SIBO and fungal overgrowth were common.", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tx.Tag(article(tt.title, tt.abstract)).Conditions; !slices.Equal(got, tt.want) {
				t.Errorf("conditions = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvidence_AnimalRandomisationIsNotAnRCT(t *testing.T) {
	tax := Default()
	tests := []struct {
		name, abstract, want string
	}{
		{"mice randomized", "Dextran sodium sulfate was utilized to induce colitis in C57BL/6 mice with mice randomized to receive either standard formula or novel formula. Colonic biopsies from pediatric patients were also exposed.", "animal|other|clinical-trial|observational|in-vitro"},
		{"patients randomized", "Adults with celiac disease were randomized to receive a gluten-free diet with or without probiotics for 12 weeks.", "rct"},
	}
	for _, tt := range tests {
		a := &pubmed.Article{PMID: 1, Title: "A study", Abstract: []pubmed.AbstractSection{{Text: tt.abstract}}}
		got := tax.Tag(a).Evidence
		if !strings.Contains("|"+tt.want+"|", "|"+got+"|") {
			t.Errorf("%s: evidence = %q, want one of %s", tt.name, got, tt.want)
		}
	}
}

package taxonomy

import (
	"slices"
	"testing"
)

// An animal model is animal work even where the abstract never says "mice"
// or "rats" and opens with the patients the disease affects: the model is
// the only species cue such abstracts give, and a digest reader who asked
// for human studies must not get them.
func TestTag_AnimalModelWithoutSpeciesWordsOutweighsPatients(t *testing.T) {
	tests := []struct {
		name, title, abstract, condition string
	}{
		{"EAE in the title, patients in the background",
			"Vitamin D supplementation attenuates experimental autoimmune encephalomyelitis",
			"Low vitamin D is common in patients with multiple sclerosis. EAE was induced by immunisation with MOG35-55; clinical scores and spinal cord demyelination were reduced.",
			"multiple-sclerosis"},
		{"EAE defined in the abstract only",
			"Dietary salt and autoimmune neuroinflammation",
			"High salt intake has been linked to relapses in patients with multiple sclerosis. Experimental autoimmune encephalomyelitis (EAE) was induced with MOG peptide; animals fed a high-salt diet developed more severe EAE.",
			"multiple-sclerosis"},
		{"patients and healthy controls against a model named twice",
			"Short-chain fatty acids in EAE",
			"The gut microbiota of patients with relapsing-remitting multiple sclerosis differs from that of healthy controls. We asked whether propionate modifies EAE. Oral propionate reduced clinical scores and demyelination in EAE.",
			"multiple-sclerosis"},
		{"collagen-induced arthritis, patients in the background",
			"Dietary fibre and collagen-induced arthritis",
			"Patients with rheumatoid arthritis eat little fibre. Collagen-induced arthritis was induced by immunisation with bovine type II collagen; a high-fibre diet lowered arthritis scores and bone erosion.",
			"rheumatoid-arthritis"},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(article(tt.title, tt.abstract))
			if !slices.Contains(got.Conditions, tt.condition) {
				t.Errorf("conditions = %q, want %q among them", got.Conditions, tt.condition)
			}
			if got.Species != "animal" {
				t.Errorf("species = %q, want animal (the model is the only species cue besides background patients)", got.Species)
			}
			if got.Evidence != "animal" {
				t.Errorf("evidence = %q, want animal", got.Evidence)
			}
		})
	}
}

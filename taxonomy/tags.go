package taxonomy

import "slices"

// Tags are what Tag derives from an article: condition and mechanism slugs,
// one evidence level and one species value.
type Tags struct {
	Conditions []string `json:"conditions"`
	Mechanisms []string `json:"mechanisms"`
	Evidence   string   `json:"evidence"` // meta-analysis, systematic-review, rct, ..., other
	Species    string   `json:"species"`  // human, animal, both, unknown
	// Focus is the part of Conditions and Mechanisms the record is about;
	// the rest are mentions. Records stored before focus existed have none
	// until `villi retag`.
	Focus Focus `json:"focus"`
	// Provisional lists the tags (condition, mechanism and evidence slugs)
	// that are villi's guess: given from text or the learned model to a
	// record NLM has not indexed yet. Set by package learn, not by Tag.
	Provisional []string `json:"provisional,omitempty"`
	// ProvisionalWhy says why each provisional tag was given: one Reason
	// per slug of Provisional, in its order. Set by package learn; records
	// tagged before it existed have none until `villi retag`.
	ProvisionalWhy []Reason `json:"provisional_why,omitempty"`
}

// Focus holds the condition and mechanism slugs a record is about: those
// NLM gave as a major topic, or that its title names. Each is a subset of
// the Tags' list of the same kind, in table order.
type Focus struct {
	Conditions []string `json:"conditions"`
	Mechanisms []string `json:"mechanisms"`
}

// Mentions returns the conditions and mechanisms tagged but not in focus:
// what the record mentions without being about it.
func (t Tags) Mentions() (conditions, mechanisms []string) {
	return without(t.Conditions, t.Focus.Conditions), without(t.Mechanisms, t.Focus.Mechanisms)
}

func without(all, drop []string) []string {
	out := []string{}
	for _, s := range all {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

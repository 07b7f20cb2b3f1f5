package taxonomy

// Tags are what Tag derives from an article: condition and mechanism slugs,
// one evidence level and one species value.
type Tags struct {
	Conditions []string `json:"conditions"`
	Mechanisms []string `json:"mechanisms"`
	Evidence   string   `json:"evidence"` // meta-analysis, systematic-review, rct, ..., other
	Species    string   `json:"species"`  // human, animal, both, unknown
}

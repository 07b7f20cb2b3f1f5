package taxonomy

// words are what villi shows for a slug of a fixed vocabulary. Every place
// that shows a level or species takes its words from here, so adding a level
// or rewording one is a change to one row.
type words struct {
	slug  string // a contract (CONTRACTS.md): stored tags, links and the API use it
	label string // in full, where there is room: article pages, facets, forms
	short string // read on its own in a line of text: the digest mail
	abbr  string // a few letters in a tight cell read with a legend: the evidence map
}

// Evidence levels, strongest first (CONTRACTS.md). The order is the rank.
// The labels taxonomy.txt gives its evidence and species blocks are notes for
// the table's reader; these are the words villi shows.
const numLevels = 11

var levelWords = [numLevels]words{
	{"meta-analysis", "Meta-analysis", "Meta-analysis", "MA"},
	{"systematic-review", "Systematic review", "Systematic review", "SR"},
	{"rct", "Randomised controlled trial", "RCT", "RCT"},
	{"clinical-trial", "Clinical trial", "Clinical trial", "CT"},
	{"observational", "Observational study", "Observational", "Obs"},
	{"case-report", "Case report", "Case report", "Case"},
	{"review", "Review", "Review", "Rev"},
	{"animal", "Animal study", "Animal study", "Anim"},
	{"in-vitro", "In vitro", "In vitro", "Vitro"},
	{"commentary", "Letter, comment or editorial", "Commentary", "Com"},
	{"other", "Other", "Other", "Other"},
}

const (
	levelMeta = iota
	levelSystematic
	levelRCT
	levelTrial
	levelObservational
	levelCase
	levelReview
	levelAnimal
	levelInVitro
	levelCommentary
	levelOther
)

// levels are the level slugs by rank, for the tagger's hot path.
var levels = slugsOf(levelWords[:])

var levelIndex = indexOf(levels)

// Species values.
const numSpecies = 4

// Nothing shows a species in a tight cell, so species have no abbr.
var speciesWords = [numSpecies]words{
	{slug: "human", label: "Human", short: "Human"},
	{slug: "animal", label: "Animal", short: "Animal"},
	{slug: "both", label: "Human and animal", short: "Human + animal"},
	{slug: "unknown", label: "Species unknown", short: "Unknown"},
}

const (
	speciesHuman = iota
	speciesAnimal
	speciesBoth
	speciesUnknown
)

var speciesValues = slugsOf(speciesWords[:])

var speciesIndex = indexOf(speciesValues)

func slugsOf(ws []words) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.slug
	}
	return out
}

func indexOf(slugs []string) map[string]int {
	m := make(map[string]int, len(slugs))
	for i, s := range slugs {
		m[s] = i
	}
	return m
}

// EvidenceLevels returns the evidence levels, strongest first.
func EvidenceLevels() []string {
	out := make([]string, numLevels)
	copy(out, levels)
	return out
}

// EvidenceRank returns a level's strength: 0 for meta-analysis through 10 for
// other. Unknown levels rank as other.
func EvidenceRank(level string) int {
	if i, ok := levelIndex[level]; ok {
		return i
	}
	return levelOther
}

// EvidenceLabel names a level in full ("Randomised controlled trial").
// Unknown levels are other, as they rank.
func EvidenceLabel(level string) string { return levelWords[EvidenceRank(level)].label }

// EvidenceShort names a level in a few words ("RCT").
func EvidenceShort(level string) string { return levelWords[EvidenceRank(level)].short }

// EvidenceAbbr names a level in a few letters ("Obs"), for a cell whose
// legend spells it out.
func EvidenceAbbr(level string) string { return levelWords[EvidenceRank(level)].abbr }

// SpeciesValues returns the species values.
func SpeciesValues() []string {
	out := make([]string, numSpecies)
	copy(out, speciesValues)
	return out
}

// speciesOf finds a species value's words; values it does not know are
// unknown.
func speciesOf(species string) words {
	if i, ok := speciesIndex[species]; ok {
		return speciesWords[i]
	}
	return speciesWords[speciesUnknown]
}

// SpeciesLabel names a species value in full ("Human and animal").
func SpeciesLabel(species string) string { return speciesOf(species).label }

// SpeciesShort names a species value in a few words ("Human + animal").
func SpeciesShort(species string) string { return speciesOf(species).short }

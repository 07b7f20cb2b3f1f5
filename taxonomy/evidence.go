package taxonomy

// Evidence levels, strongest first (CONTRACTS.md). The order is the rank.
const numLevels = 10

var levels = [numLevels]string{
	"meta-analysis",
	"systematic-review",
	"rct",
	"clinical-trial",
	"observational",
	"case-report",
	"review",
	"animal",
	"in-vitro",
	"other",
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
	levelOther
)

var levelIndex = func() map[string]int {
	m := make(map[string]int, numLevels)
	for i, l := range levels {
		m[l] = i
	}
	return m
}()

// Species values.
const numSpecies = 4

var speciesValues = [numSpecies]string{"human", "animal", "both", "unknown"}

const (
	speciesHuman = iota
	speciesAnimal
	speciesBoth
	speciesUnknown
)

var speciesIndex = map[string]int{"human": 0, "animal": 1, "both": 2, "unknown": 3}

// EvidenceLevels returns the evidence levels, strongest first.
func EvidenceLevels() []string {
	out := make([]string, numLevels)
	copy(out, levels[:])
	return out
}

// EvidenceRank returns a level's strength: 0 for meta-analysis through 9 for
// other. Unknown levels rank as other.
func EvidenceRank(level string) int {
	if i, ok := levelIndex[level]; ok {
		return i
	}
	return levelOther
}

// SpeciesValues returns the species values.
func SpeciesValues() []string {
	out := make([]string, numSpecies)
	copy(out, speciesValues[:])
	return out
}

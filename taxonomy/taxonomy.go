package taxonomy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

//go:embed taxonomy.txt
var defaultTable []byte

// ErrTable is wrapped by every error Load returns for a malformed table, so
// callers can tell a bad VILLI_TAXONOMY file from a failing reader.
var ErrTable = errors.New("taxonomy table")

// Term is one condition or mechanism of the table.
type Term struct {
	Slug  string `json:"slug"`
	Label string `json:"label"`
}

// kind is what a block of the table describes.
type kind uint8

const (
	kindCondition kind = iota
	kindMechanism
	kindEvidence
	kindSpecies
)

var kindNames = map[string]kind{
	"condition": kindCondition,
	"mechanism": kindMechanism,
	"evidence":  kindEvidence,
	"species":   kindSpecies,
}

// block is one slug of the table with its rules.
type block struct {
	kind  kind
	slug  string
	label string
	id    int // index into Taxonomy.blocks
	line  int
}

// ruleKind says what a text rule does when it matches.
type ruleKind uint8

const (
	ruleTerm  ruleKind = iota // counts for its block
	ruleModel                 // counts for its block and marks an animal model
	ruleNot                   // cancels hits of its block inside it, and the block's refs anywhere
	ruleTitle                 // counts for its block in the title only
	ruleRef                   // short form: counts only where the text names its block in full
	ruleAbbr                  // case-sensitive abbreviation
)

// textRule is one phrase or abbreviation of a block.
type textRule struct {
	block  int
	kind   ruleKind
	words  []word // phrase rules
	abbr   string // ruleAbbr
	always bool   // ruleAbbr: counts unless defined as something else
	near   []word // context words; empty for none
	narrow bool   // names part of its condition: tags like any rule, is no name of the tag (Names)
}

// meshRef is one descriptor of a mesh rule.
type meshRef struct {
	ui, name, qualifier string
	major               bool // only as a major topic
}

// meshRule holds when all of its refs match headings of the record.
type meshRule struct {
	block  int
	refs   []meshRef
	narrow bool // a heading under the condition's own: tags, is no name of the tag (Names)
}

// Taxonomy is a parsed table: the conditions, mechanisms, evidence levels
// and species with the rules that derive them. It is immutable and safe for
// concurrent use.
type Taxonomy struct {
	blocks     []block
	conditions []int // block ids in table order
	mechanisms []int
	// Block id per evidence level and species value, -1 when the table
	// has no block for it.
	evidenceBlock [numLevels]int
	speciesBlock  [numSpecies]int

	pool sync.Pool // *scanner

	rules     []textRule
	byFirst   map[string][]int // phrase rules by exact first word
	byPrefix  map[string][]int // phrase rules whose first word is a prefix, by its first two bytes
	byAbbr    map[string][]int
	maxNot    int // words in the longest "not" phrase
	mesh      []meshRule
	meshByUI  map[string][]meshSlot
	meshByKey map[string][]meshSlot // descriptor name
	ptLevel   map[string]int        // publication type name -> evidence level
	hasMeSH   []bool                // per block: the table gives it mesh rules

	version string
}

// meshSlot points at one ref of one mesh rule.
type meshSlot struct {
	rule, ref int
}

// Default returns the table embedded in the binary. It is parsed once; the
// Taxonomy is immutable, so every caller may share it.
func Default() *Taxonomy { return parsedDefault() }

var parsedDefault = sync.OnceValue(func() *Taxonomy {
	t, err := Load(bytes.NewReader(defaultTable))
	if err != nil {
		// The embedded table is covered by tests; failing here means the
		// binary was built from a broken tree.
		panic("taxonomy: embedded table: " + err.Error())
	}
	return t
})

// Load parses a table (the format is described at the top of the embedded
// taxonomy.txt). Errors name the line.
func Load(r io.Reader) (*Taxonomy, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read taxonomy table: %w", err)
	}
	p := parser{t: &Taxonomy{
		byFirst:   map[string][]int{},
		byPrefix:  map[string][]int{},
		byAbbr:    map[string][]int{},
		meshByUI:  map[string][]meshSlot{},
		meshByKey: map[string][]meshSlot{},
		ptLevel:   map[string]int{},
	}}
	for i := range p.t.evidenceBlock {
		p.t.evidenceBlock[i] = -1
	}
	for i := range p.t.speciesBlock {
		p.t.speciesBlock[i] = -1
	}
	h := sha256.New()
	h.Write([]byte(rulesRevision))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.line++
		if c := versionLine(sc.Text()); c != "" {
			h.Write([]byte(c + "\n"))
		}
		if err := p.parseLine(sc.Text()); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrTable, p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %w", ErrTable, p.line+1, err)
	}
	if len(p.t.conditions) == 0 {
		return nil, fmt.Errorf("%w: no condition blocks", ErrTable)
	}
	p.t.hasMeSH = make([]bool, len(p.t.blocks))
	for _, r := range p.t.mesh {
		p.t.hasMeSH[r.block] = true
	}
	p.t.version = hex.EncodeToString(h.Sum(nil)[:6])
	return p.t, nil
}

type parser struct {
	t    *Taxonomy
	line int
	cur  int // current block id, -1 before the first
	seen bool
}

var (
	slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	uiRE   = regexp.MustCompile(`^D[0-9]{6,9}$`)
	abbrRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
)

func (p *parser) parseLine(line string) error {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	key, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	if k, ok := kindNames[key]; ok {
		return p.startBlock(k, rest)
	}
	if !p.seen {
		return fmt.Errorf("rule %q before the first block (start one with e.g. \"condition celiac Celiac disease\")", key)
	}
	b := &p.t.blocks[p.cur]
	narrow := false
	if key == "narrow" {
		narrow = true
		key, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
		if key != "mesh" && key != "term" && key != "abbr" {
			return fmt.Errorf("narrow %q: only a mesh, term or abbr line may be narrow (they are the lines that name a condition in a search)", key)
		}
		if b.kind != kindCondition {
			return fmt.Errorf("narrow belongs to condition blocks, not %s %s (only a condition's lines name its tag in a search)", kindName(b.kind), b.slug)
		}
	}
	if rest == "" {
		return fmt.Errorf("%s: nothing after the keyword", key)
	}
	switch key {
	case "mesh":
		return p.meshRule(rest, narrow)
	case "pt":
		if b.kind != kindEvidence {
			return fmt.Errorf("pt rules belong to evidence blocks, not %s %s", kindName(b.kind), b.slug)
		}
		for _, name := range splitAlt(rest) {
			if prev, dup := p.t.ptLevel[name]; dup {
				return fmt.Errorf("publication type %q already maps to %s", name, levels[prev])
			}
			p.t.ptLevel[name] = levelIndex[b.slug]
		}
		return nil
	case "term", "model", "not", "title", "ref":
		kinds := map[string]ruleKind{"term": ruleTerm, "model": ruleModel, "not": ruleNot, "title": ruleTitle, "ref": ruleRef}
		if key == "title" && b.kind != kindEvidence {
			return fmt.Errorf("title rules belong to evidence blocks, not %s %s", kindName(b.kind), b.slug)
		}
		body, near, err := cutNear(rest)
		if err != nil {
			return err
		}
		for _, alt := range splitAlt(body) {
			ws := parseWords(alt)
			if len(ws) == 0 {
				return fmt.Errorf("%s: %q has no words", key, alt)
			}
			if ws[0].prefix && len(ws[0].s) < 2 {
				return fmt.Errorf("%s: %q: a word prefix needs at least two letters before the *", key, alt)
			}
			p.addRule(textRule{block: p.cur, kind: kinds[key], words: ws, near: near, narrow: narrow})
		}
		return nil
	case "abbr":
		body, near, err := cutNear(rest)
		if err != nil {
			return err
		}
		always := false
		if s, ok := strings.CutSuffix(body, " always"); ok {
			body, always = strings.TrimSpace(s), true
		}
		if always && near != nil {
			return errors.New(`abbr: use either "always" or "near:", not both`)
		}
		for _, alt := range splitAlt(body) {
			if !abbrRE.MatchString(alt) {
				return fmt.Errorf("abbr: %q is not one abbreviation (letters, digits, hyphens)", alt)
			}
			p.addRule(textRule{block: p.cur, kind: ruleAbbr, abbr: alt, always: always, near: near, narrow: narrow})
		}
		return nil
	}
	return fmt.Errorf("unknown keyword %q (want condition, mechanism, evidence, species, mesh, term, model, ref, abbr, not, pt, title or narrow)", key)
}

func kindName(k kind) string {
	for n, v := range kindNames {
		if v == k {
			return n
		}
	}
	return "?"
}

func (p *parser) startBlock(k kind, rest string) error {
	slug, label, _ := strings.Cut(rest, " ")
	label = strings.TrimSpace(label)
	if !slugRE.MatchString(slug) {
		return fmt.Errorf("%s: slug %q must be lower-case letters, digits and single hyphens", kindName(k), slug)
	}
	if label == "" {
		label = slug
	}
	for _, b := range p.t.blocks {
		if b.kind == k && b.slug == slug {
			return fmt.Errorf("%s %s already defined on line %d", kindName(k), slug, b.line)
		}
	}
	id := len(p.t.blocks)
	switch k {
	case kindCondition:
		p.t.conditions = append(p.t.conditions, id)
	case kindMechanism:
		p.t.mechanisms = append(p.t.mechanisms, id)
	case kindEvidence:
		i, ok := levelIndex[slug]
		if !ok {
			return fmt.Errorf("evidence %q is not a level (want one of %s)", slug, strings.Join(levels[:], ", "))
		}
		p.t.evidenceBlock[i] = id
	case kindSpecies:
		i, ok := speciesIndex[slug]
		if !ok {
			return fmt.Errorf("species %q is not a species value (want one of %s)", slug, strings.Join(speciesValues[:], ", "))
		}
		p.t.speciesBlock[i] = id
	}
	p.t.blocks = append(p.t.blocks, block{kind: k, slug: slug, label: label, id: id, line: p.line})
	p.cur, p.seen = id, true
	return nil
}

func (p *parser) addRule(r textRule) {
	id := len(p.t.rules)
	p.t.rules = append(p.t.rules, r)
	if r.kind == ruleNot {
		p.t.maxNot = max(p.t.maxNot, len(r.words))
	}
	switch {
	case r.kind == ruleAbbr:
		first, _, _ := strings.Cut(r.abbr, "-")
		p.t.byAbbr[first] = append(p.t.byAbbr[first], id)
	case r.words[0].prefix:
		k := prefixKey(r.words[0].s)
		p.t.byPrefix[k] = append(p.t.byPrefix[k], id)
	default:
		p.t.byFirst[r.words[0].s] = append(p.t.byFirst[r.words[0].s], id)
	}
}

// prefixKey buckets prefix rules so that a token only tries the few whose
// prefix can match it.
func prefixKey(s string) string { return s[:min(len(s), 2)] }

// meshRule parses "D003424 Crohn Disease", "Celiac Disease",
// "Intestines / microbiology", "*Proton Pump Inhibitors" (major topic only)
// or several of these joined by " + ".
func (p *parser) meshRule(rest string, narrow bool) error {
	rule := meshRule{block: p.cur, narrow: narrow}
	for part := range strings.SplitSeq(rest, " + ") {
		part = strings.TrimSpace(part)
		var ref meshRef
		if p, ok := strings.CutPrefix(part, "*"); ok {
			ref.major, part = true, strings.TrimSpace(p)
		}
		if first, after, _ := strings.Cut(part, " "); uiRE.MatchString(first) {
			ref.ui, part = first, strings.TrimSpace(after)
		} else if strings.HasPrefix(first, "D") && len(first) > 1 && first[1] >= '0' && first[1] <= '9' {
			return fmt.Errorf("mesh: %q does not look like a descriptor UI (D followed by 6 to 9 digits)", first)
		}
		if name, q, ok := strings.Cut(part, " / "); ok {
			part, ref.qualifier = strings.TrimSpace(name), strings.TrimSpace(q)
		}
		ref.name = part
		if ref.ui == "" && ref.name == "" {
			return errors.New("mesh: empty descriptor")
		}
		rule.refs = append(rule.refs, ref)
	}
	if len(rule.refs) > 32 {
		return errors.New("mesh: at most 32 descriptors joined by +")
	}
	id := len(p.t.mesh)
	p.t.mesh = append(p.t.mesh, rule)
	for i, ref := range rule.refs {
		slot := meshSlot{rule: id, ref: i}
		if ref.ui != "" {
			p.t.meshByUI[ref.ui] = append(p.t.meshByUI[ref.ui], slot)
		}
		if ref.name != "" {
			p.t.meshByKey[ref.name] = append(p.t.meshByKey[ref.name], slot)
		}
	}
	return nil
}

// cutNear splits "a | b near: x, y*" into the body and the context words.
func cutNear(s string) (string, []word, error) {
	body, ctx, ok := strings.Cut(s, " near:")
	if !ok {
		return s, nil, nil
	}
	var near []word
	for c := range strings.SplitSeq(ctx, ",") {
		ws := parseWords(c)
		if len(ws) != 1 {
			return "", nil, fmt.Errorf("near: %q must be a single word", strings.TrimSpace(c))
		}
		near = append(near, ws[0])
	}
	return strings.TrimSpace(body), near, nil
}

func splitAlt(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, "|") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Conditions returns the table's conditions in table order.
func (t *Taxonomy) Conditions() []Term { return t.terms(t.conditions) }

// Mechanisms returns the table's mechanisms in table order.
func (t *Taxonomy) Mechanisms() []Term { return t.terms(t.mechanisms) }

// Condition returns the condition with this slug, if the table has one.
func (t *Taxonomy) Condition(slug string) (Term, bool) { return t.term(t.conditions, slug) }

// Mechanism returns the mechanism with this slug, if the table has one.
func (t *Taxonomy) Mechanism(slug string) (Term, bool) { return t.term(t.mechanisms, slug) }

func (t *Taxonomy) term(ids []int, slug string) (Term, bool) {
	for _, id := range ids {
		if t.blocks[id].slug == slug {
			return Term{Slug: slug, Label: t.blocks[id].label}, true
		}
	}
	return Term{}, false
}

// Short is the label without what follows a colon: a mechanism's label
// lists its 5R examples there ("Repair: zinc, glutamine, ..."), too long for
// a chip or a line of a mail.
func (t Term) Short() string {
	if head, _, ok := strings.Cut(t.Label, ":"); ok && strings.TrimSpace(head) != "" {
		return strings.TrimSpace(head)
	}
	return t.Label
}

func (t *Taxonomy) terms(ids []int) []Term {
	out := make([]Term, len(ids))
	for i, id := range ids {
		out[i] = Term{Slug: t.blocks[id].slug, Label: t.blocks[id].label}
	}
	return out
}

// rulesRevision names the revision of how this package applies a table
// (tokenizing, joining hits, salience, refs). It is hashed into Version, so
// a change to the matching code that changes tags must change it too, and
// stored records are then retagged like after a table edit.
const rulesRevision = "rules-4"

// Version is a short hash of the table's rules and of rulesRevision: ingest
// stores it with each record's tags, and a different version means a retag
// is due. Only what can change a tag is hashed (versionLine): a table that
// differs in comments, spacing or narrow marks has the same Version, so
// editing the docs or what a search maps to does not ask for a retag.
func (t *Taxonomy) Version() string { return t.version }

// versionLine is what a table line contributes to Version: its words
// without the comment, and without a leading "narrow", which tags nothing
// (the line tags as without it). Empty for a line of no rule.
func versionLine(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) > 1 && f[0] == "narrow" {
		f = f[1:]
	}
	return strings.Join(f, " ")
}

package learn

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"villi/pubmed"
	"villi/taxonomy"
)

// FormatVersion is the version of Encode's bytes. A model of another
// version is refused by Decode (ErrVersion) and retrained by `villi retag`.
const FormatVersion = 3

// ErrVersion is returned by Decode for a model of another format version.
var ErrVersion = errors.New("learned model of another format version")

// MinPrecision is what a class's threshold is chosen for on the calibration
// records: a provisional tag from the model is right at least this often.
const MinPrecision = 0.9

// Class kinds.
const (
	KindCondition = "condition"
	KindEvidence  = "evidence"
)

// Class is one tag's logistic regression.
type Class struct {
	Kind string
	Slug string
	// Threshold is the probability from which the model gives the tag;
	// above 1 where no threshold reached MinPrecision (the class is off).
	Threshold float32
	// Veto is the probability under which the rules' own text-only
	// verdict for this evidence level is dropped on a record NLM has not
	// indexed (Tag); 0 where no veto helped on the calibration fifth, and
	// for every condition.
	Veto float32
	Bias float32
	W    []uint16 // bfloat16 weights, NumBuckets of them
}

// Model is a trained tagger.
type Model struct {
	Trained time.Time // when it was trained
	Records int       // indexed records it was trained and calibrated on
	Classes []Class
}

// example is one indexed record as training sees it.
type example struct {
	pmid   uint64
	feats  []uint32
	labels []bool // per class
	// ruled marks the classes the rules give from the text alone; asked
	// those the model is asked about (a condition the rules did not give,
	// any level where the rules name no design).
	ruled, asked []bool
}

// Set gathers the training records. Add takes records in any order; Train
// sorts them by PMID, so the model does not depend on it.
type Set struct {
	tax     *taxonomy.Taxonomy
	classes []Class
	byIdx   map[string]int
	ex      []example
}

// NewSet returns an empty training set for the taxonomy's conditions and
// evidence levels (all but "other", which is no tag).
func NewSet(tax *taxonomy.Taxonomy) *Set {
	s := &Set{tax: tax, byIdx: map[string]int{}}
	for _, c := range tax.Conditions() {
		s.byIdx[KindCondition+":"+c.Slug] = len(s.classes)
		s.classes = append(s.classes, Class{Kind: KindCondition, Slug: c.Slug})
	}
	for _, l := range taxonomy.EvidenceLevels() {
		if l == "other" {
			continue
		}
		s.byIdx[KindEvidence+":"+l] = len(s.classes)
		s.classes = append(s.classes, Class{Kind: KindEvidence, Slug: l})
	}
	return s
}

// Add takes a record if NLM has indexed it; the labels are the tags the
// rules give it with its indexing (conditions from MeSH, evidence from
// publication types and design headings).
func (s *Set) Add(a *pubmed.Article) bool {
	if !Indexed(a) {
		return false
	}
	tags := s.tax.Tag(a)
	labels := make([]bool, len(s.classes))
	for _, c := range tags.Conditions {
		if i, ok := s.byIdx[KindCondition+":"+c]; ok {
			labels[i] = true
		}
	}
	if i, ok := s.byIdx[KindEvidence+":"+tags.Evidence]; ok {
		labels[i] = true
	}
	feats, rules := features(s.tax, a)
	// Exactly sized: 100,000 records' features are most of training's
	// memory.
	feats = slices.Clone(feats)
	ruled, asked := make([]bool, len(s.classes)), make([]bool, len(s.classes))
	for i, c := range s.classes {
		switch c.Kind {
		case KindCondition:
			ruled[i] = slices.Contains(rules.Conditions, c.Slug)
			asked[i] = !ruled[i]
		case KindEvidence:
			ruled[i] = rules.Evidence == c.Slug
			asked[i] = rules.Evidence == "other"
		}
	}
	s.ex = append(s.ex, example{pmid: a.PMID, feats: feats, labels: labels, ruled: ruled, asked: asked})
	return true
}

// Len is how many records the set holds.
func (s *Set) Len() int { return len(s.ex) }

// Training settings. Fixed: they are part of what makes a model
// reproducible.
const (
	epochs = 5
	// rate0 is the first epoch's step (1; 0.5 in format 1): with features
	// valued norm(n) a larger first step lets the model's probabilities
	// leave the base rate and pass the 0.5 floor.
	rate0    = 1.0
	lambda   = 1e-6
	calibMod = 5  // one record in calibMod (by a hash of the PMID) calibrates
	minHits  = 10 // a threshold needs this many right calibration hits: a small library must not guess
)

// Train fits every class on the set and chooses each threshold on the
// calibration fifth. now stamps the model.
func (s *Set) Train(ctx context.Context, now time.Time) (*Model, error) {
	slices.SortFunc(s.ex, func(a, b example) int { return cmpU64(a.pmid, b.pmid) })
	s.ex = slices.CompactFunc(s.ex, func(a, b example) bool { return a.pmid == b.pmid })
	var train, calib []*example
	for i := range s.ex {
		if calibration(s.ex[i].pmid) {
			calib = append(calib, &s.ex[i])
		} else {
			train = append(train, &s.ex[i])
		}
	}
	m := &Model{Trained: now.UTC().Truncate(time.Second), Records: len(s.ex), Classes: slices.Clone(s.classes)}
	// Classes are independent, so they train in parallel without changing
	// a bit of the result.
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, min(runtime.GOMAXPROCS(0), 2)) {
		wg.Go(func() {
			for ci := range next {
				fit(&m.Classes[ci], ci, train, calib)
			}
		})
	}
	for ci := range m.Classes {
		if err := ctx.Err(); err != nil {
			close(next)
			wg.Wait()
			return nil, err
		}
		next <- ci
	}
	close(next)
	wg.Wait()
	return m, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// calibration puts a fixed fifth of the records aside to choose thresholds.
func calibration(pmid uint64) bool {
	h := fnv.New64a()
	h.Write([]byte("villi-learn:" + strconv.FormatUint(pmid, 10)))
	return h.Sum64()%calibMod == 0
}

// fit trains one class by SGD with L2 (the weight vector kept as scale × v,
// so decay costs nothing per step), rounds it to bfloat16 and chooses the
// threshold on calib with the rounded weights, as they will be applied.
func fit(c *Class, ci int, train, calib []*example) {
	v := make([]float64, NumBuckets)
	scale, bias := 1.0, 0.0
	for e := range epochs {
		rate := rate0 / float64(1+e)
		for _, ex := range train {
			x := norm(len(ex.feats))
			z := bias
			for _, f := range ex.feats {
				z += scale * v[f] * x
			}
			y := 0.0
			if ex.labels[ci] {
				y = 1
			}
			g := sigmoid(z) - y
			scale *= 1 - rate*lambda
			step := rate * g * x / scale
			for _, f := range ex.feats {
				v[f] -= step
			}
			bias -= rate * g
			if scale < 1e-9 {
				for i := range v {
					v[i] *= scale
				}
				scale = 1
			}
		}
	}
	c.W = make([]uint16, NumBuckets)
	for i, w := range v {
		c.W[i] = toBF16(float32(w * scale))
	}
	c.Bias = float32(bias)
	c.Threshold = threshold(c, ci, calib)
	if c.Kind == KindEvidence {
		c.Veto = veto(c, ci, calib)
	}
}

// threshold is the lowest calibration probability at which the tag as
// villi gives it on an unindexed record — from the rules, or from the model
// where the rules leave it open — is still right at least MinPrecision of
// the time, or 2 (never) if there is none. Calibration records stand in for
// unindexed ones: the rules see their text only.
func threshold(c *Class, ci int, calib []*example) float32 {
	var sc []scored
	tp, fp := 0, 0 // the rules' own
	for _, ex := range calib {
		switch {
		case ex.ruled[ci] && ex.labels[ci]:
			tp++
		case ex.ruled[ci]:
			fp++
		case ex.asked[ci]:
			sc = append(sc, scored{c.prob(ex.feats), ex.labels[ci]})
		}
	}
	slices.SortStableFunc(sc, func(a, b scored) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return 0
	})
	best := float32(2)
	added := 0
	for i, s := range sc {
		if s.pos {
			tp++
			added++
		} else {
			fp++
		}
		if i+1 < len(sc) && sc[i+1].p == s.p {
			continue // a threshold takes every tie
		}
		if added >= minHits && float64(tp) >= MinPrecision*float64(tp+fp) {
			best = s.p
		}
	}
	// Never below one half: the model must think the tag more likely than
	// not, whatever a small calibration set says.
	return max(best, 0.5)
}

// Veto settings, part of the model as the training settings are.
const (
	// maxVetoLoss is the share of the rules' right calls for a level on
	// the calibration fifth that its veto may drop.
	maxVetoLoss = 0.02
	// minVetoGain is how many more wrong calls than right ones a veto must
	// drop on the calibration fifth. A level needs minHits right calls
	// there before it is judged at all.
	minVetoGain = 1
	// maxVeto caps a veto: the model overrules the rules' words only where
	// it finds their level unlikely.
	maxVeto = 0.5
)

// veto is the highest probability under which dropping the rules' own
// text-only verdict for the level on the calibration records raises its
// precision while losing at most maxVetoLoss of its right calls, and drops
// at least minVetoGain more wrong calls than right ones; 0 (no veto) where
// there is none, or where the rules make fewer than minHits right calls for
// the level there.
func veto(c *Class, ci int, calib []*example) float32 {
	var sc []scored
	for _, ex := range calib {
		if ex.ruled[ci] {
			sc = append(sc, scored{c.prob(ex.feats), ex.labels[ci]})
		}
	}
	return vetoCut(sc)
}

// scored is a calibration record's probability for a class and whether the
// class is its label.
type scored struct {
	p   float32
	pos bool
}

// vetoCut is veto's choice over the rules' calls for a level: pos marks a
// right one.
func vetoCut(sc []scored) float32 {
	tp := 0
	for _, s := range sc {
		if s.pos {
			tp++
		}
	}
	if tp < minHits {
		return 0 // too few of the rules' calls to judge them by
	}
	sc = slices.Clone(sc)
	slices.SortStableFunc(sc, func(a, b scored) int { return cmp.Compare(a.p, b.p) })
	allowed := int(maxVetoLoss * float64(tp))
	best := float32(0)
	lost, dropped := 0, 0
	for i, s := range sc {
		if s.p >= maxVeto {
			break
		}
		if s.pos {
			lost++
		} else {
			dropped++
		}
		if lost > allowed {
			break
		}
		if i+1 < len(sc) && sc[i+1].p == s.p {
			continue // a cut takes every tie
		}
		kept := len(sc) - i - 1
		if dropped-lost < minVetoGain || float64(tp-lost)*float64(len(sc)) <= float64(tp)*float64(kept) {
			continue // too little gained, or precision not raised
		}
		// Just over the last record dropped, not halfway to the next
		// kept: on the design folds halfway cost rct recall (0.547 →
		// 0.508) for little precision.
		best = math.Nextafter32(s.p, 1)
	}
	return best
}

func (c *Class) prob(feats []uint32) float32 {
	x := norm(len(feats))
	z := float64(c.Bias)
	for _, f := range feats {
		z += float64(fromBF16(c.W[f])) * x
	}
	return float32(sigmoid(z))
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// toBF16 rounds a float32 to its high 16 bits, to nearest even.
func toBF16(f float32) uint16 {
	b := math.Float32bits(f)
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Encode gives the model's bytes: a header (magic, format version, training
// time, records, buckets, classes), then per class its kind, slug,
// threshold, veto, bias and weights, little-endian.
func (m *Model) Encode() []byte {
	var b bytes.Buffer
	b.Grow(len(m.Classes) * (2*NumBuckets + 64))
	b.WriteString(magic)
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, FormatVersion))
	b.Write(le.AppendUint64(nil, uint64(m.Trained.Unix())))
	b.Write(le.AppendUint32(nil, uint32(m.Records)))
	b.Write(le.AppendUint32(nil, NumBuckets))
	b.Write(le.AppendUint32(nil, uint32(len(m.Classes))))
	for _, c := range m.Classes {
		writeString(&b, c.Kind)
		writeString(&b, c.Slug)
		b.Write(le.AppendUint32(nil, math.Float32bits(c.Threshold)))
		b.Write(le.AppendUint32(nil, math.Float32bits(c.Veto)))
		b.Write(le.AppendUint32(nil, math.Float32bits(c.Bias)))
		for _, w := range c.W {
			b.Write(le.AppendUint16(nil, w))
		}
	}
	return b.Bytes()
}

const magic = "villi-model\n"

func writeString(b *bytes.Buffer, s string) {
	b.WriteByte(byte(len(s)))
	b.WriteString(s)
}

// Decode reads Encode's bytes. A model of another format version gives
// ErrVersion; truncated or malformed bytes a plain error.
func Decode(p []byte) (*Model, error) {
	r := &reader{p: p}
	if string(r.next(len(magic))) != magic {
		return nil, errors.New("decode learned model: not a villi model")
	}
	if v := r.u32(); r.err == nil && v != FormatVersion {
		return nil, fmt.Errorf("decode learned model: %w: version %d, this villi reads %d", ErrVersion, v, FormatVersion)
	}
	m := &Model{Trained: time.Unix(int64(r.u64()), 0).UTC(), Records: int(r.u32())}
	if n := r.u32(); r.err == nil && n != NumBuckets {
		return nil, fmt.Errorf("decode learned model: %d buckets, want %d", n, NumBuckets)
	}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		c := Class{Kind: r.str(), Slug: r.str()}
		c.Threshold = math.Float32frombits(r.u32())
		c.Veto = math.Float32frombits(r.u32())
		c.Bias = math.Float32frombits(r.u32())
		raw := r.next(2 * NumBuckets)
		if r.err != nil {
			break
		}
		c.W = make([]uint16, NumBuckets)
		for j := range c.W {
			c.W[j] = binary.LittleEndian.Uint16(raw[2*j:])
		}
		m.Classes = append(m.Classes, c)
	}
	if r.err == nil && len(r.p) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.p))
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode learned model: %w", r.err)
	}
	return m, nil
}

type reader struct {
	p   []byte
	err error
}

func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.p) < n {
		r.err = errors.New("truncated")
		return nil
	}
	out := r.p[:n]
	r.p = r.p[n:]
	return out
}

func (r *reader) u32() uint32 {
	if b := r.next(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.next(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) str() string {
	b := r.next(1)
	if b == nil {
		return ""
	}
	return string(r.next(int(b[0])))
}

// norm is the value of each of a record's n features: n^-0.35 rather than
// unit length (n^-0.5), so that one strong cue ("we report a case", a
// one-page letter) is not drowned by the hundreds of words of a long
// abstract. Chosen on the design half (QUALITY.md, "Learned provisional
// tags").
func norm(n int) float64 { return math.Pow(float64(n+1), -0.35) }

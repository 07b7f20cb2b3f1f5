package learn

import (
	"slices"
	"strings"
	"unicode"

	"villi/pubmed"
	"villi/taxonomy"
)

// NumBuckets is the size of the hashed feature space.
const NumBuckets = 1 << 18

// Indexed reports whether NLM has indexed a record: its MeSH headings are
// what the model learns from, and what makes its tags no longer a guess.
func Indexed(a *pubmed.Article) bool { return len(a.MeSH) > 0 }

// features returns the record's feature buckets, sorted and without
// duplicates: unigrams and bigrams of title and abstract, and the verdicts
// the rules reach from the text alone (MeSH and publication types hidden,
// as they are on the records the model is applied to), which it also
// returns.
func features(tax *taxonomy.Taxonomy, a *pubmed.Article) ([]uint32, taxonomy.Tags) {
	words := textWords(a)
	out := make([]uint32, 0, 2*len(words)+8)
	for i, w := range words {
		out = append(out, bucket("u:", w, ""))
		if i > 0 {
			out = append(out, bucket("b:", words[i-1], w))
		}
	}
	hidden := *a
	hidden.MeSH, hidden.PublicationTypes = nil, nil
	rules := tax.Tag(&hidden)
	out = append(out, bucket("r:ev:", rules.Evidence, ""))
	for _, c := range rules.Conditions {
		out = append(out, bucket("r:c:", c, ""))
	}
	if len(a.Abstract) == 0 {
		out = append(out, bucket("r:", "no-abstract", ""))
	}
	slices.Sort(out)
	return slices.Compact(out), rules
}

// textWords are the lower-case words of title and abstract, the unigrams
// of features.
func textWords(a *pubmed.Article) []string {
	var b strings.Builder
	b.WriteString(a.Title)
	for _, sec := range a.Abstract {
		b.WriteByte(' ')
		b.WriteString(sec.Text)
	}
	return strings.FieldsFunc(strings.ToLower(b.String()), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// bucket is FNV-1a (32 bit) over prefix, a, and " "+b when b is given,
// written out so that hashing allocates nothing.
func bucket(prefix, a, b string) uint32 {
	h := uint32(2166136261)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint32(s[i])
			h *= 16777619
		}
	}
	add(prefix)
	add(a)
	if b != "" {
		add(" ")
		add(b)
	}
	return h % NumBuckets
}

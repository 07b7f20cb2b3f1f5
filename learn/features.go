package learn

import (
	"slices"
	"strconv"
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
// duplicates: unigrams and bigrams of title and abstract, the verdicts the
// rules reach from the text alone (MeSH and publication types hidden, as
// they are on the records the model is applied to), which it also returns,
// and the record's shape (shape). Each kind hashes under its own prefix.
func features(tax *taxonomy.Taxonomy, a *pubmed.Article) ([]uint32, taxonomy.Tags) {
	return featuresWith(tax, a, nil)
}

// featuresWith is features given, in textOnly, the rules' text-only
// verdicts (taxonomy.TagWithTextEvidence gives them from the scan that tags
// the record), so that the text is not scanned a second time; nil scans.
func featuresWith(tax *taxonomy.Taxonomy, a *pubmed.Article, textOnly *taxonomy.Tags) ([]uint32, taxonomy.Tags) {
	var b strings.Builder
	b.WriteString(a.Title)
	for _, sec := range a.Abstract {
		b.WriteByte(' ')
		b.WriteString(sec.Text)
	}
	words := strings.FieldsFunc(strings.ToLower(b.String()), notWord)
	tw := strings.FieldsFunc(strings.ToLower(a.Title), notWord)
	// Room for every kind without growing: words, title words, sections,
	// languages, the journal's words, and the rest of the rules and shape
	// (shapeRoom).
	out := make([]uint32, 0, 2*len(words)+2*len(tw)+len(a.Abstract)+len(a.Languages)+(len(a.Journal.Title)+1)/2+shapeRoom)
	for i, w := range words {
		out = append(out, bucket("u:", w, ""))
		if i > 0 {
			out = append(out, bucket("b:", words[i-1], w))
		}
	}
	var rules taxonomy.Tags
	if textOnly != nil {
		rules = *textOnly
	} else {
		hidden := *a
		hidden.MeSH, hidden.PublicationTypes = nil, nil
		rules = tax.Tag(&hidden)
	}
	out = append(out, bucket("r:ev:", rules.Evidence, ""))
	for _, c := range rules.Conditions {
		out = append(out, bucket("r:c:", c, ""))
	}
	if len(a.Abstract) == 0 {
		out = append(out, bucket("r:", "no-abstract", ""))
	}
	out = shape(out, a, tw, len(words))
	slices.Sort(out)
	return slices.Compact(out), rules
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

// shape appends what the record's form says about its design, each kind
// under its own prefix: title words and how the title is put, the
// abstract's labelled sections and length, the number of authors and
// pages, the language, the journal's title words and the publication
// period. A letter is short, by few authors, often without an abstract; a
// case report's title names "a case"; a trial's abstract has METHODS and
// RESULTS.
func shape(out []uint32, a *pubmed.Article, tw []string, nwords int) []uint32 {
	for i, w := range tw {
		out = append(out, bucket("t:", w, ""))
		if i > 0 {
			out = append(out, bucket("tb:", tw[i-1], w))
		}
	}
	t := strings.TrimSpace(a.Title)
	if strings.HasPrefix(t, "[") {
		out = append(out, bucket("tf:", "translated", ""))
	}
	t = strings.TrimRight(t, "].")
	if strings.HasSuffix(t, "?") {
		out = append(out, bucket("tf:", "question", ""))
	}
	if strings.Contains(t, ":") {
		out = append(out, bucket("tf:", "colon", ""))
	}
	out = append(out, bucket("tf:", "words", strconv.Itoa(log2Bucket(len(tw)))))
	out = append(out, bucket("as:", "n", strconv.Itoa(min(len(a.Abstract), 6))))
	for _, sec := range a.Abstract {
		cat := sec.Category
		if cat == "" || cat == "UNASSIGNED" {
			cat = strings.ToUpper(sec.Label)
		}
		if cat != "" {
			out = append(out, bucket("as:", cat, ""))
		}
	}
	out = append(out, bucket("al:", strconv.Itoa(log2Bucket(nwords-len(tw))), ""))
	out = append(out, bucket("au:", strconv.Itoa(log2Bucket(len(a.Authors))), ""))
	out = append(out, bucket("pg:", strconv.Itoa(pages(a)), ""))
	for _, l := range a.Languages {
		out = append(out, bucket("lg:", l, ""))
	}
	jt := a.Journal.Title
	if jt == "" {
		jt = a.Journal.ISOAbbrev
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(jt), func(r rune) bool { return !unicode.IsLetter(r) }) {
		out = append(out, bucket("jw:", w, ""))
	}
	if y := a.PubDate.Year; y > 0 {
		out = append(out, bucket("y:", strconv.Itoa(y/5*5), ""))
	}
	return out
}

// shapeRoom bounds the rules' features (a level, at most eight conditions,
// no abstract) and shape's fixed ones (title form and length, number of
// sections, abstract length, authors, pages, period).
const shapeRoom = 32

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// log2Bucket is 0 for 0, then 1 + floor(log2 n): 1, 2–3, 4–7, ...
func log2Bucket(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// pages is the record's page count as a log2 bucket, or -1 where its
// pagination does not give one (an electronic locator, no end page).
func pages(a *pubmed.Article) int {
	s, err1 := strconv.Atoi(a.StartPage)
	e, err2 := strconv.Atoi(a.EndPage)
	switch {
	case err1 != nil:
		return -1
	case err2 != nil || a.EndPage == "":
		return 1 // a single page
	case e < s || e-s > 200:
		return -1
	}
	return log2Bucket(e - s + 1)
}

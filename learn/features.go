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
// verdicts (taxonomy.TagWithReasons gives them from the scan that tags the
// record), so that the text is not scanned a second time; nil scans.
func featuresWith(tax *taxonomy.Taxonomy, a *pubmed.Article, textOnly *taxonomy.Tags) ([]uint32, taxonomy.Tags) {
	words := textWords(a)
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
	rulesNamed(a, rules, func(b uint32, _ func() (string, bool)) { out = append(out, b) })
	out = shape(out, a, tw, len(words))
	slices.Sort(out)
	return slices.Compact(out), rules
}

// rulesNamed gives the features of the rules' text-only verdicts to emit,
// each with what it says in words (a sign; see shapeNamed).
func rulesNamed(a *pubmed.Article, rules taxonomy.Tags, emit func(b uint32, name func() (string, bool))) {
	emit(bucket("r:ev:", rules.Evidence, ""), func() (string, bool) {
		if rules.Evidence == "other" {
			return "no design named in the text", false
		}
		return "the text names the design: " + taxonomy.EvidenceLabel(rules.Evidence), false
	})
	for _, c := range rules.Conditions {
		emit(bucket("r:c:", c, ""), func() (string, bool) { return "the text names " + c, false })
	}
	if len(a.Abstract) == 0 {
		emit(bucket("r:", "no-abstract", ""), func() (string, bool) { return "no abstract", false })
	}
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
	return strings.FieldsFunc(strings.ToLower(b.String()), notWord)
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
	shapeNamed(a, tw, nwords, func(b uint32, _ func() (string, bool)) { out = append(out, b) })
	return out
}

// shapeNamed gives shape's features to emit, each with what a reader can
// check of it: a word or pair of the title (a term, true), or what the form
// says in words (a sign, false).
func shapeNamed(a *pubmed.Article, tw []string, nwords int, emit func(b uint32, name func() (string, bool))) {
	sign := func(s string) func() (string, bool) { return func() (string, bool) { return s, false } }
	for i, w := range tw {
		emit(bucket("t:", w, ""), func() (string, bool) { return w, true })
		if i > 0 {
			emit(bucket("tb:", tw[i-1], w), func() (string, bool) { return tw[i-1] + " " + w, true })
		}
	}
	t := strings.TrimSpace(a.Title)
	if strings.HasPrefix(t, "[") {
		emit(bucket("tf:", "translated", ""), sign("a translated title"))
	}
	t = strings.TrimRight(t, "].")
	if strings.HasSuffix(t, "?") {
		emit(bucket("tf:", "question", ""), sign("a title that asks a question"))
	}
	if strings.Contains(t, ":") {
		emit(bucket("tf:", "colon", ""), sign("a title with a colon"))
	}
	emit(bucket("tf:", "words", strconv.Itoa(log2Bucket(len(tw)))), sign(sizeSign(len(tw), "title word")))
	emit(bucket("as:", "n", strconv.Itoa(min(len(a.Abstract), 6))), sign(sizeSign(min(len(a.Abstract), 6), "abstract section")))
	for _, sec := range a.Abstract {
		cat := sec.Category
		if cat == "" || cat == "UNASSIGNED" {
			cat = strings.ToUpper(sec.Label)
		}
		if cat != "" {
			emit(bucket("as:", cat, ""), sign("an abstract section "+cat))
		}
	}
	if n := nwords - len(tw); n > 0 {
		emit(bucket("al:", strconv.Itoa(log2Bucket(n)), ""), sign(sizeSign(n, "abstract word")))
	} else {
		emit(bucket("al:", strconv.Itoa(log2Bucket(n)), ""), sign("no abstract"))
	}
	emit(bucket("au:", strconv.Itoa(log2Bucket(len(a.Authors))), ""), sign(sizeSign(len(a.Authors), "author")))
	if p := pages(a); p >= 0 {
		emit(bucket("pg:", strconv.Itoa(p), ""), sign(pageSign(p)))
	} else {
		emit(bucket("pg:", strconv.Itoa(p), ""), sign("no page range"))
	}
	for _, l := range a.Languages {
		emit(bucket("lg:", l, ""), sign("language "+l))
	}
	jt := a.Journal.Title
	if jt == "" {
		jt = a.Journal.ISOAbbrev
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(jt), func(r rune) bool { return !unicode.IsLetter(r) }) {
		emit(bucket("jw:", w, ""), sign("“"+w+"” in the journal's name"))
	}
	if y := a.PubDate.Year; y > 0 {
		emit(bucket("y:", strconv.Itoa(y/5*5), ""), sign("published "+strconv.Itoa(y/5*5)+"–"+strconv.Itoa(y/5*5+4)))
	}
}

// sizeSign words a count as its feature sees it, by its log2 bucket: "no
// author", "1 author", "2–3 authors", "4–7 authors".
func sizeSign(n int, one string) string {
	b := log2Bucket(n)
	switch b {
	case 0:
		return "no " + one
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(1<<(b-1)) + "–" + strconv.Itoa(1<<b-1) + " " + one + "s"
}

// pageSign words pages' bucket.
func pageSign(b int) string {
	if b <= 1 {
		return "1 page"
	}
	return strconv.Itoa(1<<(b-1)) + "–" + strconv.Itoa(1<<b-1) + " pages"
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

package index

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"villi/query"
	"villi/taxonomy"
)

// The index's share of the term mapping (villi/query): the taxonomy's names
// of its tags, and what this library holds, journals and author surnames,
// answered from memory so that the mapping costs no bleve round trip.

// tagMapping builds the query package's tag mapping from the taxonomy's
// names; the query package does not import taxonomy.
func tagMapping(tax *taxonomy.Taxonomy) (*query.Tags, error) {
	names := tax.Names()
	out := make([]query.TagName, len(names))
	for i, n := range names {
		out[i] = query.TagName{Kind: n.Kind, Slug: n.Slug, Text: n.Text, Abbr: n.Abbr, Near: n.Near}
	}
	return query.NewTags(out)
}

// libraryNames answers query.Library for one search: journal names from
// the doc table's dictionary, surnames from the surname cache, built on the
// first question only.
type libraryNames struct {
	ix   *Index
	bi   bleve.Index
	d    *docs
	gen  uint64
	once sync.Once
	set  map[string]bool
}

func (l *libraryNames) Journal(name string) bool {
	l.d.mu.RLock()
	defer l.d.mu.RUnlock()
	return len(l.d.taNames[name]) > 0
}

func (l *libraryNames) Surname(word string) bool {
	l.once.Do(func() { l.set = l.ix.surnames.get(l.ix, l.bi, l.d.id, l.gen) })
	return l.set[word]
}

// surnameMaxAge is how long a surname dictionary serves newer table
// generations before a new one is built: the crawler writes every few
// seconds while it catches up, and a new author's name maps within a
// minute or so.
const surnameMaxAge = time.Minute

// surnameCache holds the surname dictionary of a table generation.
type surnameCache struct {
	mu       sync.Mutex
	family   uint64
	gen      uint64
	built    time.Time
	set      map[string]bool
	building bool  // a refresh runs in the background
	err      error // the last build's, for tests
	first    sync.Mutex
}

// get returns the surnames for generation gen of doc table family family.
// The first search of a family builds them (tens of milliseconds per 10k
// records, once); later generations are served the dictionary at hand, and
// one older than surnameMaxAge is refreshed in the background, so no search
// waits for a rebuild. A failed build maps no surname: the search itself
// goes on and reports whatever is wrong with the index.
func (c *surnameCache) get(ix *Index, bi bleve.Index, family, gen uint64) map[string]bool {
	c.mu.Lock()
	if c.set != nil && c.family == family {
		if c.gen != gen && time.Since(c.built) >= surnameMaxAge && !c.building {
			c.building = true
			go c.refresh(ix)
		}
		set := c.set
		c.mu.Unlock()
		return set
	}
	c.mu.Unlock()

	c.first.Lock() // one first build at a time
	defer c.first.Unlock()
	c.mu.Lock()
	if c.set != nil && c.family == family {
		set := c.set
		c.mu.Unlock()
		return set
	}
	c.mu.Unlock()
	set, err := buildSurnames(bi)
	c.store(family, gen, set, err)
	return set
}

// refresh builds the dictionary of the index's current generation.
func (c *surnameCache) refresh(ix *Index) {
	bi, d, release, err := ix.acquireDocs()
	if err != nil {
		c.store(0, 0, nil, err)
		return
	}
	defer release()
	family, gen := d.id, d.current().gen
	set, err := buildSurnames(bi)
	c.store(family, gen, set, err)
}

func (c *surnameCache) store(family, gen uint64, set map[string]bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.building, c.err = false, err
	if err == nil {
		c.family, c.gen, c.built, c.set = family, gen, time.Now(), set
	}
}

// snapshot returns when the dictionary was built, whether a refresh runs
// and the last error, for tests.
func (c *surnameCache) snapshot() (time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.built, c.building, c.err
}

// buildSurnames reads the surnames of the library's authors from the
// au_exact dictionary ("fasano a" → fasano) and keeps those that are more
// often an author's name than a title word (fasano, wang; not white or
// young), so that "white matter" is not also an author search.
func buildSurnames(bi bleve.Index) (map[string]bool, error) {
	authors := map[string]uint64{}
	if err := walkDict(bi, fAuExact, func(term string, n uint64) {
		if s := surnameOf(term); s != "" {
			authors[s] += n
		}
	}); err != nil {
		return nil, err
	}
	an := bi.Mapping().AnalyzerNamed(en.AnalyzerName)
	if an == nil {
		return nil, fmt.Errorf("surnames: no %s analyzer", en.AnalyzerName)
	}
	stem := make(map[string]string, len(authors)) // surname → its title term
	wanted := map[string]bool{}
	for s := range authors {
		if ts := an.Analyze([]byte(s)); len(ts) == 1 {
			stem[s] = string(ts[0].Term)
			wanted[stem[s]] = true
		}
	}
	titles := map[string]uint64{}
	if err := walkDict(bi, fTitle, func(term string, n uint64) {
		if wanted[term] {
			titles[term] = n
		}
	}); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(authors))
	for s, n := range authors {
		if t, ok := stem[s]; ok && n > titles[t] {
			out[s] = true
		}
	}
	return out, nil
}

func walkDict(bi bleve.Index, field string, fn func(term string, n uint64)) error {
	dict, err := bi.FieldDict(field)
	if err != nil {
		return fmt.Errorf("surnames: %s dictionary: %w", field, err)
	}
	for {
		e, err := dict.Next()
		if err != nil {
			dict.Close()
			return fmt.Errorf("surnames: %s dictionary: %w", field, err)
		}
		if e == nil {
			break
		}
		fn(e.Term, e.Count)
	}
	if err := dict.Close(); err != nil {
		return fmt.Errorf("surnames: %s dictionary: %w", field, err)
	}
	return nil
}

// surnameOf returns the surname of an au_exact value, "lastname initials"
// in lower case, or a lone last name; "" for collective names and
// surnames of several words.
func surnameOf(name string) string {
	last, initials, ok := strings.Cut(name, " ")
	if !ok {
		return name
	}
	if len(initials) > 3 || strings.Contains(initials, " ") {
		return ""
	}
	for _, r := range initials {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return last
}

package index

import (
	"container/list"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultCacheSize is how many results the result cache keeps when
// Options.CacheSize is 0.
const DefaultCacheSize = 256

// resultCache keeps the results of recent searches, keyed by the normalised
// request and the doc table generation, so a write makes every entry
// unreachable (Apply also empties it). Concurrent identical searches run
// once: the others wait for the first. A nil cache runs every search.
type resultCache struct {
	max int

	mu      sync.Mutex
	entries map[string]*cacheEntry
	lru     list.List // of *cacheEntry, most recent first; done entries only
}

type cacheEntry struct {
	key  string
	done chan struct{}
	res  *Result
	err  error
	elem *list.Element
}

func newResultCache(size int) *resultCache {
	switch {
	case size < 0:
		return nil
	case size == 0:
		size = DefaultCacheSize
	}
	return &resultCache{max: size, entries: map[string]*cacheEntry{}}
}

// get returns the cached result for key, or computes, caches and returns
// it. Errors are not cached.
func (c *resultCache) get(ctx context.Context, key string, compute func() (*Result, error)) (*Result, error) {
	if c == nil {
		return compute()
	}
	c.mu.Lock()
	if e := c.entries[key]; e != nil {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			// The first caller's failure (its context ended, say) is not
			// this caller's: run it again.
			return compute()
		}
		out := e.res.clone()
		out.Cached = true
		return out, nil
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	e.res, e.err = compute()
	close(e.done)

	c.mu.Lock()
	if c.entries[key] == e {
		if e.err != nil {
			delete(c.entries, key)
		} else {
			e.elem = c.lru.PushFront(e)
			for c.lru.Len() > c.max {
				old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
				delete(c.entries, old.key)
			}
		}
	}
	c.mu.Unlock()
	if e.err != nil {
		return nil, e.err
	}
	return e.res.clone(), nil
}

// clear forgets every entry; searches in flight finish without caching.
func (c *resultCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.lru.Init()
}

// clone copies what a caller might change, so the cached result stays
// intact.
func (r *Result) clone() *Result {
	out := *r
	out.Hits = slices.Clone(r.Hits)
	out.Next = slices.Clone(r.Next)
	if r.Facets != nil {
		out.Facets = maps.Clone(r.Facets)
		for k, v := range out.Facets {
			out.Facets[k] = slices.Clone(v)
		}
	}
	return &out
}

// cacheKey identifies what a plan returns on table generation gen of
// family d: the canonical query, the filters as sets, the sort, the page.
func cacheKey(p *plan, d *docs, gen uint64) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(s)
		b.WriteByte(0)
	}
	r := &p.r
	field(strconv.FormatUint(d.id, 10))
	field(strconv.FormatUint(gen, 10))
	field(p.searchedAs)
	field(filterKey(r))
	for _, k := range p.keys {
		b.WriteString(strconv.Itoa(int(k)))
	}
	b.WriteByte(0)
	field(strconv.Itoa(p.from))
	field(strconv.Itoa(p.size))
	field(strings.Join(r.After, "\x01"))
	field(strconv.FormatBool(r.Facets))
	if r.Facets {
		field(strconv.FormatInt(r.FreeAt.Unix(), 10)) // the free full text count
	}
	return b.String()
}

// filterKey is r's filters in a canonical form: each field's values as a
// sorted set.
func filterKey(r *Request) string {
	var b strings.Builder
	set := func(vals []string, lower bool) {
		var vs []string
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if lower {
				v = strings.ToLower(v)
			}
			if v != "" {
				vs = append(vs, v)
			}
		}
		slices.Sort(vs)
		b.WriteString(strings.Join(slices.Compact(vs), "\x01"))
		b.WriteByte(0)
	}
	if r.Focus {
		b.WriteString("focus")
	}
	b.WriteByte(0)
	set(r.Conditions, false)
	set(r.Mechanisms, false)
	set(r.Evidence, false)
	set(r.Species, false)
	set(r.Journals, true)
	set(r.Languages, true)
	set(r.ArticleTypes, false)
	set(r.AgeGroups, false)
	b.WriteString(strconv.Itoa(r.From) + "\x00" + strconv.Itoa(r.To) + "\x00" + strconv.FormatBool(r.ExcludeRetracted) + strconv.FormatBool(r.OnlyRetracted) + "\x00")
	if r.FreeFullText {
		b.WriteString("free " + strconv.FormatInt(r.FreeAt.Unix(), 10))
	}
	b.WriteByte(0)
	if !r.AddedSince.IsZero() {
		b.WriteString(strconv.FormatInt(clampDate(r.AddedSince).UnixNano(), 10))
	}
	b.WriteByte(0)
	if !r.AddedUntil.IsZero() {
		b.WriteString(strconv.FormatInt(clampDate(r.AddedUntil).UnixNano(), 10))
	}
	return b.String()
}

// evalKey identifies a query evaluation on table generation gen of family
// d: the canonical query and, for a filtered evaluation, its filterKey.
func evalKey(d *docs, gen uint64, searchedAs, filters string) string {
	return strconv.FormatUint(d.id, 10) + "\x00" + strconv.FormatUint(gen, 10) + "\x00" + searchedAs + "\x00" + filters
}

// DefaultEvalCacheBytes bounds the memory of the query evaluation cache.
const DefaultEvalCacheBytes = 32 << 20

// evalCache keeps recent query evaluations (eval), least recently used
// out first, within a memory budget. A nil cache keeps nothing.
type evalCache struct {
	max int

	mu      sync.Mutex
	bytes   int
	entries map[string]*list.Element // of *evalItem
	lru     list.List
}

type evalItem struct {
	key string
	e   *eval
}

func newEvalCache(bytes int) *evalCache {
	if bytes <= 0 {
		return nil
	}
	return &evalCache{max: bytes, entries: map[string]*list.Element{}}
}

func (c *evalCache) get(key string) *eval {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.entries[key]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*evalItem).e
}

func (c *evalCache) put(key string, e *eval) {
	if c == nil || e.bytes() > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.entries[key]; el != nil {
		c.bytes -= el.Value.(*evalItem).e.bytes()
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&evalItem{key: key, e: e})
	c.bytes += e.bytes()
	for c.bytes > c.max {
		it := c.lru.Remove(c.lru.Back()).(*evalItem)
		delete(c.entries, it.key)
		c.bytes -= it.e.bytes()
	}
}

func (c *evalCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.lru.Init()
	c.bytes = 0
}

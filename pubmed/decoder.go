package pubmed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/gzip"
)

// Sentinel errors callers branch on (with errors.Is).
var (
	// ErrNotPubMed: the input is not PubMed record XML (another root
	// element, such as eSearchResult, rss or a MeSH DescriptorRecordSet,
	// or not XML at all, such as JSON). The message names what was found.
	ErrNotPubMed = errors.New("not PubMed XML")
	// ErrEmpty: the input holds no bytes, only whitespace, or no element.
	ErrEmpty = errors.New("empty input: no XML element")
)

// Item is one record or deletion read from PubMed XML.
type Item struct {
	Article *Article // a PubmedArticle, PubmedBookArticle or MedlineCitation; nil for deletions
	Deleted []uint64 // PMIDs of one DeleteCitation element (non-nil, maybe empty); nil for articles
	Source  []byte   // the record element's exact bytes as in the input (owned by the caller, not reused)
	Line    int      // 1-based line where the record's element starts
	Ordinal int      // 1-based ordinal of the item (record or DeleteCitation) in the input
	// Cut says what the limits (limits.go) took from the Article, one line
	// per element and kind, such as "<ArticleTitle> cut to 4096 bytes (was
	// 16777216 bytes)"; nil for every real record.
	Cut []string
}

// Error is returned for malformed input. It names the line, the ordinal of
// the record being read (0 outside any record) and the PMID of the last
// article yielded before it (0 when none).
type Error struct {
	Line     int
	Ordinal  int
	LastPMID uint64
	Err      error
}

func (e *Error) Error() string {
	b := make([]byte, 0, 64)
	b = append(b, "line "...)
	b = strconv.AppendInt(b, int64(e.Line), 10)
	if e.Ordinal > 0 {
		b = append(b, ", record "...)
		b = strconv.AppendInt(b, int64(e.Ordinal), 10)
	}
	if e.LastPMID > 0 {
		b = append(b, " (after PMID "...)
		b = strconv.AppendUint(b, e.LastPMID, 10)
		b = append(b, ')')
	}
	b = append(b, ": "...)
	b = append(b, e.Err.Error()...)
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

type mode uint8

const (
	modeSet  mode = iota + 1 // reading the children of a *Set root
	modeBare                 // the root is the one record
	modeDone
)

// Decoder reads PubMed records from a stream one at a time, holding no more
// than the record being read in memory.
type Decoder struct {
	in       io.Reader
	s        *scanner
	p        *parser
	started  bool
	mode     mode
	root     string
	record   int // ordinal of the last item started
	inRecord bool
	lastPMID uint64
	noSource bool // Parse needs no copy of the bytes it was given
	err      error
}

// NewDecoder reads PubMed XML from r. It detects gzip (magic bytes) and a
// UTF-8 BOM itself.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{in: r}
}

// Next returns the next record or deletion; io.EOF after the last one.
// After an error, Next keeps returning it.
func (d *Decoder) Next() (Item, error) {
	if d.err != nil {
		return Item{}, d.err
	}
	it, err := d.next()
	if err != nil {
		d.err = err
	}
	return it, err
}

// Parse decodes one record from its Source bytes (a PubmedArticle,
// PubmedBookArticle or MedlineCitation element), as stored.
func Parse(src []byte) (*Article, error) {
	d := &Decoder{s: newScanner(nil, src), noSource: true}
	it, err := d.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: no record", ErrEmpty)
	}
	if err != nil {
		return nil, err
	}
	if d.mode != modeDone || it.Article == nil {
		return nil, fmt.Errorf("parse: want one record element, got <%s>", d.root)
	}
	return it.Article, nil
}

func (d *Decoder) errAt(line int, err error) error {
	rec := 0
	if d.inRecord {
		rec = d.record
	}
	return &Error{Line: line, Ordinal: rec, LastPMID: d.lastPMID, Err: err}
}

func (d *Decoder) syntaxErr() error {
	return d.errAt(d.s.errLine, d.s.err)
}

func (d *Decoder) next() (Item, error) {
	if !d.started {
		d.started = true
		if err := d.start(); err != nil {
			return Item{}, err
		}
	}
	s := d.s
	switch d.mode {
	case modeBare:
		it, err := d.readRecord(s.name)
		if err != nil {
			return it, err
		}
		// Check what follows before yielding: bare record fragments with
		// no root are refused whole rather than after their first record.
		if err := d.finishDoc(); err != io.EOF {
			return Item{}, err
		}
		d.yielded(it)
		return it, nil
	case modeSet:
		for {
			switch s.next() {
			case tokErr:
				return Item{}, d.syntaxErr()
			case tokEnd:
				return Item{}, d.finishDoc()
			case tokStart:
				if _, ok := recordKind(s.name); ok {
					it, err := d.readRecord(s.name)
					if err == nil {
						d.yielded(it)
					}
					return it, err
				}
				if string(s.name) == "DeleteCitation" {
					return d.readDeletion()
				}
				return Item{}, d.errAt(s.lineOf(s.tokStart),
					fmt.Errorf("unexpected element <%s> in <%s>", s.name, d.root))
			}
		}
	}
	return Item{}, io.EOF
}

func (d *Decoder) yielded(it Item) {
	d.lastPMID = it.Article.PMID
}

// start reads up to the root element and decides how to read the rest.
func (d *Decoder) start() error {
	if d.s == nil {
		r, err := unwrap(d.in)
		if err != nil {
			return err
		}
		d.s = newScanner(r, nil)
	}
	s := d.s
	s.mark = 0 // keep the first bytes while sniffing them
	for s.end < 3 && s.fill() {
	}
	s.mark = -1
	if s.end-s.pos >= 3 && bytes.HasPrefix(s.buf[s.pos:], []byte("\xef\xbb\xbf")) {
		s.pos += 3
		s.tokStart = s.pos
	}
	// Refuse what is not XML at all (JSON, YAML, plain text) at once,
	// without scanning it for a '<'.
	for {
		rest := s.buf[s.pos:s.end]
		i := 0
		for i < len(rest) && isSpace(rest[i]) {
			i++
		}
		if i < len(rest) {
			if rest[i] != '<' {
				return d.errAt(s.lineOf(s.pos+i),
					fmt.Errorf("%w: input is not XML (starts with %q)", ErrNotPubMed, firstLine(rest[i:])))
			}
			break
		}
		s.pos, s.tokStart = s.end, s.end
		if !s.fill() {
			if s.err != nil {
				return d.syntaxErr()
			}
			if s.rerr != nil {
				return d.errAt(s.lineOf(s.end), s.rerr)
			}
			return ErrEmpty
		}
	}
	for {
		switch s.next() {
		case tokErr:
			return d.syntaxErr()
		case tokEOF:
			return ErrEmpty
		case tokText:
			if !isBlank(s.text) {
				return d.errAt(s.lineOf(s.tokStart),
					fmt.Errorf("%w: text %q before the root element", ErrNotPubMed, firstLine(bytes.TrimSpace(s.text))))
			}
		case tokStart:
			d.root = string(s.name)
			switch d.root {
			case "PubmedArticleSet", "PubmedBookArticleSet", "MedlineCitationSet":
				d.mode = modeSet
				return nil
			}
			if _, ok := recordKind(s.name); ok {
				d.mode = modeBare
				return nil
			}
			return d.errAt(s.lineOf(s.tokStart), fmt.Errorf("%w: root element <%s>", ErrNotPubMed, d.root))
		}
	}
}

// finishDoc checks that only comments, processing instructions and
// whitespace follow the root element. It returns io.EOF when so.
func (d *Decoder) finishDoc() error {
	s := d.s
	d.mode = modeDone
	d.inRecord = false
	for {
		switch s.next() {
		case tokErr:
			return d.syntaxErr()
		case tokEOF:
			return io.EOF
		case tokText:
			if !isBlank(s.text) {
				at := s.tokStart + len(s.text) - len(bytes.TrimLeft(s.text, " \t\r\n"))
				return d.errAt(s.lineOf(at),
					fmt.Errorf("text %q after the root element </%s>", firstLine(bytes.TrimSpace(s.text)), d.root))
			}
		case tokStart:
			return d.errAt(s.lineOf(s.tokStart), fmt.Errorf(
				"more than one top-level element: <%s> after </%s> (bare records need a PubmedArticleSet root)",
				s.name, d.root))
		}
	}
}

// begin marks the start of an item whose start tag was just read.
func (d *Decoder) begin() (line int) {
	s := d.s
	d.record++
	d.inRecord = true
	s.mark = s.tokStart
	return s.lineOf(s.tokStart)
}

// end returns the bytes of the item begun last, now that its end tag is read.
func (d *Decoder) end() []byte {
	s := d.s
	var src []byte
	if !d.noSource {
		src = bytes.Clone(s.buf[s.mark:s.pos])
	}
	s.mark = -1
	return src
}

func (d *Decoder) readRecord(name []byte) (Item, error) {
	line := d.begin()
	if d.p == nil {
		d.p = newParser(d.s)
	}
	a := d.p.record(name)
	if d.s.err != nil {
		return Item{}, d.syntaxErr()
	}
	src := d.end()
	d.inRecord = false
	return Item{Article: a, Source: src, Line: line, Ordinal: d.record, Cut: d.p.cutLines()}, nil
}

func (d *Decoder) readDeletion() (Item, error) {
	line := d.begin()
	if d.p == nil {
		d.p = newParser(d.s)
	}
	p := d.p
	pmids := []uint64{}
	for n, ok := p.child(); ok; n, ok = p.child() {
		if string(n) != "PMID" {
			p.skip()
			continue
		}
		// A PMID that is not a number names nothing to delete.
		if v := p.pmid(); v != 0 {
			pmids = append(pmids, v)
		}
	}
	if d.s.err != nil {
		return Item{}, d.syntaxErr()
	}
	src := d.end()
	d.inRecord = false
	return Item{Deleted: pmids, Source: src, Line: line, Ordinal: d.record}, nil
}

// unwrap returns a reader of the XML in r, decompressing gzip.
func unwrap(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 512)
	magic, err := br.Peek(2)
	if len(magic) == 0 && err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil && err != io.EOF {
		return nil, &Error{Line: 1, Err: fmt.Errorf("read input: %w", err)}
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, &Error{Line: 1, Err: fmt.Errorf("gzip stream: %w", err)}
	}
	return gzipErrs{zr}, nil
}

// gzipErrs names gzip in the errors of a gzip stream ("unexpected EOF"
// alone would not say that the compressed file is cut or corrupt).
type gzipErrs struct{ r io.Reader }

func (g gzipErrs) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip stream: %w", err)
	}
	return n, err
}

// firstLine returns the start of b up to its first line break, for messages.
func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

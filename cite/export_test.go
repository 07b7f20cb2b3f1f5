package cite

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

func caseItems() []Item {
	var items []Item
	for _, c := range refCases() {
		items = append(items, Item{Article: c.article})
	}
	items[0].Note = "Handout p. 2: HCV & the heart"
	return items
}

func export(t *testing.T, f Format, items []Item) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, f, items); err != nil {
		t.Fatalf("Export(%s): %v", f, err)
	}
	return buf.String()
}

// risRecords parses RIS back into records of (tag, value) pairs.
func risRecords(t *testing.T, s string) [][][2]string {
	t.Helper()
	var recs [][][2]string
	var cur [][2]string
	for _, l := range strings.Split(s, "\r\n") {
		if l == "" {
			continue
		}
		if len(l) < 6 || l[2:6] != "  - " {
			t.Fatalf("RIS line not TAG  - value: %q", l)
		}
		tag, val := l[:2], l[6:]
		cur = append(cur, [2]string{tag, val})
		if tag == "ER" {
			recs = append(recs, cur)
			cur = nil
		}
	}
	if cur != nil {
		t.Fatalf("RIS ends inside a record: %v", cur)
	}
	return recs
}

func TestExportRIS_RoundTripsTagsPerRecord(t *testing.T) {
	items := caseItems()
	out := export(t, RIS, items)
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("RIS lines must end in CRLF")
	}
	recs := risRecords(t, out)
	if len(recs) != len(items) {
		t.Fatalf("got %d RIS records, want %d", len(recs), len(items))
	}
	for i, rec := range recs {
		a := items[i].Article
		count := map[string]int{}
		vals := map[string][]string{}
		for _, tv := range rec {
			count[tv[0]]++
			vals[tv[0]] = append(vals[tv[0]], tv[1])
		}
		if rec[0] != [2]string{"TY", "JOUR"} {
			t.Errorf("PMID %d: first line %v, want TY JOUR", a.PMID, rec[0])
		}
		if count["AU"] != len(a.Authors) {
			t.Errorf("PMID %d: %d AU lines, want one per author (%d)", a.PMID, count["AU"], len(a.Authors))
		}
		if got := vals["AN"]; len(got) != 1 || got[0] != itoa(a.PMID) {
			t.Errorf("PMID %d: AN = %v", a.PMID, got)
		}
		if got := vals["UR"]; len(got) != 1 || got[0] != "https://pubmed.ncbi.nlm.nih.gov/"+itoa(a.PMID)+"/" {
			t.Errorf("PMID %d: UR = %v", a.PMID, got)
		}
		if d := doiOf(a); d != "" && (len(vals["DO"]) != 1 || vals["DO"][0] != d) {
			t.Errorf("PMID %d: DO = %v, want %s", a.PMID, vals["DO"], d)
		}
	}
	first := strings.Join(flatten(recs[0]), "\n")
	for _, want := range []string{"AU|Matsumori, A", "SP|389", "EP|391", "PY|1998", "DA|1998/05//", "JO|Jpn Circ J",
		"T2|Japanese circulation journal", "N1|Handout p. 2: HCV & the heart"} {
		if !strings.Contains(first, want) {
			t.Errorf("first RIS record lacks %s:\n%s", want, first)
		}
	}
	retracted := strings.Join(flatten(recs[len(recs)-1]), "\n")
	if !strings.Contains(retracted, "N1|Retracted publication. Retraction in: Ginekol Pol. 1998 Jul;69(7):559-60. PMID: 9867474") {
		t.Errorf("retracted record lacks its N1 retraction note:\n%s", retracted)
	}
}

func flatten(rec [][2]string) []string {
	out := make([]string, len(rec))
	for i, tv := range rec {
		out[i] = tv[0] + "|" + tv[1]
	}
	return out
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// bracesBalanced counts unescaped braces.
func bracesBalanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

func TestExportBibTeX_EscapedBalancedUniqueKeys(t *testing.T) {
	a := &pubmed.Article{
		PMID: 42, Title: "Gluten & zonulin: 50% of {cases} cost $5 #1 in NOD_mice ~ IgA^2 \\ end?",
		Authors: []pubmed.Author{person("Müller", "Jürgen", "J"), {CollectiveName: "Celiac Study Group"}},
		Journal: pubmed.Journal{Title: "Gut & liver", Volume: "1"}, PubDate: pubmed.Date{Year: 2020, Month: 3},
		Pagination: "1023-31", IDs: pubmed.ArticleIDs{DOI: "10.1/x_y", PMC: "PMC1"},
	}
	twin := *a
	twin.PMID = 43
	items := append(caseItems(), Item{Article: a, Note: "note with } brace"}, Item{Article: &twin})
	out := export(t, BibTeX, items)
	if !bracesBalanced(out) {
		t.Fatalf("unbalanced braces in BibTeX:\n%s", out)
	}
	keys := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "@") {
			k := l[strings.Index(l, "{")+1 : len(l)-1]
			if keys[k] {
				t.Errorf("duplicate key %s", k)
			}
			keys[k] = true
		}
	}
	if len(keys) != len(items) {
		t.Errorf("got %d entries, want %d", len(keys), len(items))
	}
	for _, want := range []string{
		"@article{muller2020gluten,",
		"@article{muller2020glutenb,",
		"@article{matsumori1998hepatitis,",
		"@article{jarvelainen1998woman,",
		`title = {{Gluten} \& zonulin: 50\% of \{cases\} cost \$5 \#1 in {NOD\_mice} \textasciitilde{} {IgA\textasciicircum{}2} \textbackslash{} end?},`,
		"author = {Müller, Jürgen and {Celiac Study Group}},",
		"month = mar,",
		"pages = {1023--1031},",
		"doi = {10.1/x\\_y},",
		"pmid = {42},",
		"pmcid = {PMC1},",
		"note = {note with \\} brace},",
		"note = {Retracted publication. Retraction in: Ginekol Pol. 1998 Jul;69(7):559-60. PMID: 9867474},",
		"journal = {Gut \\& liver},",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("BibTeX lacks %q", want)
		}
	}
}

func TestExportCSLJSON_ValidItems(t *testing.T) {
	items := caseItems()
	out := export(t, CSLJSON, items)
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("CSL-JSON is not valid JSON: %v", err)
	}
	if len(got) != len(items) {
		t.Fatalf("got %d items, want %d", len(got), len(items))
	}
	byPMID := map[string]map[string]any{}
	for _, it := range got {
		if it["type"] != "article-journal" {
			t.Errorf("type = %v", it["type"])
		}
		byPMID[it["PMID"].(string)] = it
	}
	coll := byPMID["11428848"]
	authors := coll["author"].([]any)
	last := authors[len(authors)-1].(map[string]any)
	if last["literal"] != "European Society of Cardiology. Working Group on Arrhythmias and Working Group on Cardiac Pacing" {
		t.Errorf("collective author = %v, want a literal", last)
	}
	if first := authors[0].(map[string]any); first["family"] != "Hauer" || first["given"] != "R N" {
		t.Errorf("first author = %v", first)
	}
	checks := []struct {
		pmid, key string
		want      any
	}{
		{"11428848", "container-title", "European heart journal"},
		{"11428848", "container-title-short", "Eur Heart J"},
		{"11428848", "page", "1074-1081"},
		{"11428848", "DOI", "10.1053/euhj.2001.2584"},
		{"11428848", "URL", "https://pubmed.ncbi.nlm.nih.gov/11428848/"},
		{"29872490", "PMCID", "PMC5973862"},
		{"30875295", "page", "e39842"},
		{"8655018", "note", "Retracted publication. Retraction in: Ginekol Pol. 1998 Jul;69(7):559-60. PMID: 9867474"},
		{"9626910", "note", "Handout p. 2: HCV & the heart"},
	}
	for _, c := range checks {
		if got := byPMID[c.pmid][c.key]; got != c.want {
			t.Errorf("PMID %s %s = %v, want %v", c.pmid, c.key, got, c.want)
		}
	}
	issued, _ := json.Marshal(byPMID["973217"]["issued"])
	if string(issued) != `{"date-parts":[[1976]],"season":3}` {
		t.Errorf("season issued = %s", issued)
	}
	issued, _ = json.Marshal(byPMID["9482442"]["issued"])
	if string(issued) != `{"date-parts":[[1998,2,14]]}` {
		t.Errorf("issued = %s", issued)
	}
}

func TestExportCSV_ParsesBack(t *testing.T) {
	items := caseItems()
	items = append(items, Item{Article: &pubmed.Article{PMID: 5, Title: "=HYPERLINK(\"x\")", Journal: pubmed.Journal{Title: "J"}},
		Note: "line one\nline two, with \"quotes\""})
	out := export(t, CSV, items)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v", err)
	}
	if len(recs) != len(items)+1 {
		t.Fatalf("got %d rows, want header + %d", len(recs), len(items))
	}
	if strings.Join(recs[0], ",") != "pmid,title,authors,journal,year,volume,issue,pages,doi,pmcid,publication_types,retracted,note" {
		t.Errorf("header = %v", recs[0])
	}
	row := func(pmid string) []string {
		for _, r := range recs {
			if r[0] == pmid {
				return r
			}
		}
		t.Fatalf("no row for %s", pmid)
		return nil
	}
	if r := row("8655018"); r[11] != "yes" || !strings.HasPrefix(r[12], "Retracted publication.") {
		t.Errorf("retracted row = %v", r)
	}
	if r := row("9482442"); r[2] != "Järveläinen H; Vainionpää H; Kuopio T; Lehtonen A" || r[4] != "1998" || r[11] != "no" {
		t.Errorf("row = %v", r)
	}
	if r := row("5"); r[1] != "'=HYPERLINK(\"x\")" || r[12] != "line one\nline two, with \"quotes\"" {
		t.Errorf("formula title must be defused and note kept verbatim, row = %q", r)
	}
}

func TestExportNBIB_RecordsSeparatedByBlankLine(t *testing.T) {
	items := caseItems()
	out := export(t, NBIB, items)
	if n := strings.Count(out, "\nPMID- ") + 1; !strings.HasPrefix(out, "PMID- ") || n != len(items) {
		t.Errorf("got %d records, want %d", n, len(items))
	}
	if strings.Count(out, "\n\nPMID- ") != len(items)-1 {
		t.Error("records must be separated by one blank line")
	}
	if !strings.Contains(out, "RIN - Ginekol Pol. 1998 Jul;69(7):559-60. PMID: 9867474") {
		t.Error("retraction not carried as RIN")
	}
}

func TestParseFormat_AliasesAndError(t *testing.T) {
	for in, want := range map[string]Format{"RIS": RIS, "bib": BibTeX, "csljson": CSLJSON, "json": CSLJSON, "medline": NBIB, "nbib": NBIB, "csv": CSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("endnote"); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "ris, bibtex, csljson, nbib, csv") {
		t.Errorf("ParseFormat(endnote) error = %v", err)
	}
	if err := Export(io.Discard, Format("xml"), nil); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Export(xml) error = %v", err)
	}
	for _, f := range Formats {
		if f.ContentType() == "" || !strings.HasPrefix(f.Ext(), ".") {
			t.Errorf("%s: ContentType %q Ext %q", f, f.ContentType(), f.Ext())
		}
	}
}

// TestExport_EveryFixtureRecordInEveryFormat exports all records of the
// official NLM sample and checks each format still parses back.
func TestExport_EveryFixtureRecordInEveryFormat(t *testing.T) {
	var items []Item
	for _, a := range pubmedtest.Articles(t, fixture.Path(t, nlmSample)) {
		items = append(items, Item{Article: a})
	}
	if len(items) < 50 {
		t.Fatalf("only %d records decoded", len(items))
	}
	if recs := risRecords(t, export(t, RIS, items)); len(recs) != len(items) {
		t.Errorf("RIS: %d records, want %d", len(recs), len(items))
	}
	if bib := export(t, BibTeX, items); !bracesBalanced(bib) || strings.Count(bib, "\n@") != len(items)-1 {
		t.Error("BibTeX: unbalanced braces or wrong entry count")
	}
	var csl []map[string]any
	if err := json.Unmarshal([]byte(export(t, CSLJSON, items)), &csl); err != nil || len(csl) != len(items) {
		t.Errorf("CSL-JSON: %v, %d items", err, len(csl))
	}
	if recs, err := csv.NewReader(strings.NewReader(export(t, CSV, items))).ReadAll(); err != nil || len(recs) != len(items)+1 {
		t.Errorf("CSV: %v, %d rows", err, len(recs))
	}
	nbib := export(t, NBIB, items)
	for n, l := range strings.Split(strings.TrimSuffix(nbib, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "      ") && (len(l) < 6 || l[4:6] != "- ") {
			t.Fatalf("nbib line %d malformed: %q", n+1, l)
		}
	}
	for _, it := range items {
		for _, st := range Styles {
			if text, html := Reference(st, it.Article); text == "" || html == "" {
				t.Errorf("PMID %d: empty %s reference", it.Article.PMID, st)
			}
		}
	}
}

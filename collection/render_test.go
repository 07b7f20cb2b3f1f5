package collection

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"villi/cite"
	"villi/pubmed"
	"villi/store"
)

// pmidPlain is a record of the NLM sample with no comments or corrections.
const pmidPlain = 1875346

func TestFlags_RealRecords(t *testing.T) {
	st := fixtureStore(t)
	tests := []struct {
		pmid uint64
		want []Flag
	}{
		{pmidRetracted, []Flag{{Retracted, "Retraction in: Rowe CE. Biochem J. 1977 Apr 15;164(1):287-8. PMID: 195582", 195582}}},
		{pmidRetractedErrata, []Flag{
			{Retracted, "Retraction in: Wu D, Yang CM, Lau YT, Chen JC. Mol Pharmacol. 1998 Feb;53(2):346. PMID: 9499167", 9499167},
			{Erratum, "Erratum in: Mol Pharmacol 1997 Mar;51(3):533.", 0},
		}},
		{pmidErratum, []Flag{{Erratum, "Erratum in: Br J Anaesth 1998 Apr;80(4):572.", 0}}}, // first of two errata
		{pmidConcern, []Flag{{Concern, "Expression of concern in: Psychol Sci. 2021 Nov 9;:9567976211058727. PMID: 34752162", 34752162}}},
		{pmidPlain, nil},
	}
	for _, tt := range tests {
		if got := Flags(article(t, st, tt.pmid)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Flags(%d) = %+v\nwant %+v", tt.pmid, got, tt.want)
		}
	}
}

func TestFlags_EdgeCases(t *testing.T) {
	cc := func(refType, src string, pmid uint64) pubmed.CommentCorrection {
		return pubmed.CommentCorrection{RefType: refType, RefSource: src, PMID: pmid}
	}
	tests := []struct {
		name string
		a    *pubmed.Article
		want []Flag
	}{
		{"no record", nil, []Flag{{Kind: Removed}}},
		{"publication type only", &pubmed.Article{Retracted: true}, []Flag{{Kind: Retracted}}},
		{"retracted and republished", &pubmed.Article{CommentsCorrections: []pubmed.CommentCorrection{
			cc("RetractionAndRepublicationIn", "Gut. 2020;69:1", 31000001)}},
			[]Flag{{Retracted, "Retracted and republished in: Gut. 2020;69:1. PMID: 31000001", 31000001}}},
		{"partial retraction", &pubmed.Article{CommentsCorrections: []pubmed.CommentCorrection{
			cc("PartialRetractionIn", "", 31000002)}},
			[]Flag{{PartialRetraction, "Partial retraction in: PMID: 31000002", 31000002}}},
		{"most serious first, other links ignored", &pubmed.Article{CommentsCorrections: []pubmed.CommentCorrection{
			cc("CommentIn", "Gut. 2020;1", 1), cc("ErratumIn", "", 0), cc("ExpressionOfConcernIn", "Gut. 2021", 0), cc("Cites", "x", 2)}},
			[]Flag{{Kind: Concern, Notice: "Expression of concern in: Gut. 2021."}, {Kind: Erratum}}},
	}
	for _, tt := range tests {
		if got := Flags(tt.a); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Flags = %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

// handout builds ada's collection: retracted (with a note), plain, concern
// (with a two-line note), erratum, and a PMID PubMed later deleted.
func handout(t *testing.T, st *store.Store, s *Service) store.Collection {
	t.Helper()
	ctx := context.Background()
	c, err := s.Create(ctx, ada, "Gut & thyroid *handout* #1")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []struct {
		pmid uint64
		note string
	}{
		{pmidRetracted, "slide 2"},
		{pmidPlain, ""},
		{pmidConcern, "ask the client_first\n- then discuss"},
		{pmidErratum, ""},
		{pmidRetractedErrata, ""},
	} {
		if _, err := s.Add(ctx, ada, c.ID, it.pmid, it.note); err != nil {
			t.Fatal(err)
		}
	}
	// PubMed deletes 8863847 (DeleteCitation) after it went into the collection.
	if _, err := st.Apply(ctx, store.Batch{Deletes: []uint64{pmidRetractedErrata}}); err != nil {
		t.Fatal(err)
	}
	c, _ = s.Get(ctx, ada, c.ID)
	return c
}

func TestReferences_AMAWithFlags(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	c := handout(t, st, s)
	l, err := s.References(context.Background(), ada, c.ID, cite.AMA)
	if err != nil {
		t.Fatal(err)
	}
	if l.StyleName != "AMA (11th ed.)" || l.Flagged != 3 || len(l.Entries) != 5 {
		t.Fatalf("list: style %q, %d flagged, %d entries; want AMA, 3 (retracted, concern, removed), 5", l.StyleName, l.Flagged, len(l.Entries))
	}
	var order []uint64
	for _, e := range l.Entries {
		order = append(order, e.PMID)
	}
	if want := c.PMIDs(); !reflect.DeepEqual(order, want) {
		t.Errorf("entries in order %v, want the collection's %v", order, want)
	}

	first := l.Entries[0]
	// Checked by hand against the AMA Manual, 11th ed., 3.7 (journal articles).
	wantText := "Gullis RJ, Rowe CE. The stimulation by synaptic transmitters of the incorporation of oleate into the phospholipid of synaptic membranes. Biochem J. 1975;148(3):557-565."
	if first.N != 1 || first.Text != wantText || first.Note != "slide 2" {
		t.Errorf("entry 1: N=%d note=%q\ntext %q\nwant %q", first.N, first.Note, first.Text, wantText)
	}
	if !strings.Contains(string(first.HTML), "<i>Biochem J</i>. 1975;148(3):557-565.") {
		t.Errorf("entry 1 HTML %q lacks the italic journal", first.HTML)
	}
	if len(first.Flags) != 1 || first.Flags[0].Kind != Retracted || !first.Serious() {
		t.Errorf("entry 1 flags %+v, want retracted", first.Flags)
	}
	if e := l.Entries[1]; len(e.Flags) != 0 || e.Serious() {
		t.Errorf("plain entry flags %+v, want none", e.Flags)
	}
	if e := l.Entries[3]; len(e.Flags) != 1 || e.Flags[0].Kind != Erratum || e.Serious() {
		t.Errorf("erratum entry: flags %+v serious=%v, want one erratum, not serious", e.Flags, e.Serious())
	}
	gone := l.Entries[4]
	if gone.Article != nil || gone.Text != "PMID 8863847 (no longer in the library)." || len(gone.Flags) != 1 || gone.Flags[0].Kind != Removed {
		t.Errorf("deleted record's entry: %+v", gone)
	}

	// Vancouver, the same record, as PubMed prints it.
	v, err := s.References(context.Background(), ada, c.ID, cite.Vancouver)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Entries[0].Text, "Gullis RJ, Rowe CE. The stimulation by synaptic transmitters of the incorporation of oleate into the phospholipid of synaptic membranes. Biochem J. 1975 Jun;148(3):557-65."; !strings.HasPrefix(got, want) {
		t.Errorf("Vancouver entry 1 = %q, want it to start %q", got, want)
	}

	if _, err := s.References(context.Background(), ada, c.ID, cite.Style("harvard")); err == nil {
		t.Error("unknown style accepted")
	}
	if _, err := s.References(context.Background(), bob, c.ID, cite.AMA); err == nil {
		t.Error("a stranger rendered ada's collection")
	}
}

func TestWriteMarkdown_FlagsNotesAndEscaping(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	c := handout(t, st, s)
	l, err := s.References(context.Background(), ada, c.ID, cite.AMA)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := l.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# Gut & thyroid \\*handout\\* \\#1\n",
		"AMA (11th ed.) style · 5 references · ",
		"> **Warning:** 3 references have been retracted, under an expression of concern or removed from PubMed.",
		"1. **RETRACTED:** Gullis RJ, Rowe CE. The stimulation by synaptic transmitters of the incorporation of oleate into the phospholipid of synaptic membranes. *Biochem J*. 1975;148(3):557-565. [PubMed](https://pubmed.ncbi.nlm.nih.gov/993/)\n" +
			"   - *Retraction in: Rowe CE. Biochem J. 1977 Apr 15;164(1):287-8. PMID: 195582*\n" +
			"   - Note: slide 2\n" +
			"2. ",
		"3. **EXPRESSION OF CONCERN:** Banerjee P, Chatterjee P, Sinha J. Is it light or dark? Recalling moral behavior changes perception of brightness. *Psychol Sci*. 2012;23(4):407-409. doi:10.1177/0956797611432497 [PubMed](https://pubmed.ncbi.nlm.nih.gov/22395128/)\n",
		"   - Note: ask the client\\_first\n     \\- then discuss\n",
		"4. **ERRATUM:** Berry PD",
		"5. **REMOVED FROM PUBMED:** PMID 8863847 (no longer in the library).\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q\n--- got ---\n%s", want, md)
		}
	}
	if strings.Contains(md, "[PubMed](https://pubmed.ncbi.nlm.nih.gov/8863847/)") {
		t.Error("removed record links to PubMed as if it were sound")
	}
}

func TestExport_EveryFormatCarriesFlagsAndNotes(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	c := handout(t, st, s)
	ctx := context.Background()
	export := func(f cite.Format) string {
		t.Helper()
		var b bytes.Buffer
		if err := s.Export(ctx, ada, c.ID, &b, f); err != nil {
			t.Fatalf("export %s: %v", f, err)
		}
		return b.String()
	}

	ris := export(cite.RIS)
	var ans []string
	records := strings.Split(strings.TrimSpace(ris), "ER  - ")
	for _, rec := range records {
		for _, ln := range strings.Split(rec, "\r\n") {
			if v, ok := strings.CutPrefix(ln, "AN  - "); ok {
				ans = append(ans, v)
			}
		}
	}
	if want := []string{"993", "1875346", "22395128", "9505772"}; !reflect.DeepEqual(ans, want) {
		t.Errorf("RIS records %v, want the collection's order without the deleted record %v", ans, want)
	}
	for _, want := range []string{
		"N1  - Retracted publication. Retraction in: Rowe CE. Biochem J. 1977 Apr 15;164(1):287-8. PMID: 195582\r\nN1  - slide 2\r\n",
		"N1  - EXPRESSION OF CONCERN: Expression of concern in: Psychol Sci. 2021 Nov 9;:9567976211058727. PMID: 34752162 Note: ask the client_first - then discuss\r\n",
		"N1  - ERRATUM: Erratum in: Br J Anaesth 1998 Apr;80(4):572.\r\n",
	} {
		if !strings.Contains(ris, want) {
			t.Errorf("RIS lacks %q", want)
		}
	}

	rows, err := csv.NewReader(strings.NewReader(export(cite.CSV))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("CSV has %d rows, want header + 4", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if r := rows[1]; r[col["pmid"]] != "993" || r[col["retracted"]] != "yes" || !strings.Contains(r[col["note"]], "Retracted publication") {
		t.Errorf("CSV row for 993: %q", r)
	}
	if r := rows[3]; r[col["retracted"]] != "no" || !strings.HasPrefix(r[col["note"]], "EXPRESSION OF CONCERN: ") {
		t.Errorf("CSV row for the concern: %q", r)
	}

	var csl []map[string]any
	if err := json.Unmarshal([]byte(export(cite.CSLJSON)), &csl); err != nil {
		t.Fatal(err)
	}
	if len(csl) != 4 || !strings.HasPrefix(csl[0]["note"].(string), "Retracted publication.") || !strings.HasPrefix(csl[2]["note"].(string), "EXPRESSION OF CONCERN:") {
		t.Errorf("CSL-JSON notes: %v / %v", csl[0]["note"], csl[2]["note"])
	}

	bib := export(cite.BibTeX)
	if strings.Count(bib, "@article{") != 4 || !strings.Contains(bib, "EXPRESSION OF CONCERN") || !strings.Contains(bib, "Retracted publication") {
		t.Errorf("BibTeX lacks entries or flags:\n%s", bib)
	}

	nbib := export(cite.NBIB)
	for _, want := range []string{"PMID- 993\r\n", "RIN - ", "ECI - ", "EIN - "} {
		if !strings.Contains(strings.ReplaceAll(nbib, "\r\n", "\n"), strings.ReplaceAll(want, "\r\n", "\n")) {
			t.Errorf("MEDLINE export lacks %q", want)
		}
	}
}

func TestHTMLToMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Smith J. <i>Gut</i>. 2020;1:2.", "Smith J. *Gut*. 2020;1:2."},
		{"IL-1<sup>β</sup> &amp; T<sub>reg</sub> <b>bold</b> <u>u</u>", "IL-1β & Treg **bold** u"},
		{"a &lt;script&gt; [link](x) *star* _u_", `a \<script\> \[link\](x) \*star\* \_u\_`},
	}
	for _, tt := range tests {
		if got := htmlToMarkdown(tt.in); got != tt.want {
			t.Errorf("htmlToMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWatch_AlertsAcrossOwners(t *testing.T) {
	st := fixtureStore(t)
	s := New(st)
	ctx := context.Background()
	handout(t, st, s) // ada: retracted, plain, concern, erratum, removed
	b, _ := s.Create(ctx, bob, "Bob's list")
	s.Add(ctx, bob, b.ID, pmidPlain, "")
	s.Add(ctx, bob, b.ID, pmidRetracted, "")
	s.Create(ctx, root, "Empty")

	alerts, err := Watch(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		Owner, Coll string
		PMID        uint64
		Kind        Kind
		HasTitle    bool
	}
	var got []line
	for _, a := range alerts {
		got = append(got, line{a.Owner, a.CollectionName, a.PMID, a.Flag.Kind, a.Title != ""})
		if a.Flag.Kind != Removed && a.Updated.IsZero() {
			t.Errorf("alert %d/%s has no record time", a.PMID, a.Flag.Kind)
		}
	}
	hand := "Gut & thyroid *handout* #1"
	want := []line{
		{"ada@example.org", hand, pmidRetracted, Retracted, true},
		{"ada@example.org", hand, pmidConcern, Concern, true},
		{"ada@example.org", hand, pmidErratum, Erratum, true},
		{"ada@example.org", hand, pmidRetractedErrata, Removed, false},
		{"bob@example.org", "Bob's list", pmidRetracted, Retracted, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Watch:\n got %+v\nwant %+v", got, want)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		name string
		id   uint64
		ext  string
		want string
	}{
		{"Gut & thyroid *handout* #1", 3, ".ris", "gut-thyroid-handout-1.ris"},
		{"Zöliakie: Übersicht", 4, ".md", "z-liakie-bersicht.md"},
		{"***", 5, ".csv", "collection-5.csv"},
		{"../../etc/passwd", 6, ".bib", "etc-passwd.bib"},
		{strings.Repeat("long ", 40), 7, ".md", strings.TrimSuffix(strings.Repeat("long-", 12), "-") + ".md"},
	}
	for _, tt := range tests {
		if got := FileName(store.Collection{ID: tt.id, Name: tt.name}, tt.ext); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

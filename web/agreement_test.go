package web

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/library"
	"villi/pubmed"
)

// indexedLater ingests five real records as PubMed serves them before NLM
// indexes them (no MeSH, no publication types), then as indexed: the
// agreement log then holds five comparisons (see library's
// TestIngest_IndexingArrivingIsScoredPerTag for the scores).
func indexedLater(t *testing.T, lib *library.Library) {
	t.Helper()
	all := pubmedtest.Items(t, filepath.Join(fixture.Topical(t), "gut-diet-topics.xml"))
	var early, late []pubmed.Item
	for _, p := range []uint64{1534884, 1600929, 2041857, 1572309, 2030925} {
		i := slices.IndexFunc(all, func(it pubmed.Item) bool { return it.Article != nil && it.Article.PMID == p })
		if i < 0 {
			t.Fatalf("PMID %d not in the topical fixture", p)
		}
		a := *all[i].Article
		a.MeSH, a.PublicationTypes, a.DateRevised = nil, nil, nil
		early = append(early, pubmed.Item{Article: &a})
		late = append(late, all[i])
	}
	for _, items := range [][]pubmed.Item{early, late} {
		if _, err := lib.Ingest(t.Context(), items); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdmin_ShowsHowOftenGuessesMatchedNLM(t *testing.T) {
	lib := newLibrary(t, 0)
	acc := newAccounts(t, lib, true, "ada@example.org")
	if err := acc.SetAdmin(t.Context(), "ada@example.org", true); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, lib, Options{Accounts: acc})
	ada := browserClient(t)
	login(t, ada, srv.URL, "ada@example.org")

	resp, body := fetch(t, ada, srv.URL, "/admin")
	wantStatus(t, "admin before any comparison", resp, body, 200,
		`<h2 id="guesses">Provisional tags</h2>`, "No comparisons yet", "No learned tagger has been trained yet")
	if strings.Contains(body, `class="admin-table agreement"`) {
		t.Error("an agreement table with no comparisons")
	}

	indexedLater(t, lib)
	if _, err := lib.Retrain(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, body = fetch(t, ada, srv.URL, "/admin")
	wantStatus(t, "admin after five comparisons", resp, body, 200,
		"How often villi's guesses matched NLM's indexing, last 5 records indexed since villi guessed",
		"The learned tagger was trained", "on 5 records NLM has indexed",
		// celiac: guessed 4, NLM 3, both 2
		`<td class="num">4</td>
<td class="num">3</td>
<td class="num">2</td>
<td class="num">50 %</td>
<td class="num">67 %</td>`,
		// review: never guessed, NLM gave it twice
		`<td class="num">0</td>
<td class="num">2</td>
<td class="num">0</td>
<td class="num">—</td>
<td class="num">0 %</td>`,
		"Evidence level", "Condition",
	)
	if strings.Contains(body, "No comparisons yet") {
		t.Error("the admin page says there are no comparisons")
	}
}

func TestAPIStatus_AgreementAndModel(t *testing.T) {
	lib := newLibrary(t, 0)
	srv := newServer(t, lib, Options{Public: true})
	var st struct {
		Model     *struct{ Records int } `json:"model"`
		Agreement struct {
			Records int `json:"records"`
			Max     int `json:"max"`
			Tags    []struct {
				Kind, Slug        string
				Guessed, NLM      int
				Agreed            int
				Precision, Recall *float64
			} `json:"tags"`
		} `json:"agreement"`
	}
	getJSON(t, srv.URL+"/api/v1/status", http.StatusOK, &st)
	if st.Model != nil || st.Agreement.Records != 0 || st.Agreement.Tags == nil || len(st.Agreement.Tags) != 0 {
		t.Errorf("empty library: model %+v, agreement %+v; want no model, 0 records and an empty list", st.Model, st.Agreement)
	}
	indexedLater(t, lib)
	if _, err := lib.Retrain(t.Context()); err != nil {
		t.Fatal(err)
	}
	getJSON(t, srv.URL+"/api/v1/status", http.StatusOK, &st)
	if st.Model == nil || st.Model.Records != 5 || st.Agreement.Records != 5 || st.Agreement.Max != 2000 {
		t.Fatalf("status: model %+v, agreement %d of %d; want a model on 5 records, 5 of 2000", st.Model, st.Agreement.Records, st.Agreement.Max)
	}
	i := slices.IndexFunc(st.Agreement.Tags, func(r struct {
		Kind, Slug        string
		Guessed, NLM      int
		Agreed            int
		Precision, Recall *float64
	}) bool {
		return r.Slug == "review"
	})
	if i < 0 {
		t.Fatalf("no review row in %+v", st.Agreement.Tags)
	}
	if r := st.Agreement.Tags[i]; r.Kind != "evidence" || r.NLM != 2 || r.Precision != nil || r.Recall == nil || *r.Recall != 0 {
		t.Errorf("review: %+v, want evidence, NLM 2, precision null, recall 0", r)
	}
}

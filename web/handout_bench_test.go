package web

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"villi/collection"
	"villi/store"
)

// BenchmarkHandout200 downloads the handout of a 200-item collection (every
// item with a note) as its owner would: the HTML print view, the baseline,
// and the PDF, each through the whole handler on a loopback server. The
// ratio pdf/print (ns/op) is what BENCHMARKS.md records; the bar is
// the PDF in under a second. Run:
//
//	go test ./web -run '^$' -bench Handout200 -benchtime 20x -count 3
func BenchmarkHandout200(b *testing.B) {
	lib := testLibrary(b)
	srv := newServer(b, lib, Options{Accounts: newAccounts(b, lib, true, "bench@example.org"), PracticeName: "Bench Practice"}).URL
	u := store.User{Email: "bench@example.org"}
	colls := collection.New(lib.DB())
	c, err := colls.Create(b.Context(), u, "Bench handout "+strconv.Itoa(b.N))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { colls.Delete(context.Background(), u, c.ID) })
	var pmids []uint64
	for page := 1; len(pmids) < 200; page++ {
		res, err := lib.Search(b.Context(), searchParams{Q: "gut OR diet OR celiac", Page: page, Size: 50}.request(false))
		if err != nil || len(res.Hits) == 0 {
			b.Fatalf("find 200 records: %d found, %v", len(pmids), err)
		}
		for _, h := range res.Hits {
			pmids = append(pmids, h.PMID)
		}
	}
	for i, p := range pmids[:200] {
		if _, err := colls.Add(b.Context(), u, c.ID, p, "Why it matters: note "+strconv.Itoa(i)+" for the client."); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := colls.SetHandout(b.Context(), u, c.ID, "", "Read **these** first.\n\n- one\n- two", "Ask me."); err != nil {
		b.Fatal(err)
	}
	client := browserClient(b)
	login(b, client, srv, u.Email)
	base := srv + "/collections/" + strconv.FormatUint(c.ID, 10)
	for _, bc := range []struct{ name, path, ctype string }{
		{"print", "/print?style=vancouver", "text/html; charset=utf-8"},
		{"pdf", "/pdf?style=vancouver", "application/pdf"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				resp, err := client.Get(base + bc.path)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != bc.ctype {
					b.Fatalf("%s: %d %q", bc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

package library

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"villi/index"
)

// An index written before PubMed's filters (MappingVersion 5) has no
// language, article type or age columns: Open must rebuild it from the
// store, so the new facets count every record.
func TestOpen_IndexOfAnOlderMappingIsRebuiltWithTheNewFacets(t *testing.T) {
	dir := t.TempDir()
	data := readFixture(t, "p1m-ortho__xs-stmz-methodology/pubmed_result_pvz.xml")
	lib, err := Open(context.Background(), dir, Options{BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Import(context.Background(), bytes.NewReader(data), nil); err != nil {
		t.Fatal(err)
	}
	req := Request{Facets: true, Languages: []string{"chi"}}
	before, err := lib.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if before.Total == 0 || len(before.Facets[FacetAge]) == 0 {
		t.Fatalf("fixture: %d Chinese records, age facet %v; want some of each", before.Total, before.Facets[FacetAge])
	}
	lib.Close()

	bi, err := bleve.Open(filepath.Join(dir, indexDir))
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte("villi_mapping_version"), []byte(strconv.Itoa(index.MappingVersion-1))); err != nil {
		t.Fatal(err)
	}
	bi.Close()

	lib = openLib(t, dir)
	after, err := lib.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != before.Total || !reflect.DeepEqual(after.Facets, before.Facets) {
		t.Errorf("after reopening an older index: %d records, facets %v; want %d, %v", after.Total, after.Facets, before.Total, before.Facets)
	}
}

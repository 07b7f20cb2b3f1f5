package main

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// The binary must carry its own zone data (see the import in main.go): on a
// host with /usr/share/zoneinfo every other test passes without it, so only
// the import itself can be checked here.
func TestMain_EmbedsZoneData(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "time/tzdata" {
			return
		}
	}
	t.Error(`main.go does not import _ "time/tzdata": VILLI_TZ=Europe/Berlin fails on hosts without zone files`)
}

package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestEncodeRecord_HeadDecodesAndValueIsARecord(t *testing.T) {
	for _, rev := range []bool{false, true} {
		r := rec(9, 3, nil, `tricky ,"article": title`)
		if rev {
			r.Article.DateRevised = revised(2023, 2, 28)
		}
		r.Added, r.Updated, r.Seq = testNow, testNow.Add(1), 77
		v, err := encodeRecord(&r)
		if err != nil {
			t.Fatal(err)
		}
		h, err := decodeHead(9, v)
		if err != nil {
			t.Fatalf("decodeHead: %v", err)
		}
		want := head{Added: testNow, Updated: testNow.Add(1), Seq: 77, Version: 3, Revised: r.Article.DateRevised}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("revised=%v: head = %+v, want %+v", rev, h, want)
		}
		var got Record
		if err := json.Unmarshal(v, &got); err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("revised=%v: stored value as a plain Record = %+v, %v; want %+v", rev, got, err, r)
		}
	}
}

package redact

import (
	"bytes"
	"fmt"
	"testing"
)

func TestRedactor_String(t *testing.T) {
	r := New("s3cret/key+1", "", "pa55", "pa55word")
	tests := []struct{ in, want string }{
		{`{"error":"API rate limit exceeded","api-key":"s3cret/key+1"}`, `{"error":"API rate limit exceeded","api-key":"[redacted]"}`},
		{"GET https://eutils.example/esearch.fcgi?api_key=s3cret%2Fkey%2B1&db=pubmed", "GET https://eutils.example/esearch.fcgi?api_key=[redacted]&db=pubmed"},
		{"dial http://user:pa55word@host/: refused", "dial http://user:[redacted]@host/: refused"}, // the longer secret whole
		{"pa55 and pa55word", "[redacted] and [redacted]"},
		{"nothing to hide", "nothing to hide"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactor_NilAndEmptyPassTextThrough(t *testing.T) {
	var nilR *Redactor
	for _, r := range []*Redactor{nilR, New(), New("")} {
		if got := r.String("api_key=abc"); got != "api_key=abc" {
			t.Errorf("String = %q, want the text unchanged", got)
		}
		var b bytes.Buffer
		if w := r.Writer(&b); w != &b {
			t.Errorf("Writer wraps though there is nothing to mask")
		}
	}
}

func TestURLSecrets(t *testing.T) {
	tests := []struct {
		url  string
		want []string
	}{
		{"smtp://mailer:hunter2@mail.example:587", []string{"hunter2"}},
		{"https://tok3n@mirror.example/entrez/eutils/", []string{"tok3n"}},
		{"https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", nil},
		{"", nil},
		{"://bad", nil},
	}
	for _, tt := range tests {
		if got := URLSecrets(tt.url); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("URLSecrets(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestWriter_MasksEachWriteAndReportsItsLength(t *testing.T) {
	var b bytes.Buffer
	w := New("hunter2").Writer(&b)
	msg := []byte("level=INFO msg=retrying error=\"535 auth hunter2 failed\"\n")
	n, err := w.Write(msg)
	if err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(msg))
	}
	if got, want := b.String(), "level=INFO msg=retrying error=\"535 auth [redacted] failed\"\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
	if fd := w.(interface{ Fd() uintptr }).Fd(); fd != ^uintptr(0) {
		t.Errorf("Fd of a masked buffer = %d, want the invalid descriptor", fd)
	}
}

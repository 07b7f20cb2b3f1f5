package index

import "testing"

func TestWholeWords(t *testing.T) {
	tests := []struct {
		name, frag, want string
	}{
		{"cut at both ends",
			"…y little is known about <mark>zonulin</mark> in thyroid disea…",
			"…little is known about <mark>zonulin</mark> in thyroid…"},
		{"no cuts", "Zonulin is <mark>raised</mark> in celiac disease.", "Zonulin is <mark>raised</mark> in celiac disease."},
		{"highlight at the very start is kept", "…<mark>zonulin</mark> levels were high", "…<mark>zonulin</mark> levels were high"},
		{"highlight in the first word is kept", "…anti<mark>zonulin</mark> therapy was", "…anti<mark>zonulin</mark> therapy was"},
		{"highlight at the very end is kept", "levels of <mark>zonulin</mark>…", "levels of <mark>zonulin</mark>…"},
		{"trailing punctuation goes with the cut word", "in patients with celiac, hashimo…", "in patients with celiac…"},
		{"long token is not a cut word", "…" + "abcdefghijklmnopqrstuvwxyzabcdefghij <mark>x</mark>", "…" + "abcdefghijklmnopqrstuvwxyzabcdefghij <mark>x</mark>"},
	}
	for _, tt := range tests {
		if got := wholeWords(tt.frag); got != tt.want {
			t.Errorf("%s: wholeWords(%q)\n got %q\nwant %q", tt.name, tt.frag, got, tt.want)
		}
	}
}

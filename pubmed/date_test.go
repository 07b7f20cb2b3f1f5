package pubmed

import "testing"

func TestDate_NLM(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		want string
	}{
		{"zero", Date{}, ""},
		{"year", Date{Year: 2015}, "2015"},
		{"month", Date{Year: 2015, Month: 9}, "2015 Sep"},
		{"day", Date{Year: 2023, Month: 3, Day: 9}, "2023 Mar 9"},
		{"season wins over a parsed month", Date{Year: 2000, Month: 3, Season: "Spring"}, "2000 Spring"},
		{"medline date verbatim", Date{Year: 1998, Month: 12, MedlineDate: "1998 Dec-1999 Jan"}, "1998 Dec-1999 Jan"},
		{"month out of range is left out", Date{Year: 2001, Month: 13, Day: 2}, "2001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.NLM(); got != tt.want {
				t.Errorf("%+v.NLM() = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

package web

import (
	"strconv"
	"strings"
	"testing"

	"villi/library"
)

// TestYearChart_LabelsDoNotCollide checks that the year labels keep the
// first and last years and stay far enough apart to be read when a phone
// shrinks the chart (the stylesheet then enlarges the text).
func TestYearChart_LabelsDoNotCollide(t *testing.T) {
	tests := []struct {
		lo, hi int
		want   []string // the labels, in order
	}{
		{2016, 2016, []string{"2016"}},
		{2008, 2016, []string{"2008", "2010", "2016"}},
		{1991, 2017, []string{"1991", "2000", "2010", "2017"}},
		{2009, 2021, []string{"2009", "2021"}},                                 // 2010 and 2020 sit too close to the ends
		{1966, 2025, []string{"1966", "1980", "1990", "2000", "2010", "2025"}}, // 1970, 2020: too close
	}
	for _, tt := range tests {
		var years []library.FacetCount
		for y := tt.lo; y <= tt.hi; y += 2 { // gaps, as real data has
			years = append(years, library.FacetCount{Value: strconv.Itoa(y), Count: y % 7})
		}
		years = append(years, library.FacetCount{Value: strconv.Itoa(tt.hi), Count: 3})
		c := newYearChart(searchParams{Q: "gluten"}, years)
		if c == nil {
			t.Fatalf("%d–%d: no chart", tt.lo, tt.hi)
		}
		var got []string
		for i, l := range c.Labels {
			got = append(got, l.Text)
			if i > 0 && l.X-c.Labels[i-1].X < chartLabelGap {
				t.Errorf("%d–%d: labels %s and %s are %.1f apart, want at least %.0f",
					tt.lo, tt.hi, c.Labels[i-1].Text, l.Text, l.X-c.Labels[i-1].X, chartLabelGap)
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%d–%d: labels %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
		if len(c.Bars) != tt.hi-tt.lo+1 {
			t.Errorf("%d–%d: %d bars, want one per year (%d)", tt.lo, tt.hi, len(c.Bars), tt.hi-tt.lo+1)
		}
	}
}

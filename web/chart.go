package web

import (
	"strconv"

	"villi/library"
)

// Chart geometry, in SVG user units (the SVG scales to its box).
const (
	chartW, chartH = 640.0, 150.0
	chartTop       = 12.0 // room for the maximum's label
	chartBottom    = 20.0 // room for the year labels
	chartMaxYears  = 60   // a longer span keeps its most recent years
	chartLabelGap  = 60.0 // least distance between two year labels' centres
)

// yearChart is a records-per-year bar chart, drawn by the server as inline
// SVG so it needs no script and no inline style.
type yearChart struct {
	W, H     float64
	Baseline float64
	Max      int
	Bars     []chartBar
	Labels   []chartLabel
	Summary  string // text alternative for the chart
}

type chartBar struct {
	X, Y, W, H  float64
	Year, Count int
	URL         string
}

type chartLabel struct {
	X    float64
	Text string
}

// newYearChart draws the year facet; nil when there is nothing to draw.
func newYearChart(p searchParams, years []library.FacetCount) *yearChart {
	counts := map[int]int{}
	lo, hi := 0, 0
	for _, fc := range years {
		y, err := strconv.Atoi(fc.Value)
		if err != nil || y <= 0 {
			continue
		}
		counts[y] = fc.Count
		if lo == 0 || y < lo {
			lo = y
		}
		if y > hi {
			hi = y
		}
	}
	if hi == 0 {
		return nil
	}
	lo = max(lo, hi-chartMaxYears+1)
	c := &yearChart{W: chartW, H: chartH, Baseline: chartH - chartBottom}
	for y := lo; y <= hi; y++ {
		c.Max = max(c.Max, counts[y])
	}
	n := hi - lo + 1
	slot := chartW / float64(n)
	gap := min(2, slot*0.15)
	plot := c.Baseline - chartTop
	total := 0
	for i := range n {
		y := lo + i
		cnt := counts[y]
		total += cnt
		x := float64(i) * slot
		h := 0.0
		if c.Max > 0 {
			h = plot * float64(cnt) / float64(c.Max)
		}
		if cnt > 0 && h < 1 {
			h = 1
		}
		link := p.clone()
		link.From, link.To = y, y
		c.Bars = append(c.Bars, chartBar{X: round1(x + gap/2), Y: round1(c.Baseline - h), W: round1(slot - gap), H: round1(h), Year: y, Count: cnt, URL: link.url("/search")})
		// The first and last years, and decades far enough from both that
		// the labels do not collide when a phone shrinks the chart (and
		// the stylesheet enlarges its text to stay readable).
		mid := x + slot/2
		if i == 0 || i == n-1 || (y%10 == 0 && mid >= slot/2+chartLabelGap && mid <= chartW-slot/2-chartLabelGap) {
			c.Labels = append(c.Labels, chartLabel{X: round1(mid), Text: strconv.Itoa(y)})
		}
	}
	c.Summary = formatCount(total) + " records from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) +
		"; the busiest year has " + formatCount(c.Max)
	return c
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

package web

import (
	"strings"
	"testing"
	"time"

	"villi/taxonomy"
)

// added_since and added_until (the digest's "See all" links) accept a day
// or an RFC 3339 time, a day as an upper bound meaning the whole day, and
// say what is wrong with anything else.
func TestParseSearch_AddedWindow(t *testing.T) {
	s := &server{tax: taxonomy.Default()}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name         string
		query        string
		since, until time.Time
		err          string // "" for none; else a part of the message
	}{
		{"days", "added_since=2026-01-05&added_until=2026-01-11", day(2026, 1, 5), day(2026, 1, 12).Add(-time.Nanosecond), ""},
		{"one day", "added_since=2026-01-05&added_until=2026-01-05", day(2026, 1, 5), day(2026, 1, 6).Add(-time.Nanosecond), ""},
		{"rfc 3339 with nanoseconds", "added_since=2026-01-05T07:00:00.000000001Z&added_until=2026-01-12T07:00:00Z",
			day(2026, 1, 5).Add(7*time.Hour + 1), day(2026, 1, 12).Add(7 * time.Hour), ""},
		{"offset becomes UTC", "added_since=2026-01-05T08:00:00%2B01:00", day(2026, 1, 5).Add(7 * time.Hour), time.Time{}, ""},
		{"not a date", "added_since=last-week", time.Time{}, time.Time{}, `added_since "last-week" is not a date`},
		{"no zone", "added_until=2026-01-05T07:00:00", time.Time{}, time.Time{}, `added_until "2026-01-05T07:00:00" is not a date`},
		{"impossible day", "added_since=2026-02-30", time.Time{}, time.Time{}, "is not a date"},
		{"inverted", "added_since=2026-01-12&added_until=2026-01-05", time.Time{}, time.Time{}, "is after added_until"},
		{"given twice", "added_since=2026-01-05&added_since=2026-01-06", time.Time{}, time.Time{}, `"added_since" is given 2 times`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.parseSearch(tt.query, true)
			if tt.err != "" {
				if err == nil || !isBadInput(err) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want input error mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !p.AddedSince.Equal(tt.since) || !p.AddedUntil.Equal(tt.until) {
				t.Errorf("window = %v – %v, want %v – %v", p.AddedSince, p.AddedUntil, tt.since, tt.until)
			}
			req := p.request(false)
			if !req.AddedSince.Equal(tt.since) || !req.AddedUntil.Equal(tt.until) {
				t.Errorf("index request window = %v – %v, want %v – %v", req.AddedSince, req.AddedUntil, tt.since, tt.until)
			}
			// Links built from p (pager, facets) keep the window.
			again, err := s.parseSearch(p.clone().encode(), true)
			if err != nil || !again.AddedSince.Equal(tt.since) || !again.AddedUntil.Equal(tt.until) {
				t.Errorf("window after encode = %v – %v (%v), want %v – %v", again.AddedSince, again.AddedUntil, err, tt.since, tt.until)
			}
		})
	}
}

func TestAPISearch_BadAddedWindowIs400(t *testing.T) {
	srv := newServer(t, testLibrary(t), Options{})
	var e apiError
	getJSON(t, srv.URL+"/api/v1/search?added_since=yesterday", 400, &e)
	if !strings.Contains(e.Error, `added_since "yesterday" is not a date: use YYYY-MM-DD`) {
		t.Errorf("error = %q, want it to name added_since and the forms it takes", e.Error)
	}
	wantPage(t, srv.URL, "/search?added_until=soon", 400, "added_until &#34;soon&#34; is not a date")
}

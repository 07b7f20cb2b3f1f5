package digest

import (
	"fmt"
	"time"
)

// WeekKey is the ISO week of t in loc, as the send-log keys it: "2026-W49".
func WeekKey(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekStart is Monday 00:00 in loc of the ISO week holding t.
func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	back := (int(day.Weekday()) + 6) % 7 // Monday 0 ... Sunday 6
	return day.AddDate(0, 0, -back)
}

// scheduledAt is when the schedule first fires in the ISO week holding t,
// and false when it does not fire that week.
func scheduledAt(s Schedule, t time.Time, loc *time.Location) (time.Time, bool) {
	start := weekStart(t, loc)
	next := s.Next(start.Add(-time.Nanosecond))
	if next.IsZero() || !next.Before(start.AddDate(0, 0, 7)) {
		return time.Time{}, false
	}
	return next, true
}

package digest

import (
	"fmt"
	"strings"
	"time"

	"villi/store"
)

// health is the digest's one-line account of the library: records added in
// the window, the last crawl and any failing saved query.
func (s *Service) health(since, until time.Time) (string, error) {
	runs, err := s.lib.Runs("", 500)
	if err != nil {
		return "", fmt.Errorf("crawl health: %w", err)
	}
	added := 0
	var last *store.Run
	for i := range runs {
		r := &runs[i]
		if r.Kind != store.RunCrawl && r.Kind != store.RunImport {
			continue
		}
		if r.Started.After(since) && !r.Started.After(until) {
			added += r.Added
		}
		if last == nil && r.Kind == store.RunCrawl && !r.Started.After(until) {
			last = r
		}
	}
	loc := s.cfg.Location
	parts := []string{fmt.Sprintf("Library: %s added since %s", plural(added, "record", "records"), dayLabel(since, loc))}
	switch {
	case last == nil:
		parts = append(parts, "no crawl has run yet")
	case last.Running():
		parts = append(parts, "a crawl started "+last.Started.In(loc).Format("Mon 2 Jan 15:04")+" is still running (or was interrupted)")
	case last.Err != "":
		parts = append(parts, "last crawl "+last.Ended.In(loc).Format("Mon 2 Jan 15:04")+" failed: "+oneLine(last.Err, 120))
	case len(last.Failing) > 0:
		parts = append(parts, "last crawl "+last.Ended.In(loc).Format("Mon 2 Jan 15:04"))
	default:
		parts = append(parts, "last crawl "+last.Ended.In(loc).Format("Mon 2 Jan 15:04")+", ok")
	}
	if last != nil && len(last.Failing) > 0 {
		fs := make([]string, len(last.Failing))
		for i, f := range last.Failing {
			fs[i] = oneLine(f, 80)
		}
		parts = append(parts, "failing: "+strings.Join(fs, "; "))
	}
	return strings.Join(parts, "; ") + ".", nil
}

// oneLine squeezes an error message to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

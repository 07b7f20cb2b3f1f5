package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Settings are the schedule's configuration.
type Settings struct {
	CrawlSpec  string
	DigestSpec string
	Location   *time.Location
}

// FromEnv reads VILLI_CRAWL_SPEC, VILLI_DIGEST_SPEC and VILLI_TZ (an IANA
// zone such as Europe/Berlin; default the host's local zone), each unset
// one taking its default. An error names the variable and what was wrong.
func FromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{CrawlSpec: DefaultCrawlSpec, DigestSpec: DefaultDigestSpec, Location: time.Local}
	for _, v := range []struct {
		env string
		dst *string
	}{{"VILLI_CRAWL_SPEC", &s.CrawlSpec}, {"VILLI_DIGEST_SPEC", &s.DigestSpec}} {
		if spec := strings.TrimSpace(getenv(v.env)); spec != "" {
			if _, err := ParseSpec(spec); err != nil {
				return s, fmt.Errorf("%s: %w", v.env, err)
			}
			*v.dst = spec
		}
	}
	if tz := strings.TrimSpace(getenv("VILLI_TZ")); tz != "" {
		loc, err := LoadLocation(tz)
		if err != nil {
			return s, fmt.Errorf("VILLI_TZ: %w", err)
		}
		s.Location = loc
	}
	return s, nil
}

// LoadLocation loads an IANA time zone by name, with an error that says
// what a valid name looks like.
func LoadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Europe/Berlin, America/New_York or UTC", name)
	}
	return loc, nil
}

package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Settings are the schedule's configuration, read from the environment once
// (FromEnv) and handed to whatever must agree with the scheduler: the digest
// reckons its weeks and its overdue check in the same zone and spec.
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

// DigestSchedule is the digest's spec as the Scheduler runs it, in Location.
func (s Settings) DigestSchedule() (cron.Schedule, error) { return Parse(s.DigestSpec, s.Location) }

// Parse reads a spec as a Scheduler whose zone is loc (nil means UTC) runs
// it, for code that must know when a job is due without running it. A spec
// with its own CRON_TZ= keeps that zone, as it does in the Scheduler.
func Parse(spec string, loc *time.Location) (cron.Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	sch, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	spec = strings.TrimSpace(spec)
	if ss, ok := sch.(*cron.SpecSchedule); ok && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		ss.Location = loc
	}
	return sch, nil
}

package library

import (
	"time"

	"villi/store"
)

// Status is the library's state as the home page and /api/v1/status show
// it: how many records, what is running, and the last run of each kind.
type Status struct {
	Records int `json:"records"`
	// Running is the run in progress, if any (a crawl, import or digest).
	Running *store.Run `json:"running,omitempty"`
	// LastCrawl is the newest crawl that has ended; LastImport likewise.
	LastCrawl  *store.Run `json:"last_crawl,omitempty"`
	LastImport *store.Run `json:"last_import,omitempty"`
	LastDigest *store.Run `json:"last_digest,omitempty"`
	// NextCrawl is when the scheduler starts the next crawl; absent when
	// none is scheduled. The library does not know the schedule: the
	// caller that runs the scheduler fills it in.
	NextCrawl *time.Time `json:"next_crawl,omitempty"`
	// Runs are the most recent runs of every kind, newest first.
	Runs []store.Run `json:"runs"`
	// Degraded, when present, says why the library cannot write (a full
	// disk) and since when; searches may miss the newest changes meanwhile.
	Degraded *Degraded `json:"degraded,omitempty"`
	// Model is the learned tagger in use; absent until one is trained.
	Model *ModelInfo `json:"model,omitempty"`
	// Agreement is how often the provisional tags matched NLM's indexing
	// when it arrived.
	Agreement Agreement `json:"agreement"`
}

// ModelInfo says which learned tagger gives the provisional tags.
type ModelInfo struct {
	Trained time.Time `json:"trained"`
	Records int       `json:"records"` // indexed records it learned from
}

// Model returns the learned tagger in use, nil when none is trained.
func (l *Library) Model() *ModelInfo {
	m := l.model.Load()
	if m == nil {
		return nil
	}
	return &ModelInfo{Trained: m.Trained, Records: m.Records}
}

// statusRuns is how many runs Status lists.
const statusRuns = 20

// Status reads the record count and the recent runs.
func (l *Library) Status() (Status, error) {
	st := Status{Degraded: l.Degraded(), Model: l.Model()}
	ag, err := l.Agreement()
	if err != nil {
		return st, err
	}
	st.Agreement = ag
	n, err := l.st.Count()
	if err != nil {
		return st, err
	}
	st.Records = n
	runs, err := l.st.Runs("", statusRuns)
	if err != nil {
		return st, err
	}
	st.Runs = runs
	if st.Runs == nil {
		st.Runs = []store.Run{}
	}
	for i := range runs {
		r := &runs[i]
		switch {
		case r.Running():
			if st.Running == nil {
				st.Running = r
			}
		case r.Kind == store.RunCrawl && st.LastCrawl == nil:
			st.LastCrawl = r
		case r.Kind == store.RunImport && st.LastImport == nil:
			st.LastImport = r
		case r.Kind == store.RunDigest && st.LastDigest == nil:
			st.LastDigest = r
		}
	}
	// The newest runs may all be imports; look further for the last crawl.
	if st.LastCrawl == nil {
		crawls, err := l.st.Runs(store.RunCrawl, statusRuns)
		if err != nil {
			return st, err
		}
		for i := range crawls {
			if !crawls[i].Running() {
				st.LastCrawl = &crawls[i]
				break
			}
		}
	}
	return st, nil
}

package web

import (
	"net/http"
	"time"

	"villi/store"
)

// Status is the library's crawl status: the body of /api/v1/status and the
// home page's status panel.
type Status struct {
	Records int `json:"records"`
	// Running is the run in progress, if any (a crawl, import or digest).
	Running *store.Run `json:"running,omitempty"`
	// LastCrawl is the newest crawl that has ended; LastImport likewise.
	LastCrawl  *store.Run `json:"last_crawl,omitempty"`
	LastImport *store.Run `json:"last_import,omitempty"`
	LastDigest *store.Run `json:"last_digest,omitempty"`
	// NextCrawl is when the scheduler starts the next crawl; absent when
	// none is scheduled (serve without a scheduler).
	NextCrawl *time.Time `json:"next_crawl,omitempty"`
	// Runs are the most recent runs of every kind, newest first.
	Runs []store.Run `json:"runs"`
}

// recentRuns is how many runs the status shows.
const recentRuns = 20

func (s *server) status() (Status, error) {
	var st Status
	n, err := s.lib.Store.Count()
	if err != nil {
		return st, err
	}
	st.Records = n
	runs, err := s.lib.Store.Runs("", recentRuns)
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
		case r.Kind == "crawl" && st.LastCrawl == nil:
			st.LastCrawl = r
		case r.Kind == "import" && st.LastImport == nil:
			st.LastImport = r
		case r.Kind == "digest" && st.LastDigest == nil:
			st.LastDigest = r
		}
	}
	// The newest runs may all be imports; look further for the last crawl.
	if st.LastCrawl == nil {
		crawls, err := s.lib.Store.Runs("crawl", recentRuns)
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
	if s.nextCrawl != nil {
		if t := s.nextCrawl(); !t.IsZero() {
			st.NextCrawl = &t
		}
	}
	return st, nil
}

func (s *server) apiStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.status()
	if err != nil {
		s.log.Error("status", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the store could not be read; the error has been logged")
		return
	}
	writeJSON(w, http.StatusOK, st)
}

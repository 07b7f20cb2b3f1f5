package web

import (
	"net/http"

	"villi/library"
)

// status is the library's status with the scheduler's next crawl: the body
// of /api/v1/status and the home page's status panel.
func (s *server) status() (library.Status, error) {
	st, err := s.lib.Status()
	if err != nil {
		return st, err
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

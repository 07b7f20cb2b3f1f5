package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"villi/library"
)

const pathAdminRetractions = "/admin/retractions"

// handleRetractions imports an uploaded Retraction Watch CSV file through
// the same path as `villi retractions import`. The file replaces the notices
// of the previous one; one that is not the database's changes nothing.
func (s *server) handleRetractions(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(importDeadline)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)

	d := &messagePage{layout: layout{Title: "Retraction Watch import", TopSearch: true},
		Links: []link{{Label: "Back to admin", URL: "/admin#retractions"}, {Label: "Retracted records", URL: "/search?q=retracted"}}}
	mr, err := r.MultipartReader()
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "send the file as a form upload (multipart/form-data)", nil)
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.Heading = "The upload could not be read"
			d.Lines = []string{err.Error(), "Nothing was changed."}
			s.render(w, r, http.StatusBadRequest, "subscribe_message", d)
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		sum, err := s.lib.ImportRetractions(r.Context(), part.FileName(), part)
		part.Close()
		code := http.StatusOK
		if err != nil {
			if r.Context().Err() != nil {
				return
			}
			s.log.Warn("retraction watch import", "file", part.FileName(), "err", err)
			code = http.StatusBadRequest
			d.Heading = "Import refused"
			d.Lines = []string{err.Error(), "Nothing was changed."}
		} else {
			d.Heading = "Imported " + part.FileName()
			d.Lines = []string{retractionLine(sum)}
		}
		for _, p := range sum.Problems {
			d.Lines = append(d.Lines, p.String())
		}
		s.render(w, r, code, "subscribe_message", d)
		return
	}
	d.Heading = "No file was uploaded"
	d.Lines = []string{"Choose the Retraction Watch CSV file and send the form again."}
	s.render(w, r, http.StatusBadRequest, "subscribe_message", d)
}

func retractionLine(s library.RetractionImport) string {
	return fmt.Sprintf("%s read, %d skipped: %d about library records (%d found by DOI), %d kept for records not stored yet; %s changed.",
		plural(s.Rows, "row"), s.Skipped(), s.Matched, s.ByDOI, s.Kept, plural(s.Reindex, "library record"))
}

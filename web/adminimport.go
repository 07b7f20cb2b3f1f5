package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"villi/library"
)

const (
	pathAdminImport = "/admin/import"
	// maxImportBytes bounds one upload: PubMed's gzipped baseline files are
	// 20–60 MB each, so a handful fit.
	maxImportBytes = 2 << 30
	// importDeadline is how long an upload and its import may take, in
	// place of the server's short read and write timeouts.
	importDeadline = 30 * time.Minute
)

// handleImport imports uploaded PubMed XML files (.xml or .xml.gz) through
// the same path as `villi import`, which cannot open the data directory
// while serve holds it. Each file is streamed, never held whole in memory;
// what a malformed file held before its error stays imported.
func (s *server) handleImport(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(importDeadline)
	// Errors mean the connection cannot move its deadlines (HTTP/2 push or a
	// test recorder); the server's own timeouts then apply.
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)

	mr, err := r.MultipartReader()
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "send the files as a form upload (multipart/form-data)", nil)
		return
	}
	run, err := s.lib.StartImport()
	if err != nil {
		s.adminFailed(w, r, "record the import", err)
		return
	}
	var (
		names  []string
		failed []string
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			err = fmt.Errorf("reading the upload: %w", err)
			run.Fail(err)
			failed = append(failed, err.Error())
			break
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		name := part.FileName()
		names = append(names, name)
		_, err = run.File(r.Context(), name, part, nil)
		part.Close()
		if err != nil {
			failed = append(failed, fmt.Sprintf("%v (everything before the problem was kept)", err))
		}
	}
	if _, err := run.Finish(r.Context()); err != nil {
		s.log.Warn("import", "err", err)
		if failed == nil {
			failed = append(failed, err.Error())
		}
	}
	total := run.Total()

	d := &messagePage{layout: layout{Title: "Import", TopSearch: true},
		Links: []link{{Label: "Back to admin", URL: "/admin"}, {Label: "Newest records", URL: "/search?sort=date"}}}
	code := http.StatusOK
	switch {
	case len(names) == 0:
		code = http.StatusBadRequest
		d.Heading = "No file was uploaded"
		d.Lines = []string{"Choose one or more PubMed XML files (.xml or .xml.gz) and send the form again."}
	case len(failed) > 0:
		code = http.StatusBadRequest
		d.Heading = "Import stopped at a problem"
		d.Lines = append(failed, importLine(total))
	default:
		d.Heading = fmt.Sprintf("Imported %s", plural(len(names), "file"))
		d.Lines = []string{importLine(total)}
	}
	for _, sk := range total.Skipped {
		d.Lines = append(d.Lines, "Skipped "+sk.String())
	}
	for _, n := range total.Notes {
		d.Lines = append(d.Lines, "Note: "+n.String())
	}
	s.render(w, r, code, "subscribe_message", d)
}

func importLine(t library.Summary) string {
	return fmt.Sprintf("%d records read: %d added, %d updated, %d unchanged, %d older versions not stored, %d deleted.",
		t.Records, t.Added, t.Updated, t.Unchanged, t.Older, t.Deleted)
}

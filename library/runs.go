package library

import (
	"villi/store"
)

// SaveRun records a job's run: a zero ID starts a new run (the ID is
// written back), a known ID replaces it. Jobs save as they go, so a status
// reader sees progress and a killed run stays visible.
func (l *Library) SaveRun(r *store.Run) error { return l.wrote(l.st.PutRun(r)) }

// Runs returns up to limit runs of kind ("" for every kind), newest first.
func (l *Library) Runs(kind store.RunKind, limit int) ([]store.Run, error) {
	return l.st.Runs(kind, limit)
}

// Cursor returns where the crawl of the saved query name stands, or an
// error wrapping store.ErrNotFound when it never ran.
func (l *Library) Cursor(name string) (store.Cursor, error) { return l.st.Cursor(name) }

// SaveCursor records where the crawl of one saved query stands.
func (l *Library) SaveCursor(c store.Cursor) error { return l.wrote(l.st.PutCursor(c)) }

// Cursors returns every saved query's cursor.
func (l *Library) Cursors() ([]store.Cursor, error) { return l.st.Cursors() }

package library

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"villi/store"
)

// ImportRun is one import of one or more files, recorded as a run from its
// start: the status page shows it while it runs, and a killed import stays
// visible. `villi import` and the admin upload both go through it, so their
// runs read alike.
type ImportRun struct {
	lib    *Library
	run    store.Run
	total  Summary
	failed []error
}

// StartImport records the start of an import run.
func (l *Library) StartImport() (*ImportRun, error) {
	r := &ImportRun{lib: l, run: store.Run{Kind: store.RunImport, Started: time.Now().UTC()}}
	if err := l.SaveRun(&r.run); err != nil {
		return nil, fmt.Errorf("record the import run: %w", err)
	}
	return r, nil
}

// File imports one named file (name is what the run records; "-" for
// standard input). Everything committed before an error stays imported;
// the error is returned and also kept for the run's record.
func (r *ImportRun) File(ctx context.Context, name string, src io.Reader, progress func(Progress)) (Summary, error) {
	r.run.Files = append(r.run.Files, name)
	sum, err := r.lib.Import(ctx, src, progress)
	r.total.Add(sum)
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		r.failed = append(r.failed, err)
	}
	return sum, err
}

// Fail records a failure that belongs to no one file (a broken upload).
func (r *ImportRun) Fail(err error) { r.failed = append(r.failed, err) }

// Total is what the run has imported so far.
func (r *ImportRun) Total() Summary { return r.total }

// Finish merges the index after a large import (see MergeAfterImport),
// records the run's end, and returns every failure joined (nil when none)
// and whether the index was merged. A run that cannot be recorded is a
// failure too: the records stay imported, but the status page would be wrong.
func (r *ImportRun) Finish(ctx context.Context) (merged bool, err error) {
	merged, mergeErr := r.lib.MergeAfterImport(ctx, r.total)
	if mergeErr != nil {
		r.failed = append(r.failed, mergeErr)
	}
	t := r.total
	r.run.Ended = time.Now().UTC()
	r.run.Added, r.run.Updated, r.run.Unchanged, r.run.Deleted = t.Added, t.Updated, t.Unchanged, t.Deleted
	r.run.NewlyIndexed = t.NewlyIndexed
	r.run.Failing = nil
	for _, f := range r.failed {
		r.run.Failing = append(r.run.Failing, f.Error())
	}
	if len(r.failed) > 0 {
		r.run.Err = r.run.Failing[len(r.failed)-1]
	}
	failed := errors.Join(r.failed...)
	if err := r.lib.SaveRun(&r.run); err != nil {
		return merged, errors.Join(failed, fmt.Errorf("record the import run: %w", err))
	}
	return merged, failed
}

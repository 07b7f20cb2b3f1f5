package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"villi/library"
	"villi/store"
)

// defaultRetrainAfter is how many newly indexed records a crawl must bring
// before serve retrains the learned tagger: a few hundred new examples move
// its thresholds; fewer are not worth reading the library for.
const defaultRetrainAfter = 200

// retrainer retrains the learned tagger in the background after crawls
// that brought at least `after` newly indexed records, one retrain at a
// time: a crawl ending while one runs queues at most one more.
type retrainer struct {
	lib   *library.Library
	log   *slog.Logger
	after int // 0: never
	kick  chan struct{}
	// done, if set, is called after each retrain (tests).
	done func(changed int, err error)
}

func newRetrainer(lib *library.Library, after int, log *slog.Logger) *retrainer {
	return &retrainer{lib: lib, log: log, after: after, kick: make(chan struct{}, 1)}
}

// crawled decides on a crawl that ended: it queues a retrain when the run
// brought enough newly indexed records.
func (r *retrainer) crawled(run store.Run) {
	if r.after <= 0 {
		return
	}
	if run.NewlyIndexed < r.after {
		r.log.Info("learned tagger not retrained: too few newly indexed records",
			"newly_indexed", run.NewlyIndexed, "retrain_after", r.after)
		return
	}
	select {
	case r.kick <- struct{}{}:
		r.log.Info("learned tagger: retraining after the crawl", "newly_indexed", run.NewlyIndexed, "retrain_after", r.after)
	default:
		r.log.Info("learned tagger: a retrain is already waiting", "newly_indexed", run.NewlyIndexed)
	}
}

// run retrains whenever crawled asks, until ctx ends (serve's shutdown,
// which also cuts a retrain short).
func (r *retrainer) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		}
		start := time.Now()
		changed, err := r.lib.Retrain(ctx)
		switch {
		case ctx.Err() != nil:
			r.log.Info("learned tagger: retrain stopped by shutdown", "retagged", changed)
		case err != nil:
			r.log.Error("learned tagger: retrain failed", "err", err, "retagged", changed)
		default:
			m := r.lib.Model()
			attrs := []any{"retagged", changed, "took", time.Since(start).Round(time.Millisecond)}
			if m != nil {
				attrs = append(attrs, "trained_on", m.Records)
			}
			r.log.Info("learned tagger retrained", attrs...)
		}
		if r.done != nil {
			r.done(changed, err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// retrainAfter reads VILLI_RETRAIN_AFTER: a count, 0 to turn retraining off.
func retrainAfter(e Env) (int, error) {
	v := e.Getenv("VILLI_RETRAIN_AFTER")
	if v == "" {
		return defaultRetrainAfter, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("VILLI_RETRAIN_AFTER=%q: want a number of records, 0 to turn retraining off", v)
	}
	return n, nil
}

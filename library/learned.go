package library

import (
	"context"
	"errors"
	"fmt"

	"villi/learn"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// modelName is the store key of the learned tagger.
const modelName = "provisional"

// tag gives a record's tags: the rules', and on a record NLM has not
// indexed the learned model's too, marked provisional (see learn.Tag).
func (l *Library) tag(a *pubmed.Article) taxonomy.Tags {
	return learn.Tag(l.tax, l.model.Load(), a)
}

// loadModel reads the stored model. None stored, or one of another format
// version, leaves the rules alone until `villi retag` trains one: a stale
// model must not tag, and its absence loses nothing.
func (l *Library) loadModel() error {
	p, err := l.st.Model(modelName)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := learn.Decode(p)
	if errors.Is(err, learn.ErrVersion) {
		return nil
	}
	if err != nil {
		return err
	}
	l.model.Store(m)
	return nil
}

// train fits a new model on every record NLM has indexed and stores it;
// the caller holds writeMu.
func (l *Library) train(ctx context.Context) error {
	set := learn.NewSet(l.tax)
	err := l.st.ForEach(ctx, func(rec store.Record) error {
		set.Add(&rec.Article)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read records to train on: %w", err)
	}
	m, err := set.Train(ctx, l.now())
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := l.st.PutModel(modelName, m.Encode()); err != nil {
		return err
	}
	l.model.Store(m)
	return nil
}

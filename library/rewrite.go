package library

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"villi/learn"
	"villi/pubmed"
	"villi/store"
	"villi/taxonomy"
)

// Reparse decodes every record again from its stored source XML — no network
// needed — and re-tags it, so a parser fix reaches the whole library. Records
// whose result is unchanged are not rewritten. The index follows through the
// store's change log.
func (l *Library) Reparse(ctx context.Context) (changed int, err error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	changed, err = l.st.Rewrite(ctx, func(rec *store.Record, source []byte) (bool, error) {
		a, err := pubmed.Parse(source)
		if err != nil {
			return false, fmt.Errorf("reparse PMID %d: %w", rec.Article.PMID, err)
		}
		tags := l.tag(a)
		if sameJSON(&rec.Article, a) && sameTags(rec.Tags, tags) {
			return false, nil
		}
		rec.Article, rec.Tags = *a, tags
		return true, nil
	})
	if err != nil {
		return changed, l.wrote(err)
	}
	return changed, l.wrote(l.catchUp(ctx))
}

// Retag trains the learned tagger on the records NLM has indexed, then
// applies the current taxonomy table and the model to every stored record.
func (l *Library) Retag(ctx context.Context) (changed int, err error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if err := l.train(ctx); err != nil {
		return 0, l.wrote(err)
	}
	changed, err = l.st.Rewrite(ctx, func(rec *store.Record, _ []byte) (bool, error) {
		tags := l.tag(&rec.Article)
		if sameTags(rec.Tags, tags) {
			return false, nil
		}
		rec.Tags = tags
		return true, nil
	})
	if err != nil {
		return changed, err
	}
	if err := l.st.SetMeta(metaTaxonomyVersion, l.tax.Version()); err != nil {
		return changed, l.wrote(err)
	}
	return changed, l.catchUp(ctx)
}

// metaTaxonomyVersion records which taxonomy table the stored tags come from.
const metaTaxonomyVersion = "taxonomy_version"

// TaxonomyStale reports whether stored tags may come from another taxonomy
// table than the one in use, so the caller can suggest `villi retag`.
func (l *Library) TaxonomyStale() (bool, error) {
	v, err := l.st.Meta(metaTaxonomyVersion)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	n, err := l.st.Count()
	if err != nil {
		return false, err
	}
	return n > 0 && v != l.tax.Version(), nil
}

func (l *Library) catchUp(ctx context.Context) error {
	if _, err := l.ix.Reconcile(ctx, l.st); err != nil {
		return fmt.Errorf("update index: %w", err)
	}
	return nil
}

func sameTags(a, b taxonomy.Tags) bool {
	// Focus and the reasons for provisional tags count: a record stored
	// before either existed has none, and retag must give it them.
	return a.Evidence == b.Evidence && a.Species == b.Species &&
		slices.Equal(a.Conditions, b.Conditions) && slices.Equal(a.Mechanisms, b.Mechanisms) &&
		slices.Equal(a.Focus.Conditions, b.Focus.Conditions) && slices.Equal(a.Focus.Mechanisms, b.Focus.Mechanisms) &&
		slices.Equal(a.Provisional, b.Provisional) && slices.EqualFunc(a.ProvisionalWhy, b.ProvisionalWhy, sameReason)
}

func sameReason(a, b taxonomy.Reason) bool {
	return a.Tag == b.Tag && a.Kind == b.Kind && a.Source == b.Source && a.Phrase == b.Phrase &&
		a.Field == b.Field && a.Probability == b.Probability && slices.Equal(a.Terms, b.Terms) && slices.Equal(a.Signs, b.Signs)
}

func sameJSON(a, b *pubmed.Article) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// Retrain trains the learned tagger again on the records NLM has indexed
// (serve calls it after a crawl that brought enough newly indexed records),
// then tags again the records NLM has not indexed, the only ones whose tags
// the model gives; records whose tags do not change are not rewritten. It
// holds the write lock, as Retag does: ingests wait, searches do not. When
// ctx ends part-way the records rewritten so far stay, and the index is
// brought up to them before Retrain returns.
func (l *Library) Retrain(ctx context.Context) (changed int, err error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if err := l.train(ctx); err != nil {
		return 0, l.wrote(err)
	}
	changed, err = l.st.Rewrite(ctx, func(rec *store.Record, _ []byte) (bool, error) {
		if learn.Indexed(&rec.Article) {
			return false, nil
		}
		tags := l.tag(&rec.Article)
		if sameTags(rec.Tags, tags) {
			return false, nil
		}
		rec.Tags = tags
		return true, nil
	})
	if changed > 0 {
		err = errors.Join(err, l.catchUp(context.WithoutCancel(ctx)))
	}
	return changed, l.wrote(err)
}

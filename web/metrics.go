package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"villi/library"
	"villi/store"
)

// metrics is one server's Prometheus registry: HTTP requests and latencies
// counted here, library and run figures read from the store at scrape time.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(lib *library.Library) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "villi_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "villi_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.latency, newRunsCollector(lib),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts every request by the mux pattern that served it (the mux
// sets r.Pattern on the request it is given, which is this one: the
// middleware in between passes it on unchanged).
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			m.requests.WithLabelValues(route, strconv.Itoa(sw.status())).Inc()
			m.latency.WithLabelValues(route).Observe(since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// runsCollector reads crawl, import and digest run records from the store.
// Its counters sum the runs the store keeps (the newest 1000).
type runsCollector struct {
	lib                                *library.Library
	records, runs, failures, changes   *prometheus.Desc
	requests, retries, failing         *prometheus.Desc
	running, lastEnd, lastSuccess, err *prometheus.Desc
}

func newRunsCollector(lib *library.Library) *runsCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &runsCollector{
		lib:         lib,
		records:     d("villi_records", "Records in the library."),
		runs:        d("villi_runs_total", "Runs recorded, by kind (crawl, import, digest).", "kind"),
		failures:    d("villi_run_failures_total", "Runs that ended with an error, by kind.", "kind"),
		changes:     d("villi_run_records_total", "Records a run added, updated, left unchanged or deleted; for a digest, what it sent.", "kind", "change"),
		requests:    d("villi_run_requests_total", "Requests runs made to PubMed (or the mail server), by kind.", "kind"),
		retries:     d("villi_run_retries_total", "Requests runs retried, by kind.", "kind"),
		failing:     d("villi_run_failing_total", "Saved queries or digest recipients that failed within runs, by kind.", "kind"),
		running:     d("villi_run_in_progress", "1 while a run of the kind is in progress.", "kind"),
		lastEnd:     d("villi_run_last_end_timestamp_seconds", "When the last run of the kind ended.", "kind"),
		lastSuccess: d("villi_run_last_success_timestamp_seconds", "When the last run of the kind ended without error.", "kind"),
		err:         d("villi_metrics_store_errors", "1 when the store could not be read for these metrics."),
	}
}

func (c *runsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.records, c.runs, c.failures, c.changes, c.requests,
		c.retries, c.failing, c.running, c.lastEnd, c.lastSuccess, c.err} {
		ch <- d
	}
}

type runTotals struct {
	runs, failures, requests, retries, failing float64
	added, updated, unchanged, deleted         float64
	running                                    float64
	lastEnd, lastSuccess                       time.Time
}

func (c *runsCollector) Collect(ch chan<- prometheus.Metric) {
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	storeErr := 0.0
	if n, err := c.lib.Count(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.records, gauge, float64(n))
	} else {
		storeErr = 1
	}
	runs, err := c.lib.Runs("", 1000)
	if err != nil {
		storeErr = 1
	}
	ch <- prometheus.MustNewConstMetric(c.err, gauge, storeErr)
	totals := map[store.RunKind]*runTotals{}
	// These kinds are always exported, so their series exist before the first run.
	for _, k := range store.RunKinds() {
		totals[k] = &runTotals{}
	}
	for _, r := range runs {
		t := totals[r.Kind]
		if t == nil {
			t = &runTotals{}
			totals[r.Kind] = t
		}
		t.runs++
		t.requests += float64(r.Requests)
		t.retries += float64(r.Retries)
		t.failing += float64(len(r.Failing))
		t.added += float64(r.Added)
		t.updated += float64(r.Updated)
		t.unchanged += float64(r.Unchanged)
		t.deleted += float64(r.Deleted)
		if r.Running() {
			t.running = 1
			continue
		}
		if r.Err != "" {
			t.failures++
		}
		if r.Ended.After(t.lastEnd) {
			t.lastEnd = r.Ended
		}
		if r.Err == "" && r.Ended.After(t.lastSuccess) {
			t.lastSuccess = r.Ended
		}
	}
	for k, t := range totals {
		kind := string(k)
		ch <- prometheus.MustNewConstMetric(c.runs, counter, t.runs, kind)
		ch <- prometheus.MustNewConstMetric(c.failures, counter, t.failures, kind)
		ch <- prometheus.MustNewConstMetric(c.requests, counter, t.requests, kind)
		ch <- prometheus.MustNewConstMetric(c.retries, counter, t.retries, kind)
		ch <- prometheus.MustNewConstMetric(c.failing, counter, t.failing, kind)
		ch <- prometheus.MustNewConstMetric(c.changes, counter, t.added, kind, "added")
		ch <- prometheus.MustNewConstMetric(c.changes, counter, t.updated, kind, "updated")
		ch <- prometheus.MustNewConstMetric(c.changes, counter, t.unchanged, kind, "unchanged")
		ch <- prometheus.MustNewConstMetric(c.changes, counter, t.deleted, kind, "deleted")
		ch <- prometheus.MustNewConstMetric(c.running, gauge, t.running, kind)
		if !t.lastEnd.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastEnd, gauge, float64(t.lastEnd.Unix()), kind)
		}
		if !t.lastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, gauge, float64(t.lastSuccess.Unix()), kind)
		}
	}
}

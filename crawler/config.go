package crawler

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultBaseURL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
	DefaultTool    = "villi"
	// DefaultBatchSize records per efetch: NCBI asks for "a few hundred".
	DefaultBatchSize = 500
	// DefaultMaxIDs is how many ids of one search PubMed lets a client page
	// through (retstart may not exceed 9998): a window counting more is halved.
	DefaultMaxIDs     = 9999
	DefaultMaxRetries = 5
	DefaultRetryBase  = time.Second
	DefaultRetryMax   = time.Minute
	DefaultTimeout    = 2 * time.Minute
	// DefaultOverlapDays re-searches the last days before a cursor, for
	// records PubMed indexes late with an earlier entrez date.
	DefaultOverlapDays = 3
	// MaxBodySize bounds one response body. colly's default (10 MiB) cuts
	// bodies silently; a body reaching this bound is treated as a failure.
	MaxBodySize = 256 << 20
)

// NCBI's request limits per second, without and with an API key.
const (
	LimitWithoutKey = 3
	LimitWithKey    = 10
)

// DefaultStart is the first entrez day a query never crawled starts from:
// before any PubMed record.
var defaultStart = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)

// Config configures a Crawler. The zero value of a field means its default.
type Config struct {
	BaseURL string // E-utilities base, e.g. DefaultBaseURL or a fake's URL
	APIKey  string // NCBI API key; never logged
	Email   string // contact address NCBI asks every client to send
	Tool    string // tool name sent to NCBI

	BatchSize  int           // records per efetch
	MaxIDs     int           // ids one search can page through
	MaxRetries int           // retries of one request before its call fails
	RetryBase  time.Duration // first backoff; doubled each retry, with jitter
	RetryMax   time.Duration // backoff cap
	Timeout    time.Duration // one HTTP request, body included

	// Rate is requests per second; 0 means NCBI's limit (LimitWithoutKey,
	// or LimitWithKey when APIKey is set). Tests against a local fake may
	// go faster; never set it above NCBI's limit for NCBI.
	Rate float64

	OverlapDays int       // days re-searched before a cursor; negative means none
	Start       time.Time // first entrez day of a query never crawled

	// Queries are the saved queries a run crawls; nil means DefaultQueries.
	Queries []Query

	Now    func() time.Time // "today"; nil means time.Now
	Logger *slog.Logger     // retries and notes; nil discards
}

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("e-utilities base URL %q: want an http(s) URL such as %s", c.BaseURL, DefaultBaseURL)
	}
	if !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	if c.Tool == "" {
		c.Tool = DefaultTool
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchSize < 1 || c.BatchSize > 10000 {
		return c, fmt.Errorf("batch size %d: want 1 to 10000 records per efetch", c.BatchSize)
	}
	if c.MaxIDs == 0 {
		c.MaxIDs = DefaultMaxIDs
	}
	if c.MaxIDs < 1 {
		return c, fmt.Errorf("max ids %d: want at least 1", c.MaxIDs)
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Rate == 0 {
		c.Rate = ncbiLimit(c.APIKey)
	}
	if c.Rate < 0 {
		return c, errors.New("request rate must be positive")
	}
	if c.OverlapDays == 0 {
		c.OverlapDays = DefaultOverlapDays
	}
	if c.OverlapDays < 0 {
		c.OverlapDays = 0
	}
	if c.Start.IsZero() {
		c.Start = defaultStart
	}
	c.Start = day(c.Start)
	if c.Queries == nil {
		c.Queries = DefaultQueries()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}

// ncbiLimit is NCBI's request limit per second for a client with or without a key.
func ncbiLimit(apiKey string) float64 {
	if apiKey != "" {
		return LimitWithKey
	}
	return LimitWithoutKey
}

// day is t's calendar day (in t's zone) as midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

package web

import (
	"cmp"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"villi/account"
	"villi/collection"
	"villi/crawler"
	"villi/digest"
	"villi/library"
	"villi/ratelimit"
	"villi/taxonomy"
)

// Options configure New.
type Options struct {
	// Library is the open data directory to serve; required.
	Library *library.Library
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
	// BaseURL is the absolute URL the site is reached at (VILLI_BASE_URL),
	// used for links that leave the page: Atom feeds. Empty means the
	// request's own host over http.
	BaseURL string
	// Public lets anyone read (search, articles, exports) without logging
	// in; writing always needs a login. Ignored when Accounts is given.
	Public bool
	// Accounts manages logins; nil means one over the library's store with
	// BaseURL, Public and account's defaults. Pass one to set throttles,
	// bcrypt cost or a proxy's client address.
	Accounts *account.Service
	// NextCrawl, when set, tells the status page and /api/v1/status when the
	// scheduler starts its next crawl (zero: none scheduled).
	NextCrawl func() time.Time
	// HomeCacheTTL is how long the home page's evidence map and lists are
	// reused while the library keeps changing (a crawl in progress); 0 means
	// one minute. An unchanged library reuses them indefinitely.
	HomeCacheTTL time.Duration
	// Digest runs the weekly digest subscriptions behind the sign-up,
	// confirm, manage and unsubscribe pages and the admin page's subscriber
	// list; nil means digests are not configured: those pages say so and
	// the admin page leaves the subscribers out.
	Digest *digest.Service
	// Queries are the saved crawl queries the admin page lists with their
	// cursors; nil means crawler.DefaultQueries.
	Queries []crawler.Query
	// Crawler fetches a PMID the library does not hold when a logged-in
	// user asks on its article page. Serve passes its own, so on-demand
	// fetches share the crawl's NCBI rate limit; nil offers PubMed's link only.
	Crawler *crawler.Crawler
	// FetchTimeout bounds one on-demand fetch, retries included; 0 means 45 s.
	FetchTimeout time.Duration
	// ClientIP names the client of a request for the sign-up throttle; nil
	// means the connection's address (IPv6 cut to /64). Behind a reverse
	// proxy, pass a function that reads the proxy's header.
	ClientIP func(*http.Request) string
	// MetricsToken (VILLI_METRICS_TOKEN), when set, is the bearer token a
	// scraper must send for /metrics. Unset, /metrics is open on a public
	// library and answers only loopback clients on a private one: its
	// record and run counts are the library's business.
	MetricsToken string
	// PracticeName (VILLI_PRACTICE_NAME) names the practice on the handouts
	// of users who have not set their own.
	PracticeName string
}

// server holds what the handlers share. It is immutable after New except for
// the home cache and the metrics, which guard themselves.
type server struct {
	lib          *library.Library
	tax          *taxonomy.Taxonomy
	log          *slog.Logger
	base         *url.URL
	nextCrawl    func() time.Time
	accounts     *account.Service
	colls        *collection.Service
	digest       *digest.Service
	queries      []crawler.Query
	clientIP     func(*http.Request) string
	metricsToken string
	practice     string
	signUps      *ratelimit.Limiter
	shareOpens   *ratelimit.Limiter
	crawl        *crawler.Crawler
	fetches      *ratelimit.Limiter // per user
	fetchTimeout time.Duration

	pages   *pages
	static  *staticFiles
	metrics *metrics
	// homeTTL is how long the evidence map may be reused while the library
	// keeps changing (library.EvidenceMap).
	homeTTL time.Duration
	// hist is every browser session's search history (history.go).
	hist *histories
}

// New returns the handler serving villi's pages, API, health and metrics
// endpoints. Templates are parsed here, so a broken template is an error at
// start-up, not a 500 later.
func New(opts Options) (http.Handler, error) {
	if opts.Library == nil {
		return nil, errors.New("web: Options.Library is required")
	}
	s := &server{
		lib:          opts.Library,
		tax:          opts.Library.Taxonomy(),
		log:          opts.Logger,
		nextCrawl:    opts.NextCrawl,
		digest:       opts.Digest,
		queries:      opts.Queries,
		clientIP:     opts.ClientIP,
		metricsToken: opts.MetricsToken,
		practice:     strings.Join(strings.Fields(opts.PracticeName), " "),
		signUps:      ratelimit.New(signUpEvery, signUpBurst, signUpMaxTracked),
		shareOpens:   ratelimit.New(shareEvery, shareBurst, shareMaxTracked),
		crawl:        opts.Crawler,
		fetches:      ratelimit.New(fetchEvery, fetchBurst, fetchMaxTracked),
		fetchTimeout: cmp.Or(opts.FetchTimeout, defaultFetchTimeout),
	}
	if s.queries == nil {
		s.queries = crawler.DefaultQueries()
	}
	if s.clientIP == nil {
		s.clientIP = ratelimit.ClientKey
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tax == nil {
		s.tax = taxonomy.Default()
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("web: base URL %q: want an absolute http(s) URL such as https://villi.example.org", opts.BaseURL)
		}
		s.base = u
	}
	s.accounts = opts.Accounts
	if s.accounts == nil {
		var err error
		s.accounts, err = account.New(s.lib.DB(), account.Config{BaseURL: opts.BaseURL, Public: opts.Public})
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
	}
	s.colls = collection.New(s.lib.DB())
	staticFS, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	if s.static, err = newStaticFiles(staticFS); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.static); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s.lib)
	s.hist = newHistories(historyBytes, historyIdle)
	s.homeTTL = opts.HomeCacheTTL
	if s.homeTTL <= 0 {
		s.homeTTL = time.Minute
	}

	mux := &routeMux{ServeMux: http.NewServeMux()}
	s.routes(mux)
	return routedHandler{Handler: s.middleware(mux), patterns: mux.patterns}, nil
}

// routeMux is a ServeMux that remembers every pattern registered on it, so
// that a test can walk all routes and a new one cannot escape its checks.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// routedHandler is what New returns: the whole site, carrying the patterns
// of its routes for the tests that check every route.
type routedHandler struct {
	http.Handler
	patterns []string
}

// routes registers every route with its guard: read (public or login-only,
// VILLI_PUBLIC), write (login always), admin (administrators) or open
// (anyone; the user, if any, is loaded for the header). Guards wrap each handler, not the mux, so the
// request the mux matched keeps its Pattern for the metrics.
func (s *server) routes(mux *routeMux) {
	read := func(h http.HandlerFunc) http.Handler { return s.accounts.RequireRead(h) }
	write := func(h http.HandlerFunc) http.Handler { return s.accounts.RequireLogin(h) }
	open := func(h http.HandlerFunc) http.Handler { return s.accounts.Sessions(h) }
	admin := func(h http.HandlerFunc) http.Handler { return s.accounts.RequireLogin(s.requireAdmin(h)) }

	// HTML pages.
	mux.Handle("GET /{$}", read(s.handleHome))
	mux.Handle("GET /search", read(s.handleSearch))
	mux.Handle("GET /search.atom", read(s.handleAtom))
	mux.Handle("GET /articles/{pmid}", read(s.handleArticle))
	mux.Handle("GET /static/{file...}", s.static)
	mux.Handle("GET /", open(s.handleNotFound))

	// Logins.
	mux.Handle("GET /login", open(s.handleLoginForm))
	mux.Handle("POST /login", open(s.handleLogin))
	mux.Handle("POST /logout", open(s.handleLogout))

	// Collections: a user's own, so every route needs a login.
	mux.Handle("GET /collections", write(s.handleCollections))
	mux.Handle("POST /collections", write(s.handleCreateCollection))
	mux.Handle("GET /collections/{id}", write(s.handleCollection))
	mux.Handle("GET /collections/{id}/print", write(s.handleCollectionPrint))
	mux.Handle("GET /collections/{id}/export", write(s.handleCollectionExport))
	mux.Handle("POST /collections/{id}/rename", write(s.handleRenameCollection))
	mux.Handle("POST /collections/{id}/delete", write(s.handleDeleteCollection))
	mux.Handle("POST /collections/{id}/items/{pmid}/note", write(s.handleSetNote))
	mux.Handle("POST /collections/{id}/items/{pmid}/move", write(s.handleMoveItem))
	mux.Handle("POST /collections/{id}/items/{pmid}/remove", write(s.handleRemoveItem))
	mux.Handle("POST /articles/{pmid}/collect", write(s.handleCollect))
	mux.Handle("POST /articles/{pmid}/fetch", write(s.handleFetch))
	mux.Handle("POST /collections/{id}/share", write(s.handleShare))
	mux.Handle("POST /collections/{id}/share/revoke", write(s.handleUnshare))
	mux.Handle("POST /collections/collect", write(s.handleCollectMany))
	mux.Handle("POST /collections/{id}/duplicate", write(s.handleDuplicateCollection))
	mux.Handle("GET /collections/{id}/pdf", write(s.handleCollectionPDF))
	mux.Handle("POST /collections/{id}/handout", write(s.handleSetHandout))
	mux.Handle("POST /collections/practice", write(s.handleSetPractice))

	// Share links: the token in the URL is the whole authority, for one
	// collection's handout and its print view, read-only, without a login.
	mux.Handle("GET /s/{token}", s.sharedPage(s.handleShared))
	mux.Handle("GET /s/{token}/print", s.sharedPage(s.handleSharedPrint))
	mux.Handle("GET /s/{token}/pdf", s.sharedPage(s.handleSharedPDF))

	// Weekly digest. Signing up follows the read rule; the links in mails
	// carry signed tokens, which are what authorise them, so a subscriber
	// without a login can always confirm, manage and unsubscribe.
	mux.Handle("GET /subscribe", read(s.handleSubscribeForm))
	mux.Handle("POST /subscribe", read(s.handleSubscribe))
	mux.Handle("GET "+digest.PathConfirm, open(s.handleConfirmForm))
	mux.Handle("POST "+digest.PathConfirm, open(s.handleConfirm))
	mux.Handle("GET "+digest.PathManage, open(s.handleManageForm))
	mux.Handle("POST "+digest.PathManage, open(s.handleManage))
	mux.Handle("GET "+digest.PathUnsubscribe, open(s.handleUnsubscribeForm))
	mux.Handle("POST "+digest.PathUnsubscribe, open(s.handleUnsubscribe))

	// Administration.
	mux.Handle("GET /admin", admin(s.handleAdmin))
	mux.Handle("POST "+pathAdminImport, admin(s.handleImport))
	mux.Handle("POST "+pathAdminRetractions, admin(s.handleRetractions))
	mux.Handle("GET "+digest.PathPreview, admin(s.handlePreview))
	mux.Handle("GET "+pathPreviewMail, admin(s.handlePreviewMail))

	// JSON API v1.
	mux.Handle("GET /api/v1/search", read(s.apiSearch))
	mux.Handle("GET /api/v1/history", read(s.apiHistory))
	mux.Handle("GET /api/v1/articles/{pmid}", read(s.apiArticle))
	mux.Handle("GET /api/v1/articles/{pmid}/cite", read(s.apiCite))
	mux.Handle("GET /api/v1/export", read(s.apiExport))
	mux.Handle("GET /api/v1/status", read(s.apiStatus))
	mux.HandleFunc("GET /api/", s.apiNotFound)
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		mux.HandleFunc(m+" /api/", s.apiMethodNotAllowed)
	}

	// Operations: for probes and scrapers, without a login.
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", s.metricsGuard(s.metrics.handler()))
}

// metricsGuard lets a scraper read /metrics: with the bearer token when
// one is set; else anyone on a public library, loopback clients on a
// private one.
func (s *server) metricsGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ok bool
		switch {
		case s.metricsToken != "":
			got, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			ok = found && subtle.ConstantTimeCompare([]byte(got), []byte(s.metricsToken)) == 1
		case s.accounts.Public():
			ok = true
		default:
			ok = isLoopback(r.RemoteAddr)
		}
		if !ok {
			msg := "this library is private: /metrics answers requests from this machine only, or with the bearer token of VILLI_METRICS_TOKEN"
			if s.metricsToken != "" {
				msg = "send the bearer token of VILLI_METRICS_TOKEN (Authorization: Bearer ...) to read /metrics"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="villi metrics"`)
			http.Error(w, msg, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isLoopback reports whether a request's remote address is this machine.
func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// handleHealth answers 200 while the store and index both answer. A
// degraded library (a full disk) still answers 200, "degraded: WHY": it
// serves every page and search, and a load balancer that took it out would
// turn a warning into an outage.
func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	err := s.lib.Check()
	if errors.Is(err, library.ErrDegraded) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, err.Error())
		return
	}
	if err != nil {
		s.log.Error("health check", "err", err)
		what, _, _ := strings.Cut(err.Error(), ":") // "store" or "index"
		http.Error(w, what+" unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

// absURL turns a site path into an absolute URL: under BaseURL, or else
// under the address the request's connection was accepted on.
func (s *server) absURL(r *http.Request, path string) string {
	if s.base != nil {
		return s.base.String() + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// Never the request's Host header: anyone can send any Host, and these
	// links go into feeds and API answers that others cache and follow. The
	// address the connection reached is the one villi listens on.
	host := "localhost"
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host = a.String()
	}
	return scheme + "://" + host + path
}

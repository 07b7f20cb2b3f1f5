// Package control is the local control socket of a running `villi serve`:
// the maintenance commands that must work on a live library (backup, user
// add, passwd, list, remove, and fetch from PubMed) reach the serve process
// through it, because
// serve holds the data directory's lock for as long as it runs.
//
// Serve listens on DATA/villi.sock, a Unix socket only its owner may
// connect to, and speaks a tiny HTTP/JSON protocol over it; the CLI is the
// client. The operations themselves are Service's few calls into library,
// account and collection, the same whether the CLI opened the library
// itself or serve runs them for it. It must not hold maintenance logic of
// its own, and must never log or echo a password it carries.
package control

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"villi/account"
	"villi/collection"
	"villi/crawler"
	"villi/library"
	"villi/store"
)

// SocketName is the control socket's name inside the data directory.
const SocketName = "villi.sock"

// SocketPath returns the control socket of data directory dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

// ErrNotRunning is returned by Dial when no serve answers on the data
// directory's socket: none is there, or it was left by a killed serve.
var ErrNotRunning = errors.New("no villi serve is running on this data directory")

// User is a login as the user commands list it.
type User struct {
	Email       string    `json:"email"`
	Admin       bool      `json:"admin"`
	Created     time.Time `json:"created"`
	Collections int       `json:"collections"` // collections the user owns
}

// Service runs the maintenance operations on an open library.
type Service struct {
	lib      *library.Library
	accounts *account.Service
	colls    *collection.Service
	crawl    *crawler.Crawler
}

// NewService returns the operations on lib, managing logins with accounts.
func NewService(lib *library.Library, accounts *account.Service) *Service {
	return &Service{lib: lib, accounts: accounts, colls: collection.New(lib.DB())}
}

// WithCrawler lets the service fetch records on demand through c (serve
// passes its own crawler, so fetches share the crawl's rate limit).
func (s *Service) WithCrawler(c *crawler.Crawler) *Service {
	s.crawl = c
	return s
}

// ErrNoCrawler is returned by Fetch on a service without a crawler.
var ErrNoCrawler = errors.New("this villi cannot fetch from PubMed: no crawler is configured")

// Fetch adds the records ids name (PMIDs or DOIs) from PubMed
// (crawler.Fetch); what became of each is in the report.
func (s *Service) Fetch(ctx context.Context, ids []string) (crawler.FetchReport, error) {
	if s.crawl == nil {
		return crawler.FetchReport{}, ErrNoCrawler
	}
	return s.crawl.Fetch(ctx, ids)
}

// Backup writes a consistent copy of the store to path (library.Backup).
func (s *Service) Backup(ctx context.Context, path string) (int64, error) {
	return s.lib.Backup(ctx, path)
}

// AddUser creates a login; an existing one is an error wrapping
// store.ErrExists.
func (s *Service) AddUser(ctx context.Context, email, password string, admin bool) (User, error) {
	u, err := s.accounts.AddUser(ctx, email, password, admin)
	if err != nil {
		return User{}, err
	}
	return User{Email: u.Email, Admin: u.Admin, Created: u.Created}, nil
}

// SetPassword gives a login a new password and ends its sessions.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	return s.accounts.SetPassword(ctx, email, password)
}

// RemoveUser deletes a login and its sessions, and returns how many of its
// collections stay.
func (s *Service) RemoveUser(ctx context.Context, email string) (kept int, err error) {
	email = store.NormalizeEmail(email)
	if err := s.accounts.RemoveUser(ctx, email); err != nil {
		return 0, err
	}
	cs, err := s.colls.List(ctx, store.User{Email: email})
	if err != nil {
		return 0, fmt.Errorf("count the collections of %s: %w", email, err)
	}
	return len(cs), nil
}

// Users lists every login, ordered by email, with its collection count.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	users, err := s.accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(users))
	for _, u := range users {
		cs, err := s.colls.List(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, User{Email: u.Email, Admin: u.Admin, Created: u.Created, Collections: len(cs)})
	}
	return out, nil
}

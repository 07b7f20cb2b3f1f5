// Package redact removes configured secrets — the NCBI API key, the SMTP
// password, the signing secret, any user:password in a configured URL —
// from text before it is logged, stored or shown. NCBI's 429 answer echoes
// the API key, and Go's URL errors echo the URL with its credentials, so
// secrets reach error text that nobody wrote on purpose: redaction happens
// where text leaves the process (the log and output writers, the store's
// run and send-log errors), not where it is made.
//
// It must not know where the secrets come from: callers pass values.
package redact

import (
	"io"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces every secret.
const Mask = "[redacted]"

// Redactor replaces a fixed set of secrets. The zero value and nil redact
// nothing.
type Redactor struct {
	r *strings.Replacer
}

// New returns a Redactor for secrets; empty values are ignored. Each secret
// is also redacted in its URL-escaped forms, as it appears in a query
// string or a URL's user info.
func New(secrets ...string) *Redactor {
	var all []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		all = append(all, s, url.QueryEscape(s), url.PathEscape(s))
	}
	if len(all) == 0 {
		return &Redactor{}
	}
	// Longest first, so a secret that contains another is masked whole.
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	all = slices.Compact(all)
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Mask)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// URLSecrets returns the credentials a URL carries — its password, and its
// user name too when there is no password (a token in the user slot) — or
// nil. An unparsable URL yields nothing: there is no user info to find.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	if pw, ok := u.User.Password(); ok {
		return []string{pw}
	}
	return []string{u.User.Username()}
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Strings masks every element of ss in place and returns it.
func (r *Redactor) Strings(ss []string) []string {
	for i := range ss {
		ss[i] = r.String(ss[i])
	}
	return ss
}

// Writer returns a writer that masks secrets in each Write before passing
// it on. Log handlers and fmt write whole lines or messages at once, so a
// secret is never split across two writes.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil || r.r == nil {
		return w
	}
	return &writer{r: r.r, w: w}
}

type writer struct {
	r *strings.Replacer
	w io.Writer
}

// Write reports len(p) on success: the caller wrote p, whatever the mask
// made of its length.
func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.r.WriteString(w.w, string(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fd is the wrapped writer's file descriptor, so that a terminal check on
// the masked writer sees the terminal behind it; an invalid descriptor
// when the wrapped writer is no file.
func (w *writer) Fd() uintptr {
	if f, ok := w.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

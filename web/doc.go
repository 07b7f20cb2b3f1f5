// Package web serves villi's HTML pages and JSON API: routes, thin
// handlers, html/template templates and the static CSS and JavaScript, all
// embedded in the binary and parsed once at start-up.
//
// Every handler parses and validates its input, makes one call into library,
// cite, digest, account or the store, and renders the answer. Bad input gets a 4xx with a
// message a person understands (JSON under /api/, a page elsewhere), never a
// 500. Every response carries strict security headers (a CSP without
// unsafe-inline, nosniff, frame-ancestors 'none', a Referrer-Policy), state
// changing requests pass http.CrossOriginProtection, and request bodies,
// query strings and parameter counts are bounded. Two exceptions, each
// narrow: the RFC 8058 one-click unsubscribe POST bypasses cross-origin
// protection (its signed token, not a cookie, authorises it), and the digest
// preview's mail frame is a sandboxed, script-less document allowed the
// mail's inline styles. Share links (/s/{token}) are read without a login
// or session, so they answer noindex, no-referrer and private no-store,
// and are throttled per client.
//
// It must not hold business logic: searching, tagging, citing and storing
// belong to library, taxonomy, cite and store.
package web

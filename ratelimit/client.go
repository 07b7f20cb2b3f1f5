package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
)

// ClientKey names a request's client by its connection's address, with an
// IPv6 address cut to its /64, which one client usually holds whole. It is
// the default key of the per-address limits; behind a reverse proxy the
// caller reads the proxy's header instead.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

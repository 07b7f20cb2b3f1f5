package account

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// newRequest is a request from the client address ip.
func newRequest(method, target, ip string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = net.JoinHostPort(ip, "40000")
	return r
}

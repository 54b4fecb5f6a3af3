package payment

import (
	"net"
	"net/http"
	"time"
)

// NewHTTPClient returns the HTTP client a provider's SDK calls its service
// with when none is given: a 10 s limit on each call, and up to 64 idle
// connections kept to each host, so that a busy server's concurrent
// checkouts reuse their connections (and TLS sessions) rather than open one
// each, as Go's default transport, keeping 2, would.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// Package model turns admitted routes and their endpoints into what HAProxy
// must serve, as plain data: backends with weighted servers, the entries of
// the routing maps, and certificate files. It does no I/O and knows nothing
// about HAProxy's syntax; render does.
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// Mode is a backend's proxy mode.
type Mode string

// The two modes: terminated HTTP, and passthrough TCP.
const (
	ModeHTTP Mode = "http"
	ModeTCP  Mode = "tcp"
)

// The routing maps. Keys are "<host><path>" (exact and prefix maps, the
// prefix map matched longest-first) or an SNI host (passthrough). A
// wildcard route's keys start with ".<domain>", which no real host does.
const (
	MapHTTPExact   = "http_exact.map"
	MapHTTPPrefix  = "http_prefix.map"
	MapHTTPSExact  = "https_exact.map"
	MapHTTPSPrefix = "https_prefix.map"
	MapPassthrough = "passthrough.map"
	// MapHosts holds every host some route serves or holds unserved (a
	// wildcard route's as ".<domain>"), each with the value HostValue, and
	// only while a route
	// is the default backend: that one answers requests for hosts no route
	// serves, never a served host's unmatched paths. Those are another
	// namespace's, whose requests (decrypted, with their cookies and
	// credentials) must not reach the default backend's pods.
	MapHosts = "hosts.map"
	// MapSecureSpares holds the spares (by name, with the value HostValue)
	// that routes served over TLS only hold: a spare's cookie line cannot
	// change at runtime, so its stickiness cookie gets Secure and
	// SameSite=None from a response rule that reads this map, as the
	// route's own backend would give them.
	MapSecureSpares = "secure_spares.map"
)

// MapNames lists the maps in a fixed order.
var MapNames = []string{MapHTTPExact, MapHTTPPrefix, MapHTTPSExact, MapHTTPSPrefix, MapPassthrough, MapHosts, MapSecureSpares}

// HostValue is the value of every MapHosts entry.
const HostValue = "1"

// RedirectValue in an HTTP map sends the request to HTTPS instead of a backend.
const RedirectValue = "_redirect"

// Model is everything the router serves.
type Model struct {
	// Backends are sorted by name.
	Backends []*Backend
	// Maps holds each map's entries, sorted by key.
	Maps map[string][]Entry
	// Certs are the route certificates, in the order SNI should prefer them.
	Certs []Cert
	// DefaultBackend answers requests for hosts no route serves; empty
	// means 404, as do a served host's unmatched paths.
	DefaultBackend string
	// CookieName is the stickiness cookie of routes without cookie_name
	// (ROUTER_COOKIE_NAME); empty: a hash of each route.
	CookieName string
}

// Entry is one line of a map.
type Entry struct {
	Key, Value string
}

// Backend serves one route.
type Backend struct {
	Name  string
	Route types.NamespacedName
	Mode  Mode
	// Balance is the HAProxy balance algorithm.
	Balance string
	// Servers are the ready endpoints with their weights, sorted.
	Servers []Server
	// Slots are the server lines HAProxy is configured with: Servers in
	// stable positions, and slots they left empty until a reload (Compact).
	// HAProxy adds servers at runtime, up to Capacity.
	Slots []Slot
	// Capacity is how many servers the backend may have without a reload
	// (AssignSlots sets it).
	Capacity int
	// Reencrypt is set for reencrypt routes.
	Reencrypt *Reencrypt
	// H2C is set when a server speaks cleartext HTTP/2 (Line.H2C), which
	// a spare's servers do not.
	H2C bool
	// RequestHeaders and ResponseHeaders are the route's header actions.
	RequestHeaders, ResponseHeaders []HeaderAction
	// TimeoutServer, TimeoutTunnel and CheckInterval replace the router's
	// when set (the route's annotations); zero keeps the router's.
	TimeoutServer, TimeoutTunnel, CheckInterval time.Duration
	// MaxConn caps each server's concurrent connections; 0 is no cap.
	MaxConn int
	// HSTS is the Strict-Transport-Security value sent over TLS, if any.
	HSTS string
	// AllowList, when set, restricts the clients that may reach the backend.
	AllowList *AllowList
	// Rewrite, when set, replaces the route's path in request paths.
	Rewrite *Rewrite
	// Cookie, when set, keeps a client on the endpoint that answered it
	// first (OKD's default for HTTP routes).
	Cookie *Cookie
	// RateLimit, when set, limits each client address (the route's
	// rate-limit-connections annotations).
	RateLimit *admission.RateLimit
	// Forwarded, when set, is the route's own forwarded-header policy.
	Forwarded config.ForwardedPolicy
	// H1AdjustCase writes the request header names the router lists in
	// its case (ROUTER_H1_CASE_ADJUST) to the pods.
	H1AdjustCase bool
}

// CheckEvery is how often the backend's servers are health-checked: the
// route's own interval, else the router's; 0 is never.
func (b *Backend) CheckEvery(router time.Duration) time.Duration {
	if b.CheckInterval > 0 {
		return b.CheckInterval
	}
	return router
}

// HealthChecked reports whether the backend's servers are to be checked
// now: as on OKD, only when more than one takes requests (weight 0 takes
// none). A lone server has no other to take its requests, so checking it
// would only cost connections (two thousand a second for ten thousand
// one-pod routes).
func (b *Backend) HealthChecked(router time.Duration) bool {
	if b.CheckEvery(router) == 0 {
		return false
	}
	serving := 0
	for _, s := range b.Servers {
		if s.Weight > 0 {
			serving++
		}
	}
	return serving > 1
}

// Cookie is a stickiness cookie the router inserts. Its value is a hash of
// the endpoint's address, alike in every router, so that a client keeps
// its endpoint whichever router replica it reaches.
type Cookie struct {
	Name string
	// Secure is set on routes served over TLS only.
	Secure bool
	// SameSite is Lax, Strict, None or "" (no attribute).
	SameSite string
}

// defaultCookieName is the cookie name of a route without cookie_name:
// the router's, if it has one, as OKD's.
func defaultCookieName(router string, route types.NamespacedName) string {
	if router != "" {
		return router
	}
	return RouteCookieName(route)
}

// RouteCookieName is the default cookie name of a route: a hash of its
// namespace and name, as OKD's (which reveals neither).
func RouteCookieName(route types.NamespacedName) string {
	sum := sha256.Sum256([]byte(route.Namespace + ":" + route.Name))
	return hex.EncodeToString(sum[:16])
}

// Rewrite replaces From, the route's path without a final "/" ("" for a
// route of every path), at the start of the request path with To. The
// rest of the path follows To; when To ends with "/", without its own
// leading "/". So with From "/foo": To "/" sends /foo/bar as /bar, To
// "/baz" sends /foo as /baz and /foo/bar as /baz/bar.
type Rewrite struct {
	From, To string
}

// AllowList is a file of client prefixes, one per line; an empty list
// admits nobody.
type AllowList struct {
	// File is relative to the config directory.
	File     string
	Prefixes []string
}

// Server is one endpoint of a backend.
type Server struct {
	Addr   string
	Port   int32
	Weight int
	Line
}

// Line is what a server line says beyond the backend's options that no
// runtime command changes: a slot takes only a server that needs the
// same.
type Line struct {
	// VerifyHost, when set, is the name the server's certificate must
	// carry, also sent as SNI: <service>.<namespace>.svc of the Service
	// the endpoint belongs to (Reencrypt.ServiceCA).
	VerifyHost string
	// H2C speaks cleartext HTTP/2 to the server: its Service port's
	// appProtocol says so. Per server, as a route's Services may differ.
	H2C bool
}

// Key identifies a server across models.
func (s Server) Key() string { return net.JoinHostPort(s.Addr, strconv.Itoa(int(s.Port))) }

// Slot is one server line; an empty slot has no Server.
type Slot struct {
	Name   string
	Server *Server
	// Line is what the slot's server line says: only a server with the
	// same Line may take the slot.
	Line
}

// Reencrypt says how the router verifies a reencrypt backend.
type Reencrypt struct {
	// CAFile is the PEM bundle to verify against, relative to the config
	// directory (a route's destinationCACertificate), or an absolute path
	// (the default destination CA), or "@system-ca".
	CAFile string
	// CA is the content of CAFile when the route supplied it.
	CA []byte
	// ServiceHost is set when CAFile is the default destination CA (the
	// service CA): the name the route's own Service's certificates carry,
	// which its empty slots check. Each server checks its own Service's
	// (Server.VerifyHost): a route's alternate backends are other Services.
	ServiceHost string
	// ALPN offers h2 to the backend.
	ALPN bool
}

// HeaderAction sets or deletes one header. Value is already validated
// against the route API's grammar; render quotes it.
type HeaderAction = config.HeaderAction

// Cert is a route certificate file and the SNI names it serves.
type Cert struct {
	// File is relative to the config directory.
	File string
	PEM  []byte
	// SNI is the host, or "*.<domain>" for a wildcard route.
	SNI string
	// Exclude, on a wildcard route's certificate, are the hosts under it
	// with certificates of their own (see excludeExactHosts).
	Exclude []string
	// Route is the route the certificate belongs to, to blame it when
	// HAProxy refuses the certificate.
	Route types.NamespacedName
}

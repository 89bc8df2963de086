// Package config holds the router's settings and reads them from the
// ROUTER_* environment contract that OKD's ingress operator (and ours) sets
// on router pods, so a router Deployment written for OKD configures ours.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// ForwardedPolicy says what the router does with X-Forwarded-* and Forwarded headers.
type ForwardedPolicy string

// The ROUTER_SET_FORWARDED_HEADERS values.
const (
	ForwardedAppend  ForwardedPolicy = "append"
	ForwardedReplace ForwardedPolicy = "replace"
	ForwardedIfNone  ForwardedPolicy = "if-none"
	ForwardedNever   ForwardedPolicy = "never"
)

// IPMode is the address families HAProxy listens on (ROUTER_IP_V4_V6_MODE).
type IPMode string

// The ROUTER_IP_V4_V6_MODE values, OKD's.
const (
	IPv4   IPMode = "v4"
	IPv6   IPMode = "v6"
	IPDual IPMode = "v4v6"
)

// Config is everything a router process needs to know besides the cluster.
type Config struct {
	// RouterName is written into Route status (ROUTER_SERVICE_NAME).
	RouterName string
	// Namespace is the router's own namespace (ROUTER_SERVICE_NAMESPACE),
	// where its status-writer Lease lives.
	Namespace string
	// CanonicalHostname is written into Route status (ROUTER_CANONICAL_HOSTNAME).
	CanonicalHostname string
	// Domain completes routes that set spec.subdomain (ROUTER_DOMAIN).
	Domain string

	// BindAddress is the address HAProxy listens on for HTTP and HTTPS; empty means all
	// the addresses of the families IPMode names.
	BindAddress string
	IPMode      IPMode
	HTTPPort    int
	HTTPSPort   int
	// StatsAddress is where /healthz, /healthz/ready and /metrics are served.
	StatsAddress string
	// StatsUsername and StatsPassword, when set, let a client with them
	// read /metrics (basic auth, OKD's STATS_USERNAME and STATS_PASSWORD,
	// or their _FILE variants); any other needs a bearer token the API
	// server lets get routers/metrics.
	StatsUsername, StatsPassword string
	// MetricsTLS, when set, names the certificate and key files (PEM) the
	// stats port also serves HTTPS with, beside plain HTTP for the
	// kubelet's probes (ROUTER_METRICS_TLS_CERT_FILE and _KEY_FILE).
	MetricsTLS *MetricsTLS

	// RouteSelector and NamespaceSelector shard routes (ROUTE_LABELS, NAMESPACE_LABELS).
	RouteSelector     labels.Selector
	NamespaceSelector labels.Selector

	// InterNamespaceAllowed lets routes in different namespaces share a host
	// on different paths (ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK).
	InterNamespaceAllowed bool
	// AllowWildcards admits wildcardPolicy: Subdomain routes (ROUTER_ALLOW_WILDCARD_ROUTES).
	AllowWildcards bool
	// AllowedDomains, when not empty, are the only domains whose hosts the
	// router serves (ROUTER_ALLOWED_DOMAINS); it serves no host of
	// DeniedDomains (ROUTER_DENIED_DOMAINS), whatever AllowedDomains say.
	// Lower case; a domain holds itself and every name below it.
	AllowedDomains, DeniedDomains []string
	// ExtendedValidation checks route certificates before admission (EXTENDED_VALIDATION).
	ExtendedValidation bool
	// UpdateStatus writes Route status (ROUTER_UPDATE_STATUS).
	UpdateStatus bool

	// DefaultCertificate is a PEM file with certificate and key, served for
	// unknown SNI and edge routes without a certificate. Empty: the router
	// generates a self-signed one for *.<Domain>.
	DefaultCertificate string
	// DefaultDestinationCA verifies reencrypt backends of routes without
	// destinationCACertificate (DEFAULT_DESTINATION_CA_PATH), and
	// DefaultDestinationCABundle is what that file held at start: the
	// router serves its own copy, so that a bundle spoiled in the mounted
	// file later (the kubelet updates it in running pods) never reaches
	// HAProxy.
	DefaultDestinationCA       string
	DefaultDestinationCABundle []byte

	// HAProxy and its files.
	HAProxyBinary string
	ConfigDir     string
	RunDir        string

	Threads          int
	MaxConnections   int
	ForwardedHeaders ForwardedPolicy
	DisableHTTP2     bool
	ProxyProtocol    bool
	// IdleCloseOnResponse lets a worker that stops after a reload answer
	// one more request on each idle keep-alive connection (with
	// Connection: close) instead of closing it under a client that may be
	// sending (ROUTER_IDLE_CLOSE_ON_RESPONSE; the IngressController's
	// idleConnectionTerminationPolicy: Deferred).
	IdleCloseOnResponse bool
	// IgnoreProbes closes connections that send no request without an
	// answer or a log line (ROUTER_HTTP_IGNORE_PROBES; the
	// IngressController's httpEmptyRequestsPolicy: Ignore): load balancers'
	// TCP probes and browsers' pre-connections are no errors.
	IgnoreProbes bool
	// CompressionTypes are the response Content-Types the router
	// compresses with gzip for clients that accept it; none: no compression
	// (ROUTER_ENABLE_COMPRESSION and ROUTER_COMPRESSION_MIME; the
	// IngressController's httpCompression.mimeTypes).
	CompressionTypes []string
	// AccessLog is where HAProxy logs requests (ROUTER_SYSLOG_ADDRESS and
	// the variables beside it; the IngressController's logging.access);
	// nil: nowhere.
	AccessLog *AccessLog
	// RequestHeaders and ResponseHeaders are the IngressController's header
	// actions, on every request and response the router answers over HTTP
	// (ROUTER_HTTP_REQUEST_HEADERS, ROUTER_HTTP_RESPONSE_HEADERS). Request
	// actions come before a route's own, response actions after them.
	RequestHeaders, ResponseHeaders []HeaderAction
	// UniqueID, when set, adds a per-request ID header
	// (ROUTER_UNIQUE_ID_HEADER_NAME, ROUTER_UNIQUE_ID_FORMAT).
	UniqueID *UniqueID
	// ErrorPage503 and ErrorPage404 are the IngressController's own error
	// pages, read from ROUTER_ERRORFILE_503 and ROUTER_ERRORFILE_404 when
	// the router starts: whole HTTP responses served when no pod can
	// answer, or no route matches. The router serves its copy, so a page
	// changed or removed under a running router changes nothing.
	ErrorPage503, ErrorPage404 []byte
	// Warnings are settings the router did without, to be logged: a page
	// that could not be read or that HAProxy would refuse leaves the
	// router's own, rather than keep the router from serving.
	Warnings []string
	// H1CaseAdjust are header names in the case HTTP/1 peers that read
	// names case-sensitively expect (ROUTER_H1_CASE_ADJUST; the
	// IngressController's headerNameCaseAdjustments): responses to clients
	// always, requests to the pods of routes that ask for it.
	H1CaseAdjust []string
	// MutualTLS, when set, asks TLS clients for certificates (the
	// ROUTER_MUTUAL_TLS_AUTH variables; the IngressController's clientTLS).
	MutualTLS *MutualTLS
	// AbortOnClose stops work for a client that has gone away
	// (ROUTER_ABORT_ON_CLOSE; closedClientConnectionPolicy: Abort).
	AbortOnClose bool
	// BalanceHTTP and BalanceTCP are the balance algorithms for HTTP and
	// passthrough backends (ROUTER_LOAD_BALANCE_ALGORITHM, ROUTER_TCP_BALANCE_SCHEME).
	BalanceHTTP string
	BalanceTCP  string
	// CookieKey is HAProxy's dynamic-cookie-key: stickiness cookie values
	// are a hash of the pod's address with it (ROUTER_COOKIE_KEY). The
	// operator gives every router of an IngressController one random key,
	// so that replicas read a cookie alike and its value does not tell
	// which address it names.
	CookieKey string
	// CookieName names the stickiness cookie of routes without the
	// cookie_name annotation (ROUTER_COOKIE_NAME); empty: a hash of each
	// route, OKD's default.
	CookieName string
	// SSLMinVersion, Ciphers and CipherSuites come from the TLS profile.
	SSLMinVersion string
	Ciphers       string
	CipherSuites  string
	// Curves are the TLS key-exchange groups the router offers, OpenSSL
	// names joined by ':' (ROUTER_CURVES; the TLS profile's curves); empty:
	// OpenSSL's defaults. The router gives HAProxy only those its OpenSSL
	// knows (an unknown one would keep HAProxy from starting).
	Curves string

	Timeouts Timeouts
	// BufSize and MaxRewrite tune HAProxy's header buffers (the Min, Max
	// and Default constants).
	BufSize    int
	MaxRewrite int

	// ReloadInterval is the shortest gap between two HAProxy reloads (RELOAD_INTERVAL).
	ReloadInterval time.Duration
	// SpareBackends is how many empty backends a reload adds at least, so
	// that new routes go live without one (ROUTER_BLUEPRINT_ROUTE_POOL_SIZE,
	// OKD's name for its blueprint pool; 0: none). The router adds more
	// while routes arrive faster than it reloads.
	SpareBackends int
	// GracefulShutdownDelay keeps serving after SIGTERM so load balancers
	// can take the pod out first (ROUTER_GRACEFUL_SHUTDOWN_DELAY).
	GracefulShutdownDelay time.Duration
	// HardStopAfter is how long HAProxy workers replaced by a reload may
	// keep their connections (ROUTER_HARD_STOP_AFTER; the
	// IngressController's hard-stop-after annotation); Defaults sets
	// DefaultHardStopAfter, and HardStop reads 0 as that too.
	HardStopAfter time.Duration
}

// DefaultHardStopAfter bounds old workers of a router given no
// ROUTER_HARD_STOP_AFTER. OKD sets no bound then, but with long-lived
// connections every reload would leave a worker (and its memory) behind
// for as long as one client stays: old workers must not live forever.
const DefaultHardStopAfter = time.Hour

// MaxHardStopAfter is the longest time HAProxy takes (2^31-1 ms, about
// 24.8 days).
const MaxHardStopAfter = (1<<31 - 1) * time.Millisecond

// HardStop is the hard-stop-after the router gives HAProxy.
func (c Config) HardStop() time.Duration {
	if c.HardStopAfter <= 0 {
		return DefaultHardStopAfter
	}
	return c.HardStopAfter
}

// DefaultCookieKey is the cookie key of a router given none. It is no
// secret: cookie values then tell, to anyone who hashes candidate
// addresses, which pod they name, as OKD's plain hashes do.
const DefaultCookieKey = "okd-ingress"

// MaxSpareBackends bounds the spare backends of one config: each costs
// HAProxy about 12 kB (it has no servers until a route takes it; 4 kB of
// that is the compiled regex of its Secure-cookie rule) and 0.09 ms of
// each reload.
const MaxSpareBackends = 1000

// Timeouts are HAProxy's timeouts, from tuningOptions.
type Timeouts struct {
	Connect, Client, ClientFin, Server, ServerFin, Tunnel, HTTPRequest, HTTPKeepAlive, InspectDelay time.Duration
	// HealthCheck is the interval of backend health checks.
	HealthCheck time.Duration
}

// Defaults returns OKD's router defaults.
func Defaults() Config {
	return Config{
		RouterName: "public", Namespace: "openshift-ingress",
		HTTPPort: 80, HTTPSPort: 443, StatsAddress: ":1936", IPMode: IPv4,
		RouteSelector: labels.Everything(), NamespaceSelector: labels.Everything(),
		ExtendedValidation: true, UpdateStatus: true,
		HAProxyBinary: "haproxy", ConfigDir: names.RouterConfigDir, RunDir: names.RouterRunDir,
		Threads: min(4, runtime.NumCPU()), MaxConnections: 50000, ForwardedHeaders: ForwardedAppend,
		BalanceHTTP: "random", BalanceTCP: "source", CookieKey: DefaultCookieKey, SSLMinVersion: "TLSv1.2",
		Ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
			"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
		CipherSuites: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
		Timeouts: Timeouts{Connect: 5 * time.Second, Client: 30 * time.Second, ClientFin: time.Second,
			Server: 30 * time.Second, ServerFin: time.Second, Tunnel: time.Hour, HTTPRequest: 10 * time.Second,
			HTTPKeepAlive: 300 * time.Second, InspectDelay: 5 * time.Second, HealthCheck: 5 * time.Second},
		BufSize: DefaultBufSize, MaxRewrite: DefaultMaxRewrite,
		ReloadInterval: 500 * time.Millisecond, SpareBackends: 10, HardStopAfter: DefaultHardStopAfter,
	}
}

// FromEnv applies the ROUTER_* variables found by lookup (os.LookupEnv in
// production) on top of c. Every value is checked: a typo in a Deployment
// must stop the router with a message, not be ignored.
func (c *Config) FromEnv(lookup func(string) (string, bool)) error {
	e := envReader{lookup: lookup}
	e.str(names.EnvRouterServiceName, &c.RouterName)
	e.str(names.EnvRouterServiceNamespace, &c.Namespace)
	e.str(names.EnvRouterCanonicalHostname, &c.CanonicalHostname)
	e.str(names.EnvRouterDomain, &c.Domain)
	// Written into haproxy.cfg: an IP address, or none.
	e.checked(names.EnvRouterBindAddress, &c.BindAddress, func(v string) bool { return net.ParseIP(v) != nil },
		"want an IPv4 or IPv6 address", false)
	e.ipMode(&c.IPMode)
	e.port(names.EnvRouterServiceHTTPPort, &c.HTTPPort)
	e.port(names.EnvRouterServiceHTTPSPort, &c.HTTPSPort)
	if v, ok := lookup(names.EnvStatsPort); ok && v != "" {
		var p int
		e.port(names.EnvStatsPort, &p)
		c.StatsAddress = ":" + strconv.Itoa(p)
	}
	e.str(names.EnvRouterListenAddr, &c.StatsAddress)
	e.secret(names.EnvStatsUsername, names.EnvStatsUsernameFile, &c.StatsUsername)
	e.secret(names.EnvStatsPassword, names.EnvStatsPasswordFile, &c.StatsPassword)
	e.metricsTLS(&c.MetricsTLS)
	e.selector(names.EnvRouteLabels, &c.RouteSelector)
	// PROJECT_LABELS is OKD's older name of NAMESPACE_LABELS, which wins.
	e.selector(names.EnvProjectLabels, &c.NamespaceSelector)
	e.selector(names.EnvNamespaceLabels, &c.NamespaceSelector)
	e.boolean(names.EnvRouterDisableNamespaceOwnershipCheck, &c.InterNamespaceAllowed)
	e.boolean(names.EnvRouterAllowWildcardRoutes, &c.AllowWildcards)
	e.domains(names.EnvRouterAllowedDomains, &c.AllowedDomains)
	e.domains(names.EnvRouterDeniedDomains, &c.DeniedDomains)
	e.boolean(names.EnvExtendedValidation, &c.ExtendedValidation)
	e.boolean(names.EnvRouterUpdateStatus, &c.UpdateStatus)
	e.defaultCertificate(&c.DefaultCertificate)
	e.caPath(names.EnvDefaultDestinationCAPath, &c.DefaultDestinationCA, &c.DefaultDestinationCABundle)
	e.integer(names.EnvRouterThreads, &c.Threads, 1, 64)
	e.maxConnections(&c.MaxConnections)
	e.forwarded(&c.ForwardedHeaders)
	e.boolean(names.EnvRouterDisableHTTP2, &c.DisableHTTP2)
	e.boolean(names.EnvRouterUseProxyProtocol, &c.ProxyProtocol)
	e.boolean(names.EnvRouterIdleCloseOnResponse, &c.IdleCloseOnResponse)
	e.boolean(names.EnvRouterAbortOnClose, &c.AbortOnClose)
	e.boolean(names.EnvRouterHTTPIgnoreProbes, &c.IgnoreProbes)
	e.compression(&c.CompressionTypes)
	e.accessLog(&c.AccessLog)
	e.headerActions(names.EnvRouterHTTPRequestHeaders, false, &c.RequestHeaders)
	e.headerActions(names.EnvRouterHTTPResponseHeaders, true, &c.ResponseHeaders)
	e.uniqueID(&c.UniqueID)
	e.errorFiles(c)
	e.caseAdjust(&c.H1CaseAdjust)
	e.mutualTLS(&c.MutualTLS)
	e.oneOf(names.EnvRouterLoadBalanceAlgorithm, &c.BalanceHTTP, "random", "roundrobin", "leastconn", "source")
	e.oneOf(names.EnvRouterTCPBalanceScheme, &c.BalanceTCP, "source", "roundrobin", "leastconn", "random")
	e.oneOf(names.EnvSSLMinVersion, &c.SSLMinVersion, "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
	e.checked(names.EnvRouterCookieKey, &c.CookieKey, ValidCookieKey, "want 16 to 256 letters, digits, '-' or '_'", true)
	e.checked(names.EnvRouterCookieName, &c.CookieName, ValidCookieName, "want 1 to 256 letters, digits, '-' or '_'", false)
	e.cipherList(names.EnvRouterCiphers, &c.Ciphers)
	e.cipherList(names.EnvRouterCipherSuites, &c.CipherSuites)
	e.checked(names.EnvRouterCurves, &c.Curves, ValidCurves,
		fmt.Sprintf("want 1 to %d OpenSSL group names of letters, digits, '-' or '_' (%d at most each), separated by ':'", MaxCurves, MaxCurveName), false)
	e.duration(names.EnvRouterDefaultConnectTimeout, &c.Timeouts.Connect)
	e.duration(names.EnvRouterDefaultClientTimeout, &c.Timeouts.Client)
	e.duration(names.EnvRouterClientFinTimeout, &c.Timeouts.ClientFin)
	e.duration(names.EnvRouterDefaultServerTimeout, &c.Timeouts.Server)
	e.duration(names.EnvRouterDefaultServerFinTimeout, &c.Timeouts.ServerFin)
	e.duration(names.EnvRouterDefaultTunnelTimeout, &c.Timeouts.Tunnel)
	e.duration(names.EnvRouterSlowlorisTimeout, &c.Timeouts.HTTPRequest)
	e.duration(names.EnvRouterSlowlorisHTTPKeepalive, &c.Timeouts.HTTPKeepAlive)
	e.duration(names.EnvRouterInspectDelay, &c.Timeouts.InspectDelay)
	e.duration(names.EnvRouterBackendCheckInterval, &c.Timeouts.HealthCheck)
	e.integer(names.EnvRouterBufSize, &c.BufSize, MinBufSize, MaxBufSize)
	e.integer(names.EnvRouterMaxRewriteSize, &c.MaxRewrite, MinMaxRewrite, MaxMaxRewrite)
	e.duration(names.EnvReloadInterval, &c.ReloadInterval)
	e.integer(names.EnvRouterBlueprintRoutePoolSize, &c.SpareBackends, 0, MaxSpareBackends)
	e.duration(names.EnvRouterGracefulShutdownDelay, &c.GracefulShutdownDelay)
	e.hardStopAfter(c)
	e.str(names.EnvRouterHAProxyBinary, &c.HAProxyBinary)
	e.str(names.EnvRouterConfigDir, &c.ConfigDir)
	e.str(names.EnvRouterRunDir, &c.RunDir)
	if e.err == nil && c.MaxRewrite >= c.BufSize {
		e.err = fmt.Errorf("ROUTER_MAX_REWRITE_SIZE (%d) must be less than ROUTER_BUF_SIZE (%d)", c.MaxRewrite, c.BufSize)
	}
	return e.err
}

// FromOSEnv applies the process environment.
func (c *Config) FromOSEnv() error { return c.FromEnv(os.LookupEnv) }

// envReader reads typed values and keeps the first error.
type envReader struct {
	lookup func(string) (string, bool)
	err    error
}

func (e *envReader) get(name string) (string, bool) {
	if e.err != nil {
		return "", false
	}
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (e *envReader) fail(name, v, want string) {
	e.err = fmt.Errorf("environment variable %s=%q: %s", name, v, want)
}

func (e *envReader) str(name string, dst *string) {
	if v, ok := e.get(name); ok {
		*dst = v
	}
}

func (e *envReader) boolean(name string, dst *bool) {
	if v, ok := e.get(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.fail(name, v, "want true or false")
			return
		}
		*dst = b
	}
}

func (e *envReader) integer(name string, dst *int, lo, hi int) {
	if v, ok := e.get(name); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			e.fail(name, v, fmt.Sprintf("want an integer from %d to %d", lo, hi))
			return
		}
		*dst = n
	}
}

func (e *envReader) port(name string, dst *int) { e.integer(name, dst, 1, 65535) }

func (e *envReader) maxConnections(dst *int) {
	v, ok := e.get(names.EnvRouterMaxConnections)
	if !ok {
		return
	}
	if v == "auto" {
		// HAProxy computes maxconn from the file-descriptor limit.
		*dst = 0
		return
	}
	e.integer(names.EnvRouterMaxConnections, dst, 2000, 2000000)
}

// duration accepts HAProxy's times, as OKD's operator and templates write
// them ("5000", "5000ms", "30s", "1d"), and Go durations ("1h30m", "1.5s").
// A longer time than HAProxy takes (MaxHardStopAfter), which would have it
// refuse the config, is clipped to that, as OKD's template clips its
// timeouts (the operator passes tuningOptions on unbounded).
func (e *envReader) duration(name string, dst *time.Duration) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	d, _, fits := haproxyDuration(v)
	var err error
	if !fits {
		d, err = time.ParseDuration(v)
	}
	switch {
	case err != nil || d < 0:
		e.fail(name, v, "want a duration such as 500ms, 30s, 1h or 1d")
	default:
		*dst = min(d, MaxHardStopAfter)
	}
}

func (e *envReader) oneOf(name string, dst *string, allowed ...string) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	for _, a := range allowed {
		if v == a {
			*dst = v
			return
		}
	}
	e.fail(name, v, "want one of "+strings.Join(allowed, ", "))
}

func (e *envReader) selector(name string, dst *labels.Selector) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	s, err := labels.Parse(v)
	if err != nil {
		e.fail(name, v, "not a label selector: "+err.Error())
		return
	}
	*dst = s
}

func (e *envReader) forwarded(dst *ForwardedPolicy) {
	v := string(*dst)
	e.oneOf(names.EnvRouterSetForwardedHeaders, &v, string(ForwardedAppend), string(ForwardedReplace), string(ForwardedIfNone), string(ForwardedNever))
	*dst = ForwardedPolicy(v)
}

// checked reads name into dst when valid takes it; want says what it
// takes. A secret's value is not repeated in the error, only its length.
func (e *envReader) checked(name string, dst *string, valid func(string) bool, want string, secret bool) {
	v, ok := e.get(name)
	switch {
	case !ok:
	case valid(v):
		*dst = v
	case secret:
		e.err = fmt.Errorf("environment variable %s: %s (%d characters given)", name, want, len(v))
	default:
		e.fail(name, v, want)
	}
}

func (e *envReader) ipMode(dst *IPMode) {
	v := string(*dst)
	e.oneOf(names.EnvRouterIPV4V6Mode, &v, string(IPv4), string(IPv6), string(IPDual))
	*dst = IPMode(v)
}

// cookieKeyGrammar is a key long enough to guess no better than its
// hash, in characters that need no quoting in haproxy.cfg.
var cookieKeyGrammar = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

// ValidCookieKey reports whether the router takes key as ROUTER_COOKIE_KEY.
func ValidCookieKey(key string) bool { return cookieKeyGrammar.MatchString(key) }

// cookieNameGrammar is a cookie name OKD accepts: letters, digits, "_"
// and "-" (also for the cookie_name annotation).
var cookieNameGrammar = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ValidCookieName reports whether name may name a stickiness cookie.
func ValidCookieName(name string) bool { return cookieNameGrammar.MatchString(name) }

// mimeTypeGrammar is a MIME type with optional parameters (RFC 1341), as
// the IngressController's API validates httpCompression.mimeTypes: a
// registered top-level type or an X- extension, a subtype token or "*",
// parameters of tokens or quoted strings without control characters.
var mimeTypeGrammar = regexp.MustCompile(`^(?i)(x-` + token + `|application|audio|image|message|multipart|text|video)/` + token +
	`( *; *` + token + `=(` + token + `|"([^"\\[:cntrl:]\x80-\x{10FFFF}]|\\[ -~])*"))*$`)

// token is an RFC 9110 token.
const token = "[-!#$%&'*+.0-9a-z^_`|~]+"

// ValidMIMEType reports whether the router takes t as a type to compress.
func ValidMIMEType(t string) bool { return len(t) <= 1024 && mimeTypeGrammar.MatchString(t) }

// compression reads ROUTER_COMPRESSION_MIME when ROUTER_ENABLE_COMPRESSION
// is true: types separated by spaces, each optionally in double quotes
// (with \" and \\ inside) or single quotes, as haproxy.cfg writes words;
// a type with parameters holds spaces or quotes. "type/*" is kept as
// written: the template turns it into the prefix HAProxy matches.
func (e *envReader) compression(dst *[]string) {
	var on bool
	e.boolean(names.EnvRouterEnableCompression, &on)
	v, ok := e.get(names.EnvRouterCompressionMIME)
	if !on || e.err != nil {
		return
	}
	types, err := SplitWords(v)
	switch {
	case err != nil:
		e.fail(names.EnvRouterCompressionMIME, v, err.Error())
		return
	case !ok || len(types) == 0:
		e.fail(names.EnvRouterCompressionMIME, v, "want the MIME types to compress when ROUTER_ENABLE_COMPRESSION is true")
		return
	}
	for _, t := range types {
		if !ValidMIMEType(t) {
			e.fail(names.EnvRouterCompressionMIME, v, fmt.Sprintf("%q is not a MIME type such as text/html, text/* or \"text/plain; charset=utf-8\"", t))
			return
		}
	}
	*dst = types
}

// SplitWords splits s at spaces into words, each optionally quoted: "…"
// with backslash escapes of '"' and '\\', or '…' taken as it stands.
func SplitWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '"' || c == '\'':
			end := closingQuote(s, i)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote at byte %d", i)
			}
			body := s[i+1 : end]
			if c == '"' {
				body = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(body)
			}
			w.WriteString(body)
			inWord, i = true, end
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// closingQuote finds the quote that ends the one at s[open]: in double
// quotes a backslash escapes the next byte.
func closingQuote(s string, open int) int {
	for j := open + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && s[open] == '"':
			j++
		case s[j] == s[open]:
			return j
		}
	}
	return -1
}

// cipherList accepts OpenSSL cipher names joined by ':' and nothing else:
// the value is written into haproxy.cfg.
func (e *envReader) cipherList(name string, dst *string) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	for _, c := range strings.Split(v, ":") {
		if c == "" || strings.IndexFunc(c, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '+' || r == '!' || r == '@' || r == '=')
		}) >= 0 {
			e.fail(name, v, "want OpenSSL cipher names separated by ':'")
			return
		}
	}
	*dst = v
}

// MaxCurves and MaxCurveName bound ROUTER_CURVES: far more groups, and
// longer names, than OpenSSL has.
const MaxCurves, MaxCurveName = 16, 64

// curvesGrammar is a list of OpenSSL group names joined by single ':',
// in characters that need no quoting in haproxy.cfg: the value is
// written there as one word. (OpenSSL's "?name" and key-share prefixes
// are not taken: the operator sends plain names.)
var curvesGrammar = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9_-]{1,%[1]d}(:[A-Za-z0-9_-]{1,%[1]d}){0,%[2]d}$`, MaxCurveName, MaxCurves-1))

// ValidCurves reports whether the router takes list as ROUTER_CURVES.
func ValidCurves(list string) bool { return curvesGrammar.MatchString(list) }

// defaultCertificate reads DEFAULT_CERTIFICATE_PATH, or the tls.crt and
// tls.key pair that DEFAULT_CERTIFICATE_DIR holds (joined later).
func (e *envReader) defaultCertificate(dst *string) {
	if v, ok := e.get(names.EnvDefaultCertificatePath); ok {
		*dst = v
		return
	}
	if v, ok := e.get(names.EnvDefaultCertificateDir); ok {
		*dst = strings.TrimRight(v, "/") + "/"
	}
}

// domains reads a comma-separated list of DNS domains, as OKD's router
// reads ROUTER_ALLOWED_DOMAINS and ROUTER_DENIED_DOMAINS: spaces around
// names and empty items are dropped. Names are compared in lower case, as
// DNS compares them (route hosts are lower case).
func (e *envReader) domains(name string, dst *[]string) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		if msgs := validation.IsDNS1123Subdomain(d); len(msgs) > 0 {
			e.fail(name, v, fmt.Sprintf("%q is not a DNS domain such as example.com (which also covers every name below it): %s",
				d, strings.Join(msgs, "; ")))
			return
		}
		out = append(out, d)
	}
	*dst = out
}

// haproxyTime is HAProxy's time grammar: an integer, in milliseconds
// unless a unit follows.
var haproxyTime = regexp.MustCompile(`^([0-9]+)(us|ms|s|m|h|d)?$`)

var haproxyUnits = map[string]time.Duration{
	"us": time.Microsecond, "": time.Millisecond, "ms": time.Millisecond,
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

// haproxyDuration reads v in HAProxy's time grammar: matched says whether
// it is in it, fits whether it is short enough for a time.Duration.
func haproxyDuration(v string) (d time.Duration, matched, fits bool) {
	m := haproxyTime.FindStringSubmatch(v)
	if m == nil {
		return 0, false, false
	}
	unit := haproxyUnits[m[2]]
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > int64(math.MaxInt64/unit) {
		return 0, true, false
	}
	return time.Duration(n) * unit, true, true
}

// ParseHardStopAfter reads a hard-stop-after time in HAProxy's grammar,
// as ROUTER_HARD_STOP_AFTER and the IngressController's annotation give
// it, from 1ms to HAProxy's limit: HAProxy refuses a longer time (every
// reload would fail), the router writes milliseconds, and HAProxy reads
// hard-stop-after 0 as no limit at all. The operator checks the
// annotation with it, so that it never hands the routers a value they
// refuse.
func ParseHardStopAfter(v string) (time.Duration, error) {
	d, matched, fits := haproxyDuration(v)
	if !matched {
		return 0, errors.New("want an HAProxy time: digits with an optional unit us, ms, s, m, h or d, such as 30m or 1h")
	}
	if !fits || d > MaxHardStopAfter || d < time.Millisecond {
		return 0, fmt.Errorf("want from 1ms (old HAProxy workers must stop some time after a reload) to %dms (HAProxy's limit)",
			MaxHardStopAfter.Milliseconds())
	}
	return d, nil
}

// hardStopAfter reads ROUTER_HARD_STOP_AFTER (ParseHardStopAfter).
func (e *envReader) hardStopAfter(c *Config) {
	name := names.EnvRouterHardStopAfter
	v, ok := e.get(name)
	if !ok {
		return
	}
	d, err := ParseHardStopAfter(v)
	if err != nil {
		e.fail(name, v, err.Error())
		return
	}
	c.HardStopAfter = d
}

// The header buffers the router takes (ROUTER_BUF_SIZE, ROUTER_MAX_REWRITE_SIZE,
// which must be less), in bytes: each connection may hold two buffers,
// so a larger one costs memory per connection.
const (
	MinBufSize, MaxBufSize, DefaultBufSize          = 16384, 1 << 20, 32768
	MinMaxRewrite, MaxMaxRewrite, DefaultMaxRewrite = 4096, 1 << 19, 8192
)

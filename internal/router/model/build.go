package model

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

// Input is what the model is built from.
type Input struct {
	// Routes are the admitted routes, oldest first.
	Routes []admission.Route
	// Held are routes not served that keep their hosts: requests for them
	// never reach the default backend, which would otherwise receive a
	// host's requests (and, over TLS, under the router's certificate) as
	// soon as its route's certificate broke.
	Held []admission.Route
	// Services and Slices (by Service) are the cluster's.
	Services map[types.NamespacedName]*corev1.Service
	Slices   map[types.NamespacedName][]*discoveryv1.EndpointSlice
	Options  Options
}

// Options are the router settings the model depends on.
type Options struct {
	BalanceHTTP, BalanceTCP string
	DisableHTTP2            bool
	// DefaultDestinationCA verifies reencrypt backends of routes without a
	// destinationCACertificate; empty means the system trust store.
	DefaultDestinationCA string
	// CookieName is the router's stickiness cookie name (Model.CookieName).
	CookieName string
}

// Build builds the model. Its output depends only on its input, and is
// ordered, so equal inputs render byte-identical files.
func Build(in Input) *Model {
	m := &Model{Maps: map[string][]Entry{}, CookieName: in.Options.CookieName}
	maps := newMapBuilder()
	for i, r := range in.Routes {
		b := buildBackend(r, in)
		m.Backends = append(m.Backends, b)
		maps.addRoute(r, b.Name, i)
		if m.DefaultBackend == "" && isDefaultBackend(r) {
			m.DefaultBackend = b.Name
		}
		if r.TLS != nil && r.TLS.Certificate != nil {
			m.Certs = append(m.Certs, Cert{File: "certs/" + fileName(b.Name) + ".pem", PEM: r.TLS.Certificate, SNI: sniName(r), Route: b.Route})
		}
	}
	for _, r := range in.Held {
		maps.put(MapHosts, hostKey(r), candidate{value: HostValue})
	}
	sort.Slice(m.Backends, func(i, j int) bool { return m.Backends[i].Name < m.Backends[j].Name })
	m.Maps = maps.build()
	if m.DefaultBackend == "" {
		// Nothing reads it: an empty map costs no runtime update as
		// routes come and go.
		m.Maps[MapHosts] = []Entry{}
	}
	excludeExactHosts(m.Certs)
	return m
}

// A wildcard certificate's crt-list line holds at most this many
// exclusions and bytes of them: HAProxy reads 2048 words and 64 kB a line.
const (
	maxExclusions     = 1000
	maxExclusionBytes = 60000
)

// excludeExactHosts names, on each wildcard route's certificate, the hosts
// under it that have certificates of their own. HAProxy chooses among the
// exact and the wildcard certificates of a name alike, by key type (ECDSA
// first): a wildcard route's ECDSA certificate would displace an exact
// route's RSA one. An exclusion on the wildcard's line keeps it out. Past
// the bounds above, further hosts go without (as on OKD).
func excludeExactHosts(certs []Cert) {
	wild := map[string][]int{}
	for i, c := range certs {
		if d, ok := strings.CutPrefix(c.SNI, "*."); ok {
			wild[d] = append(wild[d], i)
		}
	}
	if len(wild) == 0 {
		return
	}
	size := map[int]int{}
	seen := map[string]bool{}
	for _, c := range certs {
		if strings.HasPrefix(c.SNI, "*.") || seen[c.SNI] {
			continue
		}
		seen[c.SNI] = true
		for _, i := range wild[parentDomain(c.SNI)] {
			if len(certs[i].Exclude) < maxExclusions && size[i]+len(c.SNI)+2 <= maxExclusionBytes {
				certs[i].Exclude = append(certs[i].Exclude, c.SNI)
				size[i] += len(c.SNI) + 2
			}
		}
	}
}

// isDefaultBackend reports whether r asks to answer unmatched requests;
// routes come oldest first, so the oldest such route wins. A passthrough
// route cannot: the router never sees its requests.
func isDefaultBackend(r admission.Route) bool {
	return r.Annotations[names.DefaultBackendAnnotation] == "true" && !r.TLS.Passthrough()
}

// The prefixes of OKD's backend names, which say how traffic reaches a
// route: plain HTTP, edge, reencrypt or passthrough.
const (
	HTTPBackendPrefix        = "be_http"
	EdgeBackendPrefix        = "be_edge_http"
	ReencryptBackendPrefix   = "be_secure"
	PassthroughBackendPrefix = "be_tcp"
)

// BackendName is OKD's backend name for a route: its prefix says how
// traffic reaches it.
func BackendName(r *routev1.Route) string {
	prefix := HTTPBackendPrefix
	if t := r.Spec.TLS; t != nil {
		switch t.Termination {
		case routev1.TLSTerminationEdge:
			prefix = EdgeBackendPrefix
		case routev1.TLSTerminationReencrypt:
			prefix = ReencryptBackendPrefix
		case routev1.TLSTerminationPassthrough:
			prefix = PassthroughBackendPrefix
		}
	}
	return prefix + ":" + r.Namespace + ":" + r.Name
}

// maxFileName bounds the files named after a backend, well below the
// 255 bytes of a Linux file name: the writer's temporary name adds to it.
const maxFileName = 200

// fileName turns a backend name into a file name: ':' is legal in both,
// but some tools mis-read it in paths. A namespace and a route name may
// together be 316 characters long: a longer name keeps its start and ends
// with a hash of the whole, so that it stays unique.
func fileName(backend string) string {
	name := strings.ReplaceAll(backend, ":", "_")
	if len(name) <= maxFileName {
		return name
	}
	sum := sha256.Sum256([]byte(backend))
	suffix := "_" + hex.EncodeToString(sum[:12])
	return name[:maxFileName-len(suffix)] + suffix
}

func sniName(r admission.Route) string {
	if r.Wildcard {
		return "*." + parentDomain(r.Host)
	}
	return r.Host
}

func parentDomain(host string) string {
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[i+1:]
	}
	return ""
}

func buildBackend(r admission.Route, in Input) *Backend {
	b := &Backend{
		Name:  BackendName(r.Route),
		Route: types.NamespacedName{Namespace: r.Namespace, Name: r.Name},
		Mode:  ModeHTTP, Balance: in.Options.BalanceHTTP,
	}
	targets := targetsOf(r.Route)
	if r.TLS.Passthrough() {
		b.Mode, b.Balance = ModeTCP, in.Options.BalanceTCP
	}
	if len(activeTargets(targets)) > 1 {
		// Weighted random draws two servers and takes the less loaded
		// one, which bends the split; round robin keeps it exact.
		b.Balance = "roundrobin"
	}
	if r.TLS != nil && r.TLS.Termination == routev1.TLSTerminationReencrypt {
		b.Reencrypt = reencrypt(r, b.Name, in.Options)
	}
	h2c := b.Mode == ModeHTTP && (r.TLS == nil || r.TLS.Termination == routev1.TLSTerminationEdge)
	b.Servers = servers(r.Route, targets, in, b.Reencrypt != nil && b.Reencrypt.ServiceHost != "", h2c)
	b.H2C = slices.ContainsFunc(b.Servers, func(s Server) bool { return s.H2C })
	if h := r.Spec.HTTPHeaders; h != nil && b.Mode == ModeHTTP {
		b.RequestHeaders = headerActions(h.Actions.Request)
		b.ResponseHeaders = headerActions(h.Actions.Response)
	}
	tune(b, r, in.Options)
	return b
}

// tune applies what the route's annotations ask; the annotated balance
// wins over the weighted split's round robin, as on OKD.
func tune(b *Backend, r admission.Route, o Options) {
	t, path := r.Tuning, r.Path.Value
	if t.Balance != "" {
		b.Balance = t.Balance
	}
	b.TimeoutServer, b.TimeoutTunnel, b.CheckInterval, b.MaxConn = t.TimeoutServer, t.TimeoutTunnel, t.CheckInterval, t.MaxConn
	if b.Mode == ModeTCP {
		// A TCP connection is a tunnel from its start: HAProxy applies the
		// tunnel timeout, never the server one. OKD's timeout annotation
		// stands in for timeout-tunnel on passthrough routes.
		if b.TimeoutTunnel == 0 {
			b.TimeoutTunnel = t.TimeoutServer
		}
		b.TimeoutServer = 0
	}
	b.RateLimit = t.RateLimit
	if b.Mode == ModeHTTP {
		b.HSTS, b.Forwarded, b.H1AdjustCase = t.HSTS, t.Forwarded, t.H1AdjustCase
		if t.RewriteTarget != "" {
			b.Rewrite = &Rewrite{From: strings.TrimSuffix(path, "/"), To: t.RewriteTarget}
		}
		if !t.NoCookie {
			b.Cookie = &Cookie{Name: t.CookieName, SameSite: t.CookieSameSite, Secure: r.TLS.OnlyTLS()}
			if b.Cookie.Name == "" {
				b.Cookie.Name = defaultCookieName(o.CookieName, b.Route)
			}
			if b.Cookie.SameSite == "" {
				b.Cookie.SameSite = defaultSameSite(b.Cookie.Secure)
			}
		}
	}
	if t.AllowListSet {
		b.AllowList = &AllowList{File: "allowlists/" + fileName(b.Name) + ".txt", Prefixes: make([]string, 0, len(t.AllowList))}
		for _, p := range t.AllowList {
			b.AllowList.Prefixes = append(b.AllowList.Prefixes, p.String())
		}
	}
}

func reencrypt(r admission.Route, backend string, o Options) *Reencrypt {
	re := &Reencrypt{ALPN: !o.DisableHTTP2}
	switch {
	case r.TLS.DestinationCA != nil:
		re.CAFile, re.CA = "cacerts/"+fileName(backend)+".pem", r.TLS.DestinationCA
	case o.DefaultDestinationCA != "":
		// The service CA signs serving certificates for
		// <service>.<namespace>.svc, each server its own Service's.
		re.CAFile, re.ServiceHost = o.DefaultDestinationCA, serviceHost(r.Spec.To.Name, r.Namespace)
	default:
		// Fail closed: never talk to a reencrypt backend unverified.
		re.CAFile = "@system-ca"
	}
	return re
}

func headerActions(list []routev1.RouteHTTPHeader) []HeaderAction {
	out := make([]HeaderAction, 0, len(list))
	for _, h := range list {
		a := HeaderAction{Name: h.Name, Delete: h.Action.Type == routev1.Delete}
		if h.Action.Set != nil {
			a.Value = h.Action.Set.Value
		}
		out = append(out, a)
	}
	return out
}

// defaultSameSite is OKD's: None on a Secure cookie, so that the route
// stays sticky in cross-site requests; none at all otherwise (browsers
// refuse None without Secure).
func defaultSameSite(secure bool) string {
	if secure {
		return "None"
	}
	return ""
}

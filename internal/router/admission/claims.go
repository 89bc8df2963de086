package admission

import (
	"fmt"
	"strings"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// claims records which route holds each host and path, and which namespace
// owns each host and wildcard domain, as routes are admitted oldest first.
type claims struct {
	interNamespace bool
	// paths: host key + path key → the route holding it.
	paths map[string]*routev1.Route
	// hostOwner: exact host → namespace of its oldest route.
	hostOwner map[string]string
	// wildcardOwner: domain → namespace of its oldest wildcard route.
	wildcardOwner map[string]string
	// domainHosts: domain → namespaces holding exact hosts directly below it.
	domainHosts map[string]map[string]string
	// passthrough: host key → the oldest passthrough route of the host.
	passthrough map[string]*routev1.Route
}

func newClaims(interNamespace bool) *claims {
	return &claims{
		interNamespace: interNamespace,
		paths:          map[string]*routev1.Route{}, hostOwner: map[string]string{},
		wildcardOwner: map[string]string{}, domainHosts: map[string]map[string]string{},
		passthrough: map[string]*routev1.Route{},
	}
}

// parentDomain is the domain a wildcard route for host serves: host
// without its first label.
func parentDomain(host string) string {
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[i+1:]
	}
	return ""
}

// claim takes host and path for r, or explains who holds them. With
// Strict ownership (the default) a namespace that holds a host holds all
// its paths, and a wildcard route's namespace holds every host of its
// domain; InterNamespaceAllowed relaxes both to per-path claims.
func (c *claims) claim(r *routev1.Route, host string, wildcard bool, path Path) string {
	domain := parentDomain(host)
	if !c.interNamespace {
		if msg := c.ownershipConflict(r.Namespace, host, domain, wildcard); msg != "" {
			return msg
		}
	}
	key, literal := pathKey(host, wildcard, path), pathKey(host, false, path)
	if holder, ok := c.paths[key]; ok {
		return fmt.Sprintf("%s already exposes %s and is older", holderName(holder, r.Namespace), describe(host, wildcard, path))
	}
	// As OKD's unique-host check: whatever their wildcard policies, two
	// routes with the same spec.host and path conflict, so an exact route
	// never takes a wildcard route's own host from it, nor the reverse.
	if holder, ok := c.paths[literal]; ok {
		return fmt.Sprintf("%s already exposes %s and is older", holderName(holder, r.Namespace), describe(host, false, path))
	}
	if msg := c.passthroughConflict(r, host, wildcard); msg != "" {
		return msg
	}
	c.paths[key] = r
	if wildcard {
		c.paths[literal] = r
		setIfAbsent(c.wildcardOwner, domain, r.Namespace)
		return ""
	}
	setIfAbsent(c.hostOwner, host, r.Namespace)
	if c.domainHosts[domain] == nil {
		c.domainHosts[domain] = map[string]string{}
	}
	setIfAbsent(c.domainHosts[domain], r.Namespace, host)
	return ""
}

// passthroughConflict applies OKD's rule that a route with spec.tls cannot
// share its host with an older passthrough route, whatever its path: the
// HTTPS frontend sends every connection for the host's SNI to the
// passthrough route's pods, so the newer route would never see an HTTPS
// request. (A newer passthrough route on a host whose older routes have
// paths is admitted, as in OKD: it takes the host's TLS, they keep HTTP.)
// It records r when r is the host's first passthrough route.
//
// OKD applies the rule among routes with the same spec.host, whatever
// their wildcard policies, so a route is checked, and a passthrough route
// recorded, under its spec.host as well as under *.domain when it is a
// wildcard route: an exact passthrough route for www.example.com keeps off
// a newer wildcard edge route whose spec.host is www.example.com (HTTPS
// for www would reach the passthrough pods), and a wildcard passthrough
// route keeps an exact TLS route off its own spec.host, as in OKD. Exact
// routes of other hosts of the domain are no concern of a wildcard's.
func (c *claims) passthroughConflict(r *routev1.Route, host string, wildcard bool) string {
	if r.Spec.TLS == nil {
		return ""
	}
	keys := []string{hostKey(host, wildcard)}
	if wildcard {
		keys = append(keys, host)
	}
	for _, hk := range keys {
		if holder, ok := c.passthrough[hk]; ok {
			return fmt.Sprintf("%s is older and passes TLS for host %s through to its pods: a route with spec.tls "+
				"cannot share that host, since HTTPS requests for it never reach the router's TLS termination",
				holderName(holder, r.Namespace), hk)
		}
	}
	if r.Spec.TLS.Termination == routev1.TLSTerminationPassthrough {
		for _, hk := range keys {
			c.passthrough[hk] = r
		}
	}
	return ""
}

// holderName names the route that holds a claim to a route of namespace
// ns: by name in ns, unnamed elsewhere. Statuses are read by the route's
// own users, who need not learn other tenants' namespaces, as OKD words it.
func holderName(holder *routev1.Route, ns string) string {
	if holder.Namespace == ns {
		return "route " + holder.Name
	}
	return "a route in another namespace"
}

func (c *claims) ownershipConflict(ns, host, domain string, wildcard bool) string {
	if owner, ok := c.wildcardOwner[domain]; ok && owner != ns {
		return fmt.Sprintf("a wildcard route in another namespace already serves *.%s", domain)
	}
	if !wildcard {
		if owner, ok := c.hostOwner[host]; ok && owner != ns {
			return fmt.Sprintf("host %s is owned by a route in another namespace", host)
		}
		return ""
	}
	for otherNS := range c.domainHosts[domain] {
		if otherNS != ns {
			return fmt.Sprintf("a route in another namespace holds a host of the wildcard's domain *.%s", domain)
		}
	}
	return ""
}

func setIfAbsent(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// pathKey identifies what a route serves: Prefix and ImplementationSpecific
// paths with the same value serve the same requests; Exact is separate
// (Kubernetes gives an Exact path precedence over a Prefix one).
func pathKey(host string, wildcard bool, p Path) string {
	k := hostKey(host, wildcard) + "\x00" + p.Value
	if p.Type == PathExact {
		k += "\x00exact"
	}
	return k
}

// hostKey names the hosts a route serves: its host, or *.domain for a
// wildcard route.
func hostKey(host string, wildcard bool) string {
	if wildcard {
		return "*." + parentDomain(host)
	}
	return host
}

func describe(host string, wildcard bool, p Path) string {
	h := hostKey(host, wildcard)
	if p.Value == "" {
		return "host " + h
	}
	return "host " + h + " and path " + p.Value
}

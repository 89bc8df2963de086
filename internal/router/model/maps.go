package model

import (
	"sort"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

// candidate is a map entry with what decides between routes that produce
// the same key.
type candidate struct {
	value string
	exact bool // from an Exact path: Kubernetes gives it precedence
	plen  int  // longer paths are more specific
	order int  // admission order: older routes first
}

func (c candidate) beats(o candidate) bool {
	if c.exact != o.exact {
		return c.exact
	}
	if c.plen != o.plen {
		return c.plen > o.plen
	}
	return c.order < o.order
}

type mapBuilder struct {
	maps map[string]map[string]candidate
}

func newMapBuilder() *mapBuilder {
	m := &mapBuilder{maps: map[string]map[string]candidate{}}
	for _, n := range MapNames {
		m.maps[n] = map[string]candidate{}
	}
	return m
}

func (m *mapBuilder) put(mapName, key string, c candidate) {
	if old, ok := m.maps[mapName][key]; ok && !c.beats(old) {
		return
	}
	m.maps[mapName][key] = c
}

// addRoute adds the entries through which requests reach a route:
// passthrough routes by SNI, the others by host and path on the HTTPS side
// (edge, reencrypt) and the HTTP side (plain routes, or TLS routes whose
// insecure policy is Allow or Redirect).
func (m *mapBuilder) addRoute(r admission.Route, backend string, order int) {
	hostKey := hostKey(r)
	c := candidate{value: backend, exact: r.Path.Type == admission.PathExact, plen: len(r.Path.Value), order: order}
	m.put(MapHosts, hostKey, candidate{value: HostValue})
	if r.TLS == nil {
		m.putPaths(MapHTTPExact, MapHTTPPrefix, hostKey, r.Path, c)
		return
	}
	if r.TLS.Termination == routev1.TLSTerminationPassthrough {
		m.put(MapPassthrough, hostKey, c)
	} else {
		m.putPaths(MapHTTPSExact, MapHTTPSPrefix, hostKey, r.Path, c)
	}
	switch r.TLS.InsecurePolicy {
	case routev1.InsecureEdgeTerminationPolicyAllow:
		m.putPaths(MapHTTPExact, MapHTTPPrefix, hostKey, r.Path, c)
	case routev1.InsecureEdgeTerminationPolicyRedirect:
		c.value = RedirectValue
		m.putPaths(MapHTTPExact, MapHTTPPrefix, hostKey, r.Path, c)
	}
}

// hostKey is the key of r's host in the maps: a wildcard route's is
// ".<domain>".
func hostKey(r admission.Route) string {
	if r.Wildcard {
		return "." + parentDomain(r.Host)
	}
	return r.Host
}

// putPaths encodes a path's match semantics as one exact key and one
// prefix key (the prefix map is matched longest-first: HAProxy indexes
// map_beg keys in a prefix tree, whatever their order in the file, so a
// lookup does not scan the routes: BENCHMARKS.md shows the same req/s for
// the first and the last of 400,000 keys):
//
//	no path              prefix  host/
//	/foo (Impl., Prefix) exact   host/foo    prefix host/foo/
//	/foo/ (Impl.)        prefix  host/foo/   (OKD: /foo itself does not match)
//	/foo (Exact)         exact   host/foo
//
// Prefix paths arrive with their trailing slash trimmed by admission, so
// Kubernetes' "/foo/ matches /foo" holds.
func (m *mapBuilder) putPaths(exactMap, prefixMap, hostKey string, p admission.Path, c candidate) {
	switch {
	case p.Value == "" || p.Value == "/":
		if p.Type == admission.PathExact {
			m.put(exactMap, hostKey+"/", c)
			return
		}
		m.put(prefixMap, hostKey+"/", c)
	case p.Type == admission.PathExact:
		m.put(exactMap, hostKey+p.Value, c)
	case p.Value[len(p.Value)-1] == '/':
		m.put(prefixMap, hostKey+p.Value, c)
	default:
		m.put(exactMap, hostKey+p.Value, c)
		m.put(prefixMap, hostKey+p.Value+"/", c)
	}
}

func (m *mapBuilder) build() map[string][]Entry {
	out := make(map[string][]Entry, len(m.maps))
	for name, entries := range m.maps {
		list := make([]Entry, 0, len(entries))
		for k, c := range entries {
			list = append(list, Entry{Key: k, Value: c.value})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		out[name] = list
	}
	return out
}

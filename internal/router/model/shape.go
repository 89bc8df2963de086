package model

import (
	"bytes"
	"slices"
)

// SameShape reports whether a and b render the same haproxy.cfg apart from
// server addresses and weights, and the same certificate files: then b can
// go live through the runtime API (servers, maps) without a reload.
func SameShape(a, b *Model) bool {
	if a == nil || b == nil || len(a.Backends) != len(b.Backends) || len(a.Certs) != len(b.Certs) || a.DefaultBackend != b.DefaultBackend {
		return false
	}
	for i := range a.Backends {
		if !sameBackendShape(a.Backends[i], b.Backends[i]) {
			return false
		}
	}
	for i := range a.Certs {
		x, y := a.Certs[i], b.Certs[i]
		if x.File != y.File || x.SNI != y.SNI || !bytes.Equal(x.PEM, y.PEM) || !slices.Equal(x.Exclude, y.Exclude) {
			return false
		}
	}
	return true
}

func sameBackendShape(x, y *Backend) bool {
	if x.Name != y.Name || x.Mode != y.Mode || x.Balance != y.Balance ||
		!sameSlotCount(x, y) || !sameReencrypt(x.Reencrypt, y.Reencrypt) ||
		!slices.Equal(x.RequestHeaders, y.RequestHeaders) || !slices.Equal(x.ResponseHeaders, y.ResponseHeaders) ||
		x.TimeoutServer != y.TimeoutServer || x.TimeoutTunnel != y.TimeoutTunnel || x.CheckInterval != y.CheckInterval ||
		x.MaxConn != y.MaxConn || x.HSTS != y.HSTS || !sameAllowList(x.AllowList, y.AllowList) ||
		!samePtr(x.Rewrite, y.Rewrite) || !samePtr(x.Cookie, y.Cookie) || !samePtr(x.RateLimit, y.RateLimit) ||
		x.Forwarded != y.Forwarded || x.H1AdjustCase != y.H1AdjustCase {
		return false
	}
	for i := range min(len(x.Slots), len(y.Slots)) {
		if x.Slots[i].Name != y.Slots[i].Name {
			return false
		}
	}
	return true
}

// sameSlotCount: a backend may gain slots at runtime (HAProxy adds
// servers to it) within its capacity.
func sameSlotCount(x, y *Backend) bool {
	return x.Capacity == y.Capacity && len(x.Slots) <= len(y.Slots) && len(y.Slots) <= y.Capacity
}

// Resized reports whether b has room for another number of servers than
// prev: a reload for server slots. A reload that only drops emptied
// server lines (Compact) does not resize.
func Resized(prev, b *Backend) bool { return prev.Capacity != b.Capacity }

func sameReencrypt(x, y *Reencrypt) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.CAFile == y.CAFile && x.ServiceHost == y.ServiceHost && x.ALPN == y.ALPN && bytes.Equal(x.CA, y.CA)
}

func sameAllowList(x, y *AllowList) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.File == y.File && slices.Equal(x.Prefixes, y.Prefixes)
}

// samePtr compares what two pointers point to; nil equals only nil.
func samePtr[T comparable](x, y *T) bool {
	if x == nil || y == nil {
		return x == y
	}
	return *x == *y
}

// WithServersOf is prev with the servers that next gives those of prev's
// backends whose shape next keeps (slots assigned from prev, before any
// Compact): the part of next that can go live at runtime while the rest
// waits for a reload. nil when that changes no server.
func WithServersOf(prev, next *Model) *Model {
	if prev == nil {
		return nil
	}
	nb := make(map[string]*Backend, len(next.Backends))
	for _, b := range next.Backends {
		nb[b.Name] = b
	}
	out := *prev
	out.Backends = slices.Clone(prev.Backends)
	for i, b := range out.Backends {
		if n := nb[b.Name]; n != nil && sameBackendShape(b, n) {
			out.Backends[i] = n
		}
	}
	if len(ServerChanges(prev, &out)) == 0 {
		return nil
	}
	return &out
}

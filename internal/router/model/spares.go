package model

import (
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// Spare backends let a new route go live without a reload. HAProxy cannot
// add a backend at runtime, but it can point a map entry at a backend that
// is already configured and add servers to it. A reload adds a pool of
// plain-HTTP backends without servers; a new route whose backend is no
// more than that (plain HTTP or edge, one Service, no header actions, no
// certificate of its own, at most SpareServerLimit endpoints) takes a free
// one through the runtime API, and keeps it until the next reload gives
// every route its own name again. OKD's dynamic configuration manager does
// the same with its blueprint pool. Spares carry no empty server lines:
// those would cost every reload their parsing (about a fifth of a reload
// with a pool of 1,000 spares of four slots each).

// sparePrefix names the spares "_spare_1", "_spare_2", …: internal names
// start with '_', which no route's backend does.
const sparePrefix = "_spare_"

// IsSpare reports whether a backend name is a spare's.
func IsSpare(name string) bool { return strings.HasPrefix(name, sparePrefix) }

// AddSpares adds n free spares to m, which a reload then configures.
func AddSpares(m *Model, n int, balance string) {
	for i := 1; i <= n; i++ {
		name := sparePrefix + strconv.Itoa(i)
		m.Backends = append(m.Backends, &Backend{Name: name, Mode: ModeHTTP, Balance: balance, Capacity: SpareServerLimit, Cookie: spareCookie(m.CookieName, name)})
	}
	sortBackends(m.Backends)
}

// Spares counts m's spares and, of those, the ones no route holds.
func Spares(m *Model) (total, free int) {
	if m == nil {
		return 0, 0
	}
	for _, b := range m.Backends {
		if IsSpare(b.Name) {
			total++
			if b.Route == (types.NamespacedName{}) {
				free++
			}
		}
	}
	return total, free
}

// FitSpares rewrites next, built with every route under its own backend
// name, onto prev's spares: a route that holds a spare in prev keeps it,
// and each backend prev lacks takes a free spare. It returns nil when next
// cannot be served that way (a new backend that no spare can stand in
// for, or not enough free spares), and says how many of next's new
// backends a spare could serve (what a reload's pool should make room
// for). next is not changed. The caller still assigns slots and compares
// shapes: certificates or route settings may need a reload all the same.
// balance is the spares' balance algorithm.
func FitSpares(prev, next *Model, balance string) (fitted *Model, pending int) {
	if prev == nil {
		return nil, 0
	}
	inPrev := map[string]*Backend{}
	held := map[types.NamespacedName]*Backend{}
	var free []*Backend
	for _, b := range prev.Backends {
		inPrev[b.Name] = b
		switch {
		case !IsSpare(b.Name):
		case b.Route == (types.NamespacedName{}):
			free = append(free, b)
		default:
			held[b.Route] = b
		}
	}
	rename := map[string]string{}
	fits := true
	for _, b := range next.Backends {
		if inPrev[b.Name] != nil {
			continue
		}
		if s := held[b.Route]; s != nil && fitsSpare(b, s, next.CookieName) {
			rename[b.Name] = s.Name
			delete(held, b.Route)
			continue
		}
		if !fitsSpare(b, blueprint(balance, next.CookieName), next.CookieName) {
			fits = false // needs a backend of its own: a reload
			continue
		}
		pending++
		if len(free) == 0 || !fitsSpare(b, free[0], next.CookieName) {
			fits = false
			continue
		}
		rename[b.Name] = free[0].Name
		free = free[1:]
	}
	if !fits {
		return nil, pending
	}
	return renamed(next, rename, append(free, spares(held)...)), 0
}

// SpareCandidates picks up to n of next's routes that prev does not serve
// and that a spare could, in the order given (admission's, oldest first):
// when spares are short, the routes that have waited longest get them.
func SpareCandidates(prev, next *Model, balance string, n int, order []types.NamespacedName) map[types.NamespacedName]bool {
	had := RoutesOf(prev)
	bp := blueprint(balance, next.CookieName)
	fit := map[types.NamespacedName]bool{}
	for _, b := range next.Backends {
		if b.Route != (types.NamespacedName{}) && !had[b.Route] && fitsSpare(b, bp, next.CookieName) {
			fit[b.Route] = true
		}
	}
	out := map[types.NamespacedName]bool{}
	for _, key := range order {
		if len(out) == n {
			break
		}
		if fit[key] {
			out[key] = true
		}
	}
	return out
}

// RoutesOf is the set of routes m serves.
func RoutesOf(m *Model) map[types.NamespacedName]bool {
	out := make(map[types.NamespacedName]bool, len(m.Backends))
	for _, b := range m.Backends {
		if b.Route != (types.NamespacedName{}) {
			out[b.Route] = true
		}
	}
	return out
}

// SpareServerLimit is the most endpoints a route in a spare may have: its
// servers are added at runtime, a few commands each, and a route with
// more is better served by the reload that gives it its own backend.
const SpareServerLimit = 16

// blueprint is what any spare is, for a route that has none yet.
func blueprint(balance, cookieName string) *Backend {
	return &Backend{Mode: ModeHTTP, Balance: balance, Cookie: spareCookie(cookieName, "")}
}

// spareCookie is a spare's stickiness cookie: the router's cookie name, or
// one named for the spare. The name cannot change at runtime, so a route
// keeps its spare's until a reload gives it its own backend and, without
// a router-wide name, its own name (its clients are then balanced afresh,
// once). Nor can Secure and SameSite change: for a route served over TLS
// only, MapSecureSpares names the spare, and a response rule adds them.
func spareCookie(router, spare string) *Cookie {
	return &Cookie{Name: defaultCookieName(router, types.NamespacedName{Name: spare})}
}

// defaultCookie reports whether b has the cookie a route gets without
// cookie annotations, which a spare's stands in for.
func defaultCookie(b *Backend, router string) bool {
	return b.Cookie != nil && b.Cookie.SameSite == defaultSameSite(b.Cookie.Secure) && b.Cookie.Name == defaultCookieName(router, b.Route)
}

// fitsSpare reports whether spare s, rendered as a plain-HTTP backend
// without servers of its own, serves b as b's own backend would.
func fitsSpare(b, s *Backend, cookieName string) bool {
	return b.Mode == ModeHTTP && s.Mode == ModeHTTP && b.Balance == s.Balance && !b.H2C && !s.H2C &&
		b.Reencrypt == nil && s.Reencrypt == nil && len(b.RequestHeaders)+len(b.ResponseHeaders) == 0 &&
		len(s.RequestHeaders)+len(s.ResponseHeaders) == 0 && !b.tuned() && !s.tuned() && len(b.Servers) <= SpareServerLimit &&
		defaultCookie(b, cookieName) && s.Cookie != nil
}

// tuned reports whether the route's annotations put lines of their own
// into its backend, which a spare does not have.
func (b *Backend) tuned() bool {
	return b.TimeoutServer != 0 || b.TimeoutTunnel != 0 || b.CheckInterval != 0 || b.MaxConn != 0 || b.HSTS != "" || b.AllowList != nil || b.Rewrite != nil || b.RateLimit != nil || b.Forwarded != "" || b.H1AdjustCase
}

// KeepSpares is next with the backend of each route that holds a spare in
// prev under that spare's name, while the route still fits it: next's
// servers of such a route then compare with the spare's (WithServersOf),
// as a reload that waits keeps the route there.
func KeepSpares(prev, next *Model) *Model {
	held := map[types.NamespacedName]*Backend{}
	for _, b := range prev.Backends {
		if IsSpare(b.Name) && b.Route != (types.NamespacedName{}) {
			held[b.Route] = b
		}
	}
	rename := map[string]string{}
	for _, b := range next.Backends {
		if s := held[b.Route]; s != nil && !IsSpare(b.Name) && fitsSpare(b, s, next.CookieName) {
			rename[b.Name] = s.Name
		}
	}
	if len(rename) == 0 {
		return next
	}
	return renamed(next, rename, nil)
}

// spares lists the spares whose routes are gone: they are free again.
func spares(held map[types.NamespacedName]*Backend) []*Backend {
	out := make([]*Backend, 0, len(held))
	for _, s := range held {
		out = append(out, s)
	}
	return out
}

// renamed is next with backends renamed (and map entries and the default
// backend following them), plus the given spares, emptied.
func renamed(next *Model, rename map[string]string, empty []*Backend) *Model {
	out := &Model{Maps: make(map[string][]Entry, len(next.Maps)), Certs: next.Certs, DefaultBackend: next.DefaultBackend, CookieName: next.CookieName}
	if to, ok := rename[out.DefaultBackend]; ok {
		out.DefaultBackend = to
	}
	var secure []Entry
	for _, b := range next.Backends {
		if to, ok := rename[b.Name]; ok {
			if b.Cookie != nil && b.Cookie.Secure {
				secure = append(secure, Entry{Key: to, Value: HostValue})
			}
			c := *b
			c.Name, c.Cookie = to, spareCookie(next.CookieName, to)
			b = &c
		}
		out.Backends = append(out.Backends, b)
	}
	for _, s := range empty {
		out.Backends = append(out.Backends, &Backend{Name: s.Name, Mode: s.Mode, Balance: s.Balance, Cookie: s.Cookie})
	}
	sortBackends(out.Backends)
	if len(rename) == 0 {
		out.Maps = next.Maps // nothing to rewrite: share them
		return out
	}
	for name, entries := range next.Maps {
		list := make([]Entry, len(entries))
		for i, e := range entries {
			if to, ok := rename[e.Value]; ok {
				e.Value = to
			}
			list[i] = e
		}
		out.Maps[name] = list
	}
	sort.Slice(secure, func(i, j int) bool { return secure[i].Key < secure[j].Key })
	out.Maps[MapSecureSpares] = secure
	return out
}

func sortBackends(list []*Backend) {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
}

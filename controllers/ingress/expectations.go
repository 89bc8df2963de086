package ingress

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// expectationTTL bounds how long a write is remembered without the cache
// showing it; watches deliver in seconds, so reaching it means an event
// was missed, and the cache is then the better guess.
const expectationTTL = 2 * time.Minute

// expectations remember the Routes this controller created that its cache
// does not show yet, and those it deleted that the cache still shows, so
// that a lagging cache never makes it create a second Route for one
// (host, path) or update a deleted one (OKD §1.16). Unlike OKD, a sync
// does not wait for the cache: it works on the corrected list.
type expectations struct {
	mu      sync.Mutex
	now     func() time.Time
	created map[types.NamespacedName]expected // by Route
	deleted map[types.NamespacedName]expected // by Route
}

type expected struct {
	ingress types.NamespacedName
	route   *routev1.Route
	at      time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, created: map[types.NamespacedName]expected{}, deleted: map[types.NamespacedName]expected{}}
}

func routeName(r *routev1.Route) types.NamespacedName {
	return types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
}

// Created records a Route as the API returned it.
func (e *expectations) Created(ing types.NamespacedName, r *routev1.Route) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.created[routeName(r)] = expected{ingress: ing, route: r.DeepCopy(), at: e.now()}
}

// Deleted records a deleted Route.
func (e *expectations) Deleted(ing types.NamespacedName, r *routev1.Route) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.created, routeName(r))
	e.deleted[routeName(r)] = expected{ingress: ing, route: r, at: e.now()}
}

// Observed is told of every Route event: once the cache has an event for
// a Route, it shows that Route as it is (informers update the cache
// before they notify), so what was expected of it is settled.
func (e *expectations) Observed(route types.NamespacedName, gone bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.created, route)
	if gone {
		delete(e.deleted, route)
	}
}

// Adjust corrects the cached Routes of an Ingress: it adds the Routes
// created but not listed and drops those deleted but still listed, and
// forgets whatever the list already shows or that has expired.
func (e *expectations) Adjust(ing types.NamespacedName, listed []*routev1.Route) []*routev1.Route {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.expire()
	seen := map[types.NamespacedName]bool{}
	out := make([]*routev1.Route, 0, len(listed))
	for _, r := range listed {
		key := routeName(r)
		seen[key] = true
		delete(e.created, key)
		if d, ok := e.deleted[key]; ok && d.route.UID == r.UID {
			continue
		}
		out = append(out, r)
	}
	for key, d := range e.deleted {
		if d.ingress == ing && !seen[key] {
			delete(e.deleted, key)
		}
	}
	for _, c := range e.created {
		if c.ingress == ing {
			out = append(out, c.route.DeepCopy())
		}
	}
	return out
}

// Pending reports whether a write to an Ingress's Routes is still expected
// to show in the cache: if its event was missed, only a sync after the
// expectation expires sees the cache as it is.
func (e *expectations) Pending(ing types.NamespacedName) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range []map[types.NamespacedName]expected{e.created, e.deleted} {
		for _, x := range m {
			if x.ingress == ing {
				return true
			}
		}
	}
	return false
}

// Forget drops everything expected for an Ingress that is gone.
func (e *expectations) Forget(ing types.NamespacedName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range []map[types.NamespacedName]expected{e.created, e.deleted} {
		for key, x := range m {
			if x.ingress == ing {
				delete(m, key)
			}
		}
	}
}

func (e *expectations) expire() {
	deadline := e.now().Add(-expectationTTL)
	for _, m := range []map[types.NamespacedName]expected{e.created, e.deleted} {
		for key, x := range m {
			if x.at.Before(deadline) {
				delete(m, key)
			}
		}
	}
}

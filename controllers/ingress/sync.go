package ingress

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// conflictRetry is how soon a sync that lost a race with another writer,
// or with its own cache, runs again.
const conflictRetry = time.Second

// rejectedRetry is how soon Routes the API refused are tried again.
const rejectedRetry = 10 * time.Minute

// pairing says what to do with each wanted and each owned Route.
type pairing struct {
	updates []pair
	creates []Wanted
	deletes []*routev1.Route
}

type pair struct {
	existing *routev1.Route
	wanted   Wanted
}

// plan pairs wanted Routes with owned ones, each owned Route at most once,
// oldest first: by key, then what is left by loose key, so that a path
// type changed between Prefix and ImplementationSpecific (or a Route
// without the annotation, OKD's or restored) updates the Route in place,
// keeping its name, its age and the fields users set. An owned Route left
// over is deleted.
func plan(wanted []Wanted, owned []*routev1.Route) pairing {
	var p pairing
	used := map[*routev1.Route]bool{}
	paired := make([]bool, len(wanted))
	for _, keyFn := range []func(*routev1.Route) routeKey{keyOf, looseKeyOf} {
		pool := map[routeKey][]*routev1.Route{}
		for _, r := range owned {
			if !used[r] {
				pool[keyFn(r)] = append(pool[keyFn(r)], r)
			}
		}
		for i, w := range wanted {
			k := keyFn(w.Route)
			if rs := pool[k]; len(rs) > 0 && !paired[i] {
				p.updates = append(p.updates, pair{existing: rs[0], wanted: w})
				used[rs[0]], pool[k], paired[i] = true, rs[1:], true
			}
		}
	}
	for i, w := range wanted {
		if !paired[i] {
			p.creates = append(p.creates, w)
		}
	}
	for _, r := range owned {
		if !used[r] {
			p.deletes = append(p.deletes, r)
		}
	}
	return p
}

// written is the outcome of the writes of one sync.
type written struct {
	// kept are the Routes that exist afterwards, as last written or read.
	kept []*routev1.Route
	// problems are incomplete-rule messages found while writing.
	problems []string
	// defaultBackendUnused: spec.defaultBackend is set where it is not allowed.
	defaultBackendUnused bool
	// rejected are the API's refusals of generated Routes: retrying the
	// same Route cannot help, a change of the Ingress will.
	rejected []string
	// err is the first other failure; retry asks for another sync soon.
	err   error
	retry bool
}

// fail records a failed write, and says whether the API refused it (the
// same write will not pass on a retry).
func (w *written) fail(err error) (refused bool) {
	switch {
	case apierrors.IsConflict(err) || apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err):
		w.retry = true
	case (apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)) && !internalCause(err):
		w.rejected = append(w.rejected, err.Error())
		return true
	case w.err == nil:
		w.err = err
	}
	return false
}

// internalCause reports whether a refusal came from a check that failed
// rather than from the Route (a permission check the API could not make
// is reported as an invalid field, as in OKD): retried like other errors.
func internalCause(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	return slices.ContainsFunc(status.Status().Details.Causes, func(c metav1.StatusCause) bool {
		return c.Type == metav1.CauseTypeInternal
	})
}

// apply writes a plan: updates and creations first, then deletions, so
// that a Route replaced by another serving the same requests (a path type
// changed between Exact and Prefix, say) goes only once its successor
// exists: while that creation fails, and may pass on a retry, the old one
// stays. Other deletions go ahead.
func (r *Reconciler) apply(ctx context.Context, ing *networkingv1.Ingress, p pairing, labels bool) written {
	var w written
	for _, u := range p.updates {
		r.update(ctx, u, labels, &w)
	}
	pending := map[routeKey]bool{} // the traffic of creations to retry
	for _, c := range p.creates {
		if rt, err := r.create(ctx, ing, c.Route); err != nil {
			if !w.fail(err) {
				pending[trafficKey(c.Route)] = true
			}
		} else {
			w.kept = append(w.kept, rt)
		}
	}
	for _, o := range p.deletes {
		if pending[trafficKey(o)] {
			w.kept = append(w.kept, o)
			continue
		}
		r.delete(ctx, ing, o, &w)
	}
	return w
}

// trafficKey is keyOf without what does not change the requests a Route
// serves: its path type, and a final "/" of its path (passthrough's "/"
// and "" are one).
func trafficKey(r *routev1.Route) routeKey {
	k := keyOf(r)
	k.pathType, k.path = "", strings.TrimSuffix(k.path, "/")
	return k
}

func (r *Reconciler) update(ctx context.Context, u pair, labels bool, w *written) {
	if msg := portDrift(u.existing, u.wanted.Route); msg != "" {
		w.problems = append(w.problems, msg+u.wanted.At)
	}
	want, changed := Merge(u.existing, u.wanted.Route, labels)
	if !changed {
		w.kept = append(w.kept, u.existing)
		return
	}
	if err := r.Update(ctx, want); err != nil {
		w.fail(err)
		w.kept = append(w.kept, u.existing)
		return
	}
	w.kept = append(w.kept, want)
}

// nameAttempts is how many random names a creation tries, as in OKD.
const nameAttempts = 3

// create creates a Route named as OKD names them, <ingress>-<5 random
// characters>, so that the name is known before the API answers.
func (r *Reconciler) create(ctx context.Context, ing *networkingv1.Ingress, desired *routev1.Route) (*routev1.Route, error) {
	var err error
	for range nameAttempts {
		rt := desired.DeepCopy()
		rt.Name = generateName(ing.Name, hostRoom(rt))
		if err = r.Create(ctx, rt); err == nil {
			r.exp.Created(key(ing), rt)
			return rt, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
	}
	return nil, err
}

// generateName is <base>-<5 random characters>, the base cut so that the
// name is at most room characters long.
func generateName(base string, room int) string {
	maxBase := room - 5
	base += "-"
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return base + utilrand.String(5)
}

// hostRoom is how long rt's name may be: a DNS label; and when the API is
// to generate its host, <name>-<namespace>, the host's first label, must
// fit one too (a default backend's Route), while a name cut to nothing
// useful is left to the API to refuse.
func hostRoom(rt *routev1.Route) int {
	const label = 63
	if rt.Spec.Host != "" {
		return label
	}
	if room := label - 1 - len(rt.Namespace); room >= 5+4 {
		return room
	}
	return label
}

func (r *Reconciler) delete(ctx context.Context, ing *networkingv1.Ingress, rt *routev1.Route, w *written) {
	err := r.Delete(ctx, rt, client.Preconditions{UID: &rt.UID})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		w.fail(err)
		w.kept = append(w.kept, rt)
		return
	}
	r.exp.Deleted(key(ing), rt)
}

// ownedRoutes lists the Routes an Ingress controls, oldest first, as the
// cache and the expectations see them.
func (r *Reconciler) ownedRoutes(ctx context.Context, ing *networkingv1.Ingress) ([]*routev1.Route, error) {
	var list routev1.RouteList
	if err := r.List(ctx, &list, client.InNamespace(ing.Namespace), client.MatchingFields{ownerIndex: ing.Name}); err != nil {
		return nil, err
	}
	routes := make([]*routev1.Route, len(list.Items))
	for i := range list.Items {
		routes[i] = &list.Items[i]
	}
	routes = r.exp.Adjust(key(ing), routes)
	sort.SliceStable(routes, func(i, j int) bool { return routeapi.Older(routes[i], routes[j]) })
	return routes, nil
}

// writeStatus writes the Ingress's load balancer status when it changed.
func (r *Reconciler) writeStatus(ctx context.Context, ing *networkingv1.Ingress, routes []*routev1.Route) error {
	_, named := className(ing)
	lb, changed := LoadBalancer(ing.Status.LoadBalancer.Ingress, routes, named)
	if !changed {
		return nil
	}
	before := ing.DeepCopy()
	ing.Status.LoadBalancer.Ingress = lb
	return r.Status().Patch(ctx, ing, client.MergeFrom(before))
}

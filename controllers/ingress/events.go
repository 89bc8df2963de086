package ingress

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

const (
	eventNormal  = corev1.EventTypeNormal
	eventWarning = corev1.EventTypeWarning
	// eventAction is the action of every event (events.k8s.io needs one).
	eventAction = "ConvertIngressToRoutes"
)

// report emits a sync's events with OKD's reasons and messages: the rules
// and paths that gave no Route (only when the API did not fail, as in OKD,
// since a failed sync says nothing reliable about them), the Routes the API
// refused, other failures, and a default backend that is not in use.
func (r *Reconciler) report(ctx context.Context, ing *networkingv1.Ingress, w written) {
	if len(w.problems) > 0 && w.err == nil {
		r.event(ing, eventNormal, "IncompleteIngressToRouteRules",
			"Incomplete ingress to route rules detected: "+strings.Join(w.problems, "; "))
	}
	for _, msg := range w.rejected {
		r.event(ing, eventWarning, "FailedIngressToRouteConversion", "Error in converting Ingress to Route: "+msg)
	}
	if w.err != nil {
		r.event(ing, eventWarning, "FailedIngressToRouteConversion", "Error in converting Ingress to Route: "+w.err.Error())
	}
	if w.defaultBackendUnused {
		r.event(ing, eventWarning, "DefaultBackendNotAllowed", "spec.defaultBackend is not used: routers take a default backend from "+
			"an Ingress only in namespaces a cluster administrator labelled "+names.DefaultBackendNamespaceLabel+"="+names.DefaultBackendAllowed+
			" (as on OKD, which ignores it); the rules are served without it")
	}
	r.checkDefaultBackend(ctx, ing, w.kept)
}

func (r *Reconciler) event(ing *networkingv1.Ingress, typ, reason, msg string) {
	r.Recorder.Eventf(ing, nil, typ, reason, eventAction, "%s", msg)
}

package ingress

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// ownerAPIVersions are the Ingress API versions whose controller owner
// references mark a Route as generated. extensions.k8s.io/v1beta1 is OKD's
// misspelling of extensions/v1beta1; both are recognised.
var ownerAPIVersions = map[string]bool{
	"networking.k8s.io/v1": true, "networking.k8s.io/v1beta1": true,
	"extensions/v1beta1": true, "extensions.k8s.io/v1beta1": true,
}

// owningIngress is the name of the Ingress that controls a Route, if any.
// References that are not the controller are someone else's business.
func owningIngress(obj metav1.Object) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != "Ingress" || !ownerAPIVersions[ref.APIVersion] {
		return "", false
	}
	return ref.Name, true
}

// routeKey pairs an existing Route with a wanted one: rule Routes by host,
// path and path type (a change of host or path makes a new Route, as in
// OKD; of Exact against the others too), the default backend's by being
// one, since the API chose its host. The path type tells apart an Ingress's Exact and Prefix paths of
// one value: without it the two Routes could be paired crosswise, each
// rewritten into the other, and the router see both as one path for a
// moment (HostAlreadyClaimed).
type routeKey struct {
	host, path, pathType string
	// wildcard: a rule for *.<domain> and one for wildcard.<domain> give
	// the same host, and a Route's wildcardPolicy cannot change.
	wildcard       bool
	defaultBackend bool
}

func keyOf(r *routev1.Route) routeKey {
	if isDefaultBackend(r) {
		return routeKey{defaultBackend: true}
	}
	return routeKey{host: r.Spec.Host, path: r.Spec.Path, pathType: r.Annotations[names.PathTypeAnnotation],
		wildcard: r.Spec.WildcardPolicy == routev1.WildcardPolicySubdomain}
}

// looseKeyOf is keyOf with the path types that match alike as a claim
// (Prefix, ImplementationSpecific, none) made one: Exact stays apart.
func looseKeyOf(r *routev1.Route) routeKey {
	k := keyOf(r)
	if k.pathType != string(networkingv1.PathTypeExact) {
		k.pathType = ""
	}
	return k
}

func isDefaultBackend(r *routev1.Route) bool {
	return r.Annotations[names.DefaultBackendAnnotation] == "true"
}

// Merge returns existing updated to what desired asks for, and whether
// that differs from existing. The Ingress owns the spec, the annotations
// and the owner references, and the labels when reconcileLabels; fields an
// Ingress cannot express stay as users set them.
func Merge(existing, desired *routev1.Route, reconcileLabels bool) (*routev1.Route, bool) {
	want := existing.DeepCopy()
	want.Spec = *desired.Spec.DeepCopy()
	want.Annotations = maps.Clone(desired.Annotations)
	want.OwnerReferences = desired.OwnerReferences
	if reconcileLabels {
		want.Labels = maps.Clone(desired.Labels)
	}
	keepUserFields(want, existing)
	routeapi.Default(want)
	changed := !equality.Semantic.DeepEqual(existing.Spec, want.Spec) ||
		!equality.Semantic.DeepEqual(existing.Annotations, want.Annotations) ||
		!equality.Semantic.DeepEqual(existing.OwnerReferences, want.OwnerReferences) ||
		!equality.Semantic.DeepEqual(existing.Labels, want.Labels)
	return want, changed
}

// keepUserFields carries over from existing what users own: the weight,
// header actions, and the TLS fields OKD leaves to them; for the default
// backend, the host the API generated; and the creation time a migration
// recorded, which orders contested hosts (the copy's own is the migration's).
func keepUserFields(want, existing *routev1.Route) {
	want.Spec.To.Weight = existing.Spec.To.Weight
	if v, ok := existing.Annotations[names.CreatedAnnotation]; ok {
		want.Annotations[names.CreatedAnnotation] = v
	}
	passthrough := want.Spec.TLS != nil && want.Spec.TLS.Termination == routev1.TLSTerminationPassthrough
	if !passthrough { // passthrough allows no header actions
		want.Spec.HTTPHeaders = existing.Spec.HTTPHeaders
	}
	if isDefaultBackend(want) && want.Spec.Host == "" {
		want.Spec.Host = existing.Spec.Host
		if v, ok := existing.Annotations[names.HostGeneratedAnnotation]; ok {
			want.Annotations[names.HostGeneratedAnnotation] = v
		}
	}
	t, old := want.Spec.TLS, existing.Spec.TLS
	if t == nil || old == nil {
		return
	}
	// Passthrough refuses Allow; the other policies, and certificates on
	// edge and reencrypt, are the user's.
	if !passthrough || old.InsecureEdgeTerminationPolicy != routev1.InsecureEdgeTerminationPolicyAllow {
		t.InsecureEdgeTerminationPolicy = old.InsecureEdgeTerminationPolicy
	}
	if !passthrough {
		t.CACertificate = old.CACertificate
	}
	if _, named := want.Annotations[names.DestinationCACertificateSecretAnnotation]; !named && t.Termination == routev1.TLSTerminationReencrypt {
		t.DestinationCACertificate = old.DestinationCACertificate
	}
}

// portDrift is OKD's message for an existing Route whose target port is
// not the one the Service gives; empty when they agree.
func portDrift(existing, desired *routev1.Route) string {
	switch p, want := existing.Spec.Port, desired.Spec.Port; {
	case p == nil && want == nil, p != nil && want != nil && p.TargetPort == want.TargetPort:
		return ""
	case want == nil:
		return fmt.Sprintf("Route specifies a port but the backend service %q has no port", desired.Spec.To.Name)
	}
	return fmt.Sprintf("Target port of %q backend service does not match route target port", desired.Spec.To.Name)
}

// reconcileLabels reads the reconcile-labels annotation the way OKD does;
// a value that is no boolean counts as false and is reported.
func reconcileLabels(ing *networkingv1.Ingress) (bool, string) {
	v, ok := ing.Annotations[names.ReconcileLabelsAnnotation]
	if !ok {
		return false, ""
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Sprintf("Invalid value on annotation %q due to: %q", names.ReconcileLabelsAnnotation, err.Error())
	}
	return b, ""
}

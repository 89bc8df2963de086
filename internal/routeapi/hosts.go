package routeapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The messages OKD gives when a user lacks routes/custom-host.
const (
	hostPermissionMessage      = "you do not have permission to set the host field of the route"
	subdomainPermissionMessage = "you do not have permission to set the subdomain field of the route"
	tlsPermissionMessage       = "you do not have permission to set certificate fields on the route"
)

// Access answers the authorization questions of one API request.
type Access interface {
	// UserAllowed reports whether the user making the request may perform
	// the action described by attrs.
	UserAllowed(ctx context.Context, attrs authorizationv1.ResourceAttributes) (bool, error)
	// Allowed reports whether the named user (e.g. a ServiceAccount) may
	// perform the action described by attrs.
	Allowed(ctx context.Context, user string, attrs authorizationv1.ResourceAttributes) (bool, error)
}

// SecretTypes looks up the type of a Secret; found is false when it does not exist.
type SecretTypes interface {
	SecretType(ctx context.Context, namespace, name string) (t corev1.SecretType, found bool, err error)
}

func customHost(namespace, verb string) authorizationv1.ResourceAttributes {
	return authorizationv1.ResourceAttributes{
		Namespace: namespace, Verb: verb,
		Group: routev1.GroupVersion.Group, Resource: "routes", Subresource: "custom-host",
	}
}

// clusterWide is a permission on routes that only a grant across the
// cluster gives (a ClusterRoleBinding): what it allows reaches beyond the
// route's namespace, so a namespace's admin must not hold it.
func clusterWide(subresource string) authorizationv1.ResourceAttributes {
	return authorizationv1.ResourceAttributes{
		Verb: "create", Group: routev1.GroupVersion.Group, Resource: "routes", Subresource: subresource,
	}
}

// migrate is the permission to move Routes between Route API servers,
// which may set the created annotation: it decides which route of any
// namespace keeps a contested host.
var migrate = clusterWide("migrate")

// requireAccess refuses fld with denied unless the user holds perm.
func requireAccess(ctx context.Context, access Access, perm authorizationv1.ResourceAttributes, fld *field.Path, denied string) field.ErrorList {
	ok, err := access.UserAllowed(ctx, perm)
	if err != nil {
		return field.ErrorList{field.InternalError(fld, fmt.Errorf("checking routes/%s: %w", perm.Subresource, err))}
	}
	if !ok {
		return field.ErrorList{field.Forbidden(fld, denied)}
	}
	return nil
}

// defaultBackend is the permission to make a route the routers' answer to
// requests for hosts no route serves, in every namespace's stead.
var defaultBackend = clusterWide("default-backend")

// AssignHost runs on creation, before validation: a user who sets spec.host
// or certificate fields needs `create routes/custom-host`; a route with
// neither host nor subdomain (and not a wildcard) gets the host
// <name>-<namespace>.<domain> and the host.generated annotation. An empty
// domain disables generation.
func AssignHost(ctx context.Context, r *routev1.Route, access Access, domain string) field.ErrorList {
	hostSet, certSet := r.Spec.Host != "", hasCertificate(r.Spec.TLS)
	if hostSet || certSet {
		ok, err := access.UserAllowed(ctx, customHost(r.Namespace, "create"))
		if err != nil {
			return field.ErrorList{field.InternalError(field.NewPath("spec", "host"), fmt.Errorf("checking routes/custom-host: %w", err))}
		}
		if !ok && hostSet {
			return field.ErrorList{field.Forbidden(field.NewPath("spec", "host"), hostPermissionMessage)}
		}
		if !ok {
			return field.ErrorList{field.Forbidden(field.NewPath("spec", "tls"), tlsPermissionMessage)}
		}
	}
	if r.Spec.WildcardPolicy == routev1.WildcardPolicySubdomain || hostSet || r.Spec.Subdomain != "" || domain == "" {
		return nil
	}
	if len(validation.IsDNS1123Subdomain(r.Name)) > 0 {
		return nil // no host from a name that validation refuses, with the name's own error
	}
	host := GenerateHost(r.Name, r.Namespace, domain)
	if errs := hostLabelErrors(host, field.NewPath("spec", "host")); len(errs) > 0 && r.Annotations[names.AllowNonDNSCompliantHostAnnotation] != "true" {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "host"), host,
			"the generated host <name>-<namespace>."+domain+" has a label longer than 63 characters: choose a shorter route name or set spec.host")}
	}
	r.Spec.Host = host
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	r.Annotations[names.HostGeneratedAnnotation] = "true"
	return nil
}

// GenerateHost is the host OKD gives a route that names none: dots in the
// name become dashes, so that the host stays one label below the domain
// (its wildcard DNS record and certificate cover no more).
func GenerateHost(name, namespace, domain string) string {
	return strings.ReplaceAll(name, ".", "-") + "-" + namespace + "." + domain
}

// KeepOnUpdate runs on every update, before defaulting and validation, in
// the Route API server and the CRD's webhook alike: what an update leaves
// out but the Route keeps (its host, its created annotation).
func KeepOnUpdate(r, old *routev1.Route) {
	KeepHost(r, old)
	KeepCreated(r, old)
}

// KeepHost gives an update that leaves spec.host empty the host the route
// has, as OKD's API does: a manifest applied again with replace (or a
// controller that rebuilds the spec) must not clear a generated host.
func KeepHost(r, old *routev1.Route) {
	if r.Spec.Host == "" {
		r.Spec.Host = old.Spec.Host
	}
}

// ValidateHostUpdate runs on update: changing host or subdomain needs
// `update routes/custom-host`; changing (not removing) certificate fields
// needs `update` or `create` on it, otherwise they are immutable.
func ValidateHostUpdate(ctx context.Context, r, old *routev1.Route, access Access) field.ErrorList {
	hostChanged := r.Spec.Host != old.Spec.Host
	subdomainChanged := r.Spec.Subdomain != old.Spec.Subdomain
	if !hostChanged && !subdomainChanged && !certificateChanged(r.Spec.TLS, old.Spec.TLS) {
		return nil
	}
	ok, err := access.UserAllowed(ctx, customHost(r.Namespace, "update"))
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec", "host"), fmt.Errorf("checking routes/custom-host: %w", err))}
	}
	switch {
	case ok:
		return nil
	case hostChanged:
		return field.ErrorList{field.Invalid(field.NewPath("spec", "host"), r.Spec.Host, hostPermissionMessage)}
	case subdomainChanged:
		return field.ErrorList{field.Invalid(field.NewPath("spec", "subdomain"), r.Spec.Subdomain, subdomainPermissionMessage)}
	}
	if ok, err = access.UserAllowed(ctx, customHost(r.Namespace, "create")); err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec", "tls"), fmt.Errorf("checking routes/custom-host: %w", err))}
	} else if ok {
		return nil
	}
	return certificateImmutable(r.Spec.TLS, old.Spec.TLS, field.NewPath("spec", "tls"))
}

func hasCertificate(tls *routev1.TLSConfig) bool {
	return tls != nil && (tls.Certificate != "" || tls.Key != "" || tls.CACertificate != "" || tls.DestinationCACertificate != "")
}

// certificateChanged reports whether an update adds or changes certificate
// material; removing it, or switching to the default certificate, is free.
func certificateChanged(tls, old *routev1.TLSConfig) bool {
	if !hasCertificate(tls) {
		return false
	}
	if old == nil {
		return true
	}
	return tls.Certificate != old.Certificate || tls.Key != old.Key ||
		tls.CACertificate != old.CACertificate || tls.DestinationCACertificate != old.DestinationCACertificate
}

func certificateImmutable(tls, old *routev1.TLSConfig, fld *field.Path) field.ErrorList {
	if tls == nil || old == nil {
		if !equality.Semantic.DeepEqual(tls, old) {
			return field.ErrorList{field.Invalid(fld, "redacted", tlsPermissionMessage)}
		}
		return nil
	}
	var errs field.ErrorList
	for _, f := range []struct {
		name     string
		now, was string
	}{
		{"caCertificate", tls.CACertificate, old.CACertificate},
		{"certificate", tls.Certificate, old.Certificate},
		{"destinationCACertificate", tls.DestinationCACertificate, old.DestinationCACertificate},
		{"key", tls.Key, old.Key},
	} {
		if f.now != f.was {
			errs = append(errs, field.Invalid(fld.Child(f.name), "redacted", tlsPermissionMessage))
		}
	}
	return errs
}

// ValidateExternalCertificate checks a route that takes its certificate from
// a Secret: the user needs `create routes/custom-host`, the routers'
// ServiceAccount must be able to get, list and watch that Secret (routers have
// no cluster-wide Secret access), and the Secret must exist with type
// kubernetes.io/tls.
func ValidateExternalCertificate(ctx context.Context, r *routev1.Route, access Access, secrets SecretTypes, routerNamespace string) field.ErrorList {
	tls := r.Spec.TLS
	if tls == nil || tls.ExternalCertificate == nil {
		return nil
	}
	fld := field.NewPath("spec", "tls", "externalCertificate")
	name := tls.ExternalCertificate.Name
	if name == "" {
		return field.ErrorList{field.Required(fld.Child("name"), "the name of a kubernetes.io/tls Secret is required")}
	}
	if errs := requireAccess(ctx, access, customHost(r.Namespace, "create"), fld,
		"you do not have permission to set an external certificate on the route (create routes/custom-host)"); len(errs) > 0 {
		return errs
	}
	router := names.RouterServiceAccountUser(routerNamespace)
	for _, verb := range []string{"get", "list", "watch"} {
		attrs := authorizationv1.ResourceAttributes{Namespace: r.Namespace, Verb: verb, Resource: "secrets", Name: name}
		if ok, err := access.Allowed(ctx, router, attrs); err != nil {
			return field.ErrorList{field.InternalError(fld, err)}
		} else if !ok {
			return field.ErrorList{field.Forbidden(fld, fmt.Sprintf("router serviceaccount %s does not have permission to %s this secret: "+
				"grant it get, list and watch on secrets/%s with a Role and RoleBinding", router, verb, name))}
		}
	}
	t, found, err := secrets.SecretType(ctx, r.Namespace, name)
	switch {
	case err != nil:
		return field.ErrorList{field.InternalError(fld, err)}
	case !found:
		return field.ErrorList{field.NotFound(fld, name)}
	case t != corev1.SecretTypeTLS:
		return field.ErrorList{field.Invalid(fld, name, fmt.Sprintf("secret of type %q is not supported: use type %q", t, corev1.SecretTypeTLS))}
	}
	return nil
}

// ValidateDomain checks a router domain given to the API (generated hosts
// end with it): a DNS subdomain of labels a host can have, lower case and
// without a trailing dot. A bad one would make every generated host fail
// with a message about the route's name.
func ValidateDomain(domain string) error {
	if msgs := validation.IsDNS1123Subdomain(domain); len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "; "))
	}
	for _, label := range strings.Split(domain, ".") {
		if msgs := validation.IsDNS1123Label(label); len(msgs) > 0 {
			return fmt.Errorf("label %q: %s", label, strings.Join(msgs, "; "))
		}
	}
	return nil
}

package routeapi

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// Checks are the checks of one Route write that need the cluster: who the
// user is and which Secrets exist. Both front ends of the Route API (the
// admission webhook of the CRD and the aggregated API server) build one per
// request and call CheckCreate or CheckUpdate on the defaulted route.
type Checks struct {
	Access  Access
	Secrets SecretTypes
	// RouterNamespace is where the routers' ServiceAccount lives.
	RouterNamespace string
}

// CheckCreate validates a new, defaulted Route whose host has been assigned
// (AssignHost): the field rules, who may set the created and default-backend
// annotations, then the external certificate.
func (c Checks) CheckCreate(ctx context.Context, r *routev1.Route) field.ErrorList {
	if errs := Validate(r); len(errs) > 0 {
		return errs
	}
	if errs := validateCreated(ctx, r, nil, c.Access); len(errs) > 0 {
		return errs
	}
	if errs := validateDefaultBackend(ctx, r, nil, c.Access); len(errs) > 0 {
		return errs
	}
	return c.checkExternalCertificate(ctx, r)
}

// checkExternalCertificate checks a newly referenced external certificate,
// unless a migration writes the Route: it moves a Route checked when it
// was made, and whether the Secret is still there and readable is the
// routers' to report (they refuse the route), as on the server it came
// from; refusing it would stop the whole move.
func (c Checks) checkExternalCertificate(ctx context.Context, r *routev1.Route) field.ErrorList {
	if externalCertificate(r) == "" {
		return nil
	}
	if _, moved := r.Annotations[names.CreatedAnnotation]; moved {
		if ok, err := c.Access.UserAllowed(ctx, migrate); err == nil && ok {
			return nil
		}
	}
	return ValidateExternalCertificate(ctx, r, c.Access, c.Secrets, c.RouterNamespace)
}

// CheckUpdate validates an update of a Route's spec: the field rules, the
// routes/custom-host permission for host and certificate changes, and a
// newly referenced external certificate.
func (c Checks) CheckUpdate(ctx context.Context, r, old *routev1.Route) field.ErrorList {
	if errs := ValidateUpdate(r, old); len(errs) > 0 {
		return errs
	}
	if errs := ValidateHostUpdate(ctx, r, old, c.Access); len(errs) > 0 {
		return errs
	}
	if errs := validateCreated(ctx, r, old, c.Access); len(errs) > 0 {
		return errs
	}
	if errs := validateDefaultBackend(ctx, r, old, c.Access); len(errs) > 0 {
		return errs
	}
	if externalCertificate(r) != externalCertificate(old) {
		return c.checkExternalCertificate(ctx, r)
	}
	return nil
}

// validateDefaultBackend lets only a user allowed `create
// routes/default-backend` across the cluster make a route the routers'
// default backend (old is nil on creation): it would answer requests for
// every host no route serves, those of other namespaces included, and with
// the router's default certificate. Turning it off is anyone's right.
func validateDefaultBackend(ctx context.Context, r, old *routev1.Route, access Access) field.ErrorList {
	on := func(r *routev1.Route) bool {
		return r != nil && r.Annotations[names.DefaultBackendAnnotation] == "true"
	}
	if !on(r) || on(old) {
		return nil
	}
	fld := field.NewPath("metadata", "annotations").Key(names.DefaultBackendAnnotation)
	return requireAccess(ctx, access, defaultBackend, fld,
		"only a user allowed create routes/default-backend across the cluster may make a route the routers' default backend: it answers requests for every host no route serves")
}

// Warnings are the non-fatal remarks OKD makes about a Route.
func Warnings(r *routev1.Route) []string {
	if r.Spec.Host != "" && r.Spec.Subdomain != "" {
		return []string{"spec.host is set; spec.subdomain may be ignored"}
	}
	return nil
}

// externalCertificate is the Secret a route names for its certificate, or "".
func externalCertificate(r *routev1.Route) string {
	if r.Spec.TLS == nil || r.Spec.TLS.ExternalCertificate == nil {
		return ""
	}
	return "/" + r.Spec.TLS.ExternalCertificate.Name
}

// ServedExternalCertificate is the Secret whose certificate an edge or
// reencrypt route serves (spec.tls.externalCertificate), if it names one:
// the Secret routers read for it. The name may be empty, which routers
// refuse.
func ServedExternalCertificate(r *routev1.Route) (string, bool) {
	t := r.Spec.TLS
	if t == nil || t.ExternalCertificate == nil || t.Termination == routev1.TLSTerminationPassthrough {
		return "", false
	}
	return t.ExternalCertificate.Name, true
}

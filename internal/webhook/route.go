// Package webhook serves the admission webhooks of the Route API: a thin
// layer that decodes requests and calls internal/routeapi, where every rule
// lives.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// RouteWebhook defaults and validates Routes.
type RouteWebhook struct {
	// Client reads Secrets and creates SubjectAccessReviews; it must not cache
	// Secrets, so use the manager's API reader-backed client.
	Client client.Client
	// Domain is the default router domain used to generate hosts.
	Domain string
	// RouterNamespace is where the routers' ServiceAccount lives.
	RouterNamespace string
}

// SetupWithManager registers the mutating and validating Route webhooks.
func (w *RouteWebhook) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &routev1.Route{}).
		WithDefaulter(w).WithDefaulterCustomPath(names.RouteMutatePath).
		WithValidator(w).WithValidatorCustomPath(names.RouteValidatePath).
		Complete()
}

// Default applies the Route defaults; on update it keeps the stored host
// and created annotation when the update leaves them out (as the Route API
// server's strategy does); on creation, the custom-host permission check
// and host generation. The permission check runs here, on what the user
// sent, because the validating webhook would see a generated host as one
// the user set.
func (w *RouteWebhook) Default(ctx context.Context, r *routev1.Route) error {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return err
	}
	if req.SubResource != "" {
		return nil
	}
	if req.Operation == "UPDATE" {
		old := &routev1.Route{}
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("decoding the stored Route: %v", err))
		}
		routeapi.KeepOnUpdate(r, old)
	}
	routeapi.Default(r)
	if req.Operation != "CREATE" {
		return nil
	}
	if r.Namespace == "" {
		r.Namespace = req.Namespace
	}
	// With generateName the API server has not chosen a name yet; choose it
	// here so the generated host can contain it, as OKD's does.
	if r.Name == "" && r.GenerateName != "" {
		r.Name = r.GenerateName + utilrand.String(5)
	}
	return invalid(r, routeapi.AssignHost(ctx, r, w.access(req), w.Domain))
}

// ValidateCreate checks a new Route.
func (w *RouteWebhook) ValidateCreate(ctx context.Context, r *routev1.Route) (admission.Warnings, error) {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	return routeapi.Warnings(r), invalid(r, w.checks(req).CheckCreate(ctx, r))
}

// ValidateUpdate checks an update of a Route or of its status.
func (w *RouteWebhook) ValidateUpdate(ctx context.Context, old, r *routev1.Route) (admission.Warnings, error) {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return nil, err
	}
	if req.SubResource == "status" {
		return nil, invalid(r, routeapi.ValidateStatusUpdate(r, old))
	}
	return routeapi.Warnings(r), invalid(r, w.checks(req).CheckUpdate(ctx, r, old))
}

// ValidateDelete allows every deletion.
func (w *RouteWebhook) ValidateDelete(context.Context, *routev1.Route) (admission.Warnings, error) {
	return nil, nil
}

// SecretType implements routeapi.SecretTypes.
func (w *RouteWebhook) SecretType(ctx context.Context, namespace, name string) (corev1.SecretType, bool, error) {
	var s corev1.Secret
	err := w.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s)
	if apierrors.IsNotFound(err) {
		return "", false, nil
	}
	return s.Type, err == nil, err
}

func invalid(r *routev1.Route, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(routev1.GroupVersion.WithKind("Route").GroupKind(), r.Name, errs)
}

func (w *RouteWebhook) checks(req admission.Request) routeapi.Checks {
	return routeapi.Checks{Access: w.access(req), Secrets: w, RouterNamespace: w.RouterNamespace}
}

func (w *RouteWebhook) access(req admission.Request) routeapi.Access {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range req.UserInfo.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	return &sarAccess{client: w.Client, user: authorizationv1.SubjectAccessReviewSpec{
		User: req.UserInfo.Username, UID: req.UserInfo.UID, Groups: req.UserInfo.Groups, Extra: extra,
	}}
}

// sarAccess answers authorization questions with SubjectAccessReviews.
type sarAccess struct {
	client client.Client
	// user is the requesting user, as a review spec without attributes.
	user authorizationv1.SubjectAccessReviewSpec
}

func (a *sarAccess) UserAllowed(ctx context.Context, attrs authorizationv1.ResourceAttributes) (bool, error) {
	spec := a.user
	spec.ResourceAttributes = &attrs
	return a.review(ctx, spec)
}

func (a *sarAccess) Allowed(ctx context.Context, user string, attrs authorizationv1.ResourceAttributes) (bool, error) {
	return a.review(ctx, authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: &attrs})
}

func (a *sarAccess) review(ctx context.Context, spec authorizationv1.SubjectAccessReviewSpec) (bool, error) {
	sar := &authorizationv1.SubjectAccessReview{Spec: spec}
	if err := a.client.Create(ctx, sar); err != nil {
		return false, fmt.Errorf("subjectaccessreview: %w", err)
	}
	return sar.Status.Allowed, nil
}

package routeserver

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// strategy applies internal/routeapi to Route writes: defaults on every
// write, host assignment and the routes/custom-host checks on creation, the
// update rules on update. OKD's strategy assigns the host in Validate too: it
// is the first step that may fail, and it must see the generated name.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	// Domain is the default router domain of generated hosts.
	Domain string
	// RouterNamespace is where the routers' ServiceAccount lives.
	RouterNamespace string
	// Authorizer answers the routes/custom-host and router Secret questions.
	Authorizer authorizer.Authorizer
	// Client reads Secrets named as external certificates.
	Client kubernetes.Interface
}

var (
	// mainResetFields: a write of the route cannot change its status, nor a
	// status write its spec (server-side apply must know both).
	mainResetFields = map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(routev1.GroupVersion.String()): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
	statusResetFields = map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(routev1.GroupVersion.String()): fieldpath.NewSet(fieldpath.MakePathOrDie("spec"),
			// What the status strategy keeps from the stored route, so that a
			// status apply does not claim fields it cannot change.
			fieldpath.MakePathOrDie("metadata", "labels"), fieldpath.MakePathOrDie("metadata", "annotations"),
			fieldpath.MakePathOrDie("metadata", "ownerReferences"), fieldpath.MakePathOrDie("metadata", "finalizers")),
	}
)

func (strategy) NamespaceScoped() bool                                   { return true }
func (strategy) AllowCreateOnUpdate(context.Context) bool                { return false }
func (strategy) Canonicalize(runtime.Object)                             {}
func (strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set { return mainResetFields }

func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	r := obj.(*routev1.Route)
	r.Status = routev1.RouteStatus{}
	// generation counts spec changes from 1, as for a custom resource (the
	// routers tell a spec change from a status write by it), whatever the
	// client sent (a manifest exported with its generation).
	r.Generation = 1
	routeapi.Default(r)
}

func (s strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*routev1.Route)
	checks := s.checks(ctx)
	if errs := routeapi.AssignHost(ctx, r, checks.Access, s.Domain); len(errs) > 0 {
		return errs
	}
	return checks.CheckCreate(ctx, r)
}

func (strategy) WarningsOnCreate(_ context.Context, obj runtime.Object) []string {
	return routeapi.Warnings(obj.(*routev1.Route))
}

func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	r, o := obj.(*routev1.Route), old.(*routev1.Route)
	r.Status = o.Status
	routeapi.KeepOnUpdate(r, o)
	routeapi.Default(r)
	if !equality.Semantic.DeepEqual(r.Spec, o.Spec) {
		r.Generation = o.Generation + 1
	}
}

func (s strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.checks(ctx).CheckUpdate(ctx, obj.(*routev1.Route), old.(*routev1.Route))
}

func (strategy) WarningsOnUpdate(_ context.Context, obj, _ runtime.Object) []string {
	return routeapi.Warnings(obj.(*routev1.Route))
}

// AllowUnconditionalUpdate is false, as for a custom resource: an update
// without a resourceVersion would silently overwrite a router's status write.
func (strategy) AllowUnconditionalUpdate(context.Context) bool { return false }

func (s strategy) checks(ctx context.Context) routeapi.Checks {
	u, _ := request.UserFrom(ctx)
	return routeapi.Checks{
		Access:          authorizerAccess{authz: s.Authorizer, user: u},
		Secrets:         secretTypes{client: s.Client},
		RouterNamespace: s.RouterNamespace,
	}
}

// statusStrategy lets writes of the status subresource change only status.
type statusStrategy struct{ strategy }

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return statusResetFields
}

// PrepareForUpdate keeps all but the new status (and the managed fields
// that record who wrote it), as a custom resource's status strategy does:
// labels and annotations written here would skip the checks of the main
// resource (the created annotation decides who keeps a contested host, and
// routers' ServiceAccounts may write status).
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	r := obj.(*routev1.Route)
	status, managed := r.Status, r.ManagedFields
	*r = *old.(*routev1.Route).DeepCopy()
	r.Status, r.ManagedFields = status, managed
}

func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return routeapi.ValidateStatusUpdate(obj.(*routev1.Route), old.(*routev1.Route))
}

func (statusStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// getAttrs gives the labels and the selectable fields of a Route.
func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	r, ok := obj.(*routev1.Route)
	if !ok {
		return nil, nil, fmt.Errorf("not a Route: %T", obj)
	}
	return labels.Set(r.Labels), selectableFields(r), nil
}

func selectableFields(r *routev1.Route) fields.Set {
	return generic.AddObjectMetaFieldsSet(fields.Set{
		"spec.host":    r.Spec.Host,
		"spec.path":    r.Spec.Path,
		"spec.to.name": r.Spec.To.Name,
	}, &r.ObjectMeta, true)
}

func matcher(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs}
}

// authorizerAccess answers routeapi's permission questions with the server's
// authorizer, which delegates to the main API server (SubjectAccessReview).
type authorizerAccess struct {
	authz authorizer.Authorizer
	user  user.Info
}

func (a authorizerAccess) UserAllowed(ctx context.Context, attrs authorizationv1.ResourceAttributes) (bool, error) {
	if a.user == nil {
		return false, fmt.Errorf("no user in the request")
	}
	return a.allowed(ctx, a.user, attrs)
}

func (a authorizerAccess) Allowed(ctx context.Context, name string, attrs authorizationv1.ResourceAttributes) (bool, error) {
	return a.allowed(ctx, &user.DefaultInfo{Name: name}, attrs)
}

func (a authorizerAccess) allowed(ctx context.Context, u user.Info, attrs authorizationv1.ResourceAttributes) (bool, error) {
	decision, _, err := a.authz.Authorize(ctx, authorizer.AttributesRecord{
		User: u, Verb: attrs.Verb, Namespace: attrs.Namespace, APIGroup: attrs.Group, APIVersion: attrs.Version,
		Resource: attrs.Resource, Subresource: attrs.Subresource, Name: attrs.Name, ResourceRequest: true,
	})
	if decision == authorizer.DecisionAllow {
		return true, nil
	}
	return false, err
}

// secretTypes looks Secrets up in the main API server, uncached: only routes
// naming an external certificate need one.
type secretTypes struct{ client kubernetes.Interface }

func (s secretTypes) SecretType(ctx context.Context, namespace, name string) (corev1.SecretType, bool, error) {
	secret, err := s.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return secret.Type, true, nil
}

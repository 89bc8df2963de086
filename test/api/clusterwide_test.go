package api

import (
	"context"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// TestClusterWideRouteAnnotations: the two annotations whose effect reaches
// beyond a route's namespace (the created time, which decides who keeps a
// contested host, and the default backend, which answers every unmatched
// host) need a grant across the cluster. A namespace owner with every verb
// on every routes subresource in its namespace may set neither, on the
// route or through its status.
func TestClusterWideRouteAnnotations(t *testing.T) {
	ns := newNamespace(t, "cluster-wide")
	ctx := context.Background()
	must(t, cluster.Client.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "routes-all"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{routev1.GroupVersion.Group}, Resources: []string{"*"}, Verbs: []string{"*"}}}}))
	bindUser(t, ns, "ns-owner", "Role", "routes-all")
	bindUser(t, ns, "catchall-admin", "ClusterRole", "okd-ingress-route-edit")
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "catchall-admin-" + ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "okd-ingress-route-default-backend"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "catchall-admin"}}}
	must(t, cluster.Client.Create(ctx, crb))
	t.Cleanup(func() { _ = cluster.Client.Delete(ctx, crb) })
	for _, sub := range []string{"", "status", "migrate", "default-backend"} {
		waitRouteAccess(t, "ns-owner", ns, "create", sub)
	}
	waitRouteAccess(t, "catchall-admin", "", "create", "default-backend")
	owner, err := cluster.UserClient("ns-owner")
	must(t, err)
	admin, err := cluster.UserClient("catchall-admin")
	must(t, err)

	backdated := routeapi.FormatCreated(time.Unix(1, 0), "00000000-forged")
	for _, tc := range []struct{ name, key, value, want string }{
		{"backdated", names.CreatedAnnotation, backdated, "routes/migrate"},
		{"catch-all", names.DefaultBackendAnnotation, "true", "routes/default-backend"},
	} {
		err := owner.Create(ctx, newRoute(ns, tc.name, host(""), annotate(tc.key, tc.value)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s by the namespace's owner: %v, want a refusal naming %s", tc.name, err, tc.want)
		}
	}
	must(t, admin.Create(ctx, newRoute(ns, "catch-all", host(""), annotate(names.DefaultBackendAnnotation, "true"))))

	// Through the status subresource: accepted or not, the metadata stays.
	r := newRoute(ns, "plain", host(""))
	must(t, owner.Create(ctx, r))
	r.Annotations = map[string]string{names.CreatedAnnotation: backdated, names.DefaultBackendAnnotation: "true"}
	r.Labels = map[string]string{"shard": "other"}
	_ = owner.Status().Update(ctx, r)
	got := getRoute(t, ns, "plain")
	before := got.DeepCopy()
	got.Annotations = r.Annotations
	got.Labels = r.Labels
	_ = owner.Status().Patch(ctx, got, client.MergeFrom(before))
	got = getRoute(t, ns, "plain")
	if len(got.Labels) > 0 || got.Annotations[names.CreatedAnnotation] != "" || got.Annotations[names.DefaultBackendAnnotation] != "" {
		t.Errorf("status writes changed the route's metadata: labels %v, annotations %v", got.Labels, got.Annotations)
	}
	// Nor do they claim it (the Route API server resets it for server-side
	// apply; a custom resource's status resets only spec).
	for _, mf := range got.ManagedFields {
		if aggregated() && mf.Subresource == "status" && mf.FieldsV1 != nil && strings.Contains(mf.FieldsV1.GetRawString(), `"f:labels"`) {
			t.Errorf("the status writer %q manages labels it could not write: %s", mf.Manager, mf.FieldsV1.GetRawString())
		}
	}
}

// TestCreatedAnnotationKept: an update that leaves the created annotation
// out (kubectl replace, helm upgrade --force, a controller writing
// annotations wholesale, a merge patch setting it to null) keeps it, for
// the namespace's users and for a cluster admin alike: dropped, a moved
// Route's age would become the time of its move, and a later Route could
// take its host.
func TestCreatedAnnotationKept(t *testing.T) {
	ns := newNamespace(t, "created-kept")
	ctx := context.Background()
	bindUser(t, ns, "editor", "ClusterRole", "okd-ingress-route-edit")
	waitRouteAccess(t, "editor", ns, "update", "")
	editor, err := cluster.UserClient("editor")
	must(t, err)
	moved := routeapi.FormatCreated(time.Unix(1, 0), "00000000-moved")
	must(t, cluster.Client.Create(ctx, newRoute(ns, "moved", host(""), annotate(names.CreatedAnnotation, moved))))

	wantKept := func(how string) {
		t.Helper()
		if got := getRoute(t, ns, "moved").Annotations[names.CreatedAnnotation]; got != moved {
			t.Errorf("after %s: created annotation %q, want %q", how, got, moved)
		}
	}
	r := getRoute(t, ns, "moved")
	r.Annotations = map[string]string{"team": "shop"}
	must(t, editor.Update(ctx, r))
	wantKept("an update by the namespace's editor without it")
	if got := getRoute(t, ns, "moved").Annotations["team"]; got != "shop" {
		t.Errorf("the update's own annotation: %q", got)
	}

	r = getRoute(t, ns, "moved")
	null := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+names.CreatedAnnotation+`":null}}}`))
	must(t, editor.Patch(ctx, r, null))
	wantKept("a merge patch removing it")

	r = getRoute(t, ns, "moved")
	r.Annotations = nil
	must(t, cluster.Client.Update(ctx, r))
	wantKept("an update by a cluster admin without it")
}

package api

import (
	"context"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The messages OKD gives a user without routes/custom-host.
const (
	hostDenied = "you do not have permission to set the host field of the route"
	certDenied = "you do not have permission to set certificate fields on the route"
)

// bindUser binds a user to a Role or ClusterRole in one namespace.
func bindUser(t *testing.T, ns, user, kind, role string) {
	t.Helper()
	must(t, cluster.Client.Create(context.Background(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user + "-" + role},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}))
}

// routeAccess asks the API server whether a user may use routes or one of
// their subresources.
func routeAccess(t *testing.T, user, ns, verb, subresource string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb,
			Group: routev1.GroupVersion.Group, Resource: "routes", Subresource: subresource}}}
	must(t, cluster.Client.Create(context.Background(), sar))
	return sar.Status.Allowed
}

// waitRouteAccess waits until RBAC grants the user verb on routes (or a
// subresource): new bindings reach the authorizer through an informer.
func waitRouteAccess(t *testing.T, user, ns, verb, subresource string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !routeAccess(t, user, ns, verb, subresource); {
		if time.Now().After(deadline) {
			t.Fatalf("user %s still may not %s routes/%s in %s", user, verb, subresource, ns)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wantGeneratedHost(ns string) check {
	return func(t *testing.T, r *routev1.Route) {
		t.Helper()
		wantHost(r.Name+"-"+ns+"."+testDomain)(t, r)
		if r.Annotations[names.HostGeneratedAnnotation] != "true" {
			t.Errorf("annotations = %v, want %s=true", r.Annotations, names.HostGeneratedAnnotation)
		}
	}
}

func wantCertificate(t *testing.T, r *routev1.Route) {
	t.Helper()
	if r.Spec.TLS == nil || r.Spec.TLS.Certificate != fakePEM || r.Spec.TLS.Key != fakePEM {
		t.Errorf("spec.tls = %+v, want the certificate and key kept", r.Spec.TLS)
	}
}

// TestCustomHost checks the routes/custom-host permission through the real
// webhook, for a user who may only create, get and update routes and for a
// namespace editor (the okd-ingress-route-edit ClusterRole, which grants
// create, as OKD's edit role does: a host chosen at creation, certificates
// at any time, but no Route moved to another host).
func TestCustomHost(t *testing.T) {
	ns := newNamespace(t, "custom-host")
	ctx := context.Background()

	must(t, cluster.Client.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "routes-only"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{routev1.GroupVersion.Group}, Resources: []string{"routes"},
			Verbs: []string{"create", "get", "update"}}}}))
	bindUser(t, ns, "plain-user", "Role", "routes-only")
	bindUser(t, ns, "route-editor", "ClusterRole", "okd-ingress-route-edit")
	for _, verb := range []string{"create", "get", "update"} {
		waitRouteAccess(t, "plain-user", ns, verb, "")
	}
	waitRouteAccess(t, "route-editor", ns, "create", "custom-host")
	for _, verb := range []string{"create", "update"} {
		if routeAccess(t, "plain-user", ns, verb, "custom-host") {
			t.Fatalf("plain-user may %s routes/custom-host; the test needs a user who may not", verb)
		}
	}
	if routeAccess(t, "route-editor", ns, "update", "custom-host") {
		t.Fatal("an editor may update routes/custom-host, which OKD grants no namespace role")
	}

	cases := []struct {
		name   string
		create []routeMod // by the user when update is nil, else by the admin
		update routeMod   // by the user
		denied string     // the error for plain-user; "" when allowed
		// editorDenied: the editor gets denied too (only update allows it)
		editorDenied bool
		checks       []check // on the route after the user's request
	}{
		{name: "create-host", create: []routeMod{host("chosen.example.com")}, denied: hostDenied,
			checks: []check{wantHost("chosen.example.com")}},
		{name: "create-cert", create: []routeMod{host(""), tls("edge", cert)}, denied: certDenied,
			checks: []check{wantCertificate}},
		{name: "create-host-and-cert", create: []routeMod{tls("edge", cert)}, denied: hostDenied},
		{name: "create-plain", create: []routeMod{host("")}, checks: []check{wantGeneratedHost(ns)}},
		{name: "create-edge-default-cert", create: []routeMod{host(""), tls("edge")}, checks: []check{wantGeneratedHost(ns)}},
		{name: "update-host", update: host("moved.example.com"), denied: hostDenied, editorDenied: true},
		{name: "update-subdomain", create: []routeMod{host(""), subdomain("first")}, update: subdomain("second"),
			denied: "you do not have permission to set the subdomain field of the route", editorDenied: true},
		{name: "update-path", update: path("/v2"), checks: []check{func(t *testing.T, r *routev1.Route) {
			if r.Spec.Path != "/v2" {
				t.Errorf("spec.path = %q, want /v2", r.Spec.Path)
			}
		}}},
		{name: "update-cert", create: []routeMod{tls("edge")}, update: tls("edge", cert), denied: certDenied,
			checks: []check{wantCertificate}},
	}
	for _, user := range []string{"plain-user", "route-editor"} {
		uc, err := cluster.UserClient(user)
		must(t, err)
		for _, tc := range cases {
			t.Run(user+"/"+tc.name, func(t *testing.T) {
				r := newRoute(ns, user+"-"+tc.name, tc.create...)
				var err error
				if tc.update == nil {
					err = uc.Create(ctx, r)
				} else {
					must(t, cluster.Client.Create(ctx, r))
					must(t, uc.Get(ctx, client.ObjectKeyFromObject(r), r))
					tc.update(r)
					err = uc.Update(ctx, r)
				}
				if (user == "plain-user" || tc.editorDenied) && tc.denied != "" {
					wantError(t, err, tc.denied)
					return
				}
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				var got routev1.Route
				must(t, uc.Get(ctx, client.ObjectKeyFromObject(r), &got))
				for _, c := range tc.checks {
					c(t, &got)
				}
			})
		}
	}
}

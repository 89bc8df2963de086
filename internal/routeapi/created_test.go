package routeapi

import (
	"context"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// subresourceAccess allows exactly the listed subresources of routes,
// anywhere.
type subresourceAccess map[string]bool

func (a subresourceAccess) UserAllowed(_ context.Context, attrs authorizationv1.ResourceAttributes) (bool, error) {
	return a[attrs.Subresource], nil
}

// namespaceAccess allows the listed subresources of routes in namespace
// "ns" only, as a RoleBinding there would.
type namespaceAccess map[string]bool

func (a namespaceAccess) UserAllowed(_ context.Context, attrs authorizationv1.ResourceAttributes) (bool, error) {
	return attrs.Namespace == "ns" && a[attrs.Subresource], nil
}

func (a namespaceAccess) Allowed(context.Context, string, authorizationv1.ResourceAttributes) (bool, error) {
	return false, nil
}

func (a subresourceAccess) Allowed(context.Context, string, authorizationv1.ResourceAttributes) (bool, error) {
	return false, nil
}

func routeAt(name string, sec int64, uid string, created string) *routev1.Route {
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name,
		CreationTimestamp: metav1.NewTime(time.Unix(sec, 0)), UID: types.UID(uid)}}
	if created != "" {
		r.Annotations = map[string]string{names.CreatedAnnotation: created}
	}
	return r
}

// emptyCreated gives r the created annotation with an empty value.
func emptyCreated(r *routev1.Route) *routev1.Route {
	r.Annotations = map[string]string{names.CreatedAnnotation: ""}
	return r
}

func TestOlder(t *testing.T) {
	early := FormatCreated(time.Unix(5, 0), "uid-early")
	cases := []struct {
		name string
		a, b *routev1.Route
		want bool // a before b
	}{
		{"creation time", routeAt("a", 1, "z", ""), routeAt("b", 2, "a", ""), true},
		{"creation time, reversed", routeAt("a", 2, "a", ""), routeAt("b", 1, "z", ""), false},
		{"same second: UID", routeAt("a", 1, "a", ""), routeAt("b", 1, "b", ""), true},
		{"same second and UID: name", routeAt("a", 1, "u", ""), routeAt("b", 1, "u", ""), true},
		{"a moved Route keeps its age", routeAt("moved", 100, "new", early), routeAt("b", 10, "b", ""), true},
		{"its original UID breaks ties", routeAt("moved", 100, "zzz", FormatCreated(time.Unix(10, 0), "aaa")), routeAt("b", 10, "b", ""), true},
		{"a garbled annotation is ignored", routeAt("moved", 100, "new", "yesterday"), routeAt("b", 10, "b", ""), false},
	}
	for _, tc := range cases {
		if got := Older(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Older = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCreatedAnnotationChecks(t *testing.T) {
	valid := FormatCreated(time.Unix(5, 0), "uid-1")
	migrator := subresourceAccess{"migrate": true}
	user := subresourceAccess{"custom-host": true}
	cases := []struct {
		name    string
		r, old  *routev1.Route
		access  Access
		wantErr string
	}{
		{"no annotation", routeAt("a", 1, "u", ""), nil, user, ""},
		{"a user backdates a new Route", routeAt("a", 1, "u", valid), nil, user, "only a Route migration (create routes/migrate"},
		{"the migration sets it", routeAt("a", 1, "u", valid), nil, migrator, ""},
		{"a namespace's migrator backdates a Route", routeAt("a", 1, "u", valid), nil, namespaceAccess{"migrate": true}, "granted across the cluster"},
		{"the migration sets garbage", routeAt("a", 1, "u", "2020-01-01"), nil, migrator, "<RFC 3339 time> <UID>"},
		{"an update keeps it", routeAt("a", 1, "u", valid), routeAt("a", 1, "u", valid), user, ""},
		{"an update changes it", routeAt("a", 1, "u", FormatCreated(time.Unix(1, 0), "x")), routeAt("a", 1, "u", valid), user, "create routes/migrate"},
		{"an update removes it", routeAt("a", 1, "u", ""), routeAt("a", 1, "u", valid), user, ""},
		// An empty value is a value: read as absent, it kept a migration
		// from recording the Route's own age.
		{"an update adds it empty", emptyCreated(routeAt("a", 1, "u", "")), routeAt("a", 1, "u", ""), user, "<RFC 3339 time> <UID>"},
		{"a user creates a Route with it empty", emptyCreated(routeAt("a", 1, "u", "")), nil, user, "<RFC 3339 time> <UID>"},
	}
	for _, tc := range cases {
		errs := validateCreated(context.Background(), tc.r, tc.old, tc.access)
		switch {
		case tc.wantErr == "" && len(errs) > 0:
			t.Errorf("%s: %v", tc.name, errs)
		case tc.wantErr != "" && (len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.wantErr)):
			t.Errorf("%s: errors %v, want one containing %q", tc.name, errs, tc.wantErr)
		}
	}
}

// noSecrets finds no Secret.
type noSecrets struct{}

func (noSecrets) SecretType(context.Context, string, string) (corev1.SecretType, bool, error) {
	return "", false, nil
}

// A migration moves a Route whose external certificate's Secret is gone
// (the routers refuse it, on either server): the move must not stop there.
func TestExternalCertificateOnMove(t *testing.T) {
	edge := func(created string) *routev1.Route {
		r := routeAt("a", 1, "u", created)
		r.Spec = routev1.RouteSpec{Host: "a.example.test", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"},
			TLS: &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
				ExternalCertificate: &routev1.LocalObjectReference{Name: "gone"}}}
		return r
	}
	valid := FormatCreated(time.Unix(5, 0), "uid-1")
	everything := subresourceAccess{"migrate": true, "custom-host": true}
	cases := []struct {
		name    string
		r, old  *routev1.Route
		access  Access
		wantErr string
	}{
		{"a user's new Route", edge(""), nil, everything, "router serviceaccount"},
		{"a migration's new Route", edge(valid), nil, everything, ""},
		{"a user's update that names it", edge(""), routeAt("a", 1, "u", ""), everything, "router serviceaccount"},
		{"a migration's update of a leftover", edge(valid), routeAt("a", 1, "u", valid), everything, ""},
		{"a user who keeps a moved Route's annotation", edge(valid), routeAt("a", 1, "u", valid), subresourceAccess{"custom-host": true}, "router serviceaccount"},
	}
	for _, tc := range cases {
		c := Checks{Access: tc.access, Secrets: noSecrets{}, RouterNamespace: "openshift-ingress"}
		var errs field.ErrorList
		if tc.old == nil {
			errs = c.CheckCreate(context.Background(), tc.r)
		} else {
			tc.r.ResourceVersion, tc.old.ResourceVersion = "2", "1"
			tc.old.Spec = tc.r.Spec
			tc.old.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge}
			errs = c.CheckUpdate(context.Background(), tc.r, tc.old)
		}
		switch {
		case tc.wantErr == "" && len(errs) > 0:
			t.Errorf("%s: %v", tc.name, errs)
		case tc.wantErr != "" && (len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.wantErr)):
			t.Errorf("%s: errors %v, want one containing %q", tc.name, errs, tc.wantErr)
		}
	}
}

// An update that leaves the created annotation out keeps the stored one;
// one that sets it is left to validateCreated.
func TestKeepCreated(t *testing.T) {
	stored := FormatCreated(time.Unix(5, 0), "uid-1")
	other := FormatCreated(time.Unix(9, 0), "uid-2")
	for _, tc := range []struct {
		name       string
		r, old     *routev1.Route
		want       string
		wantAbsent bool
	}{
		{"left out", routeAt("a", 1, "u", ""), routeAt("a", 1, "u", stored), stored, false},
		{"left out with other annotations", withAnnotation(routeAt("a", 1, "u", ""), "x", "y"), routeAt("a", 1, "u", stored), stored, false},
		{"changed", routeAt("a", 1, "u", other), routeAt("a", 1, "u", stored), other, false},
		{"set empty", emptyCreated(routeAt("a", 1, "u", "")), routeAt("a", 1, "u", stored), "", false},
		{"never set", routeAt("a", 1, "u", ""), routeAt("a", 1, "u", ""), "", true},
	} {
		KeepCreated(tc.r, tc.old)
		got, ok := tc.r.Annotations[names.CreatedAnnotation]
		if ok == tc.wantAbsent || got != tc.want {
			t.Errorf("%s: created %q (present %v), want %q (present %v)", tc.name, got, ok, tc.want, !tc.wantAbsent)
		}
	}
}

func withAnnotation(r *routev1.Route, k, v string) *routev1.Route {
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	r.Annotations[k] = v
	return r
}

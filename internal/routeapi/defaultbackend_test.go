package routeapi

import (
	"context"
	"strings"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func TestDefaultBackendAnnotationChecks(t *testing.T) {
	withValue := func(v string) *routev1.Route {
		r := routeAt("a", 1, "u", "")
		if v != "" {
			r.Annotations = map[string]string{names.DefaultBackendAnnotation: v}
		}
		return r
	}
	granted := subresourceAccess{"default-backend": true}
	user := subresourceAccess{"custom-host": true}
	cases := []struct {
		name        string
		r, old      *routev1.Route
		access      Access
		wantRefused bool
	}{
		{"a user's route without it", withValue(""), nil, user, false},
		{"a user makes a catch-all", withValue("true"), nil, user, true},
		{"a namespace's grant is not enough", withValue("true"), nil, namespaceAccess{"default-backend": true}, true},
		{"the grant across the cluster", withValue("true"), nil, granted, false},
		{"a user turns it on", withValue("true"), withValue("false"), user, true},
		{"a user keeps it", withValue("true"), withValue("true"), user, false},
		{"a user turns it off", withValue("false"), withValue("true"), user, false},
		{"a user removes it", withValue(""), withValue("true"), user, false},
		{"any other value does nothing", withValue("yes"), nil, user, false},
	}
	for _, tc := range cases {
		errs := validateDefaultBackend(context.Background(), tc.r, tc.old, tc.access)
		refused := len(errs) > 0
		if refused != tc.wantRefused {
			t.Errorf("%s: refused %v (%v), want %v", tc.name, refused, errs, tc.wantRefused)
		}
		if refused && !strings.Contains(errs.ToAggregate().Error(), "routes/default-backend") {
			t.Errorf("%s: %v does not name the permission", tc.name, errs)
		}
	}
}

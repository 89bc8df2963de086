package routeapi

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// A status both modes take: the CRD's conditions are a list-map keyed by
// type, so two conditions of one type in an entry are refused here too,
// but an entry already stored so can be written back unchanged.
func TestValidateStatusUpdateConditionTypes(t *testing.T) {
	cond := func(typ string, status corev1.ConditionStatus) routev1.RouteIngressCondition {
		return routev1.RouteIngressCondition{Type: routev1.RouteIngressConditionType(typ), Status: status}
	}
	entry := func(router string, cs ...routev1.RouteIngressCondition) routev1.RouteIngress {
		return routev1.RouteIngress{RouterName: router, Host: "a.example.test", Conditions: cs}
	}
	route := func(ins ...routev1.RouteIngress) *routev1.Route {
		return &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", ResourceVersion: "1"},
			Status: routev1.RouteStatus{Ingress: ins}}
	}
	twice := entry("old", cond("Admitted", corev1.ConditionTrue), cond("Admitted", corev1.ConditionFalse))
	for _, tc := range []struct {
		name    string
		r, old  *routev1.Route
		wantErr string
	}{
		{"one of each type", route(entry("r", cond("Admitted", "True"), cond("Other", "True"))), route(), ""},
		{"the same type in two entries", route(entry("r", cond("Admitted", "True")), entry("s", cond("Admitted", "False"))), route(), ""},
		{"the same type twice in one entry", route(entry("r", cond("Admitted", "True"), cond("Admitted", "False"))), route(),
			"status.ingress[0].conditions[1].type: Duplicate value"},
		{"no type", route(entry("r", cond("", "True"))), route(), "status.ingress[0].conditions[0].type: Required"},
		{"an entry stored with duplicates, kept", route(twice, entry("r", cond("Admitted", "True"))), route(twice), ""},
		{"an entry stored with duplicates, changed", route(entry("old", cond("Admitted", "True"), cond("Admitted", "True"))), route(twice),
			"Duplicate value"},
	} {
		errs := ValidateStatusUpdate(tc.r, tc.old)
		switch {
		case tc.wantErr == "" && len(errs) > 0:
			t.Errorf("%s: %v", tc.name, errs)
		case tc.wantErr != "" && (len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.wantErr)):
			t.Errorf("%s: errors %v, want one containing %q", tc.name, errs, tc.wantErr)
		}
	}
}

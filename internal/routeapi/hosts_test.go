package routeapi

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

func TestValidateDomain(t *testing.T) {
	for domain, want := range map[string]string{
		"apps.okd.test":                  "",
		"apps":                           "",
		"Apps.okd.test":                  "a lowercase RFC 1123 subdomain",
		"apps.okd.test.":                 "a lowercase RFC 1123 subdomain",
		"apps..test":                     "a lowercase RFC 1123 subdomain",
		strings.Repeat("a", 64) + ".com": "label",
		"":                               "a lowercase RFC 1123 subdomain",
	} {
		err := ValidateDomain(domain)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateDomain(%q) = %v, want an error containing %q", domain, err, want)
		}
	}
}

// TestAssignHostInvalidName: a route whose name validation refuses gets no
// generated host (whose error would hide the name's).
func TestAssignHostInvalidName(t *testing.T) {
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "Bad_Name"}}
	if errs := AssignHost(context.Background(), r, subresourceAccess{}, "apps.example.com"); len(errs) > 0 || r.Spec.Host != "" {
		t.Fatalf("AssignHost: %v, host %q; want no error and no host", errs, r.Spec.Host)
	}
	errs := Validate(r)
	if len(errs) == 0 || errs[0].Field != "metadata.name" {
		t.Errorf("Validate: %v; want the name's error first", errs)
	}
	r.Name = "good"
	if AssignHost(context.Background(), r, subresourceAccess{}, "apps.example.com"); r.Spec.Host != "good-ns.apps.example.com" {
		t.Errorf("host %q for a valid name", r.Spec.Host)
	}
}

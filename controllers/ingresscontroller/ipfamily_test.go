package ingresscontroller

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// A cluster without the ServiceCIDR API gets no watch on it.
func TestServed(t *testing.T) {
	gvk := networkingv1.SchemeGroupVersion.WithKind("ServiceCIDR")
	with := meta.NewDefaultRESTMapper(nil)
	with.Add(gvk, meta.RESTScopeRoot)
	if !served(with, gvk) {
		t.Error("a served kind reads as not served")
	}
	old := meta.NewDefaultRESTMapper(nil)
	old.Add(gvk.GroupVersion().WithKind("IngressClass"), meta.RESTScopeRoot)
	if served(old, gvk) {
		t.Error("a kind the API server lacks reads as served")
	}
}

func TestIPModeOf(t *testing.T) {
	cidr := func(deleting bool, cidrs ...string) networkingv1.ServiceCIDR {
		c := networkingv1.ServiceCIDR{Spec: networkingv1.ServiceCIDRSpec{CIDRs: cidrs}}
		if deleting {
			now := metav1.Now()
			c.DeletionTimestamp = &now
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		cidrs []networkingv1.ServiceCIDR
		want  config.IPMode
	}{
		{"no ServiceCIDR: IPv4, the router's default", nil, ""},
		{"IPv4", []networkingv1.ServiceCIDR{cidr(false, "10.96.0.0/12")}, ""},
		{"dual stack in one", []networkingv1.ServiceCIDR{cidr(false, "10.96.0.0/12", "fd00:10:96::/112")}, "v4v6"},
		{"IPv6 added by a second", []networkingv1.ServiceCIDR{cidr(false, "10.96.0.0/12"), cidr(false, "fd00:10:96::/112")}, "v4v6"},
		{"IPv6 only", []networkingv1.ServiceCIDR{cidr(false, "fd00:10:96::/112")}, "v6"},
		{"an IPv6 one being deleted", []networkingv1.ServiceCIDR{cidr(false, "10.96.0.0/12"), cidr(true, "fd00:10:96::/112")}, ""},
		{"an unparsable one is skipped", []networkingv1.ServiceCIDR{cidr(false, "10.96.0.0/12", "not a cidr")}, ""},
	} {
		if got := ipModeOf(tc.cidrs); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

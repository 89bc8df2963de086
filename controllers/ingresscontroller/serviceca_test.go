package ingresscontroller

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func TestServiceCABundle(t *testing.T) {
	ca, err := certs.NewCA("service-ca", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    map[string]string
		used    bool
		problem string
	}{
		{name: "no ConfigMap data: no service CA, no problem"},
		{name: "another key only", data: map[string]string{"ca.crt": string(ca.CertPEM)}},
		{name: "a bundle", data: map[string]string{names.ServiceCAKey: string(ca.CertPEM)}, used: true},
		{name: "empty, as a service CA operator creates it before filling it: none, no problem", data: map[string]string{names.ServiceCAKey: " \n"}},
		{name: "not PEM", data: map[string]string{names.ServiceCAKey: "CA"}, problem: "not PEM-encoded"},
		{name: "a key in it", data: map[string]string{names.ServiceCAKey: string(ca.CertPEM) + string(ca.KeyPEM)},
			problem: `unexpected PEM block "PRIVATE KEY"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := serviceCABundle(tc.data)
			if (got.Version != "") != tc.used {
				t.Errorf("version %q, want used=%v", got.Version, tc.used)
			}
			if tc.problem == "" && got.Problem != "" || !strings.Contains(got.Problem, tc.problem) {
				t.Errorf("problem %q, want one with %q", got.Problem, tc.problem)
			}
		})
	}
	a := serviceCABundle(map[string]string{names.ServiceCAKey: string(ca.CertPEM)})
	b := serviceCABundle(map[string]string{names.ServiceCAKey: string(ca.CertPEM) + string(ca.CertPEM)})
	if a.Version == b.Version {
		t.Errorf("a changed bundle kept version %q", a.Version)
	}
}

// With a service CA, the routers mount it, are told its path, and roll
// out when it changes; without one, none of it.
func TestDesiredDeploymentServiceCA(t *testing.T) {
	o := testOptions(PlatformNone)
	ic := newIC("edge", withReplicas(2))
	none := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1"}).Spec.Template
	with := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1", ServiceCA: serviceCA{Version: "abc"}}).Spec.Template
	other := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1", ServiceCA: serviceCA{Version: "def"}}).Spec.Template
	envOf := func(tmpl corev1.PodTemplateSpec) string {
		for _, e := range tmpl.Spec.Containers[0].Env {
			if e.Name == names.EnvDefaultDestinationCAPath {
				return e.Value
			}
		}
		return ""
	}
	if envOf(none) != "" || len(none.Spec.Volumes) != len(with.Spec.Volumes)-1 || none.Annotations[names.ServiceCAVersionAnnotation] != "" {
		t.Fatalf("without a service CA: env %q, volumes %v, annotations %v", envOf(none), none.Spec.Volumes, none.Annotations)
	}
	if got := envOf(with); got != "/var/run/configmaps/service-ca/service-ca.crt" {
		t.Errorf("%s = %q", names.EnvDefaultDestinationCAPath, got)
	}
	v := with.Spec.Volumes[len(with.Spec.Volumes)-1]
	if v.ConfigMap == nil || v.ConfigMap.Name != "service-ca-bundle" || v.ConfigMap.Optional != nil ||
		len(v.ConfigMap.Items) != 1 || v.ConfigMap.Items[0].Key != "service-ca.crt" {
		t.Errorf("volume %+v", v)
	}
	m := with.Spec.Containers[0].VolumeMounts
	if last := m[len(m)-1]; last.Name != v.Name || last.MountPath != "/var/run/configmaps/service-ca" || !last.ReadOnly {
		t.Errorf("mount %+v", last)
	}
	if with.Labels[hashLabel] == none.Labels[hashLabel] || with.Labels[hashLabel] == other.Labels[hashLabel] {
		t.Errorf("the hash did not follow the service CA: %s, %s, %s", none.Labels[hashLabel], with.Labels[hashLabel], other.Labels[hashLabel])
	}
}

package ingresscontroller

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

const (
	page503 = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"
	page404 = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnone"
)

func TestCheckedPages(t *testing.T) {
	cm := func(data map[string]string) corev1.ConfigMap {
		return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-config", Name: "pages"}, Data: data}
	}
	for _, tc := range []struct {
		name     string
		data     map[string]string
		keys     []string
		problems []string // substrings, one per problem
	}{
		{name: "both pages", data: map[string]string{"error-page-503.http": page503, "error-page-404.http": page404, "other": "x"},
			keys: []string{"error-page-404.http", "error-page-503.http"}},
		{name: "one page, one HAProxy would refuse", data: map[string]string{"error-page-503.http": page503, "error-page-404.http": "<html>404</html>"},
			keys: []string{"error-page-503.http"}, problems: []string{"error-page-404.http in ConfigMap openshift-config/pages: status line"}},
		{name: "no page", data: map[string]string{"index.html": "x"}, problems: []string{"has neither error-page-503.http nor error-page-404.http"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages, ep := checkedPages(cm(tc.data))
			if !slices.Equal(ep.Keys, tc.keys) || len(pages) != len(tc.keys) {
				t.Errorf("keys %v, pages %v, want %v", ep.Keys, pages, tc.keys)
			}
			if (ep.Version != "") != (len(tc.keys) > 0) {
				t.Errorf("version %q", ep.Version)
			}
			if len(ep.Problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %q", ep.Problems, tc.problems)
			}
			for i, p := range tc.problems {
				if !strings.Contains(ep.Problems[i], p) {
					t.Errorf("problem %q, want it to contain %q", ep.Problems[i], p)
				}
			}
		})
	}
	_, a := checkedPages(cm(map[string]string{"error-page-503.http": page503}))
	_, b := checkedPages(cm(map[string]string{"error-page-503.http": page503 + "!"}))
	if a.Version == b.Version {
		t.Error("a changed page keeps its version: the routers would not roll out")
	}
}

// TestDesiredDeploymentErrorPages: the copy is mounted, each page named to
// the router, and the pages' version is on the pod template.
func TestDesiredDeploymentErrorPages(t *testing.T) {
	o := testOptions(PlatformNone)
	ic := newIC("pages", withStrategy(operatorv1.PrivateStrategyType))
	ep := errorPages{Keys: []string{"error-page-503.http"}, Version: "v1"}
	tmpl := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{ErrorPages: ep}).Spec.Template
	if got := tmpl.Annotations["ingress.okd-ingress.io/error-pages-version"]; got != "v1" {
		t.Errorf("version annotation %q", got)
	}
	pod := tmpl.Spec
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
		return v.Name == "error-pages" && v.ConfigMap != nil && v.ConfigMap.Name == "pages-errorpages"
	}) {
		t.Errorf("volumes %v", pod.Volumes)
	}
	c := pod.Containers[0]
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		return m.Name == "error-pages" && m.MountPath == "/var/lib/haproxy/conf/error_code_pages" && m.ReadOnly
	}) {
		t.Errorf("mounts %v", c.VolumeMounts)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["ROUTER_ERRORFILE_503"] != "/var/lib/haproxy/conf/error_code_pages/error-page-503.http" || env["ROUTER_ERRORFILE_404"] != "" {
		t.Errorf("env %v", env)
	}
	if !slices.IsSortedFunc(c.Env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("env not sorted: the pod template would not be stable")
	}
	plain := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{}).Spec.Template
	if _, ok := plain.Annotations["ingress.okd-ingress.io/error-pages-version"]; ok || slices.ContainsFunc(plain.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "error-pages" }) {
		t.Errorf("without pages: annotations %v, volumes %v", plain.Annotations, plain.Spec.Volumes)
	}
}

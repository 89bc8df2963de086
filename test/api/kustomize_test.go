package api

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// newKubectl returns a runner of the kubectl built next to kube-apiserver,
// authenticated as a cluster admin through a kubeconfig in t.TempDir(). It
// runs in the repository root and returns the combined output.
func newKubectl(t *testing.T) func(args ...string) (string, error) {
	t.Helper()
	assets, err := localcluster.AssetsDir()
	must(t, err)
	root, err := localcluster.RepoRoot()
	must(t, err)
	admin, err := cluster.Env.AddUser(envtest.User{Name: "kubectl-admin", Groups: []string{"system:masters"}}, nil)
	must(t, err)
	config, err := admin.KubeConfig()
	must(t, err)
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	must(t, os.WriteFile(kubeconfig, config, 0o600))
	return func(args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(assets, "kubectl"),
			append([]string{"--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(dir, "cache")}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "HOME="+dir) // keep the user's ~/.kube out of it
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// renameWebhooksOverlay writes a kustomization that is config/<install>
// with any webhook configurations renamed. The test cluster may already have
// them, and its manager, running outside the cluster as with `make run`, has
// replaced their Service reference by its URL; applying the Service reference
// on top would ask for both, which the API server rightly refuses. Under new
// names they are checked as a fresh cluster would create them.
func renameWebhooksOverlay(t *testing.T, root, install string, components ...string) string {
	t.Helper()
	dir := t.TempDir()
	base, err := filepath.Rel(dir, filepath.Join(root, "config", install))
	must(t, err)
	var b strings.Builder
	fmt.Fprintf(&b, "resources:\n  - %s\n", base)
	if len(components) > 0 {
		b.WriteString("components:\n")
		for _, c := range components {
			rel, err := filepath.Rel(dir, filepath.Join(root, "config", c))
			must(t, err)
			fmt.Fprintf(&b, "  - %s\n", rel)
		}
	}
	b.WriteString("patches:\n")
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		fmt.Fprintf(&b, "  - target: {group: admissionregistration.k8s.io, kind: %s}\n", kind)
		fmt.Fprintf(&b, "    patch: '[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"dry-run-%s\"}]'\n", strings.ToLower(kind))
	}
	must(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(b.String()), 0o644))
	return dir
}

// The manifests a cluster gets (`kubectl apply -k config/default`, or
// config/crd-mode where API aggregation is not allowed) are valid for the real
// API server: a server-side dry run admits every object.
func TestKustomizeInstalls(t *testing.T) {
	ctx := context.Background()
	// A server-side dry run creates nothing, so objects in the namespaces
	// that the install itself creates are only admitted once those
	// namespaces exist; the test control plane creates them at start, as a
	// first real apply would.
	for _, ns := range []string{names.OperatorNamespace, names.RouterNamespace, names.ConfigNamespace} {
		must(t, cluster.Client.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
	}
	root, err := localcluster.RepoRoot()
	must(t, err)
	kubectl := newKubectl(t)
	for _, tc := range []struct {
		install    string
		components []string
		want       []string
		wantNot    []string
		manageDNS  string
	}{
		{install: "default", manageDNS: "false", want: []string{
			"customresourcedefinition.apiextensions.k8s.io/ingresscontrollers.operator.openshift.io",
			"deployment.apps/ingress-operator",
			"apiservice.apiregistration.k8s.io/v1.route.openshift.io",
			"deployment.apps/okd-ingress-route-apiserver",
			"statefulset.apps/okd-ingress-route-etcd",
			"clusterrolebinding.rbac.authorization.k8s.io/okd-ingress-route-apiserver:auth-delegator",
			"configmap/okd-ingress-domain",
		}, wantNot: []string{"routes.route.openshift.io", "webhookconfiguration"}},
		{install: "default", components: []string{"components/externaldns"}, manageDNS: "true", want: []string{
			"customresourcedefinition.apiextensions.k8s.io/dnsendpoints.externaldns.k8s.io",
			"deployment.apps/okd-ingress-external-dns",
			"role.rbac.authorization.k8s.io/okd-ingress-external-dns",
		}},
		{install: "route-apiserver-standby", want: []string{
			"deployment.apps/okd-ingress-route-apiserver",
			"statefulset.apps/okd-ingress-route-etcd",
		}, wantNot: []string{"apiservice", "ingress-operator", "configmap/okd-ingress-domain"}},
		{install: "crd-mode", components: []string{"components/externaldns"}, manageDNS: "true", want: []string{
			"deployment.apps/okd-ingress-external-dns",
		}},
		{install: "crd-mode", manageDNS: "false", want: []string{
			"customresourcedefinition.apiextensions.k8s.io/ingresscontrollers.operator.openshift.io",
			"customresourcedefinition.apiextensions.k8s.io/routes.route.openshift.io",
			"deployment.apps/ingress-operator",
			"configmap/okd-ingress-domain",
			"mutatingwebhookconfiguration.admissionregistration.k8s.io/dry-run-mutatingwebhookconfiguration created (server dry run)",
			"validatingwebhookconfiguration.admissionregistration.k8s.io/dry-run-validatingwebhookconfiguration created (server dry run)",
		}, wantNot: []string{"apiservice", "okd-ingress-route-apiserver"}},
	} {
		t.Run(strings.Join(append([]string{tc.install}, tc.components...), "+"), func(t *testing.T) {
			overlay := renameWebhooksOverlay(t, root, tc.install, tc.components...)
			built, err := kubectl("kustomize", overlay)
			if err != nil {
				t.Fatalf("kubectl kustomize: %v\n%s", err, built)
			}
			// The last --manage-dns wins: DNS is managed only when ExternalDNS is there to publish it.
			if i := strings.LastIndex(built, "--manage-dns="); tc.manageDNS != "" && (i < 0 || !strings.HasPrefix(built[i:], "--manage-dns="+tc.manageDNS+"\n")) {
				t.Errorf("the manager's last --manage-dns is not %s:\n%s", tc.manageDNS, built)
			}
			// One domain, config/domain's: the manager's and the Route API
			// server's flags name none of their own.
			if strings.Contains(built, "domain=apps.") {
				t.Errorf("a domain flag not from config/domain:\n%s", built)
			}
			objects := strings.Count("\n"+built, "\nkind: ")
			if objects < 5 {
				t.Fatalf("config/%s builds %d objects:\n%s", tc.install, objects, built)
			}
			out, err := kubectl("apply", "--dry-run=server", "-k", overlay)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -k config/%s: %v\n%s", tc.install, err, out)
			}
			if got := strings.Count(out, "(server dry run)"); got != objects {
				t.Fatalf("%d objects admitted, want %d:\n%s", got, objects, out)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, not := range tc.wantNot {
				if strings.Contains(out, not) {
					t.Errorf("output has %q:\n%s", not, out)
				}
			}
		})
	}
}

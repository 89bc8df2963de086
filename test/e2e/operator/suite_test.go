// Package operator_test proves the operator on a simulated cluster:
// kube-controller-manager, kube-scheduler and kwok fake nodes run beside a
// real API server, so router Deployments really roll out and
// IngressController status follows them.
package operator_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var (
	cluster *localcluster.Cluster
	k8s     client.Client
	tmpDir  string
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestOperator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Operator on a simulated cluster")
}

var _ = BeforeSuite(func() {
	var err error
	tmpDir, err = os.MkdirTemp("", "okd-op-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(tmpDir) })
	cluster, err = localcluster.Start(localcluster.Options{
		Domain: "apps.sim.test", Manager: true, Dir: tmpDir, AdvertiseAddress: framework.HostAddress, Simulated: true,
		Operator: ingresscontroller.Options{MinReadySeconds: 0}, Log: GinkgoWriter,
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(cluster.Stop()).To(Succeed()) })
	k8s = cluster.Client
	for i := 1; i <= 4; i++ {
		Expect(cluster.AddNode(context.Background(), fmt.Sprintf("node-%d", i), nil, fmt.Sprintf("198.18.100.%d", i))).To(Succeed())
	}
	Expect(cluster.WaitNodesReady(context.Background())).To(Succeed())
})

// kubectl runs the kubectl built from the same Kubernetes version.
func kubectl(args ...string) string {
	GinkgoHelper()
	assets, err := localcluster.AssetsDir()
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.Command(filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return string(out)
}

func getIC(name string) func(g Gomega) *operatorv1.IngressController {
	return func(g Gomega) *operatorv1.IngressController {
		var ic operatorv1.IngressController
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: names.OperatorNamespace, Name: name}, &ic)).To(Succeed())
		return &ic
	}
}

func condition(name, t string) func(g Gomega) operatorv1.OperatorCondition {
	return func(g Gomega) operatorv1.OperatorCondition {
		ic := getIC(name)(g)
		for _, c := range ic.Status.Conditions {
			if c.Type == t {
				return c
			}
		}
		return operatorv1.OperatorCondition{}
	}
}

func deployment(ic string) func(g Gomega) *appsv1.Deployment {
	return func(g Gomega) *appsv1.Deployment {
		var d appsv1.Deployment
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: names.RouterNamespace, Name: names.RouterDeployment(ic)}, &d)).To(Succeed())
		return &d
	}
}

const converge = 60 * time.Second

// On failure, show what the cluster looked like.
var _ = ReportAfterEach(func(r SpecReport) {
	if !r.Failed() {
		return
	}
	assets, _ := localcluster.AssetsDir()
	for _, args := range [][]string{
		{"get", "ingresscontrollers", "-A", "-o", "yaml"},
		{"get", "deployments,replicasets,pods,services", "-n", names.RouterNamespace, "-o", "wide"},
		{"get", "events", "-A"},
	} {
		out, _ := exec.Command(filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...).CombinedOutput()
		GinkgoWriter.Printf("kubectl %v:\n%s\n", args, out)
	}
})

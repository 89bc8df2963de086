// Package localstack_test is the whole-system suite: the stack `make run`
// starts (three local nodes, kube-proxy, node agents running real routers
// and echo pods, the operator, the Ingress controller, a load-balancer
// controller), driven the way a user drives it — kubectl and the samples
// in config/samples — with real traffic from outside the nodes.
package localstack_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localstack"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const domain = "apps.okd.test"

var (
	stack *localstack.Stack
	k8s   client.Client
	root  string
)

func TestMain(m *testing.M) { os.Exit(framework.RunIsolated(m)) }

func TestLocalStack(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "The whole stack, as make run starts it")
}

var _ = BeforeSuite(func() {
	var err error
	root, err = localcluster.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	bin := GinkgoT().TempDir()
	router, err := framework.Build(bin, "okd-ingress-router", "./cmd/router")
	Expect(err).NotTo(HaveOccurred())
	echo, err := framework.Build(bin, "okd-ingress-echo", "./cmd/echo")
	Expect(err).NotTo(HaveOccurred())
	haproxy, err := framework.HAProxyBinary()
	Expect(err).NotTo(HaveOccurred())
	dir, err := os.MkdirTemp("", "okds") // short: routers' sockets live below
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(dir) })
	logFile, err := os.Create(filepath.Join(dir, "stack.log"))
	Expect(err).NotTo(HaveOccurred())
	stack, err = localstack.Start(localstack.Options{
		Dir: dir, Nodes: 3, Domain: domain, RouterBinary: router, EchoBinary: echo, HAProxy: haproxy,
		DefaultIngressController: true, DefaultStrategy: operatorv1.HostNetworkStrategyType,
		// Longer than it takes a not-ready router to leave the load
		// balancer: the rollout below must not fail a request.
		GracefulShutdownDelay: 5 * time.Second,
		CanaryInterval:        2 * time.Second,
		Log:                   logFile,
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		Expect(stack.Stop()).To(Succeed())
		if CurrentSpecReport().Failed() {
			b, _ := os.ReadFile(logFile.Name())
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			GinkgoWriter.Printf("stack log (end):\n%s\n", b)
		}
	})
	k8s = stack.Cluster.Client
})

// kubectl runs the kubectl built with the control plane, from the
// repository root, so the samples' paths work as in the README.
func kubectl(args ...string) string {
	GinkgoHelper()
	var in io.Reader
	if n := len(args); n > 0 {
		if s, ok := stdinArgs[args[n-1]]; ok {
			args, in = args[:n-1], strings.NewReader(s)
		}
	}
	assets, err := localcluster.AssetsDir()
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.CommandContext(context.Background(), filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", stack.Cluster.Kubeconfig}, args...)...)
	cmd.Dir, cmd.Stdin = root, in
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return string(out)
}

// stdinArgs holds texts that kubectl reads from its standard input; stdin
// returns the argument that stands for one.
var stdinArgs = map[string]string{}

func stdin(text string) string {
	key := fmt.Sprintf("<stdin %d>", len(stdinArgs))
	stdinArgs[key] = text
	return key
}

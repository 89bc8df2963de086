package localcluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// DefaultPodCIDR is the default Options.PodCIDR: a /24 of the test range
// (RFC 2544) far above the addresses the e2e framework hands out.
const DefaultPodCIDR = "198.18.200.0/24"

// envtest writes the API server's service-account signing key under this
// name in the API server's certificate directory (controller-runtime
// pkg/internal/testing/controlplane, not exported).
const saSignerKey = "sa-signer.key"

// startupTimeout bounds the wait for each simulated component to be ready.
const startupTimeout = time.Minute

// component is one simulated-cluster process and how to tell it is ready.
type component struct {
	name  string
	args  []string
	ready func(context.Context) error
}

// startSimulation starts kube-controller-manager, kube-scheduler and kwok
// against the running API server and waits until each is ready. All are
// launched before the first wait so that their start-ups overlap.
func (c *Cluster) startSimulation(o Options) error {
	if err := c.makeSimDir(o.Dir); err != nil {
		return err
	}
	comps, err := c.components(o)
	if err != nil {
		return err
	}
	assets, err := AssetsDir()
	if err != nil {
		return err
	}
	for _, comp := range comps {
		p, err := startProcess(c.SimDir, comp.name, filepath.Join(assets, comp.name), comp.args...)
		if err != nil {
			return err
		}
		c.procs = append(c.procs, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	for i, comp := range comps {
		if err := c.procs[i].waitReady(ctx, comp.ready); err != nil {
			return err
		}
	}
	return nil
}

// makeSimDir creates SimDir: under Options.Dir when given, so that the
// logs outlive the cluster, else a temporary directory Stop removes.
func (c *Cluster) makeSimDir(dir string) error {
	if dir != "" {
		c.SimDir = filepath.Join(dir, "simulated")
		return os.MkdirAll(c.SimDir, 0o755)
	}
	var err error
	c.SimDir, err = os.MkdirTemp("", "okd-ingress-simulated-")
	c.ownsDir = err == nil
	return err
}

// stopSimulation stops the components in reverse order of start.
func (c *Cluster) stopSimulation() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop()
	}
	c.procs = nil
	if c.ownsDir {
		_ = os.RemoveAll(c.SimDir)
		c.ownsDir = false
	}
}

// components returns the command lines; they all use one admin kubeconfig.
func (c *Cluster) components(o Options) ([]component, error) {
	kubeconfig, err := c.writeComponentKubeconfig()
	if err != nil {
		return nil, err
	}
	kcm, err := c.controllerManager(kubeconfig)
	if err != nil {
		return nil, err
	}
	sched, err := scheduler(kubeconfig)
	if err != nil {
		return nil, err
	}
	kwok, err := c.kwok(kubeconfig, o)
	if err != nil {
		return nil, err
	}
	return []component{kcm, sched, kwok}, nil
}

// writeComponentKubeconfig writes a system:masters kubeconfig: the
// components would otherwise each need their RBAC bootstrapped, which the
// envtest API server does not do for them.
func (c *Cluster) writeComponentKubeconfig() (string, error) {
	u, err := c.Env.AddUser(envtest.User{Name: "simulated-components", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.SimDir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// controllerManager runs every default controller (Deployment, ReplicaSet,
// EndpointSlice, node lifecycle, garbage collector, ...). It signs
// service-account tokens with the API server's own key so that they
// verify. --secure-port=0 turns its HTTPS endpoint off: nothing needs it,
// and readiness is seen through its work instead (the "default"
// ServiceAccount it creates).
func (c *Cluster) controllerManager(kubeconfig string) (component, error) {
	key := filepath.Join(c.Env.ControlPlane.GetAPIServer().CertDir, saSignerKey)
	if _, err := os.Stat(key); err != nil {
		return component{}, fmt.Errorf("the API server's service-account key: %w", err)
	}
	ca := filepath.Join(c.SimDir, "ca.crt")
	if err := os.WriteFile(ca, c.Config.CAData, 0o644); err != nil {
		return component{}, err
	}
	return component{
		name: "kube-controller-manager",
		args: []string{
			"--kubeconfig=" + kubeconfig,
			"--service-account-private-key-file=" + key,
			"--root-ca-file=" + ca,
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port=0",
		},
		ready: c.serviceAccountExists,
	}, nil
}

// serviceAccountExists tells that kube-controller-manager runs its
// controllers: its ServiceAccount controller creates default/default.
func (c *Cluster) serviceAccountExists(ctx context.Context) error {
	return c.Client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "default"}, &corev1.ServiceAccount{})
}

// scheduler serves HTTPS (self-signed, in memory) on a free loopback port
// only so that its /healthz tells when it is up.
func scheduler(kubeconfig string) (component, error) {
	port, err := freePort()
	if err != nil {
		return component{}, err
	}
	return component{
		name: "kube-scheduler",
		args: []string{
			"--kubeconfig=" + kubeconfig,
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
		},
		ready: healthz("https://127.0.0.1:" + strconv.Itoa(port) + "/healthz"),
	}, nil
}

// kwok makes every Node Ready and every Pod bound to one Running and Ready,
// with an address from PodCIDR. --config points at a file of our own so
// that a ~/.kwok/kwok.yaml on the machine cannot change its behaviour;
// --server-address keeps its (optional) HTTP server on loopback, where
// /healthz tells when it is up (it serves only after reaching the API).
func (c *Cluster) kwok(kubeconfig string, o Options) (component, error) {
	cidr, err := kwokCIDR(o.PodCIDR)
	if err != nil {
		return component{}, err
	}
	conf := filepath.Join(c.SimDir, "kwok.yaml")
	text := "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\n"
	if o.RealPods {
		text += kwokNoPodStages
	}
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return component{}, err
	}
	port, err := freePort()
	if err != nil {
		return component{}, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + conf,
		"--manage-all-nodes=true",
		"--cidr=" + cidr,
		"--server-address=" + addr,
		// Node leases: without them kube-controller-manager marks nodes
		// Unknown every grace period, and their pods briefly not ready.
		"--node-lease-duration-seconds=40",
	}
	if o.AdvertiseAddress != "" {
		// Only for Nodes without an InternalIP (AddNode always sets one).
		args = append(args, "--node-ip="+o.AdvertiseAddress)
	}
	return component{name: "kwok", args: args, ready: healthz("http://" + addr + "/healthz")}, nil
}

// kwokNoPodStages replaces kwok's pod stages by one that never matches:
// kwok then keeps nodes alive (its default node stages) but leaves pods to
// whatever runs them for real.
const kwokNoPodStages = `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pods-are-run-elsewhere
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.annotations["okd-ingress.io/never"]'
      operator: 'In'
      values: ['never-set']
  next:
    delete: false
`

// kwokCIDR turns a network into kwok's form, whose address part is the
// first address kwok hands out: "198.18.200.0/24" would give a pod the
// network address, so it becomes "198.18.200.1/24".
func kwokCIDR(cidr string) (string, error) {
	if cidr == "" {
		cidr = DefaultPodCIDR
	}
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", fmt.Errorf("PodCIDR: %w", err)
	}
	ip4 := ip.To4()
	if ip4 == nil {
		return "", fmt.Errorf("PodCIDR %s: only IPv4 is supported", cidr)
	}
	if ip4.Equal(ipnet.IP) {
		ip4 = net.IPv4(ip4[0], ip4[1], ip4[2], ip4[3]+1)
	}
	ones, _ := ipnet.Mask.Size()
	return fmt.Sprintf("%s/%d", ip4, ones), nil
}

// healthz probes a loopback /healthz. The components' certificates are
// self-signed and the address is our own, so the certificate is not
// checked. A Transport without Proxy ignores HTTP(S)_PROXY.
func healthz(url string) func(context.Context) error {
	hc := &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback, self-signed
			DisableKeepAlives: true,
		},
	}
	return func(ctx context.Context) error { return CheckHTTP(ctx, hc, url) }
}

// CheckHTTP asks url once with hc and says why it did not answer 200: the
// health check of the control plane's processes, kube-proxy's start-up
// wait and the local load balancer's node checks.
func CheckHTTP(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

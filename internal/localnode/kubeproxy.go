//go:build linux

package localnode

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localnet"
)

// kube-proxy's ports on the node address (its defaults).
const (
	kubeProxyHealthPort  = "10256"
	kubeProxyMetricsPort = "10249"
	kubeProxyStartup     = time.Minute
)

// startKubeProxy runs kube-proxy in the node's namespace and waits until
// it has programmed its rules (its /healthz turns 200 after the first
// sync).
func (a *Agent) startKubeProxy() error {
	kubeconfig := filepath.Join(a.cfg.Dir, "kube-proxy.kubeconfig")
	if err := adminKubeconfig(kubeconfig, a.cfg.Admin, a.cfg.APIServer); err != nil {
		return fmt.Errorf("kube-proxy's kubeconfig: %w", err)
	}
	args := kubeProxyArgs(a.cfg.Node, kubeconfig)
	logPath := filepath.Join(a.cfg.Dir, "kube-proxy.log")
	a.kubeProxy = startSupervisor("kube-proxy", logPath, a.log, func() *exec.Cmd {
		return a.cfg.Node.Command(a.cfg.KubeProxy, args...)
	})
	healthz := "http://" + net.JoinHostPort(a.cfg.Node.IP.String(), kubeProxyHealthPort) + "/healthz"
	if err := waitHTTP(a.ctx, healthz, kubeProxyStartup); err != nil {
		return fmt.Errorf("kube-proxy on %s: %w; see %s", a.cfg.Node.Name, err, logPath)
	}
	return nil
}

// kubeProxyArgs run kube-proxy in a node's namespace:
//
//   - nftables mode: no iptables state shared with the host;
//   - --masquerade-all: pods of a node share one bridge, so the reply of
//     a backend to a client on the same bridge is bridged, not routed;
//     without br_netfilter loaded (it is not everywhere) it then skips
//     conntrack, keeps the backend's address and the client drops it.
//     Masquerading makes the backend answer the node, which un-NATs.
//     (A pod reaching itself through a Service also needs hairpin mode
//     on its bridge port, which localnet sets.)
//   - --conntrack-max-per-core=0: nf_conntrack_max is machine-wide and
//     read-only outside the initial namespace; kube-proxy raises it to
//     32768 per core (at least 131072) when it is lower, which fails
//     there and stops kube-proxy on machines with many cores. (The TCP
//     conntrack timeouts it sets are per namespace: left as they are.)
//   - health and metrics on the node address, so that they do not collide
//     between nodes and the host can reach them.
func kubeProxyArgs(node *localnet.Node, kubeconfig string) []string {
	ip := node.IP.String()
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--hostname-override=" + node.Name,
		"--bind-address=" + ip,
		"--proxy-mode=nftables",
		"--cluster-cidr=" + localnet.ClusterCIDR.String(),
		"--masquerade-all",
		"--conntrack-max-per-core=0",
		"--healthz-bind-address=" + net.JoinHostPort(ip, kubeProxyHealthPort),
		"--metrics-bind-address=" + net.JoinHostPort(ip, kubeProxyMetricsPort),
	}
}

// waitHTTP polls url until it answers 200.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last error
	for {
		if last = localcluster.CheckHTTP(ctx, hc, url); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not healthy after %s: %v", timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

package localnode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/localnet"
)

// TestNetwork proves the address plan without a cluster: pods on two
// nodes reach each other and the host, the host reaches pods and nodes,
// load-balancer routes are installed and removed, and Teardown (or the
// next Setup) leaves nothing behind.
func TestNetwork(t *testing.T) {
	start := time.Now()
	n, err := localnet.Setup("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Teardown() })
	t.Logf("bridge and 2 nodes after %s", since(start))
	na, nb := n.Node("a"), n.Node("b")
	pa, pb := addPod(t, na, "p1"), addPod(t, nb, "p2")
	startEcho(t, pa.Command(echoBin, "-pod=p1"))
	startEcho(t, pb.Command(echoBin, "-pod=p2"))
	startEcho(t, na.Command(echoBin, "-pod=on-node-a", "-address="+na.IP.String()))
	hostAddr := serveOnHost(t)

	host := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	fromPodA := clientVia(pa.DialContext)
	fromPodB := clientVia(pb.DialContext)
	checks := []struct {
		what   string
		client *http.Client
		url    string
		pod    string
	}{
		{"host to pod on a", host, url(pa.IP, 8080), "p1"},
		{"host to pod on b", host, url(pb.IP, 8080), "p2"},
		{"host to node a", host, url(na.IP, 8080), "on-node-a"},
		{"pod on a to pod on b", fromPodA, url(pb.IP, 8080), "p2"},
		{"pod on b to pod on a", fromPodB, url(pa.IP, 8080), "p1"},
		{"pod on b to node a", fromPodB, url(na.IP, 8080), "on-node-a"},
		{"pod on b to the host", fromPodB, "http://" + hostAddr, "host"},
	}
	for _, c := range checks {
		got, err := waitEcho(c.client, c.url, 10*time.Second)
		if err != nil || got.Pod != c.pod {
			t.Errorf("%s (%s): pod %q, %v; want %q", c.what, c.url, got.Pod, err, c.pod)
		}
	}
	checkRoutes(t, n, na, nb)
	checkPodRemoval(t, na, pa)

	if err := n.Teardown(); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t)
	if err := n.Teardown(); err != nil {
		t.Errorf("second Teardown: %v", err)
	}
}

// TestSetupRemovesLeftovers proves that a crashed run's namespaces, links
// and routes do not stop the next Setup.
func TestSetupRemovesLeftovers(t *testing.T) {
	first, err := localnet.Setup("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	addPod(t, first.Node("a"), "left-over")
	if err := first.SetLoadBalancer(netip.MustParseAddr("198.18.250.9"), []localnet.LoadBalancerPort{{Port: 80, NodePort: 30080}}, []netip.Addr{first.Node("b").IP}); err != nil {
		t.Fatal(err)
	}
	// No Teardown: as if the process had been killed.
	second, err := localnet.Setup("a")
	if err != nil {
		t.Fatalf("Setup over leftovers: %v", err)
	}
	if nss := ourNetns(t); len(nss) != 1 || nss[0] != "okd-a" {
		t.Errorf("namespaces after the second Setup: %v, want [okd-a]", nss)
	}
	if err := second.Teardown(); err != nil {
		t.Fatal(err)
	}
	checkNothingLeft(t)
}

func addPod(t *testing.T, nd *localnet.Node, name string) *localnet.Pod {
	t.Helper()
	p, err := nd.AddPod(name)
	if err != nil {
		t.Fatal(err)
	}
	if !nd.PodCIDR.Contains(p.IP) || p.IP == nd.Gateway {
		t.Errorf("pod %s got %s, outside %s", name, p.IP, nd.PodCIDR)
	}
	return p
}

// checkRoutes points a load-balancer address at two nodes' node ports,
// then one, then none, and refuses addresses that are not load-balancer
// addresses or nodes that are not nodes.
func checkRoutes(t *testing.T, n *localnet.Network, na, nb *localnet.Node) {
	t.Helper()
	lb := netip.MustParseAddr("198.18.250.1")
	ports := []localnet.LoadBalancerPort{{Port: 80, NodePort: 30080}, {Port: 443, NodePort: 30443}}
	if err := n.SetLoadBalancer(lb, ports, []netip.Addr{na.IP, nb.IP}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("ip daddr %s tcp dport 443 dnat ip to numgen random mod 2 map { 0 : %s . 30443, 1 : %s . 30443 }", lb, na.IP, nb.IP)
	if r := lbTable(t); !strings.Contains(r, want) {
		t.Errorf("load balancers with both nodes: want %q in\n%s", want, r)
	}
	if err := n.SetLoadBalancer(lb, ports, []netip.Addr{nb.IP}); err != nil {
		t.Fatal(err)
	}
	if r := lbTable(t); !strings.Contains(r, fmt.Sprintf("tcp dport 80 dnat ip to numgen random mod 1 map { 0 : %s . 30080 }", nb.IP)) || strings.Contains(r, na.IP.String()) {
		t.Errorf("load balancers with node b:\n%s", r)
	}
	for range 2 { // removing is idempotent
		if err := n.SetLoadBalancer(lb, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if r := lbTable(t); strings.Contains(r, lb.String()) {
		t.Errorf("load balancers after removal:\n%s", r)
	}
	for _, bad := range []string{"10.0.0.1", "198.18.0.1", "198.18.1.7", "198.19.11.5", "198.19.0.10"} {
		if err := n.SetLoadBalancer(netip.MustParseAddr(bad), ports, []netip.Addr{na.IP}); err == nil {
			t.Errorf("SetLoadBalancer(%s) succeeded", bad)
			_ = n.SetLoadBalancer(netip.MustParseAddr(bad), nil, nil)
		}
	}
	if err := n.SetLoadBalancer(lb, ports, []netip.Addr{netip.MustParseAddr("198.18.1.99")}); err == nil {
		t.Errorf("SetLoadBalancer via a non-node address succeeded")
	}
}

func lbTable(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "table", "ip", "okd-lb").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list table: %v: %s", err, out)
	}
	return string(out)
}

// checkPodRemoval removes a pod's namespace and checks that the next pod
// does not get its address at once (round robin).
func checkPodRemoval(t *testing.T, nd *localnet.Node, p *localnet.Pod) {
	t.Helper()
	stopProcessesIn(t, p.NetNS)
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if _, err := os.Stat("/run/netns/" + p.NetNS); !os.IsNotExist(err) {
		t.Errorf("namespace %s still exists (%v)", p.NetNS, err)
	}
	next := addPod(t, nd, "p3")
	if next.IP == p.IP {
		t.Errorf("the next pod got the freed address %s at once", p.IP)
	}
	if err := next.Remove(); err != nil {
		t.Fatal(err)
	}
}

// checkNothingLeft looks for anything under localnet's names or in its
// range.
func checkNothingLeft(t *testing.T) {
	t.Helper()
	if nss := ourNetns(t); len(nss) > 0 {
		t.Errorf("namespaces left: %v", nss)
	}
	for _, args := range [][]string{{"-o", "link", "show"}, {"-4", "-o", "addr", "show"}, {"-4", "route", "show", "table", "all"}} {
		out, _ := exec.Command("ip", args...).CombinedOutput()
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "okd") || strings.Contains(l, "198.18.") || strings.Contains(l, "198.19.") {
				t.Errorf("ip %s: left: %s", strings.Join(args, " "), l)
			}
		}
	}
}

func ourNetns(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), localnet.NetNSPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// startEcho starts a process and stops it at the end of the test.
func startEcho(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// stopProcessesIn kills what runs in a namespace (ip netns pids).
func stopProcessesIn(t *testing.T, netns string) {
	t.Helper()
	out, _ := exec.Command("ip", "netns", "pids", netns).Output()
	for _, f := range strings.Fields(string(out)) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	}
}

// serveOnHost serves an echo on the host's bridge address, where the
// API server listens in the cluster tests.
func serveOnHost(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(localnet.HostIP.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: echo.Handler(echo.Identity{Pod: "host"}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// clientVia is an HTTP client whose connections start in a namespace.
func clientVia(dial func(context.Context, string, string) (net.Conn, error)) *http.Client {
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}

func url(ip netip.Addr, port int) string {
	return fmt.Sprintf("http://%s/", net.JoinHostPort(ip.String(), fmt.Sprint(port)))
}

// getEcho requests url and decodes the echo answer.
func getEcho(c *http.Client, u string) (echo.Response, error) {
	var r echo.Response
	resp, err := c.Get(u)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return r, json.NewDecoder(resp.Body).Decode(&r)
}

// waitEcho retries getEcho until it works: a server may still be starting.
func waitEcho(c *http.Client, u string, timeout time.Duration) (echo.Response, error) {
	deadline := time.Now().Add(timeout)
	for {
		r, err := getEcho(c, u)
		if err == nil || time.Now().After(deadline) {
			return r, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

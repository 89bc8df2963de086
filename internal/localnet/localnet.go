//go:build linux

// Package localnet builds the local stack's machine-local network with
// `ip` commands: a host bridge, one network namespace per node (so that
// every node has its own address and ports, as HostNetwork pods expect),
// a pod bridge in every node and one namespace per pod. Everything lives in
// the 198.18.0.0/15 test range (RFC 2544) and under this package's own
// names; nothing else on the machine is touched.
//
//	host (caller's namespace)   okdbr0 198.18.0.1/16
//	                              routes: 198.19.<10+i>.0/24 via 198.18.1.<i>
//	node i (netns okd-<node>)   eth0 198.18.1.<i>/16, default via 198.18.0.1
//	                              cbr0 198.19.<10+i>.1/24, ip_forward=1
//	                              routes: other nodes' pod CIDRs via their eth0
//	pod (netns okd-<node>-<pod>) eth0 198.19.<10+i>.<n>/24, default via .1
//
// Nodes reach each other and the host over okdbr0 (bridged, so the host
// never forwards and its ip_forward setting is left alone); each node
// routes for its own pods. It works the same on a real host and inside a
// test's private network namespace.
//
// Only one Network can exist per machine: Setup removes whatever a crashed
// earlier run left under the same names (netns okd-*, links okdn*, okdbr0).
package localnet

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// The address plan.
var (
	// Range is everything this package may use.
	Range = netip.MustParsePrefix("198.18.0.0/15")
	// HostIP is the host's address on the bridge: the API server listens
	// there so that nodes and pods reach it.
	HostIP = netip.MustParseAddr("198.18.0.1")
	// NodeSubnet holds the host and the node addresses (198.18.1.<i>).
	NodeSubnet = netip.MustParsePrefix("198.18.0.0/16")
	// ClusterCIDR covers every node's pod CIDR (198.19.<10+i>.0/24), for
	// kube-proxy's --cluster-cidr.
	ClusterCIDR = netip.MustParsePrefix("198.19.0.0/16")
	// LoadBalancerPool is where load-balancer addresses come from.
	LoadBalancerPool = netip.MustParsePrefix("198.18.250.0/24")
)

// Names this package owns. Leftovers under them are removed at Setup.
const (
	// Bridge is the host bridge.
	Bridge = "okdbr0"
	// NetNSPrefix starts the name of every namespace: okd-<node> for a
	// node, okd-<node>-<pod> for a pod.
	NetNSPrefix = "okd-"
	// hostVethPrefix names the host ends of the nodes' veth pairs.
	hostVethPrefix = "okdn"
	// podBridge is the pods' bridge inside every node.
	podBridge = "cbr0"
	// maxNodes keeps node addresses and pod CIDRs inside their /16s.
	maxNodes = 240
)

// Network is the host bridge and its nodes.
type Network struct {
	mu sync.Mutex
	// lbs are the load balancers, by address (routes.go).
	lbs   map[netip.Addr]loadBalancer
	nodes []*Node
}

// Setup removes leftovers of an earlier run, creates the host bridge and
// one node per name. On error, whatever was created is removed again.
func Setup(nodes ...string) (*Network, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("the local network needs root: it creates network namespaces, veth pairs and routes (198.18.0.0/15 only)")
	}
	if err := removeLeftovers(); err != nil {
		return nil, err
	}
	if err := checkRangeFree(); err != nil {
		return nil, err
	}
	n := &Network{}
	if err := n.createBridge(); err != nil {
		_ = n.Teardown()
		return nil, err
	}
	for _, name := range nodes {
		if _, err := n.AddNode(name); err != nil {
			_ = n.Teardown()
			return nil, err
		}
	}
	return n, nil
}

func (n *Network) createBridge() error {
	return ipAll(
		[]string{"link", "add", Bridge, "type", "bridge"},
		[]string{"addr", "add", netip.PrefixFrom(HostIP, NodeSubnet.Bits()).String(), "dev", Bridge},
		[]string{"link", "set", Bridge, "up"},
	)
}

// Nodes returns the nodes in the order they were added.
func (n *Network) Nodes() []*Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Node(nil), n.nodes...)
}

// Node returns the named node, or nil.
func (n *Network) Node(name string) *Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nd := range n.nodes {
		if nd.Name == name {
			return nd
		}
	}
	return nil
}

// Teardown removes everything: pods, nodes, routes and the bridge. It is
// idempotent. Processes still running in a namespace keep it alive
// (unnamed) until they exit: stop them first.
func (n *Network) Teardown() error {
	n.mu.Lock()
	nodes := n.nodes
	n.nodes = nil
	n.mu.Unlock()
	var errs []error
	for _, nd := range nodes {
		errs = append(errs, nd.remove())
	}
	// The bridge takes every host route through it along.
	errs = append(errs, removeLeftovers())
	return errors.Join(errs...)
}

// removeLeftovers deletes every namespace and link under this package's
// names, and with the bridge every route through it.
func removeLeftovers() error {
	var errs []error
	nss, err := netnsList()
	if err != nil {
		return err
	}
	for _, ns := range nss {
		if strings.HasPrefix(ns, NetNSPrefix) {
			errs = append(errs, ignoreMissing(ip("netns", "del", ns)))
		}
	}
	// Pods' resolv.conf files (Pod.SetDNS).
	if dirs, err := filepath.Glob(filepath.Join("/etc/netns", NetNSPrefix+"*")); err == nil {
		for _, d := range dirs {
			errs = append(errs, os.RemoveAll(d))
		}
	}
	errs = append(errs, removeLoadBalancers())
	links, err := linkNames("")
	if err != nil {
		return err
	}
	for _, l := range links {
		if l == Bridge || strings.HasPrefix(l, hostVethPrefix) {
			errs = append(errs, ignoreMissing(ip("link", "del", l)))
		}
	}
	return errors.Join(errs...)
}

// checkRangeFree refuses to start when the machine already uses the test
// range (a VPN or lab network might): routing our traffic there, or theirs
// here, would be wrong both ways.
func checkRangeFree() error {
	var found []string
	for _, args := range [][]string{
		{"-4", "-o", "addr", "show", "to", Range.String()},
		{"-4", "-o", "route", "show", "table", "all", "root", Range.String()},
	} {
		out, err := ipOut(args...)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			// The kernel's local-table entries come with the addresses.
			if l != "" && !strings.HasPrefix(l, "local ") && !strings.HasPrefix(l, "broadcast ") {
				found = append(found, strings.TrimSpace(l))
			}
		}
	}
	if len(found) > 0 {
		sort.Strings(found)
		return fmt.Errorf("%s is already in use on this machine, so the local network will not touch it:\n  %s",
			Range, strings.Join(found, "\n  "))
	}
	return nil
}

// netnsList returns the names of the named network namespaces.
func netnsList() ([]string, error) {
	entries, err := os.ReadDir("/run/netns")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing network namespaces: %w", err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out, nil
}

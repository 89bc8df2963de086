//go:build linux

package localnet

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"sync"
)

// Node is one node's network namespace.
type Node struct {
	// Name is the node's name (the Node object's).
	Name string
	// NetNS is the namespace, okd-<Name>.
	NetNS string
	// IP is the node's address (198.18.1.<i>), its InternalIP.
	IP netip.Addr
	// PodCIDR is where its pods' addresses come from (198.19.<10+i>.0/24);
	// Gateway (.1) is the node's address on its pod bridge.
	PodCIDR netip.Prefix
	Gateway netip.Addr

	index    int    // i, from 1
	hostVeth string // the host end of eth0

	mu      sync.Mutex
	pods    map[string]*Pod
	used    map[netip.Addr]bool
	lastIP  netip.Addr // where the round-robin allocator continues
	vethSeq int
}

// validName keeps node names usable in namespace names and command lines
// (Kubernetes node names are DNS subdomains).
var validName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// AddNode creates a node: its namespace, its veth on the host bridge, its
// pod bridge, and the routes between it, the host and the other nodes.
func (n *Network) AddNode(name string) (*Node, error) {
	if !validName.MatchString(name) || len(name) > 200 {
		return nil, fmt.Errorf("node name %q: want a lowercase DNS name", name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nd := range n.nodes {
		if nd.Name == name {
			return nil, fmt.Errorf("node %s exists", name)
		}
	}
	i := len(n.nodes) + 1
	if i > maxNodes {
		return nil, fmt.Errorf("at most %d nodes", maxNodes)
	}
	nd := newNode(name, i)
	if err := nd.create(); err != nil {
		return nil, errors.Join(fmt.Errorf("creating node %s: %w", name, err), nd.remove())
	}
	if err := nd.routeTo(n.nodes); err != nil {
		return nil, errors.Join(fmt.Errorf("routing node %s: %w", name, err), nd.remove())
	}
	n.nodes = append(n.nodes, nd)
	return nd, nil
}

func newNode(name string, i int) *Node {
	cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 19, byte(10 + i), 0}), 24)
	return &Node{
		Name:     name,
		NetNS:    NetNSPrefix + name,
		IP:       netip.AddrFrom4([4]byte{198, 18, 1, byte(i)}),
		PodCIDR:  cidr,
		Gateway:  cidr.Addr().Next(),
		index:    i,
		hostVeth: hostVethPrefix + strconv.Itoa(i),
		pods:     map[string]*Pod{},
		used:     map[netip.Addr]bool{},
	}
}

// create builds the namespace. ip_forward is set inside it only: the node
// routes for its pods, the host never needs to.
func (nd *Node) create() error {
	ns := nd.NetNS
	err := ipAll(
		[]string{"netns", "add", ns},
		[]string{"link", "add", nd.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns},
		[]string{"link", "set", nd.hostVeth, "master", Bridge, "up"},
		[]string{"-n", ns, "link", "set", "lo", "up"},
		[]string{"-n", ns, "addr", "add", netip.PrefixFrom(nd.IP, NodeSubnet.Bits()).String(), "dev", "eth0"},
		[]string{"-n", ns, "link", "set", "eth0", "up"},
		[]string{"-n", ns, "route", "add", "default", "via", HostIP.String(), "dev", "eth0"},
		[]string{"-n", ns, "link", "add", podBridge, "type", "bridge"},
		[]string{"-n", ns, "addr", "add", netip.PrefixFrom(nd.Gateway, nd.PodCIDR.Bits()).String(), "dev", podBridge},
		[]string{"-n", ns, "link", "set", podBridge, "up"},
		[]string{"route", "replace", nd.PodCIDR.String(), "via", nd.IP.String(), "dev", Bridge},
	)
	if err != nil {
		return err
	}
	return writeSysctl(ns, "net/ipv4/ip_forward", "1")
}

// routeTo adds routes between nd's pods and the other nodes' pods, both
// ways, through the nodes' addresses on the host bridge.
func (nd *Node) routeTo(others []*Node) error {
	for _, o := range others {
		err := ipAll(
			[]string{"-n", nd.NetNS, "route", "replace", o.PodCIDR.String(), "via", o.IP.String(), "dev", "eth0"},
			[]string{"-n", o.NetNS, "route", "replace", nd.PodCIDR.String(), "via", nd.IP.String(), "dev", "eth0"},
		)
		if err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the node's pods and namespace (and so its end of the
// veth pair) and the host's end and route. Missing parts are fine.
func (nd *Node) remove() error {
	nd.mu.Lock()
	pods := make([]*Pod, 0, len(nd.pods))
	for _, p := range nd.pods {
		pods = append(pods, p)
	}
	nd.mu.Unlock()
	var errs []error
	for _, p := range pods {
		errs = append(errs, p.Remove())
	}
	errs = append(errs,
		ignoreMissing(ip("route", "del", nd.PodCIDR.String(), "via", nd.IP.String(), "dev", Bridge)),
		ignoreMissing(ip("netns", "del", nd.NetNS)),
		ignoreMissing(ip("link", "del", nd.hostVeth)),
	)
	return errors.Join(errs...)
}

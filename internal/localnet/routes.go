//go:build linux

package localnet

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// LoadBalancerPort maps a load-balancer port to the Service's node port.
type LoadBalancerPort struct {
	Port, NodePort int32
}

// lbTable is the nftables table of the load balancers, on the host.
const lbTable = "okd-lb"

// SetLoadBalancer makes a load-balancer address lead to the node ports of
// nodes, as a cloud load balancer does: new connections are spread over the
// nodes (kube-proxy takes them from the node port to a router), and each
// connection stays with its node through conntrack, so that changing the
// node list never breaks an established connection. An empty node list
// removes the address. It implements localstack.LoadBalancerTable. Only
// addresses of Range that no host, node, pod or Service can have are
// accepted, so that a wrong address can never redirect anything else.
func (n *Network) SetLoadBalancer(addr netip.Addr, ports []LoadBalancerPort, nodes []netip.Addr) error {
	if err := checkLoadBalancerIP(addr); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nh := range nodes {
		if !n.isNode(nh) {
			return fmt.Errorf("load balancer %s: %s is not a node address", addr, nh)
		}
	}
	if n.lbs == nil {
		n.lbs = map[netip.Addr]loadBalancer{}
	}
	if len(nodes) == 0 || len(ports) == 0 {
		delete(n.lbs, addr)
	} else {
		n.lbs[addr] = loadBalancer{ports: ports, nodes: nodes}
	}
	return n.writeLoadBalancers()
}

type loadBalancer struct {
	ports []LoadBalancerPort
	nodes []netip.Addr
}

// writeLoadBalancers replaces the whole table in one nft transaction;
// n.mu held. The pool is routed to the bridge so that the host's own
// connections get as far as the NAT hook that rewrites them.
func (n *Network) writeLoadBalancers() error {
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %s\ndelete table ip %s\ntable ip %s {\n", lbTable, lbTable, lbTable)
	b.WriteString("  chain lbs {\n")
	addrs := make([]netip.Addr, 0, len(n.lbs))
	for a := range n.lbs {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(x, y netip.Addr) int { return x.Compare(y) })
	for _, a := range addrs {
		lb := n.lbs[a]
		for _, p := range lb.ports {
			var targets []string
			for i, nd := range lb.nodes {
				targets = append(targets, fmt.Sprintf("%d : %s . %d", i, nd, p.NodePort))
			}
			fmt.Fprintf(&b, "    ip daddr %s tcp dport %d dnat ip to numgen random mod %d map { %s }\n",
				a, p.Port, len(lb.nodes), strings.Join(targets, ", "))
		}
	}
	b.WriteString("  }\n")
	b.WriteString("  chain output { type nat hook output priority -100; policy accept; jump lbs; }\n")
	b.WriteString("  chain prerouting { type nat hook prerouting priority -100; policy accept; jump lbs; }\n")
	b.WriteString("}\n")
	if err := nft(b.String()); err != nil {
		return err
	}
	return ip("route", "replace", LoadBalancerPool.String(), "dev", Bridge)
}

// removeLoadBalancers deletes the table (the route goes with the bridge).
func removeLoadBalancers() error {
	return nft(fmt.Sprintf("table ip %s\ndelete table ip %s\n", lbTable, lbTable))
}

// checkLoadBalancerIP accepts addresses of Range that are not the host's,
// a node's, a pod's or a Service's.
func checkLoadBalancerIP(addr netip.Addr) error {
	switch {
	case !Range.Contains(addr):
		return fmt.Errorf("load-balancer address %s is outside %s", addr, Range)
	case addr == HostIP:
		return fmt.Errorf("load-balancer address %s is the host's", addr)
	case netip.MustParsePrefix("198.18.1.0/24").Contains(addr):
		return fmt.Errorf("load-balancer address %s is in the node block 198.18.1.0/24", addr)
	case ClusterCIDR.Contains(addr):
		return fmt.Errorf("load-balancer address %s is in the pods' and Services' range %s", addr, ClusterCIDR)
	}
	return nil
}

// isNode reports whether addr is one of the nodes' addresses; n.mu held.
func (n *Network) isNode(addr netip.Addr) bool {
	for _, nd := range n.nodes {
		if nd.IP == addr {
			return true
		}
	}
	return false
}

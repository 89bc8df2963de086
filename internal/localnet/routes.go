//go:build linux

package localnet

import (
	"fmt"
	"net/netip"
)

// Set routes a load-balancer address to nodes, as a cloud load balancer
// would: a host route <ip>/32 with one equal-cost next hop per node
// address, where kube-proxy picks the traffic up. An empty list removes the
// route. It implements localstack.RouteTable. Only addresses of Range
// that no host, node, pod or Service can have are accepted, so that a wrong
// address can never reroute anything else.
func (n *Network) Set(addr netip.Addr, nodes []netip.Addr) error {
	if err := checkLoadBalancerIP(addr); err != nil {
		return err
	}
	dst := netip.PrefixFrom(addr, 32).String()
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(nodes) == 0 {
		return ignoreMissing(ip("route", "del", dst, "dev", Bridge))
	}
	args := []string{"route", "replace", dst}
	for _, nh := range nodes {
		if !n.isNode(nh) {
			return fmt.Errorf("routing %s: %s is not a node address", addr, nh)
		}
		if len(nodes) == 1 {
			args = append(args, "via", nh.String(), "dev", Bridge)
		} else {
			args = append(args, "nexthop", "via", nh.String(), "dev", Bridge)
		}
	}
	return ip(args...)
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

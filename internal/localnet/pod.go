//go:build linux

package localnet

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Pod is a pod's network namespace on a node.
type Pod struct {
	// Name is the name AddPod was given.
	Name string
	// NetNS is the namespace, okd-<node>-<name>.
	NetNS string
	// IP is the pod's address; Gateway its default route (the node).
	IP      netip.Addr
	Gateway netip.Addr

	node *Node
	veth string // the node's end, on its pod bridge
}

// maxPodName keeps namespace names (file names) well below 255 bytes.
const maxPodName = 120

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9._-]`)

// AddPod creates a pod namespace on the node with the next free address
// of its pod CIDR. name must be unique among the node's pods (the caller
// adds what makes it so, such as part of the pod's UID); characters that
// are not safe in a file name are replaced.
func (nd *Node) AddPod(name string) (*Pod, error) {
	name = unsafeChars.ReplaceAllString(name, "_")
	if len(name) > maxPodName {
		name = name[:maxPodName]
	}
	p, err := nd.reserve(name)
	if err != nil {
		return nil, err
	}
	if err := p.create(); err != nil {
		return nil, errors.Join(fmt.Errorf("creating pod network %s: %w", p.NetNS, err), p.Remove())
	}
	return p, nil
}

// reserve takes an address and the names. Addresses are handed out round
// robin, as host-local IPAM does, so that a freed address is not reused
// at once: an EndpointSlice or a conntrack entry may still name it.
func (nd *Node) reserve(name string) (*Pod, error) {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if _, ok := nd.pods[name]; ok {
		return nil, fmt.Errorf("pod network %s exists on node %s", name, nd.Name)
	}
	addr, err := nd.nextFree()
	if err != nil {
		return nil, err
	}
	nd.used[addr], nd.lastIP = true, addr
	nd.vethSeq++
	p := &Pod{
		Name: name, NetNS: nd.NetNS + "-" + name, IP: addr, Gateway: nd.Gateway,
		node: nd, veth: "vp" + strconv.Itoa(nd.vethSeq),
	}
	nd.pods[name] = p
	return p, nil
}

// nextFree returns the first free address after the last one handed out,
// wrapping around; never the network, gateway or broadcast address.
func (nd *Node) nextFree() (netip.Addr, error) {
	first := nd.Gateway.Next()
	last := netip.AddrFrom4([4]byte{198, 19, byte(10 + nd.index), 254})
	start := nd.lastIP
	if !start.IsValid() {
		start = nd.Gateway
	}
	addr := start
	for range 256 {
		addr = addr.Next()
		if addr.Compare(last) > 0 {
			addr = first
		}
		if !nd.used[addr] {
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("node %s: no free address in %s", nd.Name, nd.PodCIDR)
}

// create builds the namespace and its veth pair, the node's end on the
// pod bridge and eth0 inside the pod.
func (p *Pod) create() error {
	node, ns := p.node.NetNS, p.NetNS
	return ipAll(
		[]string{"netns", "add", ns},
		[]string{"-n", node, "link", "add", p.veth, "type", "veth", "peer", "name", "eth0", "netns", ns},
		[]string{"-n", node, "link", "set", p.veth, "master", podBridge, "up"},
		// Hairpin: a pod reaching a Service that picks the pod itself gets
		// its packet back out of the bridge port it came in on, which a
		// bridge refuses unless told (as the CNI bridge plugin's
		// hairpinMode and kubelet's hairpin-veth do).
		[]string{"-n", node, "link", "set", p.veth, "type", "bridge_slave", "hairpin", "on"},
		[]string{"-n", ns, "link", "set", "lo", "up"},
		[]string{"-n", ns, "addr", "add", netip.PrefixFrom(p.IP, p.node.PodCIDR.Bits()).String(), "dev", "eth0"},
		[]string{"-n", ns, "link", "set", "eth0", "up"},
		[]string{"-n", ns, "route", "add", "default", "via", p.Gateway.String(), "dev", "eth0"},
	)
}

// SetDNS gives the pod's processes a resolv.conf naming server and the
// search domains: `ip netns exec` (localnet.Command) bind-mounts
// /etc/netns/<namespace>/resolv.conf over /etc/resolv.conf, as a container
// runtime mounts the one kubelet writes.
func (p *Pod) SetDNS(server netip.Addr, search []string) error {
	dir := filepath.Join("/etc/netns", p.NetNS)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	conf := fmt.Sprintf("nameserver %s\nsearch %s\noptions ndots:5\n", server, strings.Join(search, " "))
	return os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(conf), 0o644)
}

// Remove deletes the pod's namespace and veth pair and frees its address.
// It is idempotent. Stop the pod's processes first: a namespace lives on,
// unnamed, as long as a process is inside it.
func (p *Pod) Remove() error {
	// Deleting the node's end takes eth0 along even if a process still
	// holds the pod's namespace.
	err := errors.Join(
		ignoreMissing(ip("-n", p.node.NetNS, "link", "del", p.veth)),
		ignoreMissing(ip("netns", "del", p.NetNS)),
		os.RemoveAll(filepath.Join("/etc/netns", p.NetNS)),
	)
	nd := p.node
	nd.mu.Lock()
	if nd.pods[p.Name] == p {
		delete(nd.pods, p.Name)
		delete(nd.used, p.IP)
	}
	nd.mu.Unlock()
	return err
}

// Package framework runs end-to-end tests against real parts: a real
// kube-apiserver (internal/localcluster), real router processes with real
// HAProxy, and echo backends, all inside a private network namespace with
// addresses from the 198.18.0.0/15 test range, so that no test traffic
// leaves the machine and EndpointSlices can hold non-loopback addresses.
package framework

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

const netnsMarker = "OKD_INGRESS_E2E_NETNS"

// TestRange is the prefix put on the namespace's loopback: every address
// in it is local, so tests can bind any of them. HostAddress is the
// namespace's own address (the API server advertises it).
const (
	TestRange   = HostAddress + "/15"
	HostAddress = "198.18.0.1"
)

// RunInNetNS runs the tests of a package inside a new network namespace:
// the test binary re-executes itself under `unshare --net` (root only) and
// sets up the loopback there. Call it from TestMain.
func RunInNetNS(m *testing.M) int {
	if os.Getenv(netnsMarker) == "" {
		if os.Geteuid() != 0 {
			fmt.Fprintln(os.Stderr, "SKIP: end-to-end tests need root, to create a private network namespace (run as root, as CI does)")
			return 0
		}
		cmd := exec.Command("unshare", append([]string{"--net", "--", os.Args[0]}, os.Args[1:]...)...)
		cmd.Env = append(os.Environ(), netnsMarker+"=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "unshare --net:", err)
			return 1
		}
		return 0
	}
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"addr", "add", TestRange, "dev", "lo"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "ip %v: %v: %s\n", args, err, out)
			return 1
		}
	}
	return m.Run()
}

var (
	addrMu   sync.Mutex
	nextAddr = map[byte]int{}
)

// Addresses in the test range, by purpose, so that they never collide:
// routers in 198.18.0.0/24, pods in 198.18.1.0/24 and above.
const (
	RouterNet byte = 0
	PodNet    byte = 1
)

// NewAddr returns an unused address of a /24 of the test range.
func NewAddr(net byte) string {
	addrMu.Lock()
	defer addrMu.Unlock()
	nextAddr[net]++
	n := nextAddr[net] + 9
	return fmt.Sprintf("198.18.%d.%d", int(net)+n/250, n%250+1)
}

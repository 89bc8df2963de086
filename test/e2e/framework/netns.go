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
	"path/filepath"
	"sync"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
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
// sets up the loopback there. Call it from TestMain (or, with anything
// that runs, from a main such as bench/'s).
func RunInNetNS(m interface{ Run() int }) int {
	if os.Getenv(netnsMarker) == "" {
		return reexec("--net")
	}
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"addr", "add", TestRange, "dev", "lo"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "ip %v: %v: %s\n", args, err, out)
			return 1
		}
	}
	return runAndClean(m)
}

// RunIsolated runs the tests of a package that builds its own network
// (internal/localnet) in new network and mount namespaces, with a private
// /run/netns and only the loopback up: the namespaces it creates, and the
// leftovers localnet removes by name, are then this run's alone, even while
// `make run` or another test package uses the same names on the machine.
func RunIsolated(m interface{ Run() int }) int {
	if os.Getenv(netnsMarker) == "" {
		return reexec("--net", "--mount")
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, args := range [][]string{
		{"mount", "-t", "tmpfs", "-o", "size=1m", "okd-e2e-netns", "/run/netns"},
		{"ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%v: %v: %s\n", args, err, out)
			return 1
		}
	}
	return runAndClean(m)
}

var (
	tempMu   sync.Mutex
	tempDirs []string
)

// TempDir makes a directory that lives until the test binary's tests end
// (short: routers put unix sockets under it).
func TempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		tempMu.Lock()
		tempDirs = append(tempDirs, dir)
		tempMu.Unlock()
	}
	return dir, err
}

// runAndClean runs the tests, then removes the directories TempDir made.
func runAndClean(m interface{ Run() int }) int {
	code := m.Run()
	tempMu.Lock()
	defer tempMu.Unlock()
	for _, d := range tempDirs {
		_ = os.RemoveAll(d)
	}
	return code
}

// reexec runs the test binary again under `unshare` with the given
// namespaces (root only) and returns its exit code.
func reexec(namespaces ...string) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "SKIP: end-to-end tests need root, to create private namespaces (run as root, as CI does)")
		return 0
	}
	args := append(append(namespaces, "--", os.Args[0]), os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsMarker+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "unshare:", err)
		return 1
	}
	return 0
}

// Build compiles a command of this repository into dir.
func Build(dir, name, pkg string) (string, error) {
	root, err := localcluster.RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", pkg, err, b)
	}
	return out, nil
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

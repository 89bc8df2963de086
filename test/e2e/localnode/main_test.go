// Package localnode_test proves the local stack's node layer: the
// machine-local network (internal/localnet) and the node agent
// (internal/localnode) running real echo and router processes for pods
// that a real control plane schedules onto two nodes, with kube-proxy
// making Services work. LOCALNODE_LOGS=1 prints the agents' and
// kube-proxy's logs even when the tests pass.
package localnode_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
)

const reexecMarker = "OKD_INGRESS_LOCALNODE_NETNS"

// echoBin is the echo server built for the tests.
var echoBin string

// TestMain re-executes the test binary in a network namespace and a mount
// namespace of its own (root only), with a private /run/netns: the
// namespaces localnet creates, and the leftovers it removes by name, are
// then this run's only, even while `make run` or another test package
// uses the same names on the machine. Unlike framework.RunInNetNS it adds
// no address to the loopback: localnet brings its own.
func TestMain(m *testing.M) { os.Exit(runIsolated(m)) }

func runIsolated(m *testing.M) int {
	if os.Getenv(reexecMarker) == "" {
		if os.Geteuid() != 0 {
			fmt.Fprintln(os.Stderr, "SKIP: the local node tests need root, to create network namespaces (run as root, as CI does)")
			return 0
		}
		cmd := exec.Command("unshare", append([]string{"--net", "--mount", "--", os.Args[0]}, os.Args[1:]...)...)
		cmd.Env = append(os.Environ(), reexecMarker+"=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "unshare --net --mount:", err)
			return 1
		}
		return 0
	}
	if err := privateNetnsDir(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "okd-localnode-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if echoBin, err = build(dir, "okd-ingress-echo", "./cmd/echo"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// privateNetnsDir mounts a tmpfs on /run/netns in this mount namespace
// (unshare makes its mounts private), and brings the loopback up.
func privateNetnsDir() error {
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"mount", "-t", "tmpfs", "-o", "size=1m", "okd-localnode-netns", "/run/netns"},
		{"ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v: %s", args, err, out)
		}
	}
	return nil
}

// build compiles a command of this repository into dir.
func build(dir, name, pkg string) (string, error) {
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

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
	"testing"

	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// echoBin is the echo server built for the tests.
var echoBin string

// TestMain runs the tests in network and mount namespaces of their own
// (framework.RunIsolated): localnet brings its own addresses and names.
func TestMain(m *testing.M) { os.Exit(framework.RunIsolated(withEcho{m})) }

// withEcho builds the echo server before the tests run.
type withEcho struct{ m *testing.M }

func (w withEcho) Run() int {
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
	return w.m.Run()
}

func build(dir, name, pkg string) (string, error) { return framework.Build(dir, name, pkg) }

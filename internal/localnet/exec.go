//go:build linux

package localnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ip runs one `ip` command; the error carries its output.
func ip(args ...string) error {
	_, err := ipOut(args...)
	return err
}

func ipOut(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &ipError{args: args, err: err, out: strings.TrimSpace(stderr.String())}
	}
	return stdout.String(), nil
}

// nft applies an nftables script in one transaction.
func nft(script string) error {
	var stderr bytes.Buffer
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin, cmd.Stderr = strings.NewReader(script), &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nft: %w: %s\n%s", err, strings.TrimSpace(stderr.String()), script)
	}
	return nil
}

// ipAll runs the commands in order and stops at the first error.
func ipAll(cmds ...[]string) error {
	for _, args := range cmds {
		if err := ip(args...); err != nil {
			return err
		}
	}
	return nil
}

type ipError struct {
	args []string
	err  error
	out  string
}

func (e *ipError) Error() string {
	return fmt.Sprintf("ip %s: %v: %s", strings.Join(e.args, " "), e.err, e.out)
}

func (e *ipError) Unwrap() error { return e.err }

// ignoreMissing makes deleting something that is not there a success, so
// that every removal is idempotent.
func ignoreMissing(err error) error {
	var ie *ipError
	if !errors.As(err, &ie) {
		return err
	}
	for _, s := range []string{"Cannot find device", "No such file or directory", "No such process", "does not exist"} {
		if strings.Contains(ie.out, s) {
			return nil
		}
	}
	return err
}

// linkNames lists the interfaces of a namespace ("" for the caller's).
func linkNames(netns string) ([]string, error) {
	args := []string{"-o", "link", "show"}
	if netns != "" {
		args = append([]string{"-n", netns}, args...)
	}
	out, err := ipOut(args...)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(out, "\n") {
		// "3: okdn1@if2: <BROADCAST,...": the name ends at '@' or ':'.
		f := strings.SplitN(l, ": ", 3)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(f[1], "@")
		names = append(names, name)
	}
	return names, nil
}

// Command returns a command that runs in the named network namespace
// (through `ip netns exec`, which execs the program itself, so the
// process's PID is the program's). The kernel kills it with SIGKILL when
// the thread that started it dies, so nothing outlives a crashed caller;
// callers that want a process group of its own set Setpgid too.
func Command(netns, name string, args ...string) *exec.Cmd {
	cmd := exec.Command("ip", append([]string{"netns", "exec", netns, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Command returns a command that runs in the node's namespace (see the
// package-level Command).
func (nd *Node) Command(name string, args ...string) *exec.Cmd {
	return Command(nd.NetNS, name, args...)
}

// Command returns a command that runs in the pod's namespace.
func (p *Pod) Command(name string, args ...string) *exec.Cmd {
	return Command(p.NetNS, name, args...)
}

// DialContext connects from inside the node's namespace: the node's own
// loopback, its pods, and its Service addresses (kube-proxy's rules apply
// to the connection). Use it as an http.Transport's DialContext.
func (nd *Node) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return DialContext(ctx, nd.NetNS, network, address)
}

// DialContext connects from inside the pod's namespace.
func (p *Pod) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return DialContext(ctx, p.NetNS, network, address)
}

// DialContext connects from inside a named network namespace: the socket
// is created there, and a socket stays in the namespace it was created in.
// A host name is resolved first, in the caller's namespace (/etc/hosts for
// "localhost"), and its first address dialled: the dialer must not race
// several addresses, which it would do on other threads.
func DialContext(ctx context.Context, netns, network, address string) (net.Conn, error) {
	addr, err := resolve(ctx, network, address)
	if err != nil {
		return nil, err
	}
	var conn net.Conn
	err = inNetNS(netns, func() error {
		var err error
		// One IP address: the dialer creates the socket on this thread.
		conn, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		return err
	})
	return conn, err
}

// resolve turns host:port into ip:port, preferring IPv4.
func resolve(ctx context.Context, network, address string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", err
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return address, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "", err
	}
	if len(ips) == 0 {
		return "", fmt.Errorf("%s: no address", host)
	}
	best := ips[0]
	for _, a := range ips {
		if a.Unmap().Is4() && network != "tcp6" {
			best = a.Unmap()
			break
		}
	}
	return net.JoinHostPort(best.String(), port), nil
}

// writeSysctl sets a /proc/sys/net value of a namespace: /proc/sys/net
// shows the namespace of the thread that opens it.
func writeSysctl(netns, key, value string) error {
	return inNetNS(netns, func() error {
		return os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644)
	})
}

// inNetNS runs fn on an OS thread switched into the namespace, on a
// goroutine of its own. The thread goes back to the caller's namespace
// afterwards; if it cannot, it stays locked, and the runtime retires it
// when the goroutine ends, so no other goroutine ever runs in the wrong
// namespace. (Threads the runtime creates while one is locked are cloned
// from a clean template thread, so they never inherit the switch.)
func inNetNS(netns string, fn func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", netns))
	if err != nil {
		return fmt.Errorf("network namespace %s: %w", netns, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer orig.Close()
		if err := setns(target); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("entering network namespace %s: %w", netns, err)
			return
		}
		ferr := fn()
		if err := setns(orig); err != nil {
			done <- errors.Join(ferr, fmt.Errorf("leaving network namespace %s: %w", netns, err))
			return // still locked: the thread dies with this goroutine
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}

func setns(f *os.File) error {
	return unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
}

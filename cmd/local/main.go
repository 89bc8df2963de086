// Command local runs okd-ingress on this machine, without Docker or a
// cluster: a real etcd and kube-apiserver (built from source by hack/), the
// project's CRDs, RBAC and webhooks, and the manager. `make run` starts it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
)

func main() {
	dir := flag.String("dir", "/tmp/okd-ingress-local", "directory for the kubeconfig and state")
	domain := flag.String("domain", "apps.okd.test", "default router domain")
	flag.Parse()
	if err := run(*dir, *domain); err != nil {
		fmt.Fprintln(os.Stderr, "okd-ingress-local:", err)
		os.Exit(1)
	}
}

func run(dir, domain string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	say("starting etcd, kube-apiserver and the manager (CRDs and webhooks installed)…")
	c, err := localcluster.Start(localcluster.Options{Domain: domain, Manager: true, Dir: dir, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping…")
		if err := c.Stop(); err != nil {
			say("stopping the control plane: %v", err)
		}
	}()
	say("ready.")
	say("  kubeconfig: %s", c.Kubeconfig)
	say("try:")
	say("  export KUBECONFIG=%s", c.Kubeconfig)
	say("  kubectl apply -f config/samples/route-edge.yaml && kubectl get routes")
	say("  kubectl get ingresscontrollers -A")
	say("Ctrl-C stops everything.")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

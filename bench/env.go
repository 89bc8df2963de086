package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// env is what the benchmarks share: the HAProxy binary, certificates, a
// scratch directory and, started on first use, a control plane.
type env struct {
	s       settings
	haproxy string
	dir     string
	// routerCA signs the default certificate and the routes'; backendCA
	// the pods' (passthrough, reencrypt).
	routerCA, backendCA *framework.CA
	defCertFile         string
	defCertPEM          []byte
	mix                 *mix

	clusterOnce sync.Once
	clusterErr  error
	cl          *localcluster.Cluster
}

func newEnv(s settings) (*env, error) {
	for _, tool := range []string{"wrk", "hey", "h2load", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is missing: `make bench` installs it (bash hack/bins.sh bench-tools)", tool)
		}
	}
	e := &env{s: s}
	var err error
	if e.haproxy, err = framework.HAProxyBinary(); err != nil {
		return nil, err
	}
	if e.dir, err = framework.TempDir("bench"); err != nil {
		return nil, err
	}
	if e.routerCA, err = framework.NewCA("bench-router-ca"); err != nil {
		return nil, err
	}
	if e.backendCA, err = framework.NewCA("bench-backend-ca"); err != nil {
		return nil, err
	}
	kp, err := e.routerCA.Issue("*.apps.bench.test", "*.bench.test")
	if err != nil {
		return nil, err
	}
	if e.defCertFile, err = framework.WritePEM(e.dir, "default.pem", kp); err != nil {
		return nil, err
	}
	e.defCertPEM = append(append([]byte{}, kp.KeyPEM...), kp.CertPEM...)
	e.mix = newMix(e.routerCA)
	return e, nil
}

// cluster starts the control plane (kube-apiserver, etcd, and the manager
// with the Route webhooks) on first use.
func (e *env) cluster() (*localcluster.Cluster, error) {
	e.clusterOnce.Do(func() {
		dir := filepath.Join(e.dir, "cluster")
		if e.clusterErr = os.Mkdir(dir, 0o700); e.clusterErr != nil {
			return
		}
		start := time.Now()
		e.cl, e.clusterErr = localcluster.Start(localcluster.Options{Domain: "apps.bench.test", Manager: true, Dir: dir,
			AdvertiseAddress: framework.HostAddress})
		if e.clusterErr == nil {
			fmt.Printf("\n(control plane started in %s)\n", time.Since(start).Round(time.Second))
		}
	})
	return e.cl, e.clusterErr
}

func (e *env) close() {
	if e.cl != nil {
		_ = e.cl.Stop()
	}
}

// newDir makes a short scratch directory (HAProxy's unix sockets live in
// it; their paths must stay under 108 bytes).
func (e *env) newDir(prefix string) (string, error) { return os.MkdirTemp(e.dir, prefix) }

// defaultReloadInterval is the router's own RELOAD_INTERVAL when the
// operator sets none (tuningOptions.reloadInterval unset).
var defaultReloadInterval = config.Defaults().ReloadInterval

// routerEnv is a router's environment as the operator deploys it, for the
// framework (which otherwise sets a test-speed 100ms reload interval),
// serving only namespaces labelled bench=<shard>.
func routerEnv(shard string, extra map[string]string) map[string]string {
	env := map[string]string{"RELOAD_INTERVAL": defaultReloadInterval.String(), "NAMESPACE_LABELS": "bench=" + shard}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// startRouter runs a router process and waits until it is ready.
func (e *env) startRouter(kubeconfig, name string, env map[string]string) (*framework.Router, error) {
	r, err := framework.StartRouter(framework.RouterOptions{Kubeconfig: kubeconfig, Name: name, Env: env, DefaultCertificate: e.defCertFile})
	if err != nil {
		return nil, err
	}
	if err := r.WaitReady(time.Minute); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// routerPID is the router process of r: the HAProxy master's parent.
func routerPID(r *framework.Router) (int, error) {
	m, err := r.MasterPID()
	if err != nil {
		return 0, err
	}
	return parentPID(m), nil
}

// createApps creates applications through the API, workers at a time.
func createApps(ctx context.Context, c client.Client, apps []app, workers int) error {
	errs := make(chan error, workers)
	next := make(chan app)
	for range workers {
		go func() {
			var first error
			for a := range next {
				if err := createApp(ctx, c, a); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, a := range apps {
		next <- a
	}
	close(next)
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sanitize makes a name usable as a Kubernetes name and label value.
func sanitize(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

// Package localcluster starts a real Kubernetes control plane on this
// machine (etcd and kube-apiserver built from source by hack/bins.sh),
// installs this project's CRDs, RBAC and webhook configurations, and runs the
// manager against it. Tests use it, and so does `make run`. On request it
// also runs a simulated cluster (kube-controller-manager, kube-scheduler and
// kwok's fake nodes) so that workloads really roll out.
package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/config"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// ServiceCIDR is the Service range: a test range (RFC 2544), never a range
// that could reach real networks.
const ServiceCIDR = "198.19.0.0/24"

// Options configure the cluster.
type Options struct {
	// Domain is the manager's default router domain.
	Domain string
	// Manager false starts only the control plane with the manifests
	// installed, for tests that run a manager of their own.
	Manager bool
	// Dir, when set, is where the admin kubeconfig is written.
	Dir string
	// Log receives the manager's progress lines; nil discards them.
	Log io.Writer
	// AdvertiseAddress is the API server's address in the "kubernetes"
	// Service; needed where the machine has no default route (a private
	// network namespace).
	AdvertiseAddress string
	// BindAddress is where the API server listens, on a free port, and
	// what its serving certificate names besides localhost: an address
	// that other network namespaces reach, such as the local network's
	// host address (internal/localnet), which must exist before Start.
	// Loopback when empty.
	BindAddress string
	// Simulated also starts kube-controller-manager, kube-scheduler and
	// kwok, so that Deployments roll out onto fake nodes (see AddNode).
	Simulated bool
	// PodCIDR is where kwok takes pod addresses from when Simulated;
	// DefaultPodCIDR when empty. Keep it inside 198.18.0.0/15: the API
	// server rejects loopback addresses in EndpointSlices.
	PodCIDR string
	// RealPods keeps kwok away from pods (it still keeps nodes Ready):
	// something else runs them, such as the local stack's node agent.
	RealPods bool
	// Operator configures the manager's IngressController controller
	// (namespaces and domain come from the fields above).
	Operator ingresscontroller.Options
	// DefaultIngressController lets the manager create "default",
	// published with DefaultStrategy (the platform's default when empty).
	DefaultIngressController bool
	DefaultStrategy          operatorv1.EndpointPublishingStrategyType
	// RouteAPI is how Routes are served; DefaultRouteAPI() when empty.
	RouteAPI RouteAPI
}

func (o Options) domain() string {
	if o.Domain == "" {
		return "apps.okd.test"
	}
	return o.Domain
}

// Cluster is a running control plane.
type Cluster struct {
	Env *envtest.Environment
	// Config is the admin (system:masters) configuration.
	Config *rest.Config
	// Client is an admin client with this project's scheme.
	Client client.Client
	// Kubeconfig is the admin kubeconfig file, when Options.Dir was set.
	Kubeconfig string
	// SimDir holds the simulated components' files when Options.Simulated:
	// their kubeconfig, the CA and a <component>.log each (stdout and
	// stderr). Stop removes it unless it is under Options.Dir.
	SimDir string

	// RouteAPI is how this cluster serves Routes.
	RouteAPI RouteAPI

	cancel  context.CancelFunc
	done    chan error
	procs   []*process
	ownsDir bool
	// tmp holds the front-proxy and Route API server files.
	tmp          string
	opts         Options
	stopRouteAPI func()
	routeAPIDone <-chan error
}

// AssetsDir returns the directory of the control-plane binaries, from
// KUBEBUILDER_ASSETS or by asking hack/bins.sh.
func AssetsDir() (string, error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d, nil
	}
	return binsDir("assets-dir", "kube-apiserver")
}

// binsDir asks hack/bins.sh where it builds a set of binaries (what is
// assets-dir or dns-dir) and checks that they are there.
func binsDir(what string, binaries ...string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("bash", filepath.Join(root, "hack", "bins.sh"), what).Output()
	if err != nil {
		return "", fmt.Errorf("hack/bins.sh %s: %w", what, err)
	}
	dir := strings.TrimSpace(string(out))
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("no %s in %s: run `make bins` first", b, dir)
		}
	}
	return dir, nil
}

// RepoRoot finds the repository root from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.HasPrefix(data, []byte("module github.com/okd-ingress/okd-ingress\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the okd-ingress repository")
		}
		dir = parent
	}
}

// Start starts etcd and kube-apiserver, installs the manifests and, when
// asked, the manager with its webhooks.
func Start(o Options) (*Cluster, error) {
	// Some controller-runtime parts log through the global logger.
	// So does the in-process Route API server, through klog.
	setGlobalLogger.Do(func() {
		ctrllog.SetLogger(managerLogger(o.Log))
		klog.SetLogger(managerLogger(o.Log))
	})
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	mode := o.RouteAPI
	if mode == "" {
		if mode, err = DefaultRouteAPI(); err != nil {
			return nil, err
		}
	}
	crds, err := loadCRDs(mode)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "okd-ingress-cluster-")
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions:     envtest.CRDInstallOptions{CRDs: crds},
		ErrorIfCRDPathMissing: true,
	}
	if err := bindAPIServer(env, o.BindAddress); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	// Aggregation is on in either mode, as in any conformant cluster: a
	// cluster with the CRD can run the Route API server and move to it.
	if err := configureFrontProxy(env, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	// To debug: OKD_INGRESS_APISERVER_LOG names a file for the API server's
	// log, OKD_INGRESS_APISERVER_V its verbosity.
	if path := os.Getenv("OKD_INGRESS_APISERVER_LOG"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		env.ControlPlane.GetAPIServer().Out, env.ControlPlane.GetAPIServer().Err = f, f
	}
	api := env.ControlPlane.GetAPIServer().Configure()
	if v := os.Getenv("OKD_INGRESS_APISERVER_V"); v != "" {
		api.Set("v", v)
	}
	api.Set("service-cluster-ip-range", ServiceCIDR)
	// Nodes are reached (kubectl logs, exec) at their address in the test
	// range, never by looking their names up in the machine's DNS.
	api.Set("kubelet-preferred-address-types", "InternalIP")
	if o.AdvertiseAddress != "" {
		api.Set("advertise-address", o.AdvertiseAddress)
	}
	if o.Simulated {
		// envtest turns ServiceAccount admission off, as nothing would
		// create ServiceAccounts; a simulated cluster runs the controller
		// that does, and pods then get tokens bound to them, as in a cluster.
		api.Set("disable-admission-plugins", "")
	}
	cfg, err := env.Start()
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	c := &Cluster{Env: env, Config: cfg, RouteAPI: mode, tmp: tmp, opts: o}
	if err := c.setUp(o); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) setUp(o Options) error {
	var err error
	if c.Client, err = client.New(c.Config, client.Options{Scheme: manager.Scheme()}); err != nil {
		return err
	}
	ctx := context.Background()
	for _, ns := range []string{names.OperatorNamespace, names.RouterNamespace, names.ConfigNamespace, names.CanaryNamespace} {
		if err := c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	if c.RouteAPI == RouteAPICRD {
		if err := c.apply(ctx, config.Webhooks); err != nil {
			return err
		}
	} else if err := c.startRouteAPIServer(o); err != nil {
		return err
	}
	if err := c.applyAll(ctx, config.RBAC, "rbac/*.yaml"); err != nil {
		return err
	}
	if err := c.applyAll(ctx, config.AdmissionPolicies, "manager/*.yaml"); err != nil {
		return err
	}
	if o.Dir != "" {
		if err := c.writeKubeconfig(o.Dir); err != nil {
			return err
		}
	}
	if o.Simulated {
		if err := c.startSimulation(o); err != nil {
			return err
		}
	}
	if o.Manager {
		return c.startManager(o)
	}
	return nil
}

func (c *Cluster) writeKubeconfig(dir string) error {
	admin, err := c.Env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	data, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	c.Kubeconfig = filepath.Join(dir, "kubeconfig")
	return os.WriteFile(c.Kubeconfig, data, 0o600)
}

func (c *Cluster) startManager(o Options) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	certDir := filepath.Join(c.tmp, "webhook")
	// The manager runs as its ServiceAccount, with the manifests' RBAC, so
	// that every test and the local stack prove those rules suffice.
	sa, err := c.serviceAccount(names.OperatorNamespace, names.ManagerServiceAccount)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	mgr, err := manager.New(ctx, sa.Config(), manager.Options{
		Domain: o.domain(), OperatorNamespace: names.OperatorNamespace, RouterNamespace: names.RouterNamespace,
		WebhookHost: "127.0.0.1", WebhookPort: port, WebhookCertDir: certDir,
		WebhookURL:  manager.LocalWebhookURL("127.0.0.1", port),
		MetricsAddr: "0", ProbeAddr: "0", SkipNameValidation: true,
		Operator: o.Operator, DefaultIngressController: o.DefaultIngressController, DefaultStrategy: o.DefaultStrategy,
		Logger: managerLogger(o.Log),
	})
	if err != nil {
		cancel()
		return err
	}
	c.cancel, c.done = cancel, make(chan error, 1)
	go func() { c.done <- mgr.Start(ctx) }()
	return waitForWebhook(ctx, mgr.GetWebhookServer().StartedChecker(), c.done)
}

// waitForWebhook waits until the webhook server serves. When the manager
// stops instead, its result goes back into done for Stop to read.
func waitForWebhook(ctx context.Context, started func(*http.Request) error, done chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("manager stopped: %w", err)
		default:
		}
		if started(nil) == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the webhook server did not start within 30s")
}

// Stop stops the manager, the simulated components and then the control
// plane: the components would otherwise log connection errors, or hang
// retrying, once the API server is gone.
func (c *Cluster) Stop() error {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
	c.stopSimulation()
	c.StopRouteAPIServer()
	err := c.Env.Stop()
	_ = os.RemoveAll(c.tmp)
	return err
}

// UserClient returns a client that authenticates as the given user.
func (c *Cluster) UserClient(name string, groups ...string) (client.Client, error) {
	u, err := c.Env.AddUser(envtest.User{Name: name, Groups: groups}, c.Config)
	if err != nil {
		return nil, err
	}
	return client.New(u.Config(), client.Options{Scheme: manager.Scheme()})
}

// applyAll installs the manifests of fsys that pattern names.
func (c *Cluster) applyAll(ctx context.Context, fsys fs.FS, pattern string) error {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		if err := c.apply(ctx, data); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

func (c *Cluster) apply(ctx context.Context, manifest []byte) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := c.Client.Create(ctx, &u); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
}

// loadCRDs reads the CRDs, without the Route CRD when another server
// serves Routes.
func loadCRDs(mode RouteAPI) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	err := fs.WalkDir(config.CRDs, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := config.CRDs.ReadFile(path)
		if err != nil {
			return err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := utilyaml.Unmarshal(data, crd); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if mode == RouteAPIAggregated && crd.Spec.Group == routev1.GroupVersion.Group {
			return nil
		}
		out = append(out, crd)
		return nil
	})
	return out, err
}

// bindAPIServer makes the API server listen on addr: envtest listens, and
// certifies, SecureServing's address, when both it and the port are set.
func bindAPIServer(env *envtest.Environment, addr string) error {
	if addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return fmt.Errorf("BindAddress %s: %w", addr, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &env.ControlPlane.GetAPIServer().SecureServing
	s.Address, s.Port = addr, strconv.Itoa(port)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var setGlobalLogger sync.Once

// managerLogger writes the manager's log to w, or discards it.
func managerLogger(w io.Writer) logr.Logger {
	if w == nil {
		return logr.Discard()
	}
	return zap.New(zap.WriteTo(w))
}

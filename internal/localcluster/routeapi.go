package localcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/discovery"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/config"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeserver"
	"github.com/okd-ingress/okd-ingress/internal/webhookcert"
)

// RouteAPI is how the cluster serves route.openshift.io/v1.
type RouteAPI string

const (
	// RouteAPICRD serves Routes from a CustomResourceDefinition with the
	// manager's admission webhooks.
	RouteAPICRD RouteAPI = "crd"
	// RouteAPIAggregated serves Routes from the Route API server
	// (internal/routeserver) behind an APIService, as OKD does.
	RouteAPIAggregated RouteAPI = "aggregated"
)

// RouteAPIEnv chooses the Route API mode of clusters whose Options leave it
// empty, so that a whole suite can run against either mode.
const RouteAPIEnv = "OKD_INGRESS_ROUTE_API"

// DefaultRouteAPI is the mode named by RouteAPIEnv, else aggregated.
func DefaultRouteAPI() (RouteAPI, error) {
	switch m := RouteAPI(os.Getenv(RouteAPIEnv)); m {
	case "":
		return RouteAPIAggregated, nil
	case RouteAPICRD, RouteAPIAggregated:
		return m, nil
	default:
		return "", fmt.Errorf("%s=%q: want %q or %q", RouteAPIEnv, m, RouteAPICRD, RouteAPIAggregated)
	}
}

// frontProxyUser is the user the API server presents, with its front-proxy
// client certificate, when it proxies a request to an aggregated server.
const frontProxyUser = "front-proxy-client"

// configureFrontProxy gives the API server a front-proxy CA and client
// certificate, which aggregation needs: aggregated servers trust the user
// headers of requests signed by that CA.
func configureFrontProxy(env *envtest.Environment, dir string) error {
	now := time.Now()
	ca, err := certs.NewCA("okd-ingress-front-proxy-ca", 10*365*24*time.Hour, now)
	if err != nil {
		return err
	}
	client, err := certs.NewClientCert(ca, frontProxyUser, nil, 10*365*24*time.Hour, now)
	if err != nil {
		return err
	}
	files := map[string][]byte{"front-proxy-ca.crt": ca.CertPEM, "front-proxy-client.crt": client.CertPEM, "front-proxy-client.key": client.KeyPEM}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	api := env.ControlPlane.GetAPIServer().Configure()
	api.Set("requestheader-client-ca-file", filepath.Join(dir, "front-proxy-ca.crt"))
	api.Set("requestheader-allowed-names", frontProxyUser)
	api.Set("requestheader-username-headers", "X-Remote-User")
	api.Set("requestheader-uid-headers", "X-Remote-Uid")
	api.Set("requestheader-group-headers", "X-Remote-Group")
	api.Set("requestheader-extra-headers-prefix", "X-Remote-Extra-")
	api.Set("proxy-client-cert-file", filepath.Join(dir, "front-proxy-client.crt"))
	api.Set("proxy-client-key-file", filepath.Join(dir, "front-proxy-client.key"))
	return nil
}

// startRouteAPIServer serves Routes from the Route API server: it installs
// the APIService and the server's RBAC, runs the server in this process
// (serveRouteAPI), points the APIService at it, and returns once the main API
// server serves route.openshift.io/v1 through it.
func (c *Cluster) startRouteAPIServer(o Options) error {
	ctx := context.Background()
	if err := c.apply(ctx, config.RouteAPIService); err != nil {
		return err
	}
	port, err := c.serveRouteAPI(o)
	if err != nil {
		return err
	}
	if err := c.pointAPIService(ctx, port); err != nil {
		return err
	}
	// The manager's certificate code puts the CA into the APIService now
	// that it names a Service.
	if err := webhookcert.Ensure(ctx, c.Client, c.routeAPICertOptions(), time.Now()); err != nil {
		return err
	}
	return c.waitForRouteAPI()
}

// StartStandbyRouteAPIServer runs the Route API server in a cluster that
// serves Routes from the CRD, without sending it any Route request: the
// APIService stays the API server's. A migration then moves the Routes
// (internal/routemigrate, with ServicePort as the Service port).
func (c *Cluster) StartStandbyRouteAPIServer() (servicePort int32, err error) {
	if c.RouteAPI != RouteAPICRD || c.stopRouteAPI != nil {
		return 0, fmt.Errorf("the Route API server already runs")
	}
	return c.serveRouteAPI(c.opts)
}

// StopRouteAPIServer stops the in-process Route API server, which ends the
// watches it serves.
func (c *Cluster) StopRouteAPIServer() {
	if c.stopRouteAPI != nil {
		c.stopRouteAPI()
		c.stopRouteAPI = nil
	}
}

func (c *Cluster) routeAPICertOptions() webhookcert.Options {
	return manager.RouteAPIServerCertOptions(names.OperatorNamespace, filepath.Join(c.tmp, "route-apiserver"))
}

// serveRouteAPI runs the Route API server in this process, on loopback,
// behind an ExternalName Service, with the manager's certificate code
// issuing its serving certificate and the manifests' RBAC for its
// ServiceAccount. It returns the port the APIService must name.
func (c *Cluster) serveRouteAPI(o Options) (int32, error) {
	ctx := context.Background()
	if err := c.apply(ctx, config.RouteAPIServerRBAC); err != nil {
		return 0, err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: names.RouteAPIServerName},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"},
	}
	if err := c.Client.Create(ctx, svc); err != nil && !apierrors.IsAlreadyExists(err) {
		return 0, err
	}
	certOpts := c.routeAPICertOptions()
	if err := webhookcert.Ensure(ctx, c.Client, certOpts, time.Now()); err != nil {
		return 0, fmt.Errorf("route API server certificate: %w", err)
	}
	kubeconfig, err := c.serviceAccountKubeconfig(c.tmp, names.OperatorNamespace, names.RouteAPIServerName)
	if err != nil {
		return 0, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	opts := routeserver.NewOptions()
	opts.Domain = o.domain()
	ro := opts.Recommended
	ro.SecureServing.Listener = l
	ro.SecureServing.ServerCert.CertKey = genericoptions.CertKey{
		CertFile: filepath.Join(certOpts.CertDir, corev1.TLSCertKey), KeyFile: filepath.Join(certOpts.CertDir, corev1.TLSPrivateKeyKey)}
	ro.Etcd.StorageConfig.Transport.ServerList = []string{c.Env.ControlPlane.Etcd.URL.String()}
	ro.Authentication.RemoteKubeConfigFile = kubeconfig
	ro.Authorization.RemoteKubeConfigFile = kubeconfig
	ro.CoreAPI.CoreAPIKubeconfigPath = kubeconfig
	server, err := opts.NewServer()
	if err != nil {
		_ = l.Close()
		return 0, fmt.Errorf("route API server: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.PrepareRun().RunWithContext(runCtx) }()
	c.routeAPIDone = done
	c.stopRouteAPI = func() {
		cancel()
		<-done
	}
	return int32(l.Addr().(*net.TCPAddr).Port), nil
}

// pointAPIService sends route.openshift.io/v1 to the local server's port:
// an ExternalName Service names no port, so the APIService carries it.
func (c *Cluster) pointAPIService(ctx context.Context, port int32) error {
	var a apiregistrationv1.APIService
	if err := c.Client.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &a); err != nil {
		return err
	}
	orig := a.DeepCopy()
	a.Spec.Service.Port = &port
	return c.Client.Patch(ctx, &a, client.MergeFrom(orig))
}

// serviceAccountKubeconfig writes a kubeconfig that authenticates as the
// named ServiceAccount's user (a client certificate with its user name and
// groups), so that the manifests' RBAC for it is what is tested.
func (c *Cluster) serviceAccountKubeconfig(dir, namespace, name string) (string, error) {
	u, err := c.serviceAccount(namespace, name)
	if err != nil {
		return "", err
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// serviceAccount is a user of the API server authenticated as the named
// ServiceAccount, with its groups.
func (c *Cluster) serviceAccount(namespace, name string) (*envtest.AuthenticatedUser, error) {
	return c.Env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + namespace + ":" + name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}, c.Config)
}

// waitForRouteAPI waits until discovery through the main API server lists
// routes: the APIService is available and the aggregator proxies to it.
func (c *Cluster) waitForRouteAPI() error {
	done := c.routeAPIDone
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("route API server stopped: %w", err)
		default:
		}
		list, err := dc.ServerResourcesForGroupVersion(routev1.GroupVersion.String())
		if err == nil && hasResource(list, "routes") {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("route.openshift.io/v1 not served through the API server within 60s: %v", last)
}

func hasResource(list *metav1.APIResourceList, name string) bool {
	for _, r := range list.APIResources {
		if r.Name == name {
			return true
		}
	}
	return false
}

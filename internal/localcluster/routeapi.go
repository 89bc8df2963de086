package localcluster

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
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

// startRouteAPIServer installs the APIService and RBAC of the aggregated
// Route API, lets the manager's certificate code issue the server's serving
// certificate (and put its CA into the APIService), and runs the server in
// this process, reached through an ExternalName Service on loopback. It
// returns once the main API server serves route.openshift.io/v1 through it.
func (c *Cluster) startRouteAPIServer(o Options, dir string) error {
	ctx := context.Background()
	if err := c.applyFS(ctx, config.RouteAPIServer); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := int32(l.Addr().(*net.TCPAddr).Port)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: names.RouteAPIServerName},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"},
	}
	if err := c.Client.Create(ctx, svc); err != nil && !apierrors.IsAlreadyExists(err) {
		_ = l.Close()
		return err
	}
	if err := c.pointAPIService(ctx, port); err != nil {
		_ = l.Close()
		return err
	}
	certDir := filepath.Join(dir, "route-apiserver")
	certOpts := manager.RouteAPIServerCertOptions(names.OperatorNamespace, certDir)
	if err := webhookcert.Ensure(ctx, c.Client, certOpts, time.Now()); err != nil {
		_ = l.Close()
		return fmt.Errorf("route API server certificate: %w", err)
	}
	kubeconfig, err := c.serviceAccountKubeconfig(dir, names.OperatorNamespace, names.RouteAPIServerName)
	if err != nil {
		_ = l.Close()
		return err
	}
	opts := routeserver.NewOptions()
	opts.Domain = o.domain()
	ro := opts.Recommended
	ro.SecureServing.Listener = l
	ro.SecureServing.ServerCert.CertKey = genericoptions.CertKey{
		CertFile: filepath.Join(certDir, corev1.TLSCertKey), KeyFile: filepath.Join(certDir, corev1.TLSPrivateKeyKey)}
	ro.Etcd.StorageConfig.Transport.ServerList = []string{c.Env.ControlPlane.Etcd.URL.String()}
	ro.Authentication.RemoteKubeConfigFile = kubeconfig
	ro.Authorization.RemoteKubeConfigFile = kubeconfig
	ro.CoreAPI.CoreAPIKubeconfigPath = kubeconfig
	server, err := opts.NewServer()
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("route API server: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.PrepareRun().RunWithContext(runCtx) }()
	c.stopRouteAPI = func() {
		cancel()
		<-done
	}
	return c.waitForRouteAPI(done)
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
	u, err := c.Env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + namespace + ":" + name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}, nil)
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

// waitForRouteAPI waits until discovery through the main API server lists
// routes: the APIService is available and the aggregator proxies to it.
func (c *Cluster) waitForRouteAPI(done <-chan error) error {
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

// applyFS creates every manifest of an embedded directory.
func (c *Cluster) applyFS(ctx context.Context, files fs.FS) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		return c.apply(ctx, data)
	})
}

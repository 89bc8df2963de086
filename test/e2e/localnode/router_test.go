package localnode_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/echo"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/localnode"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

const routerImage = "okd-ingress:latest"

// TestRouterPodsServeRoutes runs the operator: the router Deployment of a
// HostNetwork IngressController puts a router pod on each node, the agents
// run real routers for them (with the pods' own ServiceAccount token, the
// default certificate Secret as files, per-pod directories and this
// machine's HAProxy), their readiness probes on the node's localhost make
// them Ready, and a Route is served on both node addresses over HTTP and
// HTTPS (with the operator's default certificate) and admitted in status.
func TestRouterPodsServeRoutes(t *testing.T) {
	start := time.Now()
	routerBin, err := build(t.TempDir(), "okd-ingress-router", "./cmd/router")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("router built after %s", since(start))
	s := startStack(t, stackOptions{manager: true, haproxy: haproxyPath(t), images: map[string]localnode.Image{
		echoImage:   {Binary: echoBin},
		routerImage: {Binary: routerBin, Router: true},
	}})
	start = time.Now()
	mustCreate(t, s.c, &operatorv1.IngressController{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: names.OperatorNamespace},
		Spec:       operatorv1.IngressControllerSpec{Replicas: ptr.To(int32(2))},
	})
	for _, p := range waitRouters(t, s, 2) {
		// The operator's Deployment makes the root read-only: the router
		// and HAProxy write only to the pod's emptyDirs.
		if opts := mountOptions(t, podPID(t, &p))["/"]; !strings.HasPrefix(opts, "ro") {
			t.Errorf("router %s runs with / mounted %q, want read-only", p.Name, opts)
		}
	}
	t.Logf("2 router pods Ready after %s, their root filesystems read-only", since(start))

	start = time.Now()
	mustCreate(t, s.c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	mustCreate(t, s.c, echoService())
	mustCreate(t, s.c, echoDeployment(2))
	host := "echo." + domain
	route := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: ns},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: "echo"},
			TLS: &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
				InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}},
	}
	mustCreate(t, s.c, route)
	cert := defaultCertificate(t, s)
	for _, nd := range s.nodes {
		for _, scheme := range []string{"http", "https"} {
			r, err := waitRouted(scheme, nd.IP.String(), host, cert)
			if err != nil || r.Service != "echo" {
				t.Errorf("%s://%s via router on %s: %+v, %v", scheme, host, nd.IP, r.Identity, err)
			}
		}
	}
	t.Logf("route served by both routers over HTTP and HTTPS after %s", since(start))
	waitAdmitted(t, s, route)
}

func haproxyPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OKD_INGRESS_HAPROXY"); p != "" {
		return p
	}
	root, err := localcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", filepath.Join(root, "hack", "bins.sh"), "haproxy-path").Output()
	if err != nil {
		t.Fatalf("hack/bins.sh haproxy-path: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func waitRouters(t *testing.T, s *stack, n int) []corev1.Pod {
	t.Helper()
	var last []corev1.Pod
	err := poll(waitTimeout, func() (bool, error) {
		var list corev1.PodList
		if err := s.c.Client.List(context.Background(), &list, client.InNamespace(names.RouterNamespace)); err != nil {
			return false, err
		}
		last = list.Items
		ready := 0
		for i := range list.Items {
			if podReady(&list.Items[i]) {
				ready++
			}
		}
		return ready == n, nil
	})
	if err != nil {
		t.Fatalf("router pods not Ready: %v; %s", err, describe(last))
	}
	return last
}

// defaultCertificate is the operator's default certificate for the
// IngressController, which the routers must serve from the mounted Secret.
func defaultCertificate(t *testing.T, s *stack) []byte {
	t.Helper()
	var sec corev1.Secret
	key := client.ObjectKey{Namespace: names.RouterNamespace, Name: names.DefaultCertificateSecret("default")}
	if err := s.c.Client.Get(context.Background(), key, &sec); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(sec.Data[corev1.TLSCertKey])
	if block == nil {
		t.Fatalf("secret %s has no certificate", key)
	}
	return block.Bytes
}

// waitRouted requests the route through a router at addr until it
// answers; over HTTPS the router must present cert.
func waitRouted(scheme, addr, host string, cert []byte) (echo.Response, error) {
	port := map[string]string{"http": "80", "https": "443"}[scheme]
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(addr, port))
		},
		DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, //nolint:gosec // VerifyConnection compares the certificate itself
			VerifyConnection: func(cs tls.ConnectionState) error {
				if !bytes.Equal(cs.PeerCertificates[0].Raw, cert) {
					return errors.New("not the IngressController's default certificate")
				}
				return nil
			},
		},
	}}
	var r echo.Response
	var last error
	err := poll(waitTimeout, func() (bool, error) {
		r, last = getEcho(hc, scheme+"://"+host+"/")
		if last != nil && strings.Contains(last.Error(), "default certificate") {
			return false, last
		}
		return last == nil, nil
	})
	if err != nil {
		return r, fmt.Errorf("%w (last: %v)", err, last)
	}
	return r, nil
}

func waitAdmitted(t *testing.T, s *stack, route *routev1.Route) {
	t.Helper()
	err := poll(waitTimeout, func() (bool, error) {
		if err := s.c.Client.Get(context.Background(), client.ObjectKeyFromObject(route), route); err != nil {
			return false, err
		}
		for _, in := range route.Status.Ingress {
			for _, c := range in.Conditions {
				if c.Type == routev1.RouteAdmitted && c.Status == corev1.ConditionTrue {
					return true, nil
				}
			}
		}
		return false, nil
	})
	if err != nil {
		t.Errorf("route not admitted in status (the router writes it with its own token): %v; %+v", err, route.Status)
	}
}

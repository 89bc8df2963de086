package router_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Metrics access", func() {
	It("lets the stats user and tokens allowed routers/metrics read /metrics, over HTTP and HTTPS on one port, and no one else; the probes need nothing", func() {
		ctx := context.Background()
		kp, err := routerCA.Issue("router-internal-metrics.openshift-ingress.svc")
		Expect(err).NotTo(HaveOccurred())
		pemFile, err := framework.WritePEM(tmpDir, "metrics.pem", kp)
		Expect(err).NotTo(HaveOccurred())
		r := startRouter("metrics", map[string]string{"ROUTER_METRICS_TLS_CERT_FILE": pemFile, "ROUTER_METRICS_TLS_KEY_FILE": pemFile})
		port := net.JoinHostPort(r.Addr, "1936")
		httpsClient := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: routerCA.Pool,
			ServerName: "router-internal-metrics.openshift-ingress.svc"}}}
		type auth struct{ user, password, token string }
		status := func(scheme, path string, a auth) int {
			GinkgoHelper()
			req, err := http.NewRequest(http.MethodGet, scheme+"://"+port+path, nil)
			Expect(err).NotTo(HaveOccurred())
			if a.user != "" {
				req.SetBasicAuth(a.user, a.password)
			}
			if a.token != "" {
				req.Header.Set("Authorization", "Bearer "+a.token)
			}
			c := http.DefaultClient
			if scheme == "https" {
				c = httpsClient
			}
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusOK && path == "/metrics" {
				b, err := io.ReadAll(resp.Body)
				Expect(err).NotTo(HaveOccurred())
				Expect(string(b)).To(ContainSubstring("okd_router_reloads_total"))
			}
			return resp.StatusCode
		}
		stats := auth{user: framework.StatsUsername, password: framework.StatsPassword}

		By("the probes, over either, need no credentials")
		for _, scheme := range []string{"http", "https"} {
			Expect(status(scheme, "/healthz", auth{})).To(Equal(200))
			Expect(status(scheme, "/healthz/ready", auth{})).To(Equal(200))
		}

		By("the stats user, and no one without credentials or with wrong ones")
		for _, scheme := range []string{"http", "https"} {
			Expect(status(scheme, "/metrics", stats)).To(Equal(200))
			Expect(status(scheme, "/metrics", auth{})).To(Equal(401))
			Expect(status(scheme, "/metrics", auth{user: stats.user, password: "wrong"})).To(Equal(401))
			Expect(status(scheme, "/metrics", auth{token: "not-a-token"})).To(Equal(401))
		}

		By("a token whose user may get routers/metrics of this router; not one for another router's, nor one without")
		kc, err := kubernetes.NewForConfig(cluster.Config)
		Expect(err).NotTo(HaveOccurred())
		ns := newNamespace("scrape", nil)
		token := func(sa string) string {
			GinkgoHelper()
			Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}})).To(Succeed())
			tr, err := kc.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authnv1.TokenRequest{}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			return tr.Status.Token
		}
		grant := func(sa, router string) {
			GinkgoHelper()
			name := ns + "-" + sa
			Expect(k8s.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{{
				APIGroups: []string{"route.openshift.io"}, Resources: []string{"routers/metrics"}, ResourceNames: []string{router}, Verbs: []string{"get"},
			}}})).To(Succeed())
			Expect(k8s.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}}})).To(Succeed())
		}
		scraper, elsewhere, nobody := token("scraper"), token("elsewhere"), token("nobody")
		grant("scraper", "metrics")
		grant("elsewhere", "default")
		for _, scheme := range []string{"http", "https"} {
			Eventually(func() int { return status(scheme, "/metrics", auth{token: scraper}) }).WithTimeout(wait).Should(Equal(200))
			Expect(status(scheme, "/metrics", auth{token: elsewhere})).To(Equal(403))
			Expect(status(scheme, "/metrics", auth{token: nobody})).To(Equal(403))
		}

		By("a renewed certificate, written over the files, served on the next connection without a restart")
		renewed, err := routerCA.Issue("router-internal-metrics.openshift-ingress.svc")
		Expect(err).NotTo(HaveOccurred())
		_, err = framework.WritePEM(tmpDir, "metrics.pem", renewed)
		Expect(err).NotTo(HaveOccurred())
		leaf, err := certs.ParseCertificates(renewed.CertPEM)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string {
			resp, err := httpsClient.Get("https://" + port + "/healthz")
			if err != nil {
				return err.Error()
			}
			resp.Body.Close()
			return resp.TLS.PeerCertificates[0].SerialNumber.String()
		}).WithTimeout(wait).Should(Equal(leaf[0].SerialNumber.String()))
	})
})

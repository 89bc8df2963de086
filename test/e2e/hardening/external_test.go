package hardening_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("External certificates", func() {
	ctx := context.Background()

	It("serves a route's externalCertificate from the one Secret granted to the router's ServiceAccount, and follows it", func() {
		// The operator binds the router's ClusterRole to its ServiceAccount
		// for any IngressController.
		newIngressController("extcert", "extcert.hardening.test")
		saUser := names.RouterServiceAccountUser(names.RouterNamespace)
		Eventually(func() error {
			return full.Client.Get(ctx, client.ObjectKey{Name: names.RouterClusterRole}, &rbacv1.ClusterRoleBinding{})
		}).WithTimeout(wait).Should(Succeed())

		ca, err := framework.NewCA("external")
		Expect(err).NotTo(HaveOccurred())
		first, err := ca.Issue("ext.hardening.test")
		Expect(err).NotTo(HaveOccurred())
		ns := newNamespace(full.Client, "ext-cert", nil)
		newBackend(full.Client, ns, "web", 1)
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ext-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: first.CertPEM, corev1.TLSPrivateKeyKey: first.KeyPEM}}
		Expect(full.Client.Create(ctx, secret)).To(Succeed())
		Expect(full.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"},
			StringData: map[string]string{"key": "not for routers"}})).To(Succeed())

		By("granting the router get, list and watch on that Secret alone, as OKD asks")
		Expect(full.Client.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "router-reads-ext-tls"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"ext-tls"},
				Verbs: []string{"get", "list", "watch"}}}})).To(Succeed())
		Expect(full.Client.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "router-reads-ext-tls"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "router-reads-ext-tls"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: names.RouterServiceAccount, Namespace: names.RouterNamespace}}})).To(Succeed())
		sa := impersonatingClient(saUser)
		Eventually(func() error {
			return sa.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})
		}).WithTimeout(wait).Should(Succeed())
		Expect(apierrors.IsForbidden(sa.List(ctx, &corev1.SecretList{}, client.InNamespace(ns)))).To(BeTrue(),
			"the grant must not let the router list the namespace's Secrets")

		r, err := framework.StartRouter(routerOptions(impersonatingKubeconfig(full.Kubeconfig, saUser), "extcert", nil))
		Expect(err).NotTo(HaveOccurred())
		stopOnCleanup(r, "extcert")
		Expect(r.WaitReady(30 * time.Second)).To(Succeed())
		route := plainRoute(ns, "ext", "ext.hardening.test")
		route.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
			ExternalCertificate: &routev1.LocalObjectReference{Name: "ext-tls"}}
		Expect(full.Client.Create(ctx, route)).To(Succeed())
		Eventually(servedBy(r.NewClient(framework.ClientOptions{RootCAs: ca.Pool}), "https://ext.hardening.test/")).
			WithTimeout(wait).Should(Equal("web"))
		Eventually(condition(full.Client, ns, "ext", "extcert")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))

		By("serving the Secret's new certificate once it changes")
		next, err := framework.NewCA("external-next")
		Expect(err).NotTo(HaveOccurred())
		second, err := next.Issue("ext.hardening.test")
		Expect(err).NotTo(HaveOccurred())
		secret.Data = map[string][]byte{corev1.TLSCertKey: second.CertPEM, corev1.TLSPrivateKeyKey: second.KeyPEM}
		Expect(full.Client.Update(ctx, secret)).To(Succeed())
		Eventually(servedBy(r.NewClient(framework.ClientOptions{RootCAs: next.Pool}), "https://ext.hardening.test/")).
			WithTimeout(wait).Should(Equal("web"))

		By("refusing a certificate HAProxy will not load, and serving the Secret again once it is fixed")
		// Failed reloads of this router and the suite's "default" router.
		refusals := func() [2]float64 {
			GinkgoHelper()
			var out [2]float64
			for i, rt := range []*framework.Router{r, fullRouter} {
				v, err := rt.Metric("okd_router_reload_failures_total")
				Expect(err).NotTo(HaveOccurred())
				out[i] = v
			}
			return out
		}
		// quiet waits until neither router has refused anything for 2 s.
		quiet := func() {
			GinkgoHelper()
			Eventually(func() bool {
				was := refusals()
				time.Sleep(2 * time.Second)
				return refusals() == was
			}).WithTimeout(30 * time.Second).Should(BeTrue())
		}
		weakCert, weakKey := smallKeyCert("ext.hardening.test")
		secret.Data = map[string][]byte{corev1.TLSCertKey: weakCert, corev1.TLSPrivateKeyKey: weakKey}
		Expect(full.Client.Update(ctx, secret)).To(Succeed())
		Eventually(condition(full.Client, ns, "ext", "extcert")).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionFalse), HaveField("Message", ContainSubstring("key too small"))))
		// Both routers serve the route (the suite's "default" too), and each
		// one's status write gives the route a new version, which retries
		// it. Once both have refused the second one and are quiet, nothing
		// writes the route again: only the Secret's version can tell a
		// router that the next certificate is new.
		quiet()
		before := refusals()
		weakCert, weakKey = smallKeyCert("ext.hardening.test")
		secret.Data = map[string][]byte{corev1.TLSCertKey: weakCert, corev1.TLSPrivateKeyKey: weakKey}
		Expect(full.Client.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			now := refusals()
			g.Expect(now[0]).To(BeNumerically(">", before[0]))
			g.Expect(now[1]).To(BeNumerically(">", before[1]))
		}).WithTimeout(wait).Should(Succeed())
		quiet()
		Expect(condition(full.Client, ns, "ext", "extcert")(Default)).To(HaveField("Status", corev1.ConditionFalse))
		third, err := next.Issue("ext.hardening.test")
		Expect(err).NotTo(HaveOccurred())
		secret.Data = map[string][]byte{corev1.TLSCertKey: third.CertPEM, corev1.TLSPrivateKeyKey: third.KeyPEM}
		Expect(full.Client.Update(ctx, secret)).To(Succeed())
		Eventually(condition(full.Client, ns, "ext", "extcert")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Eventually(servedBy(r.NewClient(framework.ClientOptions{RootCAs: next.Pool}), "https://ext.hardening.test/")).
			WithTimeout(wait).Should(Equal("web"))

		By("refusing the route, with OKD's reason, once the Secret is gone")
		Expect(full.Client.Delete(ctx, secret)).To(Succeed())
		Eventually(condition(full.Client, ns, "ext", "extcert")).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionFalse), HaveField("Reason", "ExternalCertificateGetFailed"),
			HaveField("Message", ContainSubstring(`"ext-tls" not found`))))
		Expect(r.Log()).NotTo(ContainSubstring("forbidden"), "the router asked for more than the one Secret")
	})
})

// smallKeyCert is a self-signed certificate for host with a 1024-bit RSA
// key, which admission takes and HAProxy refuses ("ee key too small" at
// OpenSSL's default security level).
func smallKeyCert(host string) (certPEM, keyPEM []byte) {
	GinkgoHelper()
	certPEM, keyPEM, err := framework.SelfSignedRSA(1024, host, "", host)
	Expect(err).NotTo(HaveOccurred())
	return certPEM, keyPEM
}

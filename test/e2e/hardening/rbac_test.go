package hardening_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("RBAC", func() {
	ctx := context.Background()

	It("denies the router's ServiceAccount, as the operator sets it up, any read of Secrets; what it has runs a router", func() {
		// The operator creates the ServiceAccount "router", the ClusterRole
		// openshift-ingress-router and their bindings for any IngressController.
		newIngressController("rbac", "rbac.hardening.test")
		saUser := names.RouterServiceAccountUser(names.RouterNamespace)
		Eventually(func(g Gomega) {
			var crb rbacv1.ClusterRoleBinding
			g.Expect(full.Client.Get(ctx, client.ObjectKey{Name: names.RouterClusterRole}, &crb)).To(Succeed())
			g.Expect(crb.RoleRef.Name).To(Equal(names.RouterClusterRole))
			g.Expect(crb.Subjects).To(ContainElement(rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: names.RouterServiceAccount, Namespace: names.RouterNamespace}))
			g.Expect(full.Client.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.RouterServiceAccount}, &corev1.ServiceAccount{})).To(Succeed())
		}).WithTimeout(wait).Should(Succeed())
		// A Secret the router must not read: the IngressController's own certificate.
		certKey := client.ObjectKey{Namespace: names.RouterNamespace, Name: names.DefaultCertificateSecret("rbac")}
		Eventually(func() error { return full.Client.Get(ctx, certKey, &corev1.Secret{}) }).WithTimeout(wait).Should(Succeed())
		other := newNamespace(full.Client, "secrets", nil)
		Expect(full.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "app-key"},
			StringData: map[string]string{"key": "not for routers"}})).To(Succeed())

		sa := impersonatingClient(saUser)
		// Bindings reach the authorizer through an informer: wait for what the role grants.
		Eventually(func() error { return sa.List(ctx, &routev1.RouteList{}) }).WithTimeout(wait).Should(Succeed())
		Expect(sa.List(ctx, &corev1.ServiceList{})).To(Succeed())

		forbidden := func(what string, err error) {
			GinkgoHelper()
			Expect(err).To(HaveOccurred(), what+" succeeded")
			Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%s: %v", what, err)
			Expect(err.Error()).To(ContainSubstring(saUser))
		}
		forbidden("get the IngressController's certificate Secret", sa.Get(ctx, certKey, &corev1.Secret{}))
		forbidden("get a Secret of an application namespace", sa.Get(ctx, client.ObjectKey{Namespace: other, Name: "app-key"}, &corev1.Secret{}))
		forbidden("list Secrets in the router namespace", sa.List(ctx, &corev1.SecretList{}, client.InNamespace(names.RouterNamespace)))
		forbidden("list Secrets in every namespace", sa.List(ctx, &corev1.SecretList{}))
		forbidden("create a Secret", sa.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "planted"}}))
		var ps metav1.PartialObjectMetadataList
		ps.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
		forbidden("list Secret metadata", sa.List(ctx, &ps, client.InNamespace(other)))

		By("running a router as the ServiceAccount")
		kubeconfig := impersonatingKubeconfig(full.Kubeconfig, saUser)
		// A shard: its status writer lists every route once, and reads one
		// that leaves it to take its entry off.
		r, err := framework.StartRouter(routerOptions(kubeconfig, "rbac", map[string]string{"ROUTE_LABELS": "shard=rbac"}))
		Expect(err).NotTo(HaveOccurred())
		stopOnCleanup(r, "rbac")
		Expect(r.WaitReady(30 * time.Second)).To(Succeed())
		ns := newNamespace(full.Client, "rbac-app", nil)
		newBackend(full.Client, ns, "web", 1)
		route := plainRoute(ns, "web", "rbac-app.hardening.test")
		route.Labels = map[string]string{"shard": "rbac"}
		Expect(full.Client.Create(ctx, route)).To(Succeed())
		Eventually(servedBy(r.NewClient(framework.ClientOptions{}), "http://rbac-app.hardening.test/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(condition(full.Client, ns, "web", "rbac")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))
		Eventually(func() error {
			if err := full.Client.Get(ctx, client.ObjectKeyFromObject(route), route); err != nil {
				return err
			}
			route.Labels = nil
			return full.Client.Update(ctx, route)
		}).WithTimeout(wait).Should(Succeed())
		Eventually(condition(full.Client, ns, "web", "rbac")).WithTimeout(wait).Should(BeZero())
		Expect(r.Log()).NotTo(ContainSubstring("forbidden"), "the router ran into missing permissions")
	})

	It("does not let a user without routes/custom-host take a host", func() {
		const denied = "you do not have permission to set the host field of the route"
		owner := newNamespace(full.Client, "host-owner", nil)
		newBackend(full.Client, owner, "web", 1)
		Expect(full.Client.Create(ctx, plainRoute(owner, "owned", "owned.hardening.test"))).To(Succeed())
		c := fullRouter.NewClient(framework.ClientOptions{})
		Eventually(servedBy(c, "http://owned.hardening.test/")).WithTimeout(wait).Should(Equal("web"))

		ns := newNamespace(full.Client, "no-custom-host", nil)
		newBackend(full.Client, ns, "web", 1)
		Expect(full.Client.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "routes"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{routev1.GroupVersion.Group}, Resources: []string{"routes"},
				Verbs: []string{"create", "get", "list", "update", "delete"}}}})).To(Succeed())
		Expect(full.Client.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mallory-routes"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "routes"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mallory"}}})).To(Succeed())
		user, err := full.UserClient("mallory")
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() error { return user.List(ctx, &routev1.RouteList{}, client.InNamespace(ns)) }).WithTimeout(wait).Should(Succeed())

		for _, host := range []string{"owned.hardening.test", "free.hardening.test"} {
			err := user.Create(ctx, plainRoute(ns, "take", host))
			Expect(err).To(HaveOccurred(), "the user took "+host)
			Expect(err.Error()).To(ContainSubstring(denied))
			Expect(apierrors.IsNotFound(full.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "take"}, &routev1.Route{}))).To(BeTrue())
		}
		// Without a host of their own the user gets the generated one...
		gen := plainRoute(ns, "generated", "")
		Expect(user.Create(ctx, gen)).To(Succeed())
		Expect(gen.Spec.Host).To(Equal("generated-" + ns + "." + domain))
		Eventually(servedBy(c, "http://"+gen.Spec.Host+"/")).WithTimeout(wait).Should(Equal("web"))
		// ...and cannot move it onto someone else's host.
		Eventually(func() error {
			Expect(user.Get(ctx, client.ObjectKeyFromObject(gen), gen)).To(Succeed())
			gen.Spec.Host = "owned.hardening.test"
			err = user.Update(ctx, gen)
			return err
		}).WithTimeout(wait).ShouldNot(Satisfy(apierrors.IsConflict), "the router writes the status meanwhile")
		Expect(err).To(HaveOccurred(), "the user moved the route onto owned.hardening.test")
		Expect(err.Error()).To(ContainSubstring(denied))

		r, err := c.Get("http://owned.hardening.test/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.Namespace).To(Equal(owner), "the owner's route no longer serves its host")
		Expect(servedBy(c, "http://free.hardening.test/")()).To(Equal("status 404"))
	})
})

// newIngressController creates an IngressController for the spec, deleted
// after it: the operator then sets up the routers' ServiceAccount and RBAC.
func newIngressController(name, domain string) {
	GinkgoHelper()
	ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: name},
		Spec: operatorv1.IngressControllerSpec{Domain: domain}}
	Expect(full.Client.Create(context.Background(), ic)).To(Succeed())
	DeferCleanup(func() { _ = full.Client.Delete(context.Background(), ic) })
}

// impersonatingClient is a client of the full cluster acting as user.
func impersonatingClient(user string) client.Client {
	GinkgoHelper()
	cfg := rest.CopyConfig(full.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: full.Client.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// impersonatingKubeconfig copies a kubeconfig, making every user act as user.
func impersonatingKubeconfig(path, user string) string {
	GinkgoHelper()
	cfg, err := clientcmd.LoadFromFile(path)
	Expect(err).NotTo(HaveOccurred())
	for _, a := range cfg.AuthInfos {
		a.Impersonate = user
	}
	// Not the user name in the file name: KUBECONFIG splits on ':'.
	out := filepath.Join(tmpDir, "kubeconfig-impersonating")
	Expect(clientcmd.WriteToFile(*cfg, out)).To(Succeed())
	DeferCleanup(func() { _ = os.Remove(out) })
	return out
}

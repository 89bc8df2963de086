package router_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("The default destination CA (service CA)", func() {
	It("verifies each reencrypt server against its own Service's name: a canary's pods, also those added at runtime, and refuses a pod whose certificate names another Service", func() {
		ns := newNamespace("svcca", nil)
		newBackend(ns, "app", 1)
		canary := newBackend(ns, "canary", 1)
		caFile := filepath.Join(tmpDir, "service-ca.pem")
		Expect(os.WriteFile(caFile, backendCA.CertPEM, 0o600)).To(Succeed())
		re := sharded("svcca")(route(ns, "re", "svcca."+domain, "app", "https"))
		re.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}
		re.Spec.To.Weight = ptr.To(int32(50))
		re.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "canary", Weight: ptr.To(int32(50))}}
		create(re)
		// Pods of the CA whose certificate names another Service.
		wrong, err := backendCA.TLSCertificate("app." + ns + ".svc")
		Expect(err).NotTo(HaveOccurred())
		impostor, err := framework.NewBackend(context.Background(), k8s, ns, "impostor", 1, wrong)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(impostor.Close)
		imp := sharded("svcca")(route(ns, "imp", "svcca-imp."+domain, "impostor", "https"))
		imp.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}
		create(imp)

		r := startRouter("svcca", map[string]string{"ROUTE_LABELS": "shard=svcca", names.EnvDefaultDestinationCAPath: caFile})
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		url := "https://svcca." + domain + "/"
		answers := func() map[string]int {
			seen := map[string]int{}
			for range 40 {
				seen[servedBy(c, url)()]++
			}
			return seen
		}
		Eventually(answers).WithTimeout(wait).Should(And(HaveLen(2), HaveKey("app"), HaveKey("canary")),
			"both Services answer, nothing fails verification")

		// A second canary pod is added at runtime (a new server slot): it
		// must be checked against canary's name too, and serve.
		reloads, err := r.ReloadCount()
		Expect(err).NotTo(HaveOccurred())
		Expect(canary.Scale(context.Background(), 2)).To(Succeed())
		canaryPods := func() []string {
			pods := map[string]bool{}
			for range 60 {
				if resp, err := c.Get(url); err == nil && resp.Status == 200 && resp.Echo.Service == "canary" {
					pods[resp.Echo.Pod] = true
				}
			}
			var out []string
			for p := range pods {
				out = append(out, p)
			}
			return out
		}
		Eventually(canaryPods).WithTimeout(wait).Should(ConsistOf(canary.Pods()))
		Expect(answers()).To(And(HaveLen(2), HaveKey("app"), HaveKey("canary")))
		Expect(r.ReloadCount()).To(Equal(reloads), "the canary pod was added at runtime")

		Expect(status(c, "https://svcca-imp."+domain+"/")()).To(Equal(503), "a certificate for another Service is refused")
	})
})

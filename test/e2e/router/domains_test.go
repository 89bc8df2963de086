package router_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

var _ = Describe("Allowed and denied domains", func() {
	It("serves hosts of ROUTER_ALLOWED_DOMAINS, and refuses the others and those of ROUTER_DENIED_DOMAINS with RouteNotAdmitted", func() {
		ns := newNamespace("domains", nil)
		newBackend(ns, "web", 1)
		for name, host := range map[string]string{
			"ok": "a.allowed.example.com", "denied": "x.deny.allowed.example.com", "outside": "b.example.com",
		} {
			create(sharded("domains")(route(ns, name, host, "web", "http")))
		}
		r := startRouter("domains", map[string]string{"ROUTE_LABELS": "shard=domains",
			names.EnvRouterAllowedDomains: "allowed.example.com", names.EnvRouterDeniedDomains: "deny.allowed.example.com"})
		c := r.NewClient(framework.ClientOptions{})

		Eventually(servedBy(c, "http://a.allowed.example.com/")).WithTimeout(wait).Should(Equal("web"))
		for _, name := range []string{"denied", "outside"} {
			Eventually(admitted(ns, name, "domains")).WithTimeout(wait).Should(And(
				HaveField("Status", corev1.ConditionFalse), HaveField("Reason", admission.ReasonRouteNotAdmitted)), name)
		}
		Expect(status(c, "http://x.deny.allowed.example.com/")()).To(Equal(404))
		Expect(status(c, "http://b.example.com/")()).To(Equal(404))
	})
})

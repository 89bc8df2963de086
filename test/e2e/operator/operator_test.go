package operator_test

import (
	"context"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

var _ = Describe("An IngressController on a simulated cluster", Ordered, func() {
	const name = "sim"

	It("becomes Available with its routers running on the host network", func() {
		ic := &operatorv1.IngressController{
			ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: name},
			Spec: operatorv1.IngressControllerSpec{Domain: "sim.apps.sim.test", Replicas: ptr.To(int32(2)),
				EndpointPublishingStrategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}},
		}
		Expect(k8s.Create(context.Background(), ic)).To(Succeed())
		Eventually(condition(name, "Available")).WithTimeout(converge).Should(HaveField("Status", operatorv1.ConditionTrue))
		Eventually(getIC(name)).WithTimeout(converge).Should(HaveField("Status.AvailableReplicas", int32(2)))
		d := deployment(name)(Default)
		Expect(d.Spec.Template.Spec.HostNetwork).To(BeTrue())
		Expect(*d.Spec.Strategy.RollingUpdate.MaxSurge).To(HaveField("IntVal", int32(0)), "no surge on the host network")
		Expect(kubectl("get", "ingresscontroller", name, "-n", names.OperatorNamespace)).To(
			MatchRegexp(`(?m)^NAME\s+DOMAIN\s+STRATEGY\s+REPLICAS\s+AVAILABLE\s+AGE\n` + name + `\s+sim.apps.sim.test\s+HostNetwork\s+2\s+2\s`))
	})

	It("follows kubectl scale 2→4→1 without a rollout", func() {
		hash := deployment(name)(Default).Spec.Template.Labels[names.HashLabel]
		for _, n := range []int32{4, 1} {
			kubectl("scale", "ingresscontroller/"+name, "-n", names.OperatorNamespace, "--replicas="+itoa(n))
			Eventually(getIC(name)).WithTimeout(converge).Should(HaveField("Status.AvailableReplicas", n))
			Eventually(deployment(name)).WithTimeout(converge).Should(HaveField("Status.AvailableReplicas", n))
			Expect(deployment(name)(Default).Spec.Template.Labels[names.HashLabel]).To(Equal(hash), "scaling must not change the pod template")
		}
		var sets appsv1.ReplicaSetList
		Expect(k8s.List(context.Background(), &sets, client.InNamespace(names.RouterNamespace),
			client.MatchingLabels{names.DeploymentLabel: name})).To(Succeed())
		Expect(sets.Items).To(HaveLen(1), "scaling created no new ReplicaSet")
	})

	It("rolls out a tuning change to completion", func() {
		kubectl("scale", "ingresscontroller/"+name, "-n", names.OperatorNamespace, "--replicas=3")
		Eventually(getIC(name)).WithTimeout(converge).Should(HaveField("Status.AvailableReplicas", int32(3)))
		hash := deployment(name)(Default).Spec.Template.Labels[names.HashLabel]
		kubectl("patch", "ingresscontroller/"+name, "-n", names.OperatorNamespace, "--type=merge", "-p", `{"spec":{"tuningOptions":{"threadCount":2}}}`)
		Eventually(func(g Gomega) {
			d := deployment(name)(g)
			g.Expect(d.Spec.Template.Labels[names.HashLabel]).NotTo(Equal(hash))
			g.Expect(d.Status.ObservedGeneration).To(Equal(d.Generation))
			g.Expect(d.Status.UpdatedReplicas).To(Equal(int32(3)))
			g.Expect(d.Status.Replicas).To(Equal(int32(3)))
			g.Expect(d.Status.AvailableReplicas).To(Equal(int32(3)))
		}).WithTimeout(converge).Should(Succeed())
		Expect(envOf(deployment(name)(Default), "ROUTER_THREADS")).To(Equal("2"))
		Eventually(condition(name, "Progressing")).WithTimeout(converge).Should(HaveField("Status", operatorv1.ConditionFalse))
		Eventually(condition(name, "Available")).WithTimeout(converge).Should(HaveField("Status", operatorv1.ConditionTrue))
	})
})

var _ = Describe("A LoadBalancerService IngressController without a load-balancer provider", func() {
	It("says the load balancer is pending and is not Available", func() {
		const name = "nolb"
		ic := &operatorv1.IngressController{
			ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: name},
			Spec: operatorv1.IngressControllerSpec{Domain: "nolb.apps.sim.test", Replicas: ptr.To(int32(1)),
				EndpointPublishingStrategy: &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType}},
		}
		Expect(k8s.Create(context.Background(), ic)).To(Succeed())
		Eventually(condition(name, "DeploymentAvailable")).WithTimeout(converge).Should(HaveField("Status", operatorv1.ConditionTrue))
		Eventually(condition(name, "LoadBalancerReady")).WithTimeout(converge).Should(And(
			HaveField("Status", operatorv1.ConditionFalse), HaveField("Reason", "LoadBalancerPending"),
			HaveField("Message", ContainSubstring("nothing in this cluster has provisioned a load balancer"))))
		Expect(condition(name, "LoadBalancerManaged")(Default)).To(HaveField("Status", operatorv1.ConditionTrue))
		Expect(condition(name, "Available")(Default)).To(And(HaveField("Status", operatorv1.ConditionFalse),
			HaveField("Message", ContainSubstring("LoadBalancerReady"))))
	})
})

func envOf(d *appsv1.Deployment, name string) string {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

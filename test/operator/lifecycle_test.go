package operator

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func conditionTypes(ic *operatorv1.IngressController) []string {
	var out []string
	for _, c := range ic.Status.Conditions {
		out = append(out, c.Type)
	}
	return out
}

// A second IngressController for a domain already served is rejected,
// naming the first; once the first is deleted, the second is admitted.
func TestDuplicateDomain(t *testing.T) {
	private := strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType})
	createIC(t, "dup-a", domain("dup.op.test"), replicas(1), private)
	admittedIC(t, "dup-a", operatorv1.ConditionTrue)
	createIC(t, "dup-b", domain("dup.op.test"), replicas(1), private)
	b := admittedIC(t, "dup-b", operatorv1.ConditionFalse)
	c := condition(b, "Admitted")
	expect(t, "reason", c.Reason, "Invalid")
	expect(t, "message", c.Message, "domain dup.op.test is already used by IngressController dup-a")
	expect(t, "condition types", conditionTypes(b), []string{"Admitted", "Available", "Progressing", "Degraded"})
	expect(t, "Available", condition(b, "Available").Status, operatorv1.ConditionFalse)
	expect(t, "Degraded", condition(b, "Degraded").Status, operatorv1.ConditionTrue)
	expect(t, "status.domain", b.Status.Domain, "")
	expect(t, "status.observedGeneration", b.Status.ObservedGeneration, b.Generation)
	expect(t, "finalizers", b.Finalizers, []string(nil))
	if err := gone(&appsv1.Deployment{}, names.RouterNamespace, "router-dup-b")(); err != nil {
		t.Error(err)
	}

	a, err := getIC("dup-a")
	must(t, err)
	must(t, k8s.Delete(ctx, a))
	eventually(t, "dup-a deleted", gone(&operatorv1.IngressController{}, names.OperatorNamespace, "dup-a"))
	b = admittedIC(t, "dup-b", operatorv1.ConditionTrue)
	expect(t, "status.domain", b.Status.Domain, "dup.op.test")
	expect(t, "ROUTER_DOMAIN", envOf(deployment(t, "dup-b"))["ROUTER_DOMAIN"], "dup.op.test")
}

// setRolledOut writes the Deployment's status as a controller manager
// would once every replica of the current generation is available.
func setRolledOut(t *testing.T, ic string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	eventually(t, "writing Deployment status", func() error {
		d = deployment(t, ic)
		n := *d.Spec.Replicas
		now := metav1.Now()
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n,
			AvailableReplicas: n, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue,
				Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability.", LastUpdateTime: now, LastTransitionTime: now}}}
		return k8s.Status().Update(ctx, d)
	})
	return d
}

func TestStatusAndScale(t *testing.T) {
	const ic = "st"
	// No domain, no strategy, no replicas: the cluster's domain, AWS's
	// load balancer, the API's two replicas.
	created := createIC(t, ic)
	var x *operatorv1.IngressController
	eventually(t, "status", func() error {
		var err error
		if x, err = getIC(ic); err != nil {
			return err
		}
		if len(x.Status.Conditions) != 13 || x.Status.Selector == "" {
			return fmt.Errorf("conditions %v, selector %q", conditionTypes(x), x.Status.Selector)
		}
		return nil
	})
	expect(t, "selector", x.Status.Selector, "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=st")
	expect(t, "domain", x.Status.Domain, clusterDomain)
	expect(t, "endpointPublishingStrategy", x.Status.EndpointPublishingStrategy, &operatorv1.EndpointPublishingStrategy{
		Type: operatorv1.LoadBalancerServiceStrategyType,
		LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer,
			DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS, ProviderParameters: awsProvider(operatorv1.AWSClassicLoadBalancer)}})
	expect(t, "observedGeneration", x.Status.ObservedGeneration, x.Generation)
	expect(t, "availableReplicas", x.Status.AvailableReplicas, int32(0))
	expect(t, "tlsProfile", x.Status.TLSProfile, &operatorv1.TLSProfileSpec{MinTLSVersion: operatorv1.VersionTLS12, Ciphers: []string{
		"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
		"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"},
		Groups: []operatorv1.TLSGroup{"X25519MLKEM768", "X25519", "secp256r1", "secp384r1"}})
	expect(t, "finalizers", x.Finalizers, []string{"ingresscontroller.operator.openshift.io/finalizer-ingresscontroller"})
	expect(t, "condition types", conditionTypes(x), []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable",
		"DeploymentReplicasAllAvailable", "DeploymentRollingOut", "LoadBalancerManaged", "LoadBalancerReady", "LoadBalancerProgressing", "DNSManaged", "DNSReady",
		"Available", "Progressing", "Degraded"})
	want := map[string]operatorv1.ConditionStatus{"Admitted": "True", "DeploymentAvailable": "Unknown", "DeploymentReplicasMinAvailable": "False",
		"DeploymentReplicasAllAvailable": "False", "DeploymentRollingOut": "True", "LoadBalancerManaged": "True", "LoadBalancerReady": "False",
		"LoadBalancerProgressing": "False", "DNSManaged": "True", "DNSReady": "False", "Available": "False", "Progressing": "True"}
	// Degraded waits for the shortest grace period (30s) to pass.
	if time.Since(created.CreationTimestamp.Time) < 25*time.Second {
		want["Degraded"] = "False"
	}
	for typ, st := range want {
		expect(t, typ, condition(x, typ).Status, st)
	}
	expect(t, "LoadBalancerReady reason", condition(x, "LoadBalancerReady").Reason, "LoadBalancerPending")
	expect(t, "DNSReady reason", condition(x, "DNSReady").Reason, "RecordNotFound")

	d := deployment(t, ic)
	hash := d.Spec.Template.Labels[names.HashLabel]
	checkPDB(t, ic, ptr.To(intstr.FromInt32(1)), d)

	// kubectl scale and HPAs go through the scale subresource.
	scale := &autoscalingv1.Scale{}
	must(t, k8s.SubResource("scale").Get(ctx, x, scale))
	expect(t, "scale spec", scale.Spec.Replicas, int32(2))
	expect(t, "scale selector", scale.Status.Selector, "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=st")
	for _, tc := range []struct {
		replicas int32
		pdb      *intstr.IntOrString
	}{{3, ptr.To(intstr.FromString("25%"))}, {1, nil}, {2, ptr.To(intstr.FromInt32(1))}} {
		eventually(t, "scaling", func() error {
			if err := k8s.SubResource("scale").Get(ctx, x, scale); err != nil {
				return err
			}
			scale.Spec.Replicas = tc.replicas
			return k8s.SubResource("scale").Update(ctx, x, client.WithSubResourceBody(scale))
		})
		eventually(t, fmt.Sprintf("Deployment at %d replicas", tc.replicas), func() error {
			if d = deployment(t, ic); *d.Spec.Replicas != tc.replicas {
				return fmt.Errorf("replicas %d", *d.Spec.Replicas)
			}
			return nil
		})
		expect(t, "template hash after scaling", d.Spec.Template.Labels[names.HashLabel], hash)
		checkPDB(t, ic, tc.pdb, d)
	}

	// The Deployment's progress shows in status.
	setRolledOut(t, ic)
	eventually(t, "availableReplicas", func() error {
		var err error
		if x, err = getIC(ic); err != nil {
			return err
		}
		if x.Status.AvailableReplicas != 2 || condition(x, "DeploymentAvailable").Status != operatorv1.ConditionTrue ||
			condition(x, "Progressing").Status != operatorv1.ConditionFalse {
			return fmt.Errorf("availableReplicas %d, conditions %+v", x.Status.AvailableReplicas, x.Status.Conditions)
		}
		return nil
	})
	expect(t, "Available (the load balancer is still pending)", condition(x, "Available").Status, operatorv1.ConditionFalse)
	must(t, k8s.SubResource("scale").Get(ctx, x, scale))
	expect(t, "scale status replicas", scale.Status.Replicas, int32(2))

	// A spec change is observed, and rolls the pods; the conditions that
	// do not change keep their transition times.
	since := map[string]metav1.Time{}
	for _, c := range x.Status.Conditions {
		since[c.Type] = c.LastTransitionTime
	}
	time.Sleep(1100 * time.Millisecond) // transition times have whole seconds
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.TuningOptions = &operatorv1.IngressControllerTuningOptions{ThreadCount: 2}
	})
	eventually(t, "observedGeneration and the new env", func() error {
		var err error
		if x, err = getIC(ic); err != nil {
			return err
		}
		if x.Status.ObservedGeneration != x.Generation {
			return fmt.Errorf("observedGeneration %d of %d", x.Status.ObservedGeneration, x.Generation)
		}
		if th := envOf(deployment(t, ic))["ROUTER_THREADS"]; th != "2" {
			return fmt.Errorf("ROUTER_THREADS %s", th)
		}
		if c := condition(x, "DeploymentRollingOut"); c.Status != operatorv1.ConditionTrue {
			return fmt.Errorf("DeploymentRollingOut %s", c.Status)
		}
		return nil
	})
	if h := deployment(t, ic).Spec.Template.Labels[names.HashLabel]; h == hash {
		t.Errorf("the template hash did not change with the env")
	}
	for _, typ := range []string{"Admitted", "DeploymentAvailable", "DeploymentReplicasMinAvailable", "DeploymentReplicasAllAvailable",
		"LoadBalancerManaged", "LoadBalancerReady", "Available"} {
		if c := condition(x, typ); !c.LastTransitionTime.Equal(ptr.To(since[typ])) {
			t.Errorf("%s (%s) lastTransitionTime moved from %v to %v", typ, c.Status, since[typ], c.LastTransitionTime)
		}
	}
}

// routeStatus is a router's entry in a Route's status.
func routeStatus(router, host string) routev1.RouteIngress {
	return routev1.RouteIngress{Host: host, RouterName: router, WildcardPolicy: routev1.WildcardPolicyNone,
		RouterCanonicalHostname: "router-" + router + ".example.test",
		Conditions:              []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue}}}
}

// createRoute creates a Route and writes status entries for the routers.
func createRoute(t *testing.T, ns, name string, labels map[string]string, routers ...string) {
	t.Helper()
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: routev1.RouteSpec{Host: name + "." + ns + ".example.test", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}}}
	must(t, k8s.Create(ctx, r))
	for _, router := range routers {
		r.Status.Ingress = append(r.Status.Ingress, routeStatus(router, r.Spec.Host))
	}
	must(t, k8s.Status().Update(ctx, r))
}

// routersOf lists the routers in a Route's status, in order.
func routersOf(t *testing.T, ns, name string) []string {
	t.Helper()
	var r routev1.Route
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &r))
	var out []string
	for _, in := range r.Status.Ingress {
		out = append(out, in.RouterName)
	}
	return out
}

func waitRouters(t *testing.T, ns, name string, want ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("routers of %s/%s", ns, name), func() error {
		if got := routersOf(t, ns, name); !slices.Equal(got, want) {
			return fmt.Errorf("routers %v, want %v", got, want)
		}
		return nil
	})
}

func TestDeletion(t *testing.T) {
	const ic = "del"
	createIC(t, ic, domain("del.op.test"), replicas(2), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType}))
	deployment(t, ic)
	operands := []struct {
		obj  client.Object
		name string
	}{
		{&appsv1.Deployment{}, "router-del"},
		{&corev1.Service{}, "router-internal-del"},
		{&corev1.Service{}, "router-nodeport-del"},
		{&policyv1.PodDisruptionBudget{}, "router-del"},
		{&corev1.Secret{}, "router-certs-del"},
		{&corev1.Secret{}, "router-cookie-key-del"},
	}
	for _, o := range operands {
		operand(t, o.name, o.obj)
	}
	eventually(t, "IngressClass", func() error {
		return k8s.Get(ctx, client.ObjectKey{Name: "openshift-del"}, &networkingv1.IngressClass{})
	})
	x, err := getIC(ic)
	must(t, err)
	expect(t, "finalizers", x.Finalizers, []string{"ingresscontroller.operator.openshift.io/finalizer-ingresscontroller"})

	ns := newNamespace(t, "routes-del", nil)
	createRoute(t, ns, "both", nil, "del", "other")
	createRoute(t, ns, "mine", nil, "del")
	createRoute(t, ns, "theirs", nil, "other")
	createRoute(t, ns, "other-first", nil, "other", "del", "third")
	// The Leases electing each router's status writer, which the routers
	// make; the deleted one's goes with it.
	for _, router := range []string{ic, "other"} {
		must(t, k8s.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "router-status-" + router}}))
	}

	must(t, k8s.Delete(ctx, x))
	eventually(t, "IngressController gone", gone(&operatorv1.IngressController{}, names.OperatorNamespace, ic))
	for _, o := range operands {
		if err := gone(o.obj, names.RouterNamespace, o.name)(); err != nil {
			t.Error(err)
		}
	}
	if err := gone(&networkingv1.IngressClass{}, "", "openshift-del")(); err != nil {
		t.Error(err)
	}
	if err := gone(&coordinationv1.Lease{}, names.RouterNamespace, "router-status-del")(); err != nil {
		t.Error(err)
	}
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "router-status-other"}, &coordinationv1.Lease{}))
	expect(t, "both", routersOf(t, ns, "both"), []string{"other"})
	expect(t, "mine", routersOf(t, ns, "mine"), []string(nil))
	expect(t, "theirs", routersOf(t, ns, "theirs"), []string{"other"})
	expect(t, "other-first", routersOf(t, ns, "other-first"), []string{"other", "third"})
	var r routev1.Route
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "both"}, &r))
	expect(t, "the other router's entry", r.Status.Ingress, []routev1.RouteIngress{routeStatus("other", r.Spec.Host)})
	// The shared objects stay for the other IngressControllers.
	var sa corev1.ServiceAccount
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "router"}, &sa))
}

// After a selector change, routes the router no longer serves lose its
// status entry, once the routers with the new selector run.
func TestSelectorChange(t *testing.T) {
	const ic = "sel"
	createIC(t, ic, domain("sel.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	setRolledOut(t, ic)
	red := newNamespace(t, "routes-red", map[string]string{"team": "red"})
	blue := newNamespace(t, "routes-blue", map[string]string{"team": "blue"})
	createRoute(t, red, "a", map[string]string{"shard": "a"}, "sel")
	createRoute(t, red, "b", map[string]string{"shard": "b"}, "other", "sel")
	createRoute(t, red, "none", nil, "sel", "other")
	createRoute(t, blue, "a", map[string]string{"shard": "a"}, "sel")
	eventually(t, "rolled out", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if c := condition(x, "DeploymentRollingOut"); c == nil || c.Status != operatorv1.ConditionFalse {
			return fmt.Errorf("DeploymentRollingOut %+v", c)
		}
		return nil
	})

	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "a"}}
	})
	// The new routers are rolling out: nothing is cleared yet.
	eventually(t, "Deployment with the new selector", func() error {
		if v := envOf(deployment(t, ic))["ROUTE_LABELS"]; v != "shard=a" {
			return fmt.Errorf("ROUTE_LABELS %q", v)
		}
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if c := condition(x, "DeploymentRollingOut"); c.Status != operatorv1.ConditionTrue {
			return fmt.Errorf("DeploymentRollingOut %s", c.Status)
		}
		return nil
	})
	x, err := getIC(ic)
	must(t, err)
	expect(t, "status.routeSelector during the rollout", x.Status.RouteSelector, (*metav1.LabelSelector)(nil))
	expect(t, "b during the rollout", routersOf(t, red, "b"), []string{"other", "sel"})
	expect(t, "none during the rollout", routersOf(t, red, "none"), []string{"sel", "other"})

	setRolledOut(t, ic)
	waitRouters(t, red, "b", "other")
	waitRouters(t, red, "none", "other")
	expect(t, "a (still selected)", routersOf(t, red, "a"), []string{"sel"})
	expect(t, "blue a (still selected)", routersOf(t, blue, "a"), []string{"sel"})
	eventually(t, "status.routeSelector", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if !equalSelector(x.Status.RouteSelector, x.Spec.RouteSelector) {
			return fmt.Errorf("status.routeSelector %v", x.Status.RouteSelector)
		}
		return nil
	})

	// Now the namespace selector: only team=blue.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "blue"}}
	})
	eventually(t, "Deployment with the namespace selector", func() error {
		if v := envOf(deployment(t, ic))["NAMESPACE_LABELS"]; v != "team=blue" {
			return fmt.Errorf("NAMESPACE_LABELS %q", v)
		}
		return nil
	})
	expect(t, "red a during the rollout", routersOf(t, red, "a"), []string{"sel"})
	setRolledOut(t, ic)
	waitRouters(t, red, "a")
	expect(t, "blue a (still selected)", routersOf(t, blue, "a"), []string{"sel"})
	eventually(t, "status.namespaceSelector", func() error {
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if !equalSelector(x.Status.NamespaceSelector, x.Spec.NamespaceSelector) {
			return fmt.Errorf("status.namespaceSelector %v", x.Status.NamespaceSelector)
		}
		return nil
	})
}

func equalSelector(a, b *metav1.LabelSelector) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.String() == b.String()
}

// TestDeploymentDrift: a hand edit of the router Deployment's pod template
// is undone, as OKD's operator does, while `kubectl rollout restart` is
// kept and nothing is written when nothing drifted.
func TestDeploymentDrift(t *testing.T) {
	const ic = "drift"
	createIC(t, ic, domain("drift.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	orig := deployment(t, ic)
	stable := func(what string) *appsv1.Deployment {
		t.Helper()
		touch(t, ic)
		time.Sleep(time.Second) // the reconcile the touch starts has run
		d := deployment(t, ic)
		touch(t, ic)
		time.Sleep(time.Second)
		if again := deployment(t, ic); again.ResourceVersion != d.ResourceVersion {
			t.Fatalf("%s: the Deployment was written on a reconcile with nothing to change (resourceVersion %s → %s)",
				what, d.ResourceVersion, again.ResourceVersion)
		}
		return d
	}
	d := stable("as created")
	expect(t, "generation", d.Generation, orig.Generation)

	// kubectl set env, set image, and a container that may write its root
	// and gain privileges.
	before := d.DeepCopy()
	c := &d.Spec.Template.Spec.Containers[0]
	c.Image = "example.test/evil:latest"
	c.Env = append(c.Env, corev1.EnvVar{Name: "ROUTER_EXTRA", Value: "1"})
	c.SecurityContext.ReadOnlyRootFilesystem, c.SecurityContext.AllowPrivilegeEscalation = ptr.To(false), ptr.To(true)
	must(t, k8s.Patch(ctx, d, client.MergeFrom(before)))
	eventually(t, "the edit undone", func() error {
		got := deployment(t, ic)
		if !equality.Semantic.DeepEqual(got.Spec.Template, orig.Spec.Template) {
			c := got.Spec.Template.Spec.Containers[0]
			return fmt.Errorf("template still differs: image %s, readOnlyRootFilesystem %v, %d env",
				c.Image, *c.SecurityContext.ReadOnlyRootFilesystem, len(c.Env))
		}
		return nil
	})
	stable("after the edit was undone")

	// kubectl rollout restart stamps the template; the stamp stays.
	d = deployment(t, ic)
	before = d.DeepCopy()
	d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] = time.Now().Format(time.RFC3339)
	must(t, k8s.Patch(ctx, d, client.MergeFrom(before)))
	d = stable("after a restart")
	if _, ok := d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]; !ok {
		t.Errorf("the restart stamp was removed")
	}

	// Probe timeouts tuned for a slow kubelet stay, as in OKD
	// (TestTunableRouterKubeletProbesForCustomIngressController), also
	// when the operator's template changes.
	before = d.DeepCopy()
	c = &d.Spec.Template.Spec.Containers[0]
	c.LivenessProbe.TimeoutSeconds, c.ReadinessProbe.TimeoutSeconds = 5, 4
	must(t, k8s.Patch(ctx, d, client.MergeFrom(before)))
	timeouts := func(d *appsv1.Deployment) [2]int32 {
		c := d.Spec.Template.Spec.Containers[0]
		return [2]int32{c.LivenessProbe.TimeoutSeconds, c.ReadinessProbe.TimeoutSeconds}
	}
	expect(t, "probe timeouts after a reconcile", timeouts(stable("after the probes were tuned")), [2]int32{5, 4})
	updateIC(t, ic, func(ic *operatorv1.IngressController) {
		ic.Spec.TuningOptions = &operatorv1.IngressControllerTuningOptions{MaxConnections: 40000}
	})
	eventually(t, "the operator's new template", func() error {
		got := deployment(t, ic)
		if got.Spec.Template.Labels[names.HashLabel] == d.Spec.Template.Labels[names.HashLabel] {
			return fmt.Errorf("template hash unchanged")
		}
		if tm := timeouts(got); tm != [2]int32{5, 4} {
			return fmt.Errorf("probe timeouts %v, want [5 4]", tm)
		}
		return nil
	})
}

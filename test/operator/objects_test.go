package operator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

const (
	intermediateCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
		"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
		"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
	tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
)

// baseEnv is the environment every router gets, for IngressController ic
// serving domain.
func baseEnv(ic, domain string) map[string]string {
	return map[string]string{
		"DEFAULT_CERTIFICATE_DIR":       "/etc/pki/tls/private",
		"ROUTER_CANONICAL_HOSTNAME":     "router-" + ic + "." + domain,
		"ROUTER_CIPHERS":                intermediateCiphers,
		"ROUTER_CIPHERSUITES":           tls13Suites,
		"ROUTER_CURVES":                 "X25519MLKEM768:X25519:secp256r1:secp384r1",
		"ROUTER_COOKIE_KEY":             "secret router-cookie-key-" + ic + " key",
		"ROUTER_DISABLE_HTTP2":          "false",
		"ROUTER_DOMAIN":                 domain,
		"ROUTER_LOAD_BALANCE_ALGORITHM": "random",
		"ROUTER_SERVICE_NAME":           ic,
		"ROUTER_SERVICE_NAMESPACE":      "openshift-ingress",
		"ROUTER_SET_FORWARDED_HEADERS":  "append",
		"ROUTER_TCP_BALANCE_SCHEME":     "source",
		"ROUTER_THREADS":                "4",
		"SSL_MIN_VERSION":               "TLSv1.2",
		"STATS_PORT":                    "1936",
		"ROUTER_METRICS_TLS_CERT_FILE":  "/etc/pki/tls/metrics-certs/tls.crt",
		"ROUTER_METRICS_TLS_KEY_FILE":   "/etc/pki/tls/metrics-certs/tls.key",
		"STATS_USERNAME":                "secret router-stats-" + ic + " statsUsername",
		"STATS_PASSWORD":                "secret router-stats-" + ic + " statsPassword",
	}
}

func withEnv(env map[string]string, k, v string) map[string]string {
	env[k] = v
	return env
}

// awsClassicAnnotations are an AWS Classic load balancer Service's, with more.
func awsClassicAnnotations(more map[string]string) map[string]string {
	a := map[string]string{
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval":            "5",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout":             "4",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold":   "2",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "2",
		"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol":                  "*",
	}
	maps.Copy(a, more)
	return withRecord(a)
}

// withRecord sets the annotations k, v, … and the operator's record of the
// managed ones it wrote.
func withRecord(a map[string]string, kv ...string) map[string]string {
	for i := 0; i+1 < len(kv); i += 2 {
		a[kv[i]] = kv[i+1]
	}
	var managed []string
	for _, k := range []string{"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol", "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes",
		"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout", "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"} {
		if _, ok := a[k]; ok {
			managed = append(managed, k)
		}
	}
	a["ingress.okd-ingress.io/managed-annotations"] = strings.Join(managed, ",")
	return a
}

func awsProvider(t operatorv1.AWSLoadBalancerType) *operatorv1.ProviderLoadBalancerParameters {
	return &operatorv1.ProviderLoadBalancerParameters{Type: operatorv1.AWSLoadBalancerProvider, AWS: &operatorv1.AWSLoadBalancerParameters{Type: t}}
}

func expect(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("%s =\n  %#v\nwant\n  %#v", what, got, want)
	}
}

func svcPort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromString(name), Protocol: corev1.ProtocolTCP}
}

// portsWithoutNodePorts returns the ports with node ports cleared, after
// checking that each has one when wantNodePorts.
func portsWithoutNodePorts(t *testing.T, s *corev1.Service, wantNodePorts bool) []corev1.ServicePort {
	t.Helper()
	var out []corev1.ServicePort
	for _, p := range s.Spec.Ports {
		if (p.NodePort != 0) != wantNodePorts {
			t.Errorf("service %s port %s: nodePort %d, want one: %v", s.Name, p.Name, p.NodePort, wantNodePorts)
		}
		p.NodePort = 0
		out = append(out, p)
	}
	return out
}

func serviceLabels(ic string) map[string]string {
	return map[string]string{names.OwningLabel: ic, "app": "router", "router": "router-" + ic}
}

// checkOwnedByDeployment checks the controller reference to the router Deployment.
func checkOwnedByDeployment(t *testing.T, obj metav1.Object, d *appsv1.Deployment) {
	t.Helper()
	refs := obj.GetOwnerReferences()
	want := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	expect(t, fmt.Sprintf("%s owner references", obj.GetName()), refs, want)
}

func checkInternalService(t *testing.T, ic string, d *appsv1.Deployment) {
	t.Helper()
	s := &corev1.Service{}
	operand(t, "router-internal-"+ic, s)
	expect(t, "internal service type", s.Spec.Type, corev1.ServiceTypeClusterIP)
	expect(t, "internal service labels", s.Labels, serviceLabels(ic))
	expect(t, "internal service selector", s.Spec.Selector, map[string]string{names.DeploymentLabel: ic})
	expect(t, "internal service ports", portsWithoutNodePorts(t, s, false),
		[]corev1.ServicePort{svcPort("http", 80), svcPort("https", 443), svcPort("metrics", 1936)})
	checkOwnedByDeployment(t, s, d)
}

func checkNoService(t *testing.T, name string) {
	t.Helper()
	if err := gone(&corev1.Service{}, names.RouterNamespace, name)(); err != nil {
		t.Error(err)
	}
}

func checkPDB(t *testing.T, ic string, maxUnavailable *intstr.IntOrString, d *appsv1.Deployment) {
	t.Helper()
	if maxUnavailable == nil {
		eventually(t, "no PDB", gone(&policyv1.PodDisruptionBudget{}, names.RouterNamespace, "router-"+ic))
		return
	}
	var pdb policyv1.PodDisruptionBudget
	eventually(t, "PDB "+maxUnavailable.String(), func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: "router-" + ic}, &pdb); err != nil {
			return err
		}
		if mu := pdb.Spec.MaxUnavailable; mu == nil || *mu != *maxUnavailable {
			return fmt.Errorf("maxUnavailable %v", mu)
		}
		return nil
	})
	expect(t, "PDB labels", pdb.Labels, map[string]string{names.OwningLabel: ic})
	expect(t, "PDB selector", pdb.Spec.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{names.DeploymentLabel: ic}})
	expect(t, "PDB minAvailable", pdb.Spec.MinAvailable, (*intstr.IntOrString)(nil))
	expect(t, "PDB unhealthyPodEvictionPolicy", pdb.Spec.UnhealthyPodEvictionPolicy, ptr.To(policyv1.AlwaysAllow))
	checkOwnedByDeployment(t, &pdb, d)
}

func checkIngressClass(t *testing.T, ic string) {
	t.Helper()
	var c networkingv1.IngressClass
	eventually(t, "IngressClass", func() error { return k8s.Get(ctx, client.ObjectKey{Name: "openshift-" + ic}, &c) })
	expect(t, "IngressClass labels", c.Labels, map[string]string{names.OwningLabel: ic})
	expect(t, "IngressClass controller", c.Spec.Controller, "openshift.io/ingress-to-route")
	expect(t, "IngressClass parameters", c.Spec.Parameters, &networkingv1.IngressClassParametersReference{
		APIGroup: ptr.To("operator.openshift.io"), Kind: "IngressController", Name: ic,
		Scope: ptr.To("Namespace"), Namespace: ptr.To(names.OperatorNamespace)})
}

// checkDeployment checks what every router Deployment has, then returns
// its pod spec for the strategy-specific checks.
func checkDeployment(t *testing.T, ic string, d *appsv1.Deployment, replicas int32, volumeSecret string) corev1.PodSpec {
	t.Helper()
	expect(t, "deployment labels", d.Labels, map[string]string{names.OwningLabel: ic})
	expect(t, "replicas", d.Spec.Replicas, ptr.To(replicas))
	expect(t, "selector", d.Spec.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{names.DeploymentLabel: ic}})
	expect(t, "minReadySeconds", d.Spec.MinReadySeconds, int32(30))
	expect(t, "progressDeadlineSeconds", d.Spec.ProgressDeadlineSeconds, ptr.To(int32(600)))
	tl := d.Spec.Template.Labels
	if len(tl) != 2 || tl[names.DeploymentLabel] != ic || len(tl[names.HashLabel]) != 10 {
		t.Errorf("template labels = %v", tl)
	}
	pod := d.Spec.Template.Spec
	expect(t, "serviceAccountName", pod.ServiceAccountName, "router")
	expect(t, "terminationGracePeriodSeconds", pod.TerminationGracePeriodSeconds, ptr.To(int64(3600)))
	expect(t, "nodeSelector", pod.NodeSelector, map[string]string{"kubernetes.io/os": "linux"})
	expect(t, "priorityClassName", pod.PriorityClassName, "system-cluster-critical")
	expect(t, "topologySpreadConstraints", pod.TopologySpreadConstraints, []corev1.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{names.DeploymentLabel: ic, names.HashLabel: tl[names.HashLabel]}},
	}})
	expect(t, "affinity", pod.Affinity, &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{
			TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{names.DeploymentLabel: ic}},
		}}}}})
	// The projection's sources are the unit tests' (desiredDeployment).
	var api *corev1.ProjectedVolumeSource
	if i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == "kube-api-access" }); i >= 0 {
		api = pod.Volumes[i].Projected
	}
	if api == nil || !slices.ContainsFunc(api.Sources, func(p corev1.VolumeProjection) bool { return p.ServiceAccountToken != nil }) {
		t.Errorf("kube-api-access projects no token: %+v", api)
	}
	expect(t, "volumes", pod.Volumes, []corev1.Volume{{Name: "default-certificate", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: volumeSecret, DefaultMode: ptr.To(int32(0o440))}}},
		{Name: "metrics-certs", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: "router-metrics-certs-" + ic, DefaultMode: ptr.To(int32(0o440))}}},
		{Name: "router-config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "router-run", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: api}}})
	expect(t, "automountServiceAccountToken", pod.AutomountServiceAccountToken, ptr.To(false))
	if len(pod.Containers) != 1 {
		t.Fatalf("containers = %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	expect(t, "image", c.Image, "okd-ingress:test")
	expect(t, "liveness terminationGracePeriodSeconds", c.LivenessProbe.TerminationGracePeriodSeconds, ptr.To(int64(10)))
	expect(t, "readiness terminationGracePeriodSeconds", c.ReadinessProbe.TerminationGracePeriodSeconds, (*int64)(nil))
	expect(t, "volumeMounts", c.VolumeMounts, []corev1.VolumeMount{{Name: "default-certificate", MountPath: "/etc/pki/tls/private", ReadOnly: true},
		{Name: "metrics-certs", MountPath: "/etc/pki/tls/metrics-certs", ReadOnly: true},
		{Name: "router-config", MountPath: "/var/lib/haproxy/router"}, {Name: "router-run", MountPath: "/var/lib/haproxy/run"},
		{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}})
	return pod
}

func rollingUpdate(surge, unavailable intstr.IntOrString) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
}

func checkEnv(t *testing.T, d *appsv1.Deployment, want map[string]string) {
	t.Helper()
	got := envOf(d)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			t.Errorf("env %s = %q, want %q", k, got[k], want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected env %s = %q", k, got[k])
		}
	}
}

func TestHostNetworkObjects(t *testing.T) {
	const ic = "hn"
	createIC(t, ic, domain("hn.op.test"), replicas(2), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}))
	d := deployment(t, ic)
	pod := checkDeployment(t, ic, d, 2, "router-certs-hn")
	expect(t, "strategy", d.Spec.Strategy, rollingUpdate(intstr.FromInt32(0), intstr.FromInt32(1)))
	expect(t, "hostNetwork", pod.HostNetwork, true)
	expect(t, "dnsPolicy", pod.DNSPolicy, corev1.DNSClusterFirstWithHostNet)
	expect(t, "pod securityContext", pod.SecurityContext, &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}})
	c := pod.Containers[0]
	expect(t, "container securityContext", c.SecurityContext, &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(true),
		ReadOnlyRootFilesystem: ptr.To(true),
		Capabilities:           &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE"}}})
	expect(t, "ports", c.Ports, []corev1.ContainerPort{
		{Name: "http", ContainerPort: 80, HostPort: 80, Protocol: corev1.ProtocolTCP},
		{Name: "https", ContainerPort: 443, HostPort: 443, Protocol: corev1.ProtocolTCP},
		{Name: "metrics", ContainerPort: 1936, HostPort: 1936, Protocol: corev1.ProtocolTCP}})
	expect(t, "readiness probe", c.ReadinessProbe.HTTPGet, &corev1.HTTPGetAction{Path: "/healthz/ready", Port: intstr.FromInt32(1936),
		Host: "localhost", Scheme: corev1.URISchemeHTTP})
	env := baseEnv(ic, "hn.op.test")
	env["ROUTER_SERVICE_HTTP_PORT"], env["ROUTER_SERVICE_HTTPS_PORT"] = "80", "443"
	env["ROUTER_HAPROXY_BINARY"] = "/usr/sbin/haproxy-bind-low-ports"
	checkEnv(t, d, env)

	checkInternalService(t, ic, d)
	checkNoService(t, "router-hn")
	checkNoService(t, "router-nodeport-hn")
	checkPDB(t, ic, ptr.To(intstr.FromInt32(1)), d)
	checkIngressClass(t, ic)
}

func TestPrivateObjects(t *testing.T) {
	const ic = "priv"
	createIC(t, ic, domain("priv.op.test"), replicas(3), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType,
		Private: &operatorv1.PrivateStrategy{Protocol: operatorv1.ProxyProtocol}}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.TuningOptions = &operatorv1.IngressControllerTuningOptions{ThreadCount: 2, MaxConnections: -1,
				ClientTimeout: &metav1.Duration{Duration: 45e9}, ReloadInterval: &metav1.Duration{Duration: 500e6}}
			ic.Spec.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"shard": "priv"}}
			ic.Spec.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod", "stage"}}}}
			ic.Spec.RouteAdmission = &operatorv1.RouteAdmissionPolicy{NamespaceOwnership: operatorv1.InterNamespaceAllowedOwnershipCheck,
				WildcardPolicy: operatorv1.WildcardPolicyAllowed}
			ic.Spec.HTTPHeaders = &operatorv1.IngressControllerHTTPHeaders{ForwardedHeaderPolicy: operatorv1.IfNoneHTTPHeaderPolicy}
			ic.Spec.TLSSecurityProfile = &operatorv1.TLSSecurityProfile{Type: operatorv1.TLSProfileModernType, Modern: &operatorv1.ModernTLSProfile{}}
			ic.Annotations = map[string]string{"ingress.operator.openshift.io/default-enable-http2": "false",
				"ingress.operator.openshift.io/hard-stop-after": "30m"}
		})
	d := deployment(t, ic)
	pod := checkDeployment(t, ic, d, 3, "router-certs-priv")
	expect(t, "strategy", d.Spec.Strategy, rollingUpdate(intstr.FromString("25%"), intstr.FromString("50%")))
	expect(t, "hostNetwork", pod.HostNetwork, false)
	expect(t, "dnsPolicy", pod.DNSPolicy, corev1.DNSClusterFirst)
	expect(t, "pod securityContext", pod.SecurityContext, &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		Sysctls:        []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}}})
	c := pod.Containers[0]
	expect(t, "container securityContext", c.SecurityContext, &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem: ptr.To(true), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}})
	expect(t, "ports", c.Ports, []corev1.ContainerPort{
		{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP},
		{Name: "https", ContainerPort: 443, Protocol: corev1.ProtocolTCP},
		{Name: "metrics", ContainerPort: 1936, Protocol: corev1.ProtocolTCP}})
	expect(t, "liveness probe", c.LivenessProbe.HTTPGet, &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(1936), Scheme: corev1.URISchemeHTTP})
	env := baseEnv(ic, "priv.op.test")
	delete(env, "ROUTER_CIPHERS")
	maps.Copy(env, map[string]string{
		"ROUTER_USE_PROXY_PROTOCOL": "true", "ROUTER_THREADS": "2", "ROUTER_MAX_CONNECTIONS": "auto",
		"ROUTER_DEFAULT_CLIENT_TIMEOUT": "45s", "RELOAD_INTERVAL": "1s",
		"ROUTE_LABELS": "shard=priv", "NAMESPACE_LABELS": "env in (prod,stage)",
		"ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK": "true", "ROUTER_ALLOW_WILDCARD_ROUTES": "true",
		"ROUTER_SET_FORWARDED_HEADERS": "if-none", "SSL_MIN_VERSION": "TLSv1.3", "ROUTER_DISABLE_HTTP2": "true",
		"ROUTER_HARD_STOP_AFTER": "30m",
	})
	checkEnv(t, d, env)

	checkInternalService(t, ic, d)
	checkNoService(t, "router-priv")
	checkNoService(t, "router-nodeport-priv")
	checkPDB(t, ic, ptr.To(intstr.FromString("25%")), d)
	checkIngressClass(t, ic)

	// Deleted, the IngressClass comes back at once, as on OKD, without a
	// change of the IngressController, which is settled (rolled out,
	// available: nothing else brings a reconcile soon).
	setRolledOut(t, ic)
	waitConditions(t, ic, map[string]string{"Available": "True", "Progressing": "False"})
	time.Sleep(2 * time.Second) // the reconciles that status change brought are over
	class := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "openshift-" + ic}}
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(class), class))
	uid := class.UID
	must(t, k8s.Delete(ctx, class))
	eventually(t, "the IngressClass made again", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(class), class); err != nil {
			return err
		}
		if class.UID == uid {
			return fmt.Errorf("still the deleted one")
		}
		return nil
	})
	checkIngressClass(t, ic)
}

func TestLoadBalancerObjects(t *testing.T) {
	const ic = "ext"
	// No strategy: the platform (AWS) default, an External load balancer.
	createIC(t, ic, domain("ext.op.test"))
	d := deployment(t, ic)
	pod := checkDeployment(t, ic, d, 2, "router-certs-ext")
	expect(t, "strategy", d.Spec.Strategy, rollingUpdate(intstr.FromString("25%"), intstr.FromString("50%")))
	expect(t, "hostNetwork", pod.HostNetwork, false)
	// An AWS Classic load balancer, OKD's default there, sends PROXY.
	checkEnv(t, d, withEnv(baseEnv(ic, "ext.op.test"), "ROUTER_USE_PROXY_PROTOCOL", "true"))

	lb := &corev1.Service{}
	operand(t, "router-ext", lb)
	expect(t, "LB type", lb.Spec.Type, corev1.ServiceTypeLoadBalancer)
	expect(t, "LB labels", lb.Labels, serviceLabels(ic))
	expect(t, "LB annotations", lb.Annotations, awsClassicAnnotations(nil))
	expect(t, "LB selector", lb.Spec.Selector, map[string]string{names.DeploymentLabel: ic})
	expect(t, "LB externalTrafficPolicy", lb.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyLocal)
	expect(t, "LB source ranges", lb.Spec.LoadBalancerSourceRanges, []string(nil))
	expect(t, "LB ports", portsWithoutNodePorts(t, lb, true), []corev1.ServicePort{svcPort("http", 80), svcPort("https", 443)})
	checkOwnedByDeployment(t, lb, d)
	checkInternalService(t, ic, d)
	checkNoService(t, "router-nodeport-ext")
	checkPDB(t, ic, ptr.To(intstr.FromInt32(1)), d)
	checkIngressClass(t, ic)
}

// Internal scope sets the platform's annotation and source ranges follow
// spec; going back to External on AWS needs a new Service (OKD's rule).
func TestInternalLoadBalancer(t *testing.T) {
	const ic = "int"
	createIC(t, ic, domain("int.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
		LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.InternalLoadBalancer, AllowedSourceRanges: []operatorv1.CIDR{"10.0.0.0/8", "fd00::/8"}}}))
	d := deployment(t, ic)
	checkDeployment(t, ic, d, 1, "router-certs-int")
	lb := &corev1.Service{}
	operand(t, "router-int", lb)
	expect(t, "LB annotations", lb.Annotations, awsClassicAnnotations(map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}))
	expect(t, "LB source ranges", lb.Spec.LoadBalancerSourceRanges, []string{"10.0.0.0/8", "fd00::/8"})
	expect(t, "LB ports", portsWithoutNodePorts(t, lb, true), []corev1.ServicePort{svcPort("http", 80), svcPort("https", 443)})
	checkPDB(t, ic, nil, d)

	// AWS cannot turn a load balancer external in place: the annotation
	// stays, and status says what to do, as on OKD.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Spec.EndpointPublishingStrategy.LoadBalancer = &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer,
			AllowedSourceRanges: []operatorv1.CIDR{"192.0.2.0/24"}}
	})
	eventually(t, "the scope change held, and said", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(lb), lb); err != nil {
			return err
		}
		if !slices.Equal(lb.Spec.LoadBalancerSourceRanges, []string{"192.0.2.0/24"}) {
			return fmt.Errorf("source ranges %v", lb.Spec.LoadBalancerSourceRanges)
		}
		if lb.Annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] != "true" {
			return fmt.Errorf("annotations %v: the internal load balancer's annotation was changed in place", lb.Annotations)
		}
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		lp, p := condition(x, operatorv1.IngressControllerLoadBalancerProgressingConditionType), condition(x, operatorv1.OperatorStatusTypeProgressing)
		if lp == nil || lp.Status != operatorv1.ConditionTrue || !strings.Contains(lp.Message, "delete service router-int") {
			return fmt.Errorf("LoadBalancerProgressing %+v", lp)
		}
		if p == nil || p.Status != operatorv1.ConditionTrue {
			return fmt.Errorf("Progressing %+v", p)
		}
		return nil
	})
	uid := lb.UID
	// With OKD's auto-delete annotation the operator creates it anew.
	updateIC(t, ic, func(x *operatorv1.IngressController) {
		x.Annotations = map[string]string{names.AutoDeleteLoadBalancerAnnotation: ""}
	})
	eventually(t, "External scope on a new Service", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(lb), lb); err != nil {
			return err
		}
		if lb.UID == uid {
			return fmt.Errorf("still the old Service")
		}
		if !maps.Equal(lb.Annotations, awsClassicAnnotations(nil)) {
			return fmt.Errorf("annotations %v", lb.Annotations)
		}
		x, err := getIC(ic)
		if err != nil {
			return err
		}
		if lp := condition(x, operatorv1.IngressControllerLoadBalancerProgressingConditionType); lp == nil || lp.Status != operatorv1.ConditionFalse {
			return fmt.Errorf("LoadBalancerProgressing %+v", lp)
		}
		return nil
	})
	x, err := getIC(ic)
	must(t, err)
	expect(t, "status strategy", x.Status.EndpointPublishingStrategy, &operatorv1.EndpointPublishingStrategy{Type: operatorv1.LoadBalancerServiceStrategyType,
		LoadBalancer: &operatorv1.LoadBalancerStrategy{Scope: operatorv1.ExternalLoadBalancer, AllowedSourceRanges: []operatorv1.CIDR{"192.0.2.0/24"},
			DNSManagementPolicy: operatorv1.ManagedLoadBalancerDNS, ProviderParameters: awsProvider(operatorv1.AWSClassicLoadBalancer)}})
}

func TestNodePortObjects(t *testing.T) {
	const ic = "np"
	createIC(t, ic, domain("np.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType}))
	d := deployment(t, ic)
	pod := checkDeployment(t, ic, d, 1, "router-certs-np")
	expect(t, "hostNetwork", pod.HostNetwork, false)
	expect(t, "strategy", d.Spec.Strategy, rollingUpdate(intstr.FromString("25%"), intstr.FromString("50%")))
	checkEnv(t, d, baseEnv(ic, "np.op.test"))

	np := &corev1.Service{}
	operand(t, "router-nodeport-np", np)
	expect(t, "NodePort type", np.Spec.Type, corev1.ServiceTypeNodePort)
	expect(t, "NodePort labels", np.Labels, serviceLabels(ic))
	expect(t, "NodePort externalTrafficPolicy", np.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyLocal)
	expect(t, "NodePort ports", portsWithoutNodePorts(t, np, true),
		[]corev1.ServicePort{svcPort("http", 80), svcPort("https", 443), svcPort("metrics", 1936)})
	checkOwnedByDeployment(t, np, d)
	checkInternalService(t, ic, d)
	checkNoService(t, "router-np")
	checkPDB(t, ic, nil, d)
	checkIngressClass(t, ic)

	// An admin moves the HTTP node port and removes the metrics port, and
	// (to see the operator's next pass) removes a label the operator manages.
	free := freeNodePort(t)
	before := np.DeepCopy()
	np.Spec.Ports[0].NodePort = free
	np.Spec.Ports = slices.DeleteFunc(np.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "metrics" })
	delete(np.Labels, "app")
	must(t, k8s.Patch(ctx, np, client.MergeFrom(before)))
	eventually(t, "the operator's pass over the edited Service", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(np), np); err != nil {
			return err
		}
		if np.Labels["app"] != "router" {
			return fmt.Errorf("labels %v", np.Labels)
		}
		return nil
	})
	expect(t, "edited node port", np.Spec.Ports[0].NodePort, free)
	expect(t, "other node ports", np.Spec.Ports[1].NodePort, before.Spec.Ports[1].NodePort)
	// As OKD: the metrics port the admin removed stays removed.
	expect(t, "ports after the edit", portsWithoutNodePorts(t, np, true), []corev1.ServicePort{svcPort("http", 80), svcPort("https", 443)})
}

// freeNodePort finds a node port no Service uses.
func freeNodePort(t *testing.T) int32 {
	t.Helper()
	var list corev1.ServiceList
	must(t, k8s.List(ctx, &list))
	used := map[int32]bool{}
	for _, s := range list.Items {
		for _, p := range s.Spec.Ports {
			used[p.NodePort] = true
		}
	}
	for p := int32(32767); p > 30000; p-- {
		if !used[p] {
			return p
		}
	}
	t.Fatal("no free node port")
	return 0
}

// The routers' RBAC, installed with the manager: what they need and
// nothing more; no Secrets at all. The operator keeps their ServiceAccount.
func TestRouterRBAC(t *testing.T) {
	const ic = "rbac"
	createIC(t, ic, domain("rbac.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.PrivateStrategyType}))
	deployment(t, ic)

	var sa corev1.ServiceAccount
	operand(t, names.RouterServiceAccount, &sa)
	must(t, k8s.Delete(ctx, &sa))
	touch(t, ic)
	eventually(t, "the router ServiceAccount made again", func() error {
		var again corev1.ServiceAccount
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: names.RouterServiceAccount}, &again); err != nil {
			return err
		}
		if again.UID == sa.UID {
			return fmt.Errorf("still the deleted one")
		}
		return nil
	})

	checkAccess(t, names.RouterNamespace, names.RouterServiceAccount, []access{
		{"", "route.openshift.io", "routes", "", "", "watch", true},
		{"team-a", "route.openshift.io", "routes", "", "", "list", true},
		{"team-a", "route.openshift.io", "routes", "status", "", "update", true},
		{"team-a", "route.openshift.io", "routes", "status", "", "patch", false},
		{"team-a", "route.openshift.io", "routes", "", "", "update", false},
		{"", "discovery.k8s.io", "endpointslices", "", "", "list", true},
		{"", "", "namespaces", "", "", "list", true},
		{"", "", "services", "", "", "watch", true},
		{"", "authentication.k8s.io", "tokenreviews", "", "", "create", true},
		{"", "authorization.k8s.io", "subjectaccessreviews", "", "", "create", true},
		{names.RouterNamespace, "coordination.k8s.io", "leases", "", "", "create", true},
		{"team-a", "coordination.k8s.io", "leases", "", "", "create", false},
		{"", "", "secrets", "", "", "list", false},
		{"", "", "secrets", "", "", "get", false},
		{names.RouterNamespace, "", "secrets", "", "", "get", false},
		{names.OperatorNamespace, "", "secrets", "", "", "get", false},
		{"", "", "pods", "", "", "list", false},
	})
}

// TestManagerRBAC: the manager runs as its ServiceAccount here (so every
// test of this suite proves its rules suffice); these are the rules that
// must stay out of them, because with them its credentials could grant or
// intercept what it was never meant to touch.
func TestManagerRBAC(t *testing.T) {
	checkAccess(t, names.OperatorNamespace, names.ManagerServiceAccount, []access{
		// Its own webhook configurations and APIService, by name only.
		{"", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", names.ValidatingWebhookConfigurationName, "patch", true},
		{"", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", names.MutatingWebhookConfigurationName, "patch", true},
		{"", "apiregistration.k8s.io", "apiservices", "", names.RouteAPIServiceName, "patch", true},
		{"", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "another-product", "patch", false},
		{"", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "", "create", false},
		{"", "apiregistration.k8s.io", "apiservices", "", "v1.apps", "patch", false},
		{"", "apiregistration.k8s.io", "apiservices", "", "", "list", false},
		// No RBAC writes at all: the routers' roles are installed with it.
		{"", "rbac.authorization.k8s.io", "clusterroles", "", "", "create", false},
		{"", "rbac.authorization.k8s.io", "clusterroles", "", "admin", "update", false},
		{"", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", "create", false},
		{names.RouterNamespace, "rbac.authorization.k8s.io", "rolebindings", "", "", "create", false},
		{names.RouterNamespace, "rbac.authorization.k8s.io", "roles", "", "", "create", false},
		// Leases only for its own election; nothing it only passed on.
		{names.OperatorNamespace, "coordination.k8s.io", "leases", "", "", "update", true},
		{"kube-system", "coordination.k8s.io", "leases", "", "", "update", false},
		{"", "discovery.k8s.io", "endpointslices", "", "", "list", false},
		{"", "authentication.k8s.io", "tokenreviews", "", "", "create", false},
		// The Route API server's etcd member, restarted for a new CA: that
		// pod only, and nothing it could change.
		{names.OperatorNamespace, "", "pods", "", names.RouteEtcdName + "-0", "get", true},
		{names.OperatorNamespace, "", "pods", "", names.RouteEtcdName + "-0", "delete", true},
		{names.OperatorNamespace, "", "pods", "", "okd-ingress-route-apiserver-5d8f7-abcde", "delete", false},
		{names.OperatorNamespace, "", "pods", "", names.RouteEtcdName + "-0", "patch", false},
		{names.OperatorNamespace, "apps", "statefulsets", "", names.RouteEtcdName, "patch", false},
		// IngressControllers of its namespace only.
		{names.OperatorNamespace, "operator.openshift.io", "ingresscontrollers", "", "", "update", true},
		{"team-a", "operator.openshift.io", "ingresscontrollers", "", "", "list", false},
		// Operands in the router namespace only; no exec, no tokens.
		{names.RouterNamespace, "apps", "deployments", "", "", "create", true},
		{"team-a", "apps", "deployments", "", "", "create", false},
		{names.RouterNamespace, "", "pods", "exec", "", "create", false},
		{names.RouterNamespace, "", "serviceaccounts", "token", "", "create", false},
		// The default IngressController's canary: its own namespace, and
		// the routers' endpoints to probe them.
		{names.CanaryNamespace, "apps", "daemonsets", "", "", "patch", true},
		{names.RouterNamespace, "apps", "daemonsets", "", "", "create", false},
		{names.CanaryNamespace, "", "services", "", "", "create", true},
		{names.CanaryNamespace, "", "services", "", "", "delete", false},
		{names.RouterNamespace, "discovery.k8s.io", "endpointslices", "", "", "list", true},
		{names.CanaryNamespace, "", "pods", "", "", "list", false},
		// What the Ingress controller and the Route webhook need.
		{"team-a", "", "secrets", "", "", "get", true},
		{"team-a", "", "secrets", "", "", "update", false},
		{"team-a", "route.openshift.io", "routes", "custom-host", "", "create", true},
		{"team-a", "route.openshift.io", "routes", "status", "", "patch", true},
		{"team-a", "route.openshift.io", "routes", "migrate", "", "create", false},
	})
}

// access is one question to the API server's authorizer and its answer.
type access struct {
	ns, group, resource, sub, name, verb string
	allowed                              bool
}

// checkAccess asks the API server, for the named ServiceAccount, each
// question of cases.
func checkAccess(t *testing.T, saNamespace, saName string, cases []access) {
	t.Helper()
	for _, tc := range cases {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   "system:serviceaccount:" + saNamespace + ":" + saName,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: tc.ns, Group: tc.group, Resource: tc.resource,
				Subresource: tc.sub, Name: tc.name, Verb: tc.verb},
		}}
		must(t, k8s.Create(ctx, sar))
		if sar.Status.Allowed != tc.allowed {
			t.Errorf("%s may %s %s/%s %s %q in %q: %v, want %v (%s)", saName, tc.verb, tc.group, tc.resource, tc.sub, tc.name, tc.ns,
				sar.Status.Allowed, tc.allowed, sar.Status.Reason)
		}
	}
}

// TestIPFamilies: the routers listen on IPv6 too once the cluster's
// ServiceCIDRs give Services IPv6 addresses, and on IPv4 alone again when
// the IPv6 range goes; the Service that publishes them asks for both
// families then, and keeps asking.
func TestIPFamilies(t *testing.T) {
	const ic = "families"
	createIC(t, ic, domain("families.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.NodePortServiceStrategyType}))
	mode := func() string { return envOf(deployment(t, ic))["ROUTER_IP_V4_V6_MODE"] }
	policy := func() corev1.IPFamilyPolicy {
		var s corev1.Service
		operand(t, names.NodePortService(ic), &s)
		return ptr.Deref(s.Spec.IPFamilyPolicy, "")
	}
	var cidrs networkingv1.ServiceCIDRList
	must(t, k8s.List(ctx, &cidrs))
	if len(cidrs.Items) == 0 {
		t.Fatal("the API server has no ServiceCIDR: the test would prove nothing")
	}
	expect(t, "mode on the IPv4 cluster", mode(), "")
	expect(t, "the NodePort Service on the IPv4 cluster", policy(), corev1.IPFamilyPolicySingleStack)

	v6 := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "families-v6"},
		Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"fd00:10:96::/112"}}}
	must(t, k8s.Create(ctx, v6))
	// Every later IngressController would listen on IPv6 too.
	t.Cleanup(func() { _ = k8s.Delete(ctx, v6) })
	eventually(t, "ROUTER_IP_V4_V6_MODE=v4v6", func() error {
		if m := mode(); m != "v4v6" {
			return fmt.Errorf("mode %q", m)
		}
		if p := policy(); p != corev1.IPFamilyPolicyPreferDualStack {
			return fmt.Errorf("ipFamilyPolicy %q", p)
		}
		return nil
	})
	must(t, k8s.Delete(ctx, v6))
	eventually(t, "IPv4 only again", func() error {
		if m := mode(); m != "" {
			return fmt.Errorf("mode %q", m)
		}
		return nil
	})
	expect(t, "the NodePort Service, which is not made single-stack again", policy(), corev1.IPFamilyPolicyPreferDualStack)
}

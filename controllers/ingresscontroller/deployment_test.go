package ingresscontroller

import (
	"maps"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

const (
	deploymentLabel = "ingresscontroller.operator.openshift.io/deployment-ingresscontroller"
	owningLabel     = "ingresscontroller.operator.openshift.io/owning-ingresscontroller"
	hashLabel       = "ingresscontroller.operator.openshift.io/hash"
)

func pct(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
func num(n int32) *intstr.IntOrString  { v := intstr.FromInt32(n); return &v }

func rolling(surge, unavailable *intstr.IntOrString) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: surge, MaxUnavailable: unavailable}}
}

func tcpPorts(hostPorts bool, http, https, stats int32) []corev1.ContainerPort {
	p := []corev1.ContainerPort{
		{Name: "http", ContainerPort: http, Protocol: corev1.ProtocolTCP},
		{Name: "https", ContainerPort: https, Protocol: corev1.ProtocolTCP},
		{Name: "metrics", ContainerPort: stats, Protocol: corev1.ProtocolTCP},
	}
	if hostPorts {
		for i := range p {
			p[i].HostPort = p[i].ContainerPort
		}
	}
	return p
}

var (
	nonRootPod = &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	nonRootPodLowPorts = &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		Sysctls:        []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}}}
	dropAll = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	bindLow = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(true), ReadOnlyRootFilesystem: ptr.To(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE"}}}
)

func TestDesiredDeploymentPerStrategy(t *testing.T) {
	nodePort := withStrategy(operatorv1.NodePortServiceStrategyType)
	private := withStrategy(operatorv1.PrivateStrategyType)
	lb := withLB(operatorv1.ExternalLoadBalancer)
	for _, tc := range []struct {
		name         string
		mods         []icMod
		hostNetwork  bool
		dnsPolicy    corev1.DNSPolicy
		ports        []corev1.ContainerPort
		strategy     appsv1.DeploymentStrategy
		podSC        *corev1.PodSecurityContext
		containerSC  *corev1.SecurityContext
		probePort    int32
		probeHost    string
		haproxyLowBP bool
	}{
		{name: "HostNetwork default ports, 2 replicas", mods: []icMod{withStrategy(operatorv1.HostNetworkStrategyType)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 80, 443, 1936),
			strategy: rolling(num(0), num(1)), podSC: nonRootPod, containerSC: bindLow, probePort: 1936, probeHost: "localhost", haproxyLowBP: true},
		{name: "HostNetwork 1 replica", mods: []icMod{withStrategy(operatorv1.HostNetworkStrategyType), withReplicas(1)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 80, 443, 1936),
			strategy: rolling(num(0), num(1)), podSC: nonRootPod, containerSC: bindLow, probePort: 1936, probeHost: "localhost", haproxyLowBP: true},
		{name: "HostNetwork 3 replicas", mods: []icMod{withStrategy(operatorv1.HostNetworkStrategyType), withReplicas(3)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 80, 443, 1936),
			strategy: rolling(num(0), num(1)), podSC: nonRootPod, containerSC: bindLow, probePort: 1936, probeHost: "localhost", haproxyLowBP: true},
		{name: "HostNetwork 4 replicas", mods: []icMod{withStrategy(operatorv1.HostNetworkStrategyType), withReplicas(4)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 80, 443, 1936),
			strategy: rolling(num(0), pct("25%")), podSC: nonRootPod, containerSC: bindLow, probePort: 1936, probeHost: "localhost", haproxyLowBP: true},
		{name: "HostNetwork high ports need no capability", mods: []icMod{withHostPorts("", 8080, 8443, 9443)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 8080, 8443, 9443),
			strategy: rolling(num(0), num(1)), podSC: nonRootPod, containerSC: dropAll, probePort: 9443, probeHost: "localhost"},
		{name: "HostNetwork one low port", mods: []icMod{withHostPorts("", 8080, 8443, 999)},
			hostNetwork: true, dnsPolicy: corev1.DNSClusterFirstWithHostNet, ports: tcpPorts(true, 8080, 8443, 999),
			strategy: rolling(num(0), num(1)), podSC: nonRootPod, containerSC: bindLow, probePort: 999, probeHost: "localhost", haproxyLowBP: true},
		{name: "LoadBalancerService 2 replicas", mods: []icMod{lb},
			dnsPolicy: corev1.DNSClusterFirst, ports: tcpPorts(false, 80, 443, 1936),
			strategy: rolling(pct("25%"), pct("50%")), podSC: nonRootPodLowPorts, containerSC: dropAll, probePort: 1936},
		{name: "LoadBalancerService 4 replicas", mods: []icMod{lb, withReplicas(4)},
			dnsPolicy: corev1.DNSClusterFirst, ports: tcpPorts(false, 80, 443, 1936),
			strategy: rolling(pct("25%"), pct("25%")), podSC: nonRootPodLowPorts, containerSC: dropAll, probePort: 1936},
		{name: "NodePortService 3 replicas", mods: []icMod{nodePort, withReplicas(3)},
			dnsPolicy: corev1.DNSClusterFirst, ports: tcpPorts(false, 80, 443, 1936),
			strategy: rolling(pct("25%"), pct("50%")), podSC: nonRootPodLowPorts, containerSC: dropAll, probePort: 1936},
		{name: "Private 6 replicas", mods: []icMod{private, withReplicas(6)},
			dnsPolicy: corev1.DNSClusterFirst, ports: tcpPorts(false, 80, 443, 1936),
			strategy: rolling(pct("25%"), pct("25%")), podSC: nonRootPodLowPorts, containerSC: dropAll, probePort: 1936},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(PlatformNone)
			ic := newIC("edge", tc.mods...)
			d := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1"})
			pod := d.Spec.Template.Spec
			c := pod.Containers[0]
			check := func(what string, got, want any) {
				t.Helper()
				if !equality.Semantic.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", what, got, want)
				}
			}
			check("hostNetwork", pod.HostNetwork, tc.hostNetwork)
			check("dnsPolicy", pod.DNSPolicy, tc.dnsPolicy)
			check("ports", c.Ports, tc.ports)
			check("strategy", d.Spec.Strategy, tc.strategy)
			check("pod securityContext", pod.SecurityContext, tc.podSC)
			check("container securityContext", c.SecurityContext, tc.containerSC)
			probe := func(path string, period, failures int32) *corev1.Probe {
				return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: path, Port: intstr.FromInt32(tc.probePort), Host: tc.probeHost}},
					PeriodSeconds: period, TimeoutSeconds: 1, FailureThreshold: failures}
			}
			// Only a liveness failure is cut short: readiness and startup
			// failures do not stop the container.
			liveness := probe("/healthz", 10, 3)
			liveness.TerminationGracePeriodSeconds = ptr.To(int64(10))
			check("liveness", c.LivenessProbe, liveness)
			check("readiness", c.ReadinessProbe, probe("/healthz/ready", 10, 3))
			check("startup", c.StartupProbe, probe("/healthz/ready", 1, 120))
			_, low := envMap(c.Env)["ROUTER_HAPROXY_BINARY"]
			check("ROUTER_HAPROXY_BINARY set", low, tc.haproxyLowBP)
		})
	}
}

// The parts of the Deployment that do not depend on the strategy.
func TestDesiredDeploymentCommon(t *testing.T) {
	o := testOptions(PlatformAWS)
	ic := newIC("edge", withLB(operatorv1.ExternalLoadBalancer))
	d := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1"})
	check := func(what string, got, want any) {
		t.Helper()
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("name", d.Name, "router-edge")
	check("namespace", d.Namespace, "openshift-ingress")
	check("labels", d.Labels, map[string]string{owningLabel: "edge"})
	check("replicas", d.Spec.Replicas, ptr.To(int32(2)))
	check("selector", d.Spec.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{deploymentLabel: "edge"}})
	check("minReadySeconds", d.Spec.MinReadySeconds, int32(30))
	check("progressDeadlineSeconds", d.Spec.ProgressDeadlineSeconds, ptr.To(int32(600)))
	check("revisionHistoryLimit", d.Spec.RevisionHistoryLimit, ptr.To(int32(10)))
	tmpl := d.Spec.Template
	if h := tmpl.Labels[hashLabel]; len(h) != 10 {
		t.Errorf("hash label = %q, want 10 hex digits", h)
	}
	check("template labels", len(tmpl.Labels), 2)
	check("template deployment label", tmpl.Labels[deploymentLabel], "edge")
	pod := tmpl.Spec
	check("serviceAccountName", pod.ServiceAccountName, "router")
	check("terminationGracePeriodSeconds", pod.TerminationGracePeriodSeconds, ptr.To(int64(3600)))
	check("priorityClassName", pod.PriorityClassName, "system-cluster-critical")
	check("topologySpreadConstraints", pod.TopologySpreadConstraints, []corev1.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{deploymentLabel: "edge", hashLabel: tmpl.Labels[hashLabel]}},
	}})
	check("nodeSelector", pod.NodeSelector, map[string]string{"kubernetes.io/os": "linux"})
	check("tolerations", pod.Tolerations, []corev1.Toleration(nil))
	check("affinity", pod.Affinity, &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{
			TopologyKey:   "kubernetes.io/hostname",
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{deploymentLabel: "edge"}},
		}}}}})
	check("volumes", pod.Volumes, []corev1.Volume{{Name: "default-certificate", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: "router-certs-edge", DefaultMode: ptr.To(int32(0o440))}}},
		{Name: "metrics-certs", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: "router-metrics-certs-edge", DefaultMode: ptr.To(int32(0o440))}}},
		{Name: "router-config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "router-run", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To(int32(0o444)),
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To(int64(3607))}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			}}}}})
	// The token is the router container's only (the logs sidecar's test
	// checks it has none).
	check("automountServiceAccountToken", pod.AutomountServiceAccountToken, ptr.To(false))
	check("containers", len(pod.Containers), 1)
	c := pod.Containers[0]
	check("container name", c.Name, "router")
	check("image", c.Image, "router:test")
	check("imagePullPolicy", c.ImagePullPolicy, corev1.PullIfNotPresent)
	check("volumeMounts", c.VolumeMounts, []corev1.VolumeMount{{Name: "default-certificate", MountPath: "/etc/pki/tls/private", ReadOnly: true},
		{Name: "metrics-certs", MountPath: "/etc/pki/tls/metrics-certs", ReadOnly: true},
		{Name: "router-config", MountPath: "/var/lib/haproxy/router"}, {Name: "router-run", MountPath: "/var/lib/haproxy/run"},
		{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}})
	check("env", c.Env, routerEnv(ic, admitted(ic, o), o, clusterInputs{}))
	check("requests", c.Resources.Requests.Cpu().String()+" "+c.Resources.Requests.Memory().String(), "100m 256Mi")
}

// TestDesiredDeploymentLogsSidecar: the Container destination adds OKD's
// "logs" sidecar and the socket volume both containers mount; the Syslog
// destination adds neither.
func TestDesiredDeploymentLogsSidecar(t *testing.T) {
	o := testOptions(PlatformNone)
	logTo := func(d operatorv1.LoggingDestination) icMod {
		return withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{Destination: d}}
		})
	}
	ic := newIC("logged", withStrategy(operatorv1.HostNetworkStrategyType), logTo(operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType}))
	pod := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{}).Spec.Template.Spec
	mount := corev1.VolumeMount{Name: "access-log-socket", MountPath: "/var/lib/rsyslog"}
	if len(pod.Containers) != 2 {
		t.Fatalf("containers = %d, want the router and logs", len(pod.Containers))
	}
	if got := pod.Containers[0].VolumeMounts; !slices.ContainsFunc(got, func(m corev1.VolumeMount) bool { return equality.Semantic.DeepEqual(m, mount) }) {
		t.Errorf("router mounts %v, want the socket volume too", got)
	}
	logs := pod.Containers[1]
	want := corev1.Container{Name: "logs", Image: "router:test", ImagePullPolicy: corev1.PullIfNotPresent, Args: []string{"logs"},
		Env:          []corev1.EnvVar{{Name: "ROUTER_SYSLOG_ADDRESS", Value: "/var/lib/rsyslog/rsyslog.sock"}},
		Resources:    corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
		VolumeMounts: []corev1.VolumeMount{mount}, TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		// No capability even on the host network: it binds nothing. No
		// token either: it mounts the socket's volume only.
		SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}
	if !equality.Semantic.DeepEqual(logs, want) {
		t.Errorf("logs container:\n%#v\nwant\n%#v", logs, want)
	}
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == mount.Name && v.EmptyDir != nil }) {
		t.Errorf("volumes %v lack the emptyDir %s", pod.Volumes, mount.Name)
	}

	ic = newIC("logged", withStrategy(operatorv1.HostNetworkStrategyType), logTo(operatorv1.LoggingDestination{Type: operatorv1.SyslogLoggingDestinationType,
		Syslog: &operatorv1.SyslogLoggingDestinationParameters{Address: "198.51.100.1", Port: 514}}))
	pod = desiredDeployment(ic, admitted(ic, o), o, clusterInputs{}).Spec.Template.Spec
	if len(pod.Containers) != 1 || slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == mount.Name }) {
		t.Errorf("syslog: %d containers and volumes %v, want the router and no socket volume", len(pod.Containers), pod.Volumes)
	}
}

func TestDesiredDeploymentPlacement(t *testing.T) {
	o := testOptions(PlatformNone)
	tolerations := []corev1.Toleration{
		{Key: "node-role.kubernetes.io/infra", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "ingress", Effect: corev1.TaintEffectNoExecute},
	}
	for _, tc := range []struct {
		name         string
		placement    *operatorv1.NodePlacement
		nodeSelector map[string]string
		tolerations  []corev1.Toleration
	}{
		{name: "none", nodeSelector: map[string]string{"kubernetes.io/os": "linux"}},
		{name: "nodeSelector replaces the default",
			placement:    &operatorv1.NodePlacement{NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/infra": ""}}},
			nodeSelector: map[string]string{"node-role.kubernetes.io/infra": ""}},
		{name: "matchExpressions In with one value, as OKD converts them",
			placement: &operatorv1.NodePlacement{NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/os": "linux"},
				MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "node-role.kubernetes.io/infra", Operator: metav1.LabelSelectorOpIn, Values: []string{""}},
					{Key: "topology.kubernetes.io/zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"eu-1a"}},
				}}},
			nodeSelector: map[string]string{"kubernetes.io/os": "linux", "node-role.kubernetes.io/infra": "", "topology.kubernetes.io/zone": "eu-1a"}},
		{name: "an empty nodeSelector keeps the default",
			placement: &operatorv1.NodePlacement{NodeSelector: &metav1.LabelSelector{}}, nodeSelector: map[string]string{"kubernetes.io/os": "linux"}},
		{name: "tolerations only", placement: &operatorv1.NodePlacement{Tolerations: tolerations},
			nodeSelector: map[string]string{"kubernetes.io/os": "linux"}, tolerations: tolerations},
		{name: "both",
			placement: &operatorv1.NodePlacement{Tolerations: tolerations[:1],
				NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a", "kubernetes.io/os": "linux"}}},
			nodeSelector: map[string]string{"zone": "a", "kubernetes.io/os": "linux"}, tolerations: tolerations[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ic := newIC("placed", withSpec(func(s *operatorv1.IngressControllerSpec) { s.NodePlacement = tc.placement }))
			pod := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1"}).Spec.Template.Spec
			if !equality.Semantic.DeepEqual(pod.NodeSelector, tc.nodeSelector) {
				t.Errorf("nodeSelector = %v, want %v", pod.NodeSelector, tc.nodeSelector)
			}
			if !equality.Semantic.DeepEqual(pod.Tolerations, tc.tolerations) {
				t.Errorf("tolerations = %v, want %v", pod.Tolerations, tc.tolerations)
			}
		})
	}
}

func TestDesiredDeploymentDefaultCertificate(t *testing.T) {
	o := testOptions(PlatformNone)
	for _, tc := range []struct {
		name, ref, served, want string
	}{
		{name: "generated", want: "router-certs-edge"},
		{name: "empty name means generated", ref: "", want: "router-certs-edge"},
		{name: "spec.defaultCertificate", ref: "wildcard-tls", want: "wildcard-tls"},
		{name: "generated while spec's is unusable", ref: "wildcard-tls", served: "router-certs-edge", want: "router-certs-edge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ic := newIC("edge")
			if tc.name != "generated" {
				ic.Spec.DefaultCertificate = &corev1.LocalObjectReference{Name: tc.ref}
			}
			in := clusterInputs{CookieKeyVersion: "v1", Certificate: servedCertificate{Secret: tc.served}}
			pod := desiredDeployment(ic, admitted(ic, o), o, in).Spec.Template.Spec
			if got := pod.Volumes[0].Secret.SecretName; got != tc.want {
				t.Errorf("default-certificate volume Secret = %q, want %q", got, tc.want)
			}
		})
	}
}

// The template hash ignores replicas (scaling never rolls pods) and
// follows everything that needs new pods.
func TestDesiredDeploymentTemplateHash(t *testing.T) {
	o := testOptions(PlatformNone)
	hash := func(mods ...icMod) string {
		ic := newIC("edge", mods...)
		return desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v1"}).Spec.Template.Labels[hashLabel]
	}
	base := hash(withReplicas(2))
	if again := hash(withReplicas(2)); again != base {
		t.Fatalf("hash not stable: %s then %s", base, again)
	}
	for _, n := range []int32{0, 1, 3, 10} {
		if h := hash(withReplicas(n)); h != base {
			t.Errorf("replicas %d changed the hash: %s → %s", n, base, h)
		}
	}
	for name, mod := range map[string]icMod{
		"env (threadCount)": withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ThreadCount = 2 }),
		"env (selector)": withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.RouteSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}),
		"default cert": withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.DefaultCertificate = &corev1.LocalObjectReference{Name: "mine"}
		}),
		"placement": withSpec(func(s *operatorv1.IngressControllerSpec) {
			s.NodePlacement = &operatorv1.NodePlacement{Tolerations: []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}}
		}),
		"host network ports": withHostPorts("", 8080, 8443, 9443),
	} {
		if h := hash(withReplicas(2), mod); h == base {
			t.Errorf("%s did not change the hash", name)
		}
	}
	ic := newIC("edge", withReplicas(2))
	if h := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{CookieKeyVersion: "v2"}).Spec.Template.Labels[hashLabel]; h == base {
		t.Errorf("a new cookie key did not change the hash")
	}
	o.RouterImage = "router:next"
	if h := hash(withReplicas(2)); h == base {
		t.Errorf("a new image did not change the hash")
	}
}

// The zone spread selects the pods of the template it is in: those of
// one rollout, as OKD's does, so a rollout's new pods spread by themselves.
func TestDesiredDeploymentZoneSpreadFollowsTheHash(t *testing.T) {
	o := testOptions(PlatformNone)
	for _, mods := range [][]icMod{nil, {withTuning(func(t *operatorv1.IngressControllerTuningOptions) { t.ThreadCount = 2 })}} {
		ic := newIC("edge", mods...)
		tmpl := desiredDeployment(ic, admitted(ic, o), o, clusterInputs{}).Spec.Template
		sel, err := metav1.LabelSelectorAsSelector(tmpl.Spec.TopologySpreadConstraints[0].LabelSelector)
		if err != nil {
			t.Fatal(err)
		}
		if !sel.Matches(labels.Set(tmpl.Labels)) {
			t.Errorf("spread selector %s does not select the template's labels %v", sel, tmpl.Labels)
		}
		other := maps.Clone(tmpl.Labels)
		other[hashLabel] = "0123456789"
		if sel.Matches(labels.Set(other)) {
			t.Errorf("spread selector %s selects pods of another template", sel)
		}
	}
}

package ingresscontroller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// clusterInputs are what the routers' pods depend on besides the
// IngressController and the operator's options, read from the cluster on
// each reconcile.
type clusterInputs struct {
	// CookieKeyVersion names the stickiness-cookie key (ensureCookieKey).
	CookieKeyVersion string
	// StatsVersion names the stats user (ensureStatsUser).
	StatsVersion string
	// IPMode is ROUTER_IP_V4_V6_MODE, from the cluster's address
	// families (clusterIPMode); empty for IPv4 only, the router's default.
	IPMode config.IPMode
	// ErrorPages are the IngressController's own error pages (ensureErrorPages).
	ErrorPages errorPages
	// ClientCA is the IngressController's client-certificate check (ensureClientCA).
	ClientCA clientCA
	// ServiceCA is the cluster's service CA bundle (ensureServiceCA).
	ServiceCA serviceCA
	// LoadBalancer holds the annotations of the load balancer Service in
	// force (planLoadBalancer), whose PROXY protocol and idle timeout the
	// routers follow; nil: those spec asks for.
	LoadBalancer map[string]string
	// Certificate is the default certificate's Secret the routers mount
	// (ensureDefaultCertificate); empty: the one spec asks for.
	Certificate servedCertificate
}

// defaultReplicas is OKD's replica count for a highly available cluster.
const defaultReplicas = 2

func replicas(ic *operatorv1.IngressController) int32 {
	if ic.Spec.Replicas != nil {
		return *ic.Spec.Replicas
	}
	return defaultReplicas
}

// ownedLabels are on every operand of ic.
func ownedLabels(ic string) map[string]string { return map[string]string{names.OwningLabel: ic} }

// podSelector selects ic's router pods.
func podSelector(ic string) map[string]string { return map[string]string{names.DeploymentLabel: ic} }

// desiredDeployment is the router Deployment of ic. The pod template
// carries a hash of itself, so any change that needs new pods (env, ports,
// placement, the cookie key's version) is visible on the pods; replicas
// are outside the hash, so scaling never starts a rollout.
func desiredDeployment(ic *operatorv1.IngressController, a admission, o Options, in clusterInputs) *appsv1.Deployment {
	s := a.Strategy
	hostNet := s.Type == operatorv1.HostNetworkStrategyType
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: podSelector(ic.Name),
			Annotations: map[string]string{names.CookieKeyVersionAnnotation: in.CookieKeyVersion}},
		Spec: corev1.PodSpec{
			ServiceAccountName:            names.RouterServiceAccount,
			PriorityClassName:             routerPriorityClass,
			HostNetwork:                   hostNet,
			DNSPolicy:                     dnsPolicy(hostNet),
			TerminationGracePeriodSeconds: ptr.To(int64(3600)),
			SecurityContext:               podSecurityContext(hostNet),
			// Only the router container gets a token (routerVolumes).
			AutomountServiceAccountToken: ptr.To(false),
			NodeSelector:                 nodeSelector(ic),
			Tolerations:                  tolerations(ic),
			Affinity:                     spreadAffinity(ic.Name),
			Containers:                   []corev1.Container{routerContainer(ic, a, o, in)},
			Volumes:                      routerVolumes(ic, in.Certificate),
		},
	}
	if logsToContainer(ic) {
		addLogsSidecar(&tmpl.Spec, o, hostNet)
	}
	addErrorPages(&tmpl.Spec, ic.Name, in.ErrorPages)
	if v := in.ErrorPages.Version; v != "" {
		tmpl.Annotations[names.ErrorPagesVersionAnnotation] = v
	}
	addClientCA(&tmpl.Spec, ic.Name, in.ClientCA)
	if v := in.ClientCA.Version; v != "" {
		tmpl.Annotations[names.ClientCAVersionAnnotation] = v
	}
	if in.StatsVersion != "" {
		tmpl.Annotations[names.StatsVersionAnnotation] = in.StatsVersion
	}
	addServiceCA(&tmpl.Spec, in.ServiceCA)
	if v := in.ServiceCA.Version; v != "" {
		tmpl.Annotations[names.ServiceCAVersionAnnotation] = v
	}
	hash := templateHash(tmpl)
	tmpl.Labels[names.HashLabel] = hash
	// Outside the hash, which it names; it follows from what is inside.
	tmpl.Spec.TopologySpreadConstraints = zoneSpread(ic.Name, hash)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: names.RouterDeployment(ic.Name), Namespace: o.RouterNamespace, Labels: ownedLabels(ic.Name)},
		Spec: appsv1.DeploymentSpec{
			Replicas:                ptr.To(replicas(ic)),
			Selector:                &metav1.LabelSelector{MatchLabels: podSelector(ic.Name)},
			Template:                tmpl,
			Strategy:                rolloutStrategy(s.Type, replicas(ic)),
			MinReadySeconds:         o.MinReadySeconds,
			ProgressDeadlineSeconds: ptr.To(int32(600)),
			RevisionHistoryLimit:    ptr.To(int32(10)),
		},
	}
}

// routerPriorityClass is OKD's: routers carry every route's traffic, so
// they are the last pods preempted or evicted. Kubernetes creates the
// class itself in every cluster.
const routerPriorityClass = "system-cluster-critical"

// zoneSpread spreads the routers of one rollout (same IngressController,
// same template hash, as OKD selects them) evenly over zones, where
// nodes have zones; ScheduleAnyway, so a cluster without zones or with a
// zone short of nodes still runs every replica.
func zoneSpread(ic, hash string) []corev1.TopologySpreadConstraint {
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       corev1.LabelTopologyZone,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{names.DeploymentLabel: ic, names.HashLabel: hash}},
	}}
}

// logsToContainer tells whether the access log goes to the "logs" sidecar.
func logsToContainer(ic *operatorv1.IngressController) bool {
	l := ic.Spec.Logging
	return l != nil && l.Access != nil && l.Access.Destination.Type == operatorv1.ContainerLoggingDestinationType
}

// addLogsSidecar adds, as OKD does for the Container destination, a
// container named "logs" that prints the access log HAProxy writes to a
// socket in a volume both containers mount. It is the router image run
// as "logs", with nothing to bind and no capability.
func addLogsSidecar(spec *corev1.PodSpec, o Options, hostNet bool) {
	mount := corev1.VolumeMount{Name: names.AccessLogVolume, MountPath: names.AccessLogSocketDir}
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: names.AccessLogVolume,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, mount)
	sc := containerSecurityContext(hostNet)
	spec.Containers = append(spec.Containers, corev1.Container{
		Name: operatorv1.ContainerLoggingSidecarContainerName, Image: o.RouterImage, ImagePullPolicy: corev1.PullIfNotPresent,
		Args: []string{"logs"},
		Env:  []corev1.EnvVar{{Name: names.EnvRouterSyslogAddress, Value: names.AccessLogSocket}},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: mustQuantity("100m"), corev1.ResourceMemory: mustQuantity("64Mi"),
		}},
		SecurityContext:          sc,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		VolumeMounts:             []corev1.VolumeMount{mount},
	})
}

func templateHash(t corev1.PodTemplateSpec) string {
	b, _ := json.Marshal(t)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:10]
}

func dnsPolicy(hostNet bool) corev1.DNSPolicy {
	if hostNet {
		return corev1.DNSClusterFirstWithHostNet
	}
	return corev1.DNSClusterFirst
}

// ownCertificate is the Secret spec.defaultCertificate names, if any.
func ownCertificate(ic *operatorv1.IngressController) string {
	if ic.Spec.DefaultCertificate != nil {
		return ic.Spec.DefaultCertificate.Name
	}
	return ""
}

// defaultCertificateName is the Secret the routers serve by default: the
// one spec asks for unless served says otherwise.
func defaultCertificateName(ic *operatorv1.IngressController, served servedCertificate) string {
	if served.Secret != "" {
		return served.Secret
	}
	if own := ownCertificate(ic); own != "" {
		return own
	}
	return names.DefaultCertificateSecret(ic.Name)
}

// routerContainerName names the router's container, as OKD's does.
const routerContainerName = "router"

func routerContainer(ic *operatorv1.IngressController, a admission, o Options, in clusterInputs) corev1.Container {
	s := a.Strategy
	http, https, stats := int32(80), int32(443), statsPort(s)
	if s.HostNetwork != nil {
		http, https = s.HostNetwork.HTTPPort, s.HostNetwork.HTTPSPort
	}
	hostNet := s.Type == operatorv1.HostNetworkStrategyType
	port := func(name string, p int32) corev1.ContainerPort {
		cp := corev1.ContainerPort{Name: name, ContainerPort: p, Protocol: corev1.ProtocolTCP}
		if hostNet {
			cp.HostPort = p
		}
		return cp
	}
	probe := func(path string, period, failures int32) *corev1.Probe {
		get := &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(stats)}
		if hostNet {
			// Node addresses may be firewalled; the pod shares the node's loopback.
			get.Host = "localhost"
		}
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: get},
			PeriodSeconds: period, TimeoutSeconds: 1, FailureThreshold: failures}
	}
	liveness := probe("/healthz", 10, 3)
	// A router that fails liveness is killed after 10 s, as in OKD, not
	// after the pod's 3600 s, which are for draining connections at a
	// normal stop: a hung router would take up to an hour to restart.
	liveness.TerminationGracePeriodSeconds = ptr.To(int64(10))
	return corev1.Container{
		Name: routerContainerName, Image: o.RouterImage, ImagePullPolicy: corev1.PullIfNotPresent,
		Env:            routerEnv(ic, a, o, in),
		Ports:          []corev1.ContainerPort{port("http", http), port("https", https), port("metrics", stats)},
		LivenessProbe:  liveness,
		ReadinessProbe: probe("/healthz/ready", 10, 3),
		// Up to two minutes for the first sync of a large cluster.
		StartupProbe: probe("/healthz/ready", 1, 120),
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: mustQuantity("100m"), corev1.ResourceMemory: mustQuantity("256Mi"),
		}},
		SecurityContext:          containerSecurityContext(hostNet, http, https, stats),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		VolumeMounts: []corev1.VolumeMount{{Name: defaultCertificateVolume, MountPath: defaultCertificateDir, ReadOnly: true},
			{Name: metricsCertificateVolume, MountPath: names.MetricsCertificateDir, ReadOnly: true},
			{Name: names.RouterConfigVolume, MountPath: names.RouterConfigDir},
			{Name: names.RouterRunVolume, MountPath: names.RouterRunDir},
			{Name: names.APIAccessVolume, MountPath: names.ServiceAccountDir, ReadOnly: true}},
	}
}

// defaultCertificateVolume holds the certificate served to clients no
// route's own certificate matches.
const defaultCertificateVolume = "default-certificate"

// metricsCertificateVolume holds the certificate of the metrics' HTTPS.
const metricsCertificateVolume = "metrics-certs"

// routerVolumes are the router container's: its two certificates, the
// directories it writes (its root filesystem is read-only) and its API
// credentials.
func routerVolumes(ic *operatorv1.IngressController, served servedCertificate) []corev1.Volume {
	secret := func(name, secret string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: secret, DefaultMode: ptr.To(int32(0o440)),
		}}}
	}
	emptyDir := func(name string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	}
	return []corev1.Volume{
		secret(defaultCertificateVolume, defaultCertificateName(ic, served)),
		secret(metricsCertificateVolume, names.MetricsCertificateSecret(ic.Name)),
		emptyDir(names.RouterConfigVolume), emptyDir(names.RouterRunVolume),
		apiAccessVolume(),
	}
}

// apiAccessVolume is what ServiceAccount admission would mount in every
// container of the pod: a bound token, the cluster's CA and the namespace.
func apiAccessVolume() corev1.Volume {
	return corev1.Volume{Name: names.APIAccessVolume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: ptr.To(int32(0o444)),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To(int64(names.APITokenExpiration))}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: names.KubeRootCAConfigMap},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
	}}}
}

// podSecurityContext runs routers as non-root. Off the host network the
// pod lets unprivileged processes bind ports 80 and 443 through a safe,
// namespaced sysctl, so no capability is needed at all.
func podSecurityContext(hostNet bool) *corev1.PodSecurityContext {
	sc := &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if !hostNet {
		sc.Sysctls = []corev1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}}
	}
	return sc
}

// containerSecurityContext drops every capability and lets a container
// write to its volumes only. On the host network a port below 1024 needs
// NET_BIND_SERVICE, and nothing else: HAProxy gets it from its file
// capability, which works only when privilege escalation is allowed — so
// that is allowed then, and only then.
func containerSecurityContext(hostNet bool, ports ...int32) *corev1.SecurityContext {
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	if hostNet && lowPorts(ports...) {
		sc.AllowPrivilegeEscalation = ptr.To(true)
		sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
	}
	return sc
}

// nodeSelector is where the routers run: spec's node selector, or Linux
// nodes. Admission rejects a selector placementNodeSelector cannot convert.
func nodeSelector(ic *operatorv1.IngressController) map[string]string {
	if m, err := placementNodeSelector(ic); err == nil && len(m) > 0 {
		return m
	}
	return map[string]string{corev1.LabelOSStable: "linux"}
}

// placementNodeSelector converts spec.nodePlacement.nodeSelector into the
// label map a pod's nodeSelector is, as OKD does: matchLabels, and
// matchExpressions "In" with a single value. Anything else (other
// operators, several values, a key with two values) has no map that
// selects the same nodes, and is an error.
func placementNodeSelector(ic *operatorv1.IngressController) (map[string]string, error) {
	p := ic.Spec.NodePlacement
	if p == nil || p.NodeSelector == nil {
		return nil, nil
	}
	// Validates label keys and values, which the conversion does not.
	if _, err := metav1.LabelSelectorAsSelector(p.NodeSelector); err != nil {
		return nil, err
	}
	m, err := metav1.LabelSelectorAsMap(p.NodeSelector)
	if err != nil {
		return nil, err
	}
	// The conversion lets a later value of a key win; the selector asks
	// for both, which no node has.
	seen := maps.Clone(p.NodeSelector.MatchLabels)
	if seen == nil {
		seen = map[string]string{}
	}
	for _, e := range p.NodeSelector.MatchExpressions {
		if v, ok := seen[e.Key]; ok && v != e.Values[0] {
			return nil, fmt.Errorf("key %q must be both %q and %q: no node has both", e.Key, v, e.Values[0])
		}
		seen[e.Key] = e.Values[0]
	}
	return m, nil
}

func tolerations(ic *operatorv1.IngressController) []corev1.Toleration {
	if p := ic.Spec.NodePlacement; p != nil {
		return p.Tolerations
	}
	return nil
}

// spreadAffinity prefers to put an IngressController's routers on
// different nodes; preferred, not required, so small clusters still roll
// out (OKD's required rule blocks them).
func spreadAffinity(ic string) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				TopologyKey:   corev1.LabelHostname,
				LabelSelector: &metav1.LabelSelector{MatchLabels: podSelector(ic)},
			},
		}},
	}}
}

// rolloutStrategy: on the host network a new pod cannot start where an old
// one holds the ports, so there is no surge; elsewhere new pods come first.
func rolloutStrategy(t operatorv1.EndpointPublishingStrategyType, replicas int32) appsv1.DeploymentStrategy {
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	ru := &appsv1.RollingUpdateDeployment{MaxSurge: pct("25%"), MaxUnavailable: pct("25%")}
	switch {
	case t == operatorv1.HostNetworkStrategyType:
		ru.MaxSurge = ptr.To(intstr.FromInt32(0))
		if replicas < 4 {
			// 25% of fewer than four rounds down to zero: no progress at all.
			ru.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		}
	case replicas < 4:
		ru.MaxUnavailable = pct("50%")
	}
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: ru}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// lowPorts reports whether any port needs NET_BIND_SERVICE.
func lowPorts(ports ...int32) bool {
	for _, p := range ports {
		if p < 1024 {
			return true
		}
	}
	return false
}

// lowPortHAProxy is the image's copy of HAProxy that carries the
// NET_BIND_SERVICE file capability (see the Dockerfile).
const lowPortHAProxy = "/usr/sbin/haproxy-bind-low-ports"

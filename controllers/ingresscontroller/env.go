package ingresscontroller

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// Where the router container finds its mounted default certificate.
const defaultCertificateDir = "/etc/pki/tls/private"

// literalEnv writes v so that the kubelet hands it over as written: it
// expands $(VAR) in values, and reads "$$" as "$".
func literalEnv(v string) string { return strings.ReplaceAll(v, "$", "$$") }

// envValue is the value the kubelet hands over for one literalEnv wrote.
func envValue(written string) string { return strings.ReplaceAll(written, "$$", "$") }

// templateEnv is what the router container of tmpl (its first) has for
// the variable name, unescaped (envValue); "" if nothing.
func templateEnv(tmpl *corev1.PodTemplateSpec, name string) string {
	if tmpl == nil || len(tmpl.Spec.Containers) == 0 {
		return ""
	}
	for _, e := range tmpl.Spec.Containers[0].Env {
		if e.Name == name {
			return envValue(e.Value)
		}
	}
	return ""
}

// routerEnv is the ROUTER_* environment of an IngressController's routers,
// OKD's contract, sorted by name so the pod template is stable.
func routerEnv(ic *operatorv1.IngressController, a admission, o Options, in clusterInputs) []corev1.EnvVar {
	http2, _ := http2Enabled(ic)
	env := map[string]string{
		names.EnvRouterServiceName:          ic.Name,
		names.EnvRouterServiceNamespace:     o.RouterNamespace,
		names.EnvRouterCanonicalHostname:    names.CanonicalHostname(ic.Name, a.Domain),
		names.EnvRouterDomain:               a.Domain,
		names.EnvDefaultCertificateDir:      defaultCertificateDir,
		names.EnvRouterMetricsTLSCertFile:   names.MetricsCertificateDir + "/" + corev1.TLSCertKey,
		names.EnvRouterMetricsTLSKeyFile:    names.MetricsCertificateDir + "/" + corev1.TLSPrivateKeyKey,
		names.EnvStatsPort:                  strconv.Itoa(int(statsPort(a.Strategy))),
		names.EnvRouterThreads:              "4",
		names.EnvRouterLoadBalanceAlgorithm: loadBalancingAlgorithm(ic),
		names.EnvRouterTCPBalanceScheme:     "source",
		names.EnvRouterSetForwardedHeaders:  forwardedPolicy(ic),
		names.EnvRouterDisableHTTP2:         strconv.FormatBool(!http2),
	}
	if in.IPMode != "" {
		env[names.EnvRouterIPV4V6Mode] = string(in.IPMode)
	}
	if o.GracefulShutdownDelay > 0 {
		env[names.EnvRouterGracefulShutdownDelay] = o.GracefulShutdownDelay.String()
	}
	addTLSProfile(env, ic.Spec.TLSSecurityProfile)
	addRouteAdmission(env, ic.Spec.RouteAdmission)
	addSelectors(env, ic)
	addPublishing(env, a.Strategy, in.LoadBalancer, o.Platform)
	addTuning(env, ic.Spec.TuningOptions)
	addConnectionPolicies(env, &ic.Spec)
	addHTTPOptions(env, &ic.Spec)
	addAccessLog(env, &ic.Spec)
	addHeaderActions(env, ic.Spec.HTTPHeaders)
	addUniqueID(env, ic.Spec.HTTPHeaders)
	addCaseAdjustments(env, ic.Spec.HTTPHeaders)
	addMutualTLS(env, in.ClientCA)
	addServiceCAEnv(env, in.ServiceCA)
	addProxy(env, o.Proxy)
	if v, ok := hardStopAfter(ic); ok {
		env[names.EnvRouterHardStopAfter] = v
	}
	out := make([]corev1.EnvVar, 0, len(env)+1)
	for k, v := range env {
		// The kubelet expands $(VAR) in values, and the pod has the cookie
		// key in its environment: a value an admin wrote (a log format,
		// say) must reach the router as written, never as a variable.
		out = append(out, corev1.EnvVar{Name: k, Value: literalEnv(v)})
	}
	// From the Secrets, not the template: the key and the stats user stay
	// out of the Deployment, which more people can read than Secrets.
	out = append(out, secretEnv(names.EnvRouterCookieKey, names.CookieKeySecret(ic.Name), names.CookieKeySecretKey),
		secretEnv(names.EnvStatsUsername, names.StatsSecret(ic.Name), names.StatsUsernameKey),
		secretEnv(names.EnvStatsPassword, names.StatsSecret(ic.Name), names.StatsPasswordKey))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// secretEnv is a variable read from key of Secret name.
func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
	}}}
}

// addProxy passes the operator's proxy variables on, the set ones only.
func addProxy(env map[string]string, p Proxy) {
	for name, v := range map[string]string{names.EnvHTTPProxy: p.HTTP, names.EnvHTTPSProxy: p.HTTPS, names.EnvNoProxy: p.NoProxy} {
		if v != "" {
			env[name] = v
		}
	}
}

// loadBalancingAlgorithm is OKD's default for HTTP routes, random, or
// leastconn when unsupportedConfigOverrides asks for it, as in OKD.
func loadBalancingAlgorithm(ic *operatorv1.IngressController) string {
	if o, _ := parseOverrides(ic.Spec.UnsupportedConfigOverrides.Raw); o.LoadBalancingAlgorithm != "" {
		return o.LoadBalancingAlgorithm
	}
	return "random"
}

func forwardedPolicy(ic *operatorv1.IngressController) string {
	if h := ic.Spec.HTTPHeaders; h != nil {
		switch h.ForwardedHeaderPolicy {
		case operatorv1.ReplaceHTTPHeaderPolicy:
			return "replace"
		case operatorv1.IfNoneHTTPHeaderPolicy:
			return "if-none"
		case operatorv1.NeverHTTPHeaderPolicy:
			return "never"
		}
	}
	return "append"
}

func addRouteAdmission(env map[string]string, p *operatorv1.RouteAdmissionPolicy) {
	if p == nil {
		return
	}
	if p.NamespaceOwnership == operatorv1.InterNamespaceAllowedOwnershipCheck {
		env[names.EnvRouterDisableNamespaceOwnershipCheck] = "true"
	}
	if p.WildcardPolicy == operatorv1.WildcardPolicyAllowed {
		env[names.EnvRouterAllowWildcardRoutes] = "true"
	}
}

// addSelectors renders the shard selectors as label-selector strings.
// Admission rejects a selector that does not convert (specProblems), so
// the error case is not reached; were it, the routers would select
// nothing rather than everything.
func addSelectors(env map[string]string, ic *operatorv1.IngressController) {
	for key, sel := range map[string]*metav1.LabelSelector{
		names.EnvRouteLabels: ic.Spec.RouteSelector, names.EnvNamespaceLabels: ic.Spec.NamespaceSelector,
	} {
		if sel == nil {
			continue
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			env[key] = "okd-ingress.invalid/selector=invalid"
			continue
		}
		if str := s.String(); str != "" {
			env[key] = str
		}
	}
}

// addConnectionPolicies sets what the router does with idle connections at
// a reload and with clients that went away; the defaults (Immediate,
// Continue) need no variable.
func addConnectionPolicies(env map[string]string, s *operatorv1.IngressControllerSpec) {
	if s.IdleConnectionTerminationPolicy == operatorv1.IngressControllerConnectionTerminationPolicyDeferred {
		env[names.EnvRouterIdleCloseOnResponse] = "true"
	}
	if s.ClosedClientConnectionPolicy == operatorv1.IngressControllerClosedClientConnectionPolicyAbort {
		env[names.EnvRouterAbortOnClose] = "true"
	}
}

// addHTTPOptions sets what the routers do with connections that send no
// request, and which responses they compress.
func addHTTPOptions(env map[string]string, s *operatorv1.IngressControllerSpec) {
	if s.HTTPEmptyRequestsPolicy == operatorv1.HTTPEmptyRequestsPolicyIgnore {
		env[names.EnvRouterHTTPIgnoreProbes] = "true"
	}
	if types, _ := compressTypes(s.HTTPCompression); len(types) > 0 {
		words := make([]string, len(types))
		for i, t := range types {
			words[i] = mimeWord(t)
		}
		env[names.EnvRouterEnableCompression] = "true"
		env[names.EnvRouterCompressionMIME] = strings.Join(words, " ")
	}
}

// addAccessLog sets where and how the routers log requests, as OKD's
// operator does. A format the routers would refuse is left out (they use
// HAProxy's), which FieldsSupported reports.
func addAccessLog(env map[string]string, s *operatorv1.IngressControllerSpec) {
	if s.Logging == nil || s.Logging.Access == nil {
		return
	}
	a := s.Logging.Access
	maxLength := int32(1024)
	switch d := a.Destination; d.Type {
	case operatorv1.SyslogLoggingDestinationType:
		if d.Syslog == nil {
			return // the API refuses it; nowhere to send
		}
		env[names.EnvRouterSyslogAddress] = net.JoinHostPort(d.Syslog.Address, strconv.Itoa(int(d.Syslog.Port)))
		if d.Syslog.Facility != "" {
			env[names.EnvRouterLogFacility] = d.Syslog.Facility
		}
		if d.Syslog.MaxLength > 0 {
			maxLength = d.Syslog.MaxLength
		}
	default:
		env[names.EnvRouterSyslogAddress] = names.AccessLogSocket
		if d.Container != nil && d.Container.MaxLength > 0 {
			maxLength = d.Container.MaxLength
		}
	}
	env[names.EnvRouterLogLevel] = "info"
	env[names.EnvRouterLogMaxLength] = strconv.Itoa(int(maxLength))
	if f := a.HttpLogFormat; f != "" && config.LogFormatError(f) == nil {
		env[names.EnvRouterSyslogFormat] = strconv.Quote(f)
	}
	if h := a.HTTPCaptureHeaders; h != nil {
		setCaptures(env, names.EnvRouterCaptureHTTPRequestHeaders, h.Request)
		setCaptures(env, names.EnvRouterCaptureHTTPResponseHeaders, h.Response)
	}
	if len(a.HTTPCaptureCookies) > 0 {
		c := a.HTTPCaptureCookies[0]
		name := c.NamePrefix
		if c.MatchType == operatorv1.CookieMatchTypeExact {
			name = c.Name + "="
		}
		env[names.EnvRouterCaptureHTTPCookie] = name + ":" + strconv.Itoa(int(c.MaxLength))
	}
	if a.LogEmptyRequests == operatorv1.LoggingPolicyIgnore {
		env[names.EnvRouterDontLogNull] = "true"
	}
}

// addHeaderActions hands the routers the IngressController's header
// actions in OKD's encoding; one the routers would refuse is left out,
// which FieldsSupported reports.
func addHeaderActions(env map[string]string, h *operatorv1.IngressControllerHTTPHeaders) {
	if h == nil || h.Actions == nil {
		return
	}
	if req, _ := headerActions(h.Actions.Request, false); len(req) > 0 {
		env[names.EnvRouterHTTPRequestHeaders] = config.EncodeHeaderActions(req)
	}
	if res, _ := headerActions(h.Actions.Response, true); len(res) > 0 {
		env[names.EnvRouterHTTPResponseHeaders] = config.EncodeHeaderActions(res)
	}
}

// addUniqueID names the per-request ID header and its format; a format
// the routers would refuse is left out (they use HAProxy's), which
// FieldsSupported reports.
func addUniqueID(env map[string]string, h *operatorv1.IngressControllerHTTPHeaders) {
	if h == nil || h.UniqueId == nil || !config.ValidUniqueIDHeader(h.UniqueId.Name) {
		return
	}
	env[names.EnvRouterUniqueIDHeaderName] = h.UniqueId.Name
	if f := h.UniqueId.Format; f != "" && config.UniqueIDFormatError(f) == nil {
		env[names.EnvRouterUniqueIDFormat] = strconv.Quote(f)
	}
}

// addCaseAdjustments lists the header names whose case HTTP/1 peers
// expect, once each (the API takes any token, and a name twice).
func addCaseAdjustments(env map[string]string, h *operatorv1.IngressControllerHTTPHeaders) {
	if h == nil {
		return
	}
	seen := map[string]bool{}
	var list []string
	for _, n := range h.HeaderNameCaseAdjustments {
		if name := string(n); name != "" && !seen[strings.ToLower(name)] {
			seen[strings.ToLower(name)] = true
			list = append(list, name)
		}
	}
	if len(list) > 0 {
		env[names.EnvRouterH1CaseAdjust] = strings.Join(list, ",")
	}
}

// headerActions converts the actions the routers take, and returns the
// indexes of those they would refuse.
func headerActions(list []operatorv1.IngressControllerHTTPHeader, response bool) (ok []config.HeaderAction, refused []int) {
	for i, h := range list {
		a := config.HeaderAction{Name: h.Name, Delete: h.Action.Type == operatorv1.Delete}
		if h.Action.Set != nil && !a.Delete {
			a.Value = h.Action.Set.Value
		}
		if !routeapi.ValidHeaderAction(a.Name, a.Value, !a.Delete, response) {
			refused = append(refused, i)
			continue
		}
		ok = append(ok, a)
	}
	return ok, refused
}

// setCaptures writes OKD's "name:length,…". A length past what a log
// message holds is cut to that: no more of it could be logged.
func setCaptures(env map[string]string, key string, hs []operatorv1.IngressControllerCaptureHTTPHeader) {
	if len(hs) == 0 {
		return
	}
	items := make([]string, len(hs))
	for i, h := range hs {
		items[i] = h.Name + ":" + strconv.Itoa(min(int(h.MaxLength), config.MaxCaptureLen))
	}
	env[key] = strings.Join(items, ",")
}

// compressTypes are the MIME types the routers take, and those they would
// refuse (the API's grammar takes non-ASCII and escaped control bytes in
// parameter values), which FieldsSupported reports.
func compressTypes(c *operatorv1.HTTPCompressionPolicy) (ok, refused []string) {
	if c == nil {
		return nil, nil
	}
	for _, t := range c.MimeTypes {
		if config.ValidMIMEType(string(t)) {
			ok = append(ok, string(t))
		} else {
			refused = append(refused, string(t))
		}
	}
	return ok, refused
}

// mimeWord writes a MIME type as one word of ROUTER_COMPRESSION_MIME: in
// double quotes when it holds a space or a quote ("text/plain;
// charset=utf-8"), with '"' and '\' escaped inside.
func mimeWord(t string) string {
	if !strings.ContainsAny(t, " \t\"'\\") {
		return t
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t) + `"`
}

// addPublishing sets what the strategy asks of the routers; lb, when set,
// holds the annotations of the load balancer in force, which may still be
// the one before a change.
func addPublishing(env map[string]string, s *operatorv1.EndpointPublishingStrategy, lb map[string]string, p Platform) {
	if s.LoadBalancer != nil && lb == nil {
		lb = lbAnnotations(s.LoadBalancer, p)
	}
	if proxyProtocol(s, lb, p) {
		env[names.EnvRouterUseProxyProtocol] = "true"
	}
	if lbIsNLB(lb, p) {
		env[names.EnvRouterDefaultTunnelTimeout] = durationEnv(nlbTunnelTimeout)
	}
	if s.Type == operatorv1.HostNetworkStrategyType {
		h := s.HostNetwork
		env[names.EnvRouterServiceHTTPPort] = strconv.Itoa(int(h.HTTPPort))
		env[names.EnvRouterServiceHTTPSPort] = strconv.Itoa(int(h.HTTPSPort))
		if lowPorts(h.HTTPPort, h.HTTPSPort, h.StatsPort) {
			env[names.EnvRouterHAProxyBinary] = lowPortHAProxy
		}
	}
}

// proxyProtocol is whether connections come with a PROXY header: as spec
// says, or as the platform's load balancer sends them.
func proxyProtocol(s *operatorv1.EndpointPublishingStrategy, lb map[string]string, p Platform) bool {
	switch {
	case s.LoadBalancer != nil:
		return lbSendsProxy(lb, p)
	case s.HostNetwork != nil:
		return s.HostNetwork.Protocol == operatorv1.ProxyProtocol
	case s.NodePort != nil:
		return s.NodePort.Protocol == operatorv1.ProxyProtocol
	case s.Private != nil:
		return s.Private.Protocol == operatorv1.ProxyProtocol
	}
	return false
}

func statsPort(s *operatorv1.EndpointPublishingStrategy) int32 {
	if s.HostNetwork != nil {
		return s.HostNetwork.StatsPort
	}
	return 1936
}

func addTuning(env map[string]string, t *operatorv1.IngressControllerTuningOptions) {
	if t == nil {
		return
	}
	if t.ThreadCount > 0 {
		env[names.EnvRouterThreads] = strconv.Itoa(int(t.ThreadCount))
	}
	b := headerBuffers(t)
	if b.buf > 0 {
		env[names.EnvRouterBufSize] = strconv.Itoa(b.buf)
	}
	if b.rewrite > 0 {
		env[names.EnvRouterMaxRewriteSize] = strconv.Itoa(b.rewrite)
	}
	switch {
	case t.MaxConnections == -1:
		env[names.EnvRouterMaxConnections] = "auto"
	case t.MaxConnections > 0:
		env[names.EnvRouterMaxConnections] = strconv.Itoa(int(t.MaxConnections))
	}
	for key, d := range map[string]*metav1.Duration{
		names.EnvRouterDefaultClientTimeout:    t.ClientTimeout,
		names.EnvRouterClientFinTimeout:        t.ClientFinTimeout,
		names.EnvRouterDefaultServerTimeout:    t.ServerTimeout,
		names.EnvRouterDefaultServerFinTimeout: t.ServerFinTimeout,
		names.EnvRouterDefaultTunnelTimeout:    t.TunnelTimeout,
		names.EnvRouterDefaultConnectTimeout:   t.ConnectTimeout,
		names.EnvRouterSlowlorisHTTPKeepalive:  t.HTTPKeepAliveTimeout,
		names.EnvRouterInspectDelay:            t.TLSInspectDelay,
	} {
		if d != nil && d.Duration > 0 {
			env[key] = durationEnv(d.Duration)
		}
	}
	if d := t.HealthCheckInterval; d != nil && d.Duration >= minHealthCheckInterval {
		env[names.EnvRouterBackendCheckInterval] = durationEnv(d.Duration) // shorter: ignored, as OKD (ignoredFields)
	}
	if d := t.ReloadInterval; d != nil && d.Duration > 0 {
		// Clamped to 1s–120s, not rejected, as the API documents (and OKD does).
		env[names.EnvReloadInterval] = durationEnv(min(max(d.Duration, time.Second), 120*time.Second))
	}
}

// minHealthCheckInterval is the shortest healthCheckInterval the routers
// get: OKD ignores shorter ones.
const minHealthCheckInterval = time.Second

// headerBuffer are the header buffer sizes the routers get, 0 for their
// default, and the fields set to what they cannot take (config's bounds;
// OKD's API has none above), which FieldsSupported names.
type headerBuffer struct {
	buf, rewrite int
	ignored      []string
}

func headerBuffers(t *operatorv1.IngressControllerTuningOptions) headerBuffer {
	var b headerBuffer
	if t == nil {
		return b
	}
	if v := int(t.HeaderBufferBytes); v > 0 {
		if v >= config.MinBufSize && v <= config.MaxBufSize {
			b.buf = v
		} else {
			b.ignored = append(b.ignored, fmt.Sprintf("spec.tuningOptions.headerBufferBytes (the routers' %d is used: they take %d to %d)",
				config.DefaultBufSize, config.MinBufSize, config.MaxBufSize))
		}
	}
	buf := cmp.Or(b.buf, config.DefaultBufSize)
	if v := int(t.HeaderBufferMaxRewriteBytes); v > 0 {
		if v >= config.MinMaxRewrite && v <= config.MaxMaxRewrite && v < buf {
			b.rewrite = v
		} else {
			b.ignored = append(b.ignored, fmt.Sprintf("spec.tuningOptions.headerBufferMaxRewriteBytes (the routers' %d is used: they take %d to %d, less than the header buffer of %d)",
				config.DefaultMaxRewrite, config.MinMaxRewrite, config.MaxMaxRewrite, buf))
		}
	}
	return b
}

// durationEnv writes a duration the way the router (and OKD's) reads it:
// whole seconds or milliseconds with a unit, else microseconds (HAProxy
// reads a 0 as no timeout at all).
func durationEnv(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatInt(max(1, d.Microseconds()), 10) + "us"
}

// tlsProfiles are OKD's named profiles (Mozilla's server-side TLS guidelines).
var tlsProfiles = map[operatorv1.TLSProfileType]operatorv1.TLSProfileSpec{
	operatorv1.TLSProfileOldType: {MinTLSVersion: operatorv1.VersionTLS10, Ciphers: append(intermediateCiphers(),
		"ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
		"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
		"DHE-RSA-AES128-SHA256", "DHE-RSA-AES256-SHA256", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
		"AES128-SHA256", "AES256-SHA256", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA"), Groups: namedGroups()},
	operatorv1.TLSProfileIntermediateType: {MinTLSVersion: operatorv1.VersionTLS12, Ciphers: intermediateCiphers(), Groups: namedGroups()},
	operatorv1.TLSProfileModernType: {MinTLSVersion: operatorv1.VersionTLS13,
		Ciphers: []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}, Groups: namedGroups()},
}

// namedGroups are the key-exchange groups of OKD's named profiles (Mozilla's
// guidelines 5.8), the post-quantum hybrid first.
func namedGroups() []operatorv1.TLSGroup {
	return []operatorv1.TLSGroup{operatorv1.TLSGroupX25519MLKEM768, operatorv1.TLSGroupX25519,
		operatorv1.TLSGroupSecP256r1, operatorv1.TLSGroupSecP384r1}
}

// defaultGroups are what OKD's operator hands its routers for a Custom
// profile without groups: the named profiles' groups and P-521.
func defaultGroups() []operatorv1.TLSGroup {
	return append(namedGroups(), operatorv1.TLSGroupSecP521r1)
}

func intermediateCiphers() []string {
	return []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
		"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"}
}

// effectiveTLSProfile is the profile the routers run: the named or custom
// one from spec, Intermediate by default. TLS 1.0 is raised to 1.1, as OKD
// does without a word (Old and Custom profiles written for OKD mean 1.1
// there), and status shows the version the routers run; a Custom profile
// without groups gets OKD's default ones, which status shows too.
func effectiveTLSProfile(p *operatorv1.TLSSecurityProfile) operatorv1.TLSProfileSpec {
	spec := tlsProfiles[operatorv1.TLSProfileIntermediateType]
	switch {
	case p != nil && p.Type == operatorv1.TLSProfileCustomType && p.Custom != nil:
		spec = p.Custom.TLSProfileSpec
	case p != nil:
		if named, ok := tlsProfiles[p.Type]; ok {
			spec = named
		}
	}
	if spec.MinTLSVersion == operatorv1.VersionTLS10 {
		spec.MinTLSVersion = operatorv1.VersionTLS11
	}
	if len(spec.Groups) == 0 {
		spec.Groups = defaultGroups()
	}
	// Status takes this spec, and a patch decodes the answer into it: it
	// must share no array with tlsProfiles or the IngressController.
	spec.Ciphers, spec.Groups = slices.Clone(spec.Ciphers), slices.Clone(spec.Groups)
	return spec
}

// servedTLSProfile is the profile the routers get: the effective one
// without the ciphers splitCiphers leaves out, which status would
// otherwise claim are offered.
func servedTLSProfile(p *operatorv1.TLSSecurityProfile) operatorv1.TLSProfileSpec {
	spec := effectiveTLSProfile(p)
	_, _, unknown := splitCiphers(spec.Ciphers)
	if len(unknown) > 0 {
		spec.Ciphers = slices.DeleteFunc(slices.Clone(spec.Ciphers), func(c string) bool { return slices.Contains(unknown, c) })
	}
	return spec
}

// splitCiphers sorts a profile's ciphers as HAProxy configures them: TLS
// 1.3 suites, older ciphers (in OpenSSL's names), and names it does not
// know, which are left out so that one typo cannot stop every router from
// starting (FieldsSupported reports them).
func splitCiphers(list []string) (suites, ciphers, unknown []string) {
	for _, c := range list {
		switch {
		case tls13Suites[c]:
			suites = append(suites, c)
		case ianaToOpenSSL[c] != "":
			ciphers = append(ciphers, ianaToOpenSSL[c])
		case openSSLCiphers[c]:
			ciphers = append(ciphers, c)
		default:
			unknown = append(unknown, c)
		}
	}
	return suites, ciphers, unknown
}

// tlsProfileProblems are OKD's rules for a Custom profile, applied to the
// ciphers the routers would get: a TLS 1.3 minimum needs a TLS 1.3 suite,
// and a lower minimum a cipher below TLS 1.3. Without one, every client of
// the versions the profile admits fails its handshake.
func tlsProfileProblems(p *operatorv1.TLSSecurityProfile) []string {
	if p == nil || p.Type != operatorv1.TLSProfileCustomType || p.Custom == nil {
		return nil
	}
	// A name the routers do not know is left out and named in
	// FieldsSupported, not rejected as OKD rejects it: the IANA names of
	// many ciphers the routers serve are not in ianaToOpenSSL, and a spec
	// that ran before must not stop being maintained after an upgrade.
	suites, ciphers, _ := splitCiphers(p.Custom.Ciphers)
	switch v := p.Custom.MinTLSVersion; {
	case v == operatorv1.VersionTLS13 && len(suites) == 0:
		return []string{"spec.tlsSecurityProfile.custom: minTLSVersion VersionTLS13 needs at least one TLS 1.3 cipher suite " +
			"(such as TLS_AES_128_GCM_SHA256) in ciphers"}
	case v != operatorv1.VersionTLS13 && len(ciphers) == 0:
		return []string{fmt.Sprintf("spec.tlsSecurityProfile.custom: minTLSVersion %s needs at least one cipher for TLS 1.2 or lower "+
			"(such as ECDHE-RSA-AES128-GCM-SHA256) in ciphers, not only TLS 1.3 suites (names HAProxy does not know do not count)", v)}
	}
	return nil
}

// addTLSProfile hands the routers the profile's TLS 1.3 suites
// (ROUTER_CIPHERSUITES) and older ciphers (ROUTER_CIPHERS) apart, as
// HAProxy configures them separately, and its groups (ROUTER_CURVES).
func addTLSProfile(env map[string]string, p *operatorv1.TLSSecurityProfile) {
	spec := effectiveTLSProfile(p)
	suites, ciphers, _ := splitCiphers(spec.Ciphers)
	if len(ciphers) > 0 {
		env[names.EnvRouterCiphers] = strings.Join(ciphers, ":")
	}
	if len(suites) > 0 {
		env[names.EnvRouterCipherSuites] = strings.Join(suites, ":")
	}
	env[names.EnvSSLMinVersion] = map[operatorv1.TLSProtocolVersion]string{
		operatorv1.VersionTLS11: "TLSv1.1", operatorv1.VersionTLS12: "TLSv1.2", operatorv1.VersionTLS13: "TLSv1.3",
	}[spec.MinTLSVersion]
	env[names.EnvRouterCurves] = curves(spec.Groups)
}

// curves is ROUTER_CURVES: the profile's groups in OpenSSL's names (the
// API's own), which each router filters by what its OpenSSL supports.
func curves(groups []operatorv1.TLSGroup) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = string(g)
	}
	return strings.Join(names, ":")
}

// hardStopAfter is the IngressController's hard-stop-after annotation, when
// the routers take it (config.ParseHardStopAfter): ROUTER_HARD_STOP_AFTER,
// as OKD sets it. Any other value is left out (ignoredAnnotations reports
// it): the routers would refuse to start with it.
func hardStopAfter(ic *operatorv1.IngressController) (string, bool) {
	v, ok := ic.Annotations[names.HardStopAfterAnnotation]
	if !ok {
		return "", false
	}
	_, err := config.ParseHardStopAfter(v)
	return v, err == nil
}

var tls13Suites = map[string]bool{
	"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_CCM_SHA256": true, "TLS_AES_128_CCM_8_SHA256": true,
}

// ianaToOpenSSL maps the IANA names of TLS 1.2 ciphers that profiles use to
// the OpenSSL names HAProxy expects.
var ianaToOpenSSL = map[string]string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256":       "ECDHE-ECDSA-AES128-GCM-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":         "ECDHE-RSA-AES128-GCM-SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384":       "ECDHE-ECDSA-AES256-GCM-SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":         "ECDHE-RSA-AES256-GCM-SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256":   "ECDHE-RSA-CHACHA20-POLY1305",
	"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256":           "DHE-RSA-AES128-GCM-SHA256",
	"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384":           "DHE-RSA-AES256-GCM-SHA384",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA":          "ECDHE-ECDSA-AES128-SHA",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":            "ECDHE-RSA-AES128-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA":          "ECDHE-ECDSA-AES256-SHA",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":            "ECDHE-RSA-AES256-SHA",
	"TLS_RSA_WITH_AES_128_GCM_SHA256":               "AES128-GCM-SHA256",
	"TLS_RSA_WITH_AES_256_GCM_SHA384":               "AES256-GCM-SHA384",
	"TLS_RSA_WITH_AES_128_CBC_SHA":                  "AES128-SHA",
	"TLS_RSA_WITH_AES_256_CBC_SHA":                  "AES256-SHA",
}

// http2Enabled reads OKD's annotation as OKD does (strconv.ParseBool), with
// HTTP/2 on unless it says false: the routers answer 421 to a request that
// an HTTP/2 client sends over a connection of another host, which is what
// keeps it off by default on OKD (connection coalescing). valid is false
// for a value that is set and not a boolean (ignoredAnnotations names it).
func http2Enabled(ic *operatorv1.IngressController) (on, valid bool) {
	v, set := ic.Annotations[names.EnableHTTP2Annotation]
	if !set {
		return true, true
	}
	b, err := strconv.ParseBool(v)
	return b || err != nil, err == nil
}

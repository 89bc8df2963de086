package operator

import (
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// TestRouterPodPolicy: the router namespace allows privileged pods as far
// as Pod Security goes (HostNetwork routers need host ports), and the
// admission policy installed with the manager refuses the rest of what
// baseline would. The operator's own routers pass it, on HostNetwork with
// the logs sidecar too; the same pods made more privileged do not.
func TestRouterPodPolicy(t *testing.T) {
	const ic = "policy"
	createIC(t, ic, domain("policy.op.test"), replicas(1), strategy(operatorv1.EndpointPublishingStrategy{Type: operatorv1.HostNetworkStrategyType}),
		func(ic *operatorv1.IngressController) {
			ic.Spec.Logging = &operatorv1.IngressControllerLogging{Access: &operatorv1.AccessLogging{
				Destination: operatorv1.LoggingDestination{Type: operatorv1.ContainerLoggingDestinationType}}}
		})
	tmpl := deployment(t, ic).Spec.Template
	if !tmpl.Spec.HostNetwork || len(tmpl.Spec.Containers) < 2 {
		t.Fatalf("the test needs a HostNetwork router with its logs sidecar: hostNetwork %v, %d containers", tmpl.Spec.HostNetwork, len(tmpl.Spec.Containers))
	}
	podOf := func(edit func(*corev1.PodSpec)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: names.RouterNamespace, Name: "policy-probe", Labels: map[string]string{"test": "policy"}},
			Spec: *tmpl.Spec.DeepCopy()}
		if edit != nil {
			edit(&p.Spec)
		}
		return p
	}
	router := func(s *corev1.PodSpec) *corev1.SecurityContext { return s.Containers[0].SecurityContext }
	cases := []struct {
		name   string
		edit   func(*corev1.PodSpec)
		denied string
	}{
		{name: "the operator's HostNetwork router with its sidecar"},
		{name: "privileged", edit: func(s *corev1.PodSpec) { router(s).Privileged = new(true) }, denied: "never run privileged"},
		{name: "a capability", edit: func(s *corev1.PodSpec) {
			router(s).Capabilities.Add = append(router(s).Capabilities.Add, "SYS_ADMIN")
		}, denied: "no capability but NET_BIND_SERVICE"},
		{name: "the host's PIDs", edit: func(s *corev1.PodSpec) { s.HostPID = true }, denied: "PID"},
		{name: "the host's IPC", edit: func(s *corev1.PodSpec) { s.HostIPC = true }, denied: "IPC"},
		{name: "a privileged init container", edit: func(s *corev1.PodSpec) {
			c := *s.Containers[0].DeepCopy()
			c.Name, c.SecurityContext.Privileged = "init", new(true)
			c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = nil, nil, nil
			s.InitContainers = append(s.InitContainers, c)
		}, denied: "never run privileged"},
		{name: "an unmasked /proc", edit: func(s *corev1.PodSpec) {
			// Valid only in a user namespace, off the host's network.
			s.HostUsers, s.HostNetwork, router(s).ProcMount = new(false), false, new(corev1.UnmaskedProcMount)
			for i := range s.Containers {
				for j := range s.Containers[i].Ports {
					s.Containers[i].Ports[j].HostPort = 0
				}
			}
		}, denied: "/proc"},
		{name: "no AppArmor", edit: func(s *corev1.PodSpec) {
			router(s).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}, denied: "AppArmor"},
		{name: "an SELinux type of the host", edit: func(s *corev1.PodSpec) {
			s.SecurityContext.SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t"}
		}, denied: "SELinux"},
		{name: "the container SELinux type", edit: func(s *corev1.PodSpec) {
			router(s).SELinuxOptions = &corev1.SELinuxOptions{Type: "container_t", Level: "s0:c1,c2"}
		}},
		{name: "a hostPath", edit: func(s *corev1.PodSpec) {
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}, denied: "hostPath"},
		{name: "an unsafe sysctl", edit: func(s *corev1.PodSpec) {
			s.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}}
		}, denied: "sysctls"},
		{name: "no seccomp", edit: func(s *corev1.PodSpec) {
			s.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}, denied: "seccomp"},
		{name: "another ServiceAccount", edit: func(s *corev1.PodSpec) { s.ServiceAccountName = "default" }, denied: "routers' ServiceAccount"},
	}
	for _, tc := range cases {
		err := k8s.Create(ctx, podOf(tc.edit), client.DryRunAll)
		switch {
		case tc.denied == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.denied != "" && (err == nil || !strings.Contains(err.Error(), tc.denied)):
			t.Errorf("%s: %v, want a refusal containing %q", tc.name, err, tc.denied)
		}
	}
}

// TestManagerPolicies: RBAC lets the manager patch its own webhook
// configurations and the Route APIService; the policies installed with it
// let it change their CA bundle (and where the webhooks are called), not
// what they intercept or which Service serves the API. It makes no
// ServiceAccount token Secrets.
func TestManagerPolicies(t *testing.T) {
	sa := "system:serviceaccount:" + names.OperatorNamespace + ":" + names.ManagerServiceAccount
	mgr, err := cluster.UserClient(sa, "system:serviceaccounts", "system:serviceaccounts:"+names.OperatorNamespace, "system:authenticated")
	must(t, err)

	// A configuration of the manager's name that intercepts nothing real.
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: names.ValidatingWebhookConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "policy.okd-ingress.invalid", SideEffects: new(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: new("https://127.0.0.1:1/none")},
			Rules: []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{"okd-ingress.invalid"}, APIVersions: []string{"v1"}, Resources: []string{"nothing"}}}},
		}}}
	must(t, k8s.Create(ctx, vwc))
	t.Cleanup(func() { _ = k8s.Delete(ctx, vwc) })
	var apisvc apiregistrationv1.APIService
	must(t, k8s.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &apisvc))
	if apisvc.Spec.Service == nil {
		t.Fatal("the test needs the Route API server's APIService")
	}

	webhook := func(edit func(*admissionregistrationv1.ValidatingWebhook)) error {
		var cur admissionregistrationv1.ValidatingWebhookConfiguration
		must(t, k8s.Get(ctx, client.ObjectKeyFromObject(vwc), &cur))
		before := cur.DeepCopy()
		edit(&cur.Webhooks[0])
		return mgr.Patch(ctx, &cur, client.MergeFrom(before), client.DryRunAll)
	}
	apiService := func(edit func(*apiregistrationv1.APIServiceSpec)) error {
		var cur apiregistrationv1.APIService
		must(t, k8s.Get(ctx, client.ObjectKeyFromObject(&apisvc), &cur))
		before := cur.DeepCopy()
		edit(&cur.Spec)
		return mgr.Patch(ctx, &cur, client.MergeFrom(before), client.DryRunAll)
	}
	cases := []struct {
		name    string
		write   func() error
		refused bool
	}{
		{"the webhook's CA bundle", func() error {
			return webhook(func(w *admissionregistrationv1.ValidatingWebhook) { w.ClientConfig.CABundle = []byte("new bundle") })
		}, false},
		{"the webhook's URL", func() error {
			return webhook(func(w *admissionregistrationv1.ValidatingWebhook) {
				w.ClientConfig.URL = new("https://127.0.0.1:2/none")
			})
		}, false},
		{"the webhook's rules", func() error {
			return webhook(func(w *admissionregistrationv1.ValidatingWebhook) { w.Rules[0].Resources = []string{"*"} })
		}, true},
		{"the webhook's failure policy", func() error {
			return webhook(func(w *admissionregistrationv1.ValidatingWebhook) {
				w.FailurePolicy = new(admissionregistrationv1.Ignore)
			})
		}, true},
		{"the webhook's namespaces", func() error {
			return webhook(func(w *admissionregistrationv1.ValidatingWebhook) {
				w.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}
			})
		}, true},
		{"the APIService's CA bundle", func() error {
			return apiService(func(s *apiregistrationv1.APIServiceSpec) { s.CABundle = append([]byte(nil), s.CABundle...) })
		}, false},
		{"the APIService's Service", func() error {
			return apiService(func(s *apiregistrationv1.APIServiceSpec) { s.Service.Namespace = names.RouterNamespace })
		}, true},
		{"the APIService unverified", func() error {
			return apiService(func(s *apiregistrationv1.APIServiceSpec) { s.InsecureSkipTLSVerify = true; s.CABundle = nil })
		}, true},
		{"an Opaque Secret", func() error {
			return mgr.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: "policy-probe"}}, client.DryRunAll)
		}, false},
		{"a token Secret", func() error {
			return mgr.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: "policy-probe",
				Annotations: map[string]string{corev1.ServiceAccountNameKey: "okd-ingress-route-apiserver"}},
				Type: corev1.SecretTypeServiceAccountToken}, client.DryRunAll)
		}, true},
	}
	for _, tc := range cases {
		err := tc.write()
		switch {
		case !tc.refused && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.refused && (err == nil || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy")):
			t.Errorf("%s: %v, want a refusal by a policy", tc.name, err)
		}
	}
}

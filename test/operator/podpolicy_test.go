package operator

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

//go:build linux

package localnode

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestExpand(t *testing.T) {
	vals := map[string]string{"A": "a", "EMPTY": ""}
	for in, want := range map[string]string{
		"plain":        "plain",
		"$(A)/x":       "a/x",
		"$(EMPTY)-":    "-",
		"$(MISSING)":   "$(MISSING)",
		"$$(A)":        "$(A)",
		"cost $5":      "cost $5",
		"$(A":          "$(A",
		"end$":         "end$",
		"$(A)$(A)$$$$": "aa$$",
	} {
		if got := expand(in, vals); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	w := &podWorker{volumes: map[string]string{"cert": "/d/volumes/cert", "cfg": "/d/volumes/cfg"}}
	c := &corev1.Container{VolumeMounts: []corev1.VolumeMount{
		{Name: "cert", MountPath: "/etc/pki/tls/private"},
		{Name: "cfg", MountPath: "/etc/pki/tls/private/extra/", SubPath: "sub"},
		{Name: "unknown", MountPath: "/nowhere"},
	}}
	mounts := w.mounts(c)
	for in, want := range map[string]string{
		"/etc/pki/tls/private":             "/d/volumes/cert",
		"/etc/pki/tls/private/tls.crt":     "/d/volumes/cert/tls.crt",
		"/etc/pki/tls/private/extra/a":     "/d/volumes/cfg/sub/a",
		"/etc/pki/tls/privateer":           "/etc/pki/tls/privateer",
		"/nowhere/x":                       "/nowhere/x",
		"relative/etc/pki/tls/private/a.b": "relative/etc/pki/tls/private/a.b",
	} {
		if got := localPath(in, mounts); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProbes follows a kubelet's rules: readiness waits for the startup
// probe, needs successThreshold successes to turn ready and
// failureThreshold failures to turn unready; liveness failures restart.
func TestProbes(t *testing.T) {
	get := func() *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{}}, PeriodSeconds: 10, FailureThreshold: 2}
	}
	c := &corev1.Container{StartupProbe: get(), ReadinessProbe: get(), LivenessProbe: get()}
	c.LivenessProbe.FailureThreshold = 3
	now := time.Now()
	p := newProbes(c, now)
	results := map[*corev1.Probe][]error{}
	check := func(pr *corev1.Probe) error {
		r := results[pr]
		if len(r) == 0 {
			return nil
		}
		results[pr] = r[1:]
		return r[0]
	}
	fail := errors.New("down")
	results[c.StartupProbe] = []error{fail}
	if p.step(now, check); p.started || p.ready {
		t.Fatalf("after a failed startup probe: started %v ready %v", p.started, p.ready)
	}
	// Readiness runs every second (capped), startup likewise.
	now = now.Add(time.Second)
	if p.step(now, check); !p.started || !p.ready {
		t.Fatalf("after startup and readiness succeeded: started %v ready %v", p.started, p.ready)
	}
	results[c.ReadinessProbe] = []error{fail, fail}
	now = now.Add(time.Second)
	if p.step(now, check); !p.ready {
		t.Fatal("one readiness failure of two made it unready")
	}
	now = now.Add(time.Second)
	if p.step(now, check); p.ready {
		t.Fatal("two readiness failures left it ready")
	}
	// Liveness runs every 10 s: three failures restart.
	results[c.LivenessProbe] = []error{fail, fail, fail}
	var reason string
	for i := 0; i < 30 && reason == ""; i++ {
		now = now.Add(time.Second)
		reason = p.step(now, check)
	}
	if reason == "" {
		t.Fatal("three liveness failures did not restart")
	}
}

func TestAgrees(t *testing.T) {
	ours := corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: "198.19.11.2", HostIP: "198.18.1.1",
		Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, ContainerID: "localnode://1"}},
	}
	api := *ours.DeepCopy()
	api.Conditions = append(api.Conditions, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
	api.StartTime = &metav1.Time{Time: time.Now()}
	if !agrees(&api, &ours) {
		t.Error("a status with someone else's condition disagrees")
	}
	api.Conditions[0].Status = corev1.ConditionFalse // the node lifecycle controller's doing
	if agrees(&api, &ours) {
		t.Error("a pod marked not ready agrees")
	}
}

func TestCapGrace(t *testing.T) {
	for in, want := range map[int64]time.Duration{0: minGrace, 5: 5 * time.Second, 3600: maxGrace} {
		if got := capGrace(&in); got != want {
			t.Errorf("capGrace(%d) = %s, want %s", in, got, want)
		}
	}
	if got := capGrace(nil); got != maxGrace {
		t.Errorf("capGrace(nil) = %s, want the API default capped, %s", got, maxGrace)
	}
}

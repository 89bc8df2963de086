//go:build linux

package localnode

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// syncStatus writes the pod's status when it differs from what was last
// written, or, when recheck is set, from what the API holds: someone else
// may have changed it, as the node lifecycle controller marks the pods
// of a node it believes NotReady not ready, and a kubelet then puts its
// view back. (The informer lags behind a write for a moment, so this
// check runs on the once-a-second round only, not after every change.)
func (w *podWorker) syncStatus(pod *corev1.Pod, recheck bool) {
	st := w.status(pod)
	if w.lastStatus != nil && apiequality.Semantic.DeepEqual(*w.lastStatus, st) &&
		(!recheck || agrees(&pod.Status, &st)) {
		return
	}
	// The UID in the patch makes it fail on a new pod of the same name,
	// as a kubelet's status patches do.
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": w.uid},
		"status":   st,
	})
	if err != nil {
		w.log.Error(err, "encoding the status")
		return
	}
	ctx, cancel := context.WithTimeout(w.a.ctx, apiTimeout)
	defer cancel()
	_, err = w.a.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		w.log.Error(err, "writing the pod's status (will retry)")
		return
	}
	w.lastStatus = &st
}

// status is the pod's status as a kubelet would report it.
func (w *podWorker) status(pod *corev1.Pod) corev1.PodStatus {
	nodeIP := w.a.cfg.Node.IP.String()
	st := corev1.PodStatus{
		Phase:     corev1.PodPending,
		HostIP:    nodeIP,
		HostIPs:   []corev1.HostIP{{IP: nodeIP}},
		StartTime: &w.startTime,
		QOSClass:  pod.Status.QOSClass,
	}
	networkReady := w.hostNetwork || w.net != nil
	if networkReady {
		st.PodIP, st.PodIPs = w.podIP, []corev1.PodIP{{IP: w.podIP}}
	}
	w.mu.Lock()
	ctrs := w.containers
	w.mu.Unlock()
	var unready, unknown []string
	allFinal, anyFailed := len(ctrs) > 0, false
	for i, spec := range pod.Spec.Containers {
		var cs corev1.ContainerStatus
		if i < len(ctrs) {
			cs = ctrs[i].status()
			if !ctrs[i].known {
				unknown = append(unknown, ctrs[i].state().waitMsg)
			}
		} else {
			cs = w.creatingStatus(spec)
		}
		if !cs.Ready {
			unready = append(unready, spec.Name)
		}
		if t := cs.State.Terminated; t == nil {
			allFinal = false
		} else if t.ExitCode != 0 {
			anyFailed = true
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	switch {
	case ctrs == nil:
	case allFinal && anyFailed:
		st.Phase = corev1.PodFailed
	case allFinal:
		st.Phase = corev1.PodSucceeded
	default:
		st.Phase = corev1.PodRunning
	}
	st.Conditions = w.conditions(pod, networkReady, ctrs != nil, unready, unknown)
	return st
}

// creatingStatus is a container's status while the pod is set up.
func (w *podWorker) creatingStatus(spec corev1.Container) corev1.ContainerStatus {
	waiting := &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	if w.setupErr != nil {
		waiting.Message = w.setupErr.Error()
	}
	return corev1.ContainerStatus{Name: spec.Name, Image: spec.Image, State: corev1.ContainerState{Waiting: waiting}, Started: new(false)}
}

func (c *container) status() corev1.ContainerStatus {
	s := c.state()
	cs := corev1.ContainerStatus{
		Name: c.spec.Name, Image: c.spec.Image, RestartCount: s.restarts,
		Ready: s.ready, Started: new(s.started),
	}
	if c.known {
		cs.ImageID = "localnode://" + c.image.Binary
	}
	if s.last != nil {
		cs.LastTerminationState.Terminated = s.last
	}
	switch {
	case s.running:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(s.startedAt)}
		cs.ContainerID = containerID(s.pid)
	case s.final != nil:
		cs.State.Terminated = s.final
		cs.LastTerminationState = corev1.ContainerState{}
		cs.ContainerID = s.final.ContainerID
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: s.waitReason, Message: s.waitMsg}
	}
	return cs
}

// conditions are the scheduler's (and anyone else's) conditions with the
// kubelet's four set; a transition time moves only when a status changes.
func (w *podWorker) conditions(pod *corev1.Pod, networkReady, started bool, unready, unknown []string) []corev1.PodCondition {
	prev := pod.Status.Conditions
	if w.lastStatus != nil {
		prev = w.lastStatus.Conditions
	}
	ready := started && len(unready) == 0
	msg := ""
	if len(unready) > 0 {
		msg = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		if len(unknown) > 0 {
			msg += "; " + strings.Join(unknown, "; ")
		}
	}
	ours := []corev1.PodCondition{
		condition(corev1.PodReadyToStartContainers, networkReady, "", ""),
		condition(corev1.PodInitialized, true, "", ""),
		condition(corev1.ContainersReady, ready, "ContainersNotReady", msg),
		condition(corev1.PodReady, ready, "ContainersNotReady", msg),
	}
	var out []corev1.PodCondition
	for _, c := range pod.Status.Conditions {
		if !isOurs(c.Type, ours) {
			out = append(out, c)
		}
	}
	now := metav1.Now()
	for _, c := range ours {
		c.LastTransitionTime = now
		for _, p := range prev {
			if p.Type == c.Type && p.Status == c.Status {
				c.LastTransitionTime = p.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	return out
}

func condition(t corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
	if ok {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
	}
	return corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: msg}
}

func isOurs(t corev1.PodConditionType, ours []corev1.PodCondition) bool {
	for _, c := range ours {
		if c.Type == t {
			return true
		}
	}
	return false
}

// agrees reports whether the API's status says what the agent reports in
// the fields readers act on: phase, addresses, conditions, and the
// containers' readiness, restarts and state.
func agrees(api, ours *corev1.PodStatus) bool {
	if api.Phase != ours.Phase || api.PodIP != ours.PodIP || api.HostIP != ours.HostIP ||
		len(api.ContainerStatuses) != len(ours.ContainerStatuses) {
		return false
	}
	for _, c := range ours.Conditions {
		if conditionStatus(api.Conditions, c.Type) != c.Status {
			return false
		}
	}
	for i, c := range ours.ContainerStatuses {
		a := api.ContainerStatuses[i]
		if a.Name != c.Name || a.Ready != c.Ready || a.RestartCount != c.RestartCount || a.ContainerID != c.ContainerID {
			return false
		}
	}
	return true
}

func conditionStatus(conds []corev1.PodCondition, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range conds {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

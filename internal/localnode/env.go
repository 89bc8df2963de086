//go:build linux

package localnode

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// envList is an ordered environment with lookups, for $(VAR) expansion.
type envList struct {
	order []string
	vals  map[string]string
}

func (e *envList) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.order = append(e.order, k)
	}
	e.vals[k] = v
}

// setDefault sets k unless the container set it.
func (e *envList) setDefault(k, v string) {
	if _, ok := e.vals[k]; !ok && v != "" {
		e.set(k, v)
	}
}

func (e *envList) list() []string {
	out := make([]string, 0, len(e.order))
	for _, k := range e.order {
		out = append(out, k+"="+e.vals[k])
	}
	return out
}

// env is a container process's environment, built as a kubelet builds a
// container's, plus what the local node adds:
//
//   - only PATH is taken from the agent's own environment; HOME is the pod
//     directory and HOSTNAME the pod's name (the node's on the host
//     network);
//   - env and envFrom as in the pod, with fieldRef (metadata, spec.nodeName,
//     spec.serviceAccountName, status IPs), secretKeyRef and
//     configMapKeyRef values and $(VAR) expansion;
//   - values naming a path under a volumeMount's mountPath are rewritten
//     to the local copy of that volume (see localPath);
//   - KUBECONFIG for the pod's ServiceAccount (when its token is
//     automounted or the container mounts a volume projecting it), and POD_NAME,
//     POD_NAMESPACE, NAMESPACE, POD_IP and SERVICE_NAME (the first
//     Service selecting the pod) for the echo server, unless the
//     container sets them;
//   - for the router image, ROUTER_CONFIG_DIR and ROUTER_RUN_DIR (the
//     volumes mounted at the image's directories, else directories of the
//     container's own) and the agent's HAProxy as ROUTER_HAPROXY_BINARY,
//     over the pod's.
func (w *podWorker) env(c *container) ([]string, error) {
	pod, _, _ := w.snapshot()
	ctx, cancel := context.WithTimeout(w.a.ctx, apiTimeout)
	defer cancel()
	e := &envList{vals: map[string]string{}}
	e.set("PATH", firstNonEmpty(os.Getenv("PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
	e.set("HOME", w.dir)
	e.set("HOSTNAME", hostname(pod, w.a.cfg.Node.Name))
	if err := w.containerEnv(ctx, pod, &c.spec, e); err != nil {
		return nil, err
	}
	w.addHints(ctx, pod, &c.spec, e)
	if c.image.Router {
		if err := w.addRouterEnv(c, e); err != nil {
			return nil, err
		}
	}
	return e.list(), nil
}

func hostname(pod *corev1.Pod, node string) string {
	if pod.Spec.HostNetwork {
		return node
	}
	return pod.Name
}

// containerEnv applies envFrom, then env, as a kubelet does.
func (w *podWorker) containerEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container, e *envList) error {
	mounts := w.mounts(c)
	for _, ef := range c.EnvFrom {
		data, err := w.envFromData(ctx, pod.Namespace, ef)
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.set(ef.Prefix+k, data[k])
		}
	}
	for _, v := range c.Env {
		if v.ValueFrom == nil {
			e.set(v.Name, expand(localPath(v.Value, mounts), e.vals))
			continue
		}
		val, ok, err := w.valueFrom(ctx, pod, v.ValueFrom)
		if err != nil {
			return fmt.Errorf("env %s: %w", v.Name, err)
		}
		if ok {
			e.set(v.Name, val)
		}
	}
	return nil
}

func (w *podWorker) envFromData(ctx context.Context, ns string, ef corev1.EnvFromSource) (map[string]string, error) {
	out := map[string]string{}
	switch {
	case ef.ConfigMapRef != nil:
		cm, err := w.a.client.CoreV1().ConfigMaps(ns).Get(ctx, ef.ConfigMapRef.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && isTrue(ef.ConfigMapRef.Optional) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("envFrom configmap %s: %w", ef.ConfigMapRef.Name, err)
		}
		return cm.Data, nil
	case ef.SecretRef != nil:
		s, err := w.a.client.CoreV1().Secrets(ns).Get(ctx, ef.SecretRef.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && isTrue(ef.SecretRef.Optional) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("envFrom secret %s: %w", ef.SecretRef.Name, err)
		}
		for k, v := range s.Data {
			out[k] = string(v)
		}
	}
	return out, nil
}

// valueFrom resolves a valueFrom; ok is false when the value is absent
// and optional, or of a kind not supported locally (resourceFieldRef).
func (w *podWorker) valueFrom(ctx context.Context, pod *corev1.Pod, src *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case src.FieldRef != nil:
		v, ok := w.fieldValue(pod, src.FieldRef.FieldPath)
		if !ok {
			return "", false, fmt.Errorf("fieldRef %s is not supported on a local node", src.FieldRef.FieldPath)
		}
		return v, true, nil
	case src.SecretKeyRef != nil:
		r := src.SecretKeyRef
		s, err := w.a.client.CoreV1().Secrets(pod.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return "", false, optionalMissing(err, r.Optional)
		}
		v, ok := s.Data[r.Key]
		if !ok && !isTrue(r.Optional) {
			return "", false, fmt.Errorf("secret %s has no key %s", r.Name, r.Key)
		}
		return string(v), ok, nil
	case src.ConfigMapKeyRef != nil:
		r := src.ConfigMapKeyRef
		cm, err := w.a.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return "", false, optionalMissing(err, r.Optional)
		}
		v, ok := cm.Data[r.Key]
		if !ok && !isTrue(r.Optional) {
			return "", false, fmt.Errorf("configmap %s has no key %s", r.Name, r.Key)
		}
		return v, ok, nil
	}
	return "", false, nil
}

// optionalMissing turns a missing optional object into no error.
func optionalMissing(err error, optional *bool) error {
	if apierrors.IsNotFound(err) && isTrue(optional) {
		return nil
	}
	return err
}

func isTrue(b *bool) bool { return b != nil && *b }

// fieldValue resolves a downward-API field path against the pod as this
// worker runs it (its addresses are known before the status says so).
func (w *podWorker) fieldValue(pod *corev1.Pod, path string) (string, bool) {
	switch path {
	case "status.podIP", "status.podIPs":
		return w.podIP, true
	case "status.hostIP", "status.hostIPs":
		return w.a.cfg.Node.IP.String(), true
	}
	return fieldValue(pod, path)
}

// fieldValue resolves the pod's own fields.
func fieldValue(pod *corev1.Pod, path string) (string, bool) {
	switch path {
	case "metadata.name":
		return pod.Name, true
	case "metadata.namespace":
		return pod.Namespace, true
	case "metadata.uid":
		return string(pod.UID), true
	case "spec.nodeName":
		return pod.Spec.NodeName, true
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, true
	case "metadata.labels":
		return formatMap(pod.Labels), true
	case "metadata.annotations":
		return formatMap(pod.Annotations), true
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok && strings.HasSuffix(key, "']") {
			return m[strings.TrimSuffix(key, "']")], true
		}
	}
	return "", false
}

// formatMap writes k="v" lines, sorted, as the downward API does.
func formatMap(m map[string]string) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// expand replaces $(VAR) by the value of an earlier variable, and $$ by $,
// as Kubernetes does; unknown references stay as they are.
func expand(s string, vals map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteByte(s[i])
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := vals[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// addHints adds the identity and credentials a process of this node may
// want, unless the container set them.
func (w *podWorker) addHints(ctx context.Context, pod *corev1.Pod, c *corev1.Container, e *envList) {
	if w.creds != nil && hasToken(pod, c) {
		e.setDefault("KUBECONFIG", w.creds.kubeconfig)
	}
	e.setDefault("POD_NAME", pod.Name)
	e.setDefault("POD_NAMESPACE", pod.Namespace)
	e.setDefault("NAMESPACE", pod.Namespace)
	e.setDefault("POD_IP", w.podIP)
	if _, ok := e.vals["SERVICE_NAME"]; !ok {
		e.setDefault("SERVICE_NAME", w.serviceOf(ctx, pod))
	}
}

// serviceOf names the first Service, by name, whose selector selects the
// pod; "" when none does (yet).
func (w *podWorker) serviceOf(ctx context.Context, pod *corev1.Pod) string {
	svcs, err := w.a.client.CoreV1().Services(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	var matches []string
	for _, s := range svcs.Items {
		if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			matches = append(matches, s.Name)
		}
	}
	sort.Strings(matches)
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}

// addRouterEnv gives a router process its directories and the HAProxy
// binary of this machine. The directories are the volumes the container
// mounts at the image's (the operator's Deployment mounts emptyDirs there,
// its root filesystem being read-only), else directories of the
// container's own: the image's /var/lib/haproxy here would be shared by
// every router on this machine.
func (w *podWorker) addRouterEnv(c *container, e *envList) error {
	base, mounts := filepath.Join(w.dir, c.spec.Name), w.mounts(&c.spec)
	dir := func(image, own string) string {
		if local := localPath(image, mounts); local != image {
			return local
		}
		return filepath.Join(base, own)
	}
	cfg, run := dir(names.RouterConfigDir, "config"), dir(names.RouterRunDir, "run")
	for _, d := range []string{cfg, run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	e.set(names.EnvRouterConfigDir, cfg)
	e.set(names.EnvRouterRunDir, run)
	if w.a.cfg.HAProxy != "" {
		e.set(names.EnvRouterHAProxyBinary, w.a.cfg.HAProxy)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

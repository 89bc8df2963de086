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
)

// file is one file of a volume.
type file struct {
	data []byte
	mode *int32
}

// materialize writes the pod's volumes as files under <pod dir>/volumes/
// and returns where each volume is. A missing Secret or ConfigMap that is
// not optional fails the set-up, which is retried, as a kubelet keeps a
// pod ContainerCreating until its volumes can be mounted. Volumes are
// written once: later changes to a Secret do not reach a running pod.
func (w *podWorker) materialize(ctx context.Context, pod *corev1.Pod) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		local, err := w.volume(ctx, pod, v)
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		out[v.Name] = local
	}
	return out, nil
}

func (w *podWorker) volume(ctx context.Context, pod *corev1.Pod, v corev1.Volume) (string, error) {
	if v.HostPath != nil {
		return v.HostPath.Path, nil // the node is this machine
	}
	dir := filepath.Join(w.dir, "volumes", v.Name)
	var files map[string]file
	var mode *int32
	var err error
	switch {
	case v.Secret != nil:
		mode = v.Secret.DefaultMode
		files, err = w.secretFiles(ctx, pod.Namespace, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional)
	case v.ConfigMap != nil:
		mode = v.ConfigMap.DefaultMode
		files, err = w.configMapFiles(ctx, pod.Namespace, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional)
	case v.DownwardAPI != nil:
		mode = v.DownwardAPI.DefaultMode
		files = downwardFiles(pod, v.DownwardAPI.Items)
	case v.Projected != nil:
		mode = v.Projected.DefaultMode
		files, err = w.projectedFiles(ctx, pod, v.Projected.Sources)
	default:
		if v.EmptyDir == nil {
			w.log.Info("volume type not supported locally; it is an empty directory", "volume", v.Name)
		}
	}
	if err != nil {
		return "", err
	}
	return dir, writeVolume(dir, files, mode)
}

func writeVolume(dir string, files map[string]file, defaultMode *int32) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, f := range files {
		path := filepath.Join(dir, filepath.Clean("/"+name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if m := firstMode(f.mode, defaultMode); m != nil {
			mode = os.FileMode(*m) & os.ModePerm
		}
		if err := os.WriteFile(path, f.data, mode); err != nil {
			return err
		}
		if err := os.Chmod(path, mode); err != nil {
			return err
		}
	}
	return nil
}

func firstMode(modes ...*int32) *int32 {
	for _, m := range modes {
		if m != nil {
			return m
		}
	}
	return nil
}

func (w *podWorker) secretFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, optional *bool) (map[string]file, error) {
	s, err := w.a.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return project(s.Data, items, optional, "secret "+name)
}

func (w *podWorker) configMapFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, optional *bool) (map[string]file, error) {
	cm, err := w.a.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("configmap %s: %w", name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return project(data, items, optional, "configmap "+name)
}

// project maps keys to files: every key by its name, or only the items.
func project(data map[string][]byte, items []corev1.KeyToPath, optional *bool, what string) (map[string]file, error) {
	out := map[string]file{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{data: v}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, fmt.Errorf("%s has no key %s", what, it.Key)
		}
		out[it.Path] = file{data: v, mode: it.Mode}
	}
	return out, nil
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile) map[string]file {
	out := map[string]file{}
	for _, it := range items {
		if it.FieldRef != nil {
			if v, ok := fieldValue(pod, it.FieldRef.FieldPath); ok {
				out[it.Path] = file{data: []byte(v), mode: it.Mode}
			}
		}
	}
	return out
}

// projectedFiles handles the projected volume that ServiceAccount
// admission adds to every pod (token, kube-root-ca.crt, namespace) and
// any other of Secrets, ConfigMaps and downward API items.
func (w *podWorker) projectedFiles(ctx context.Context, pod *corev1.Pod, sources []corev1.VolumeProjection) (map[string]file, error) {
	out := map[string]file{}
	for _, src := range sources {
		var files map[string]file
		var err error
		switch {
		case src.Secret != nil:
			files, err = w.secretFiles(ctx, pod.Namespace, src.Secret.Name, src.Secret.Items, src.Secret.Optional)
		case src.ConfigMap != nil:
			files, err = w.configMapFiles(ctx, pod.Namespace, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional)
		case src.DownwardAPI != nil:
			files = downwardFiles(pod, src.DownwardAPI.Items)
		case src.ServiceAccountToken != nil && w.creds != nil:
			// The agent's token for the pod; renewed in the kubeconfig's
			// token file only.
			var data []byte
			data, err = os.ReadFile(w.creds.tokenFile)
			files = map[string]file{src.ServiceAccountToken.Path: {data: data}}
		}
		if err != nil {
			return nil, err
		}
		for k, v := range files {
			out[k] = v
		}
	}
	return out, nil
}

// mount is where a container would see a volume, and where it is here.
type mount struct{ path, local string }

// mounts returns the container's volume mounts, longest path first so
// that the most specific one wins.
func (w *podWorker) mounts(c *corev1.Container) []mount {
	var out []mount
	for _, m := range c.VolumeMounts {
		if local, ok := w.localOf(m); ok {
			out = append(out, mount{path: filepath.Clean(m.MountPath), local: local})
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i].path) > len(out[j].path) })
	return out
}

// localOf is where the volume m mounts is here (its subPath included).
func (w *podWorker) localOf(m corev1.VolumeMount) (string, bool) {
	local, ok := w.volumes[m.Name]
	if ok && m.SubPath != "" {
		local = filepath.Join(local, filepath.Clean("/"+m.SubPath))
	}
	return local, ok
}

// localPath rewrites a value that names a path under a mount into the
// local directory holding that volume: processes share the machine's
// filesystem, so /etc/pki/tls/private (the router's default certificate)
// cannot be where the volume is. Only values that start with a mount
// path are rewritten.
func localPath(value string, mounts []mount) string {
	for _, m := range mounts {
		if value == m.path || strings.HasPrefix(value, m.path+"/") {
			return m.local + value[len(m.path):]
		}
	}
	return value
}

//go:build linux

package localnode

import (
	"os/exec"

	corev1 "k8s.io/api/core/v1"
)

// readOnlyRoot tells whether the container's root filesystem is read-only.
func readOnlyRoot(c *corev1.Container) bool {
	sc := c.SecurityContext
	return sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
}

// writableDirs are where a container with a read-only root may write: the
// local copies of the emptyDir and hostPath volumes it mounts without
// readOnly. Secret, ConfigMap, downward API and projected volumes are
// read-only in a kubelet's pods whatever the mount says.
func (w *podWorker) writableDirs(pod *corev1.Pod, c *corev1.Container) []string {
	var out []string
	for _, m := range c.VolumeMounts {
		v, known := volumeOf(pod, m)
		local, ok := w.localOf(m)
		if !m.ReadOnly && known && ok && (v.EmptyDir != nil || v.HostPath != nil) {
			out = append(out, local)
		}
	}
	return out
}

// readOnlyRootScript runs a program (the arguments after "--") in a mount
// namespace of its own where every mount is read-only but the paths before
// "--" (made as directories when missing; kept by their real path, which
// mountinfo shows), and /proc, /sys and /dev, which a container has of its own:
// what a container runtime does for readOnlyRootFilesystem, with this
// machine's filesystem standing for the image's. Mount points are read
// from mountinfo (octal escapes decoded); any mount that cannot be made
// read-only fails the start rather than run the container writable.
const readOnlyRootScript = `set -e
keep=
while [ "$1" != -- ]; do
	[ -e "$1" ] || mkdir -p "$1"
	mount --bind "$1" "$1"
	keep="$keep$(realpath "$1")
"
	shift
done
shift
awk '{ print $5 }' /proc/self/mountinfo | sort -u | while read -r m; do
	m=$(printf '%b' "$m")
	case "$m" in /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) continue ;; esac
	printf '%s' "$keep" | grep -qxF -e "$m" && continue
	mount -o remount,bind,ro "$m"
done
exec "$@"
`

// readOnlyRootArgs wraps a program in readOnlyRootScript.
func readOnlyRootArgs(writable []string, bin string, args ...string) (string, []string) {
	out := append([]string{"-m", "--propagation", "private", "sh", "-c", readOnlyRootScript, "sh"}, writable...)
	out = append(append(out, "--", bin), args...)
	return "unshare", out
}

// containerCommand is the container's process: its program in the pod's
// network namespace, behind readOnlyRootScript when its root filesystem
// is read-only.
func (w *podWorker) containerCommand(pod *corev1.Pod, c *container) *exec.Cmd {
	bin, args := c.image.Binary, c.spec.Args
	if readOnlyRoot(&c.spec) {
		bin, args = readOnlyRootArgs(w.writableDirs(pod, &c.spec), bin, args...)
	}
	return w.command(bin, args...)
}

package hardening_test

import (
	"net"
	"os"
	"path/filepath"
	"runtime"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
)

// dialUnixAs connects to the socket file path as user uid, on a thread of
// its own whose credentials only that thread takes: it is never unlocked,
// so it ends with the goroutine.
func dialUnixAs(path string, uid int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
			errc <- e
			return
		}
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		errc <- unix.Connect(fd, &unix.SockaddrUnix{Name: path})
	}()
	return <-errc
}

var _ = Describe("Local processes", func() {
	It("cannot reach the TLS hop, which trusts the PROXY header it is sent: a socket file of the router's user, mode 600", func() {
		r := startRouter(full, "local", nil)
		// An abstract socket is open to every process of the network
		// namespace: the node's, on the host network.
		cfg, err := os.ReadFile(filepath.Join(r.Dir, "conf", "haproxy.cfg"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(cfg)).NotTo(ContainSubstring("abns@"))
		sock := filepath.Join(r.Dir, "run", "tls.sock")
		Expect(string(cfg)).To(ContainSubstring("bind unix@" + sock + " mode 600 accept-proxy ssl"))
		fi, err := os.Stat(sock)
		Expect(err).NotTo(HaveOccurred())
		Expect(fi.Mode().Type()).To(Equal(os.ModeSocket))
		Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o600)))

		// Another user may walk to the socket (the test's directories are
		// opened up: the image's run directory is group-writable for
		// OpenShift's arbitrary user IDs) but not connect; a socket open to
		// all, beside it, shows that user connects to what allows it. The
		// router's own user connects.
		Expect(os.Chmod(r.Dir, 0o711)).To(Succeed())
		Expect(os.Chmod(filepath.Dir(sock), 0o711)).To(Succeed())
		open := filepath.Join(r.Dir, "run", "open.sock")
		l, err := net.Listen("unix", open)
		Expect(err).NotTo(HaveOccurred())
		defer l.Close()
		Expect(os.Chmod(open, 0o666)).To(Succeed())
		const nobody = 65534
		Expect(dialUnixAs(open, nobody)).To(Succeed())
		Expect(dialUnixAs(sock, nobody)).To(MatchError(unix.EACCES))
		Expect(dialUnixAs(sock, os.Geteuid())).To(Succeed())
	})
})

//go:debug rsa1024min=0

// (The weak certificate of the refused-config spec needs a 512-bit RSA key,
// which crypto/rsa only generates with rsa1024min=0.)

package hardening_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// Timings are measured and reported (AddReportEntry, shown with -v); the
// assertions on them are loose because this machine is small and shared.

// probe is one request of a prober.
type probe struct {
	at, end time.Time // sent, answered
	err     error
	status  int
}

// prober requests url every period until stopped.
type prober struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	log  []probe
}

func startProber(c *framework.Client, url string, period time.Duration) *prober {
	p := &prober{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			at := time.Now()
			r, err := c.Get(url)
			p.mu.Lock()
			p.log = append(p.log, probe{at: at, end: time.Now(), err: err, status: r.Status})
			p.mu.Unlock()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *prober) finish() []probe {
	close(p.stop)
	<-p.done
	return p.log
}

func (p probe) ok() bool { return p.err == nil && p.status == 200 }

func (p probe) String() string {
	if p.err != nil {
		return fmt.Sprintf("%s: %v", p.at.Format("15:04:05.000"), p.err)
	}
	return fmt.Sprintf("%s: status %d", p.at.Format("15:04:05.000"), p.status)
}

// gapFailures splits the failed requests of a router restart into those
// that found no listener and those reset while the old router stopped:
// closing a listening socket resets the connections still in its accept
// queue, which is the kernel's doing and part of the restart. Any other
// failure, or a reset of a request not in flight during [stopping,
// stopped], fails the spec.
func gapFailures(log []probe, stopping, stopped time.Time) (refused, reset []probe) {
	for _, f := range failures(log) {
		switch {
		case errors.Is(f.err, syscall.ECONNREFUSED):
			refused = append(refused, f)
		case isReset(f.err) && !f.end.Before(stopping) && !f.at.After(stopped):
			reset = append(reset, f)
		default:
			Fail(fmt.Sprintf("a request failed otherwise than by finding no listener (or by a reset while the old router stopped, %s to %s): %v\n%s",
				stopping.Format("15:04:05.000"), stopped.Format("15:04:05.000"), f, around(log, f.at)))
		}
	}
	return refused, reset
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// around lists the requests of log within 50ms of t, for failure messages.
func around(log []probe, t time.Time) string {
	var b strings.Builder
	for _, q := range log {
		if d := q.at.Sub(t); d > -50*time.Millisecond && d < 50*time.Millisecond {
			fmt.Fprintf(&b, "  %v\n", q)
		}
	}
	return b.String()
}

func failures(log []probe) []probe {
	var out []probe
	for _, p := range log {
		if !p.ok() {
			out = append(out, p)
		}
	}
	return out
}

var _ = Describe("Faults", func() {
	ctx := context.Background()

	It("restarts HAProxy killed with SIGKILL, which serves again within a second", func() {
		r := startRouter(full, "crash", nil)
		ns := newNamespace(full.Client, "crash", nil)
		newBackend(full.Client, ns, "web", 1)
		Expect(full.Client.Create(ctx, plainRoute(ns, "web", "crash.hardening.test"))).To(Succeed())
		c := r.NewClient(framework.ClientOptions{NewConnections: true})
		c.Timeout = time.Second
		url := "http://crash.hardening.test/"
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))

		// The master CLI refuses connections for a moment after a reload.
		var old int
		Eventually(func() (err error) { old, err = r.MasterPID(); return err }).WithTimeout(wait).Should(Succeed())
		killed := time.Now()
		Expect(syscall.Kill(old, syscall.SIGKILL)).To(Succeed())
		var down, back time.Duration
		for deadline := killed.Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			ok := servedBy(c, url)() == "web"
			if !ok && down == 0 {
				down = time.Since(killed)
			}
			if pid, err := r.MasterPID(); ok && err == nil && pid != old {
				back = time.Since(killed)
				break
			}
		}
		Expect(back).NotTo(BeZero(), "HAProxy did not serve again within 20s")
		measured("HAProxy SIGKILL → serving again", fmt.Sprintf("%v (first failed request %v after the kill)", back.Round(time.Millisecond), down.Round(time.Millisecond)))
		Expect(back).To(BeNumerically("<", 3*time.Second), "the goal is one second; 3s leaves room for a busy machine")
		Eventually(func() (float64, error) { return r.Metric("okd_router_haproxy_restarts_total") }).WithTimeout(wait).Should(Equal(1.0))
		// The new worker checks every server; the router turns the lone
		// one's checks off again without waiting for a change.
		Eventually(func(g Gomega) map[string]bool {
			backend, err := r.PrefixBackend("crash.hardening.test/")
			g.Expect(err).NotTo(HaveOccurred())
			servers, err := r.CheckedServers(backend)
			g.Expect(err).NotTo(HaveOccurred())
			return servers
		}).WithTimeout(wait).Should(And(HaveLen(1), Not(ContainElement(true))))
	})

	It("restarts the router with no listener gap beyond the restart itself", func() {
		o := routerOptions(full.Kubeconfig, "restart", nil)
		r1 := startRouter(full, "restart", nil)
		ns := newNamespace(full.Client, "restart", nil)
		newBackend(full.Client, ns, "web", 2)
		Expect(full.Client.Create(ctx, plainRoute(ns, "web", "restart.hardening.test"))).To(Succeed())
		c := r1.NewClient(framework.ClientOptions{NewConnections: true})
		c.Timeout = 2 * time.Second
		url := "http://restart.hardening.test/"
		Eventually(servedBy(c, url)).WithTimeout(wait).Should(Equal("web"))

		p := startProber(c, url, 5*time.Millisecond)
		time.Sleep(300 * time.Millisecond)
		stopping := time.Now()
		r1.Stop()
		stopped := time.Now()
		r2, err := r1.Restart(o)
		Expect(err).NotTo(HaveOccurred())
		stopOnCleanup(r2, "restart (second process)")
		Expect(r2.WaitReady(30 * time.Second)).To(Succeed())
		ready := time.Now()
		time.Sleep(500 * time.Millisecond)
		log := p.finish()

		refused, reset := gapFailures(log, stopping, stopped)
		Expect(refused).NotTo(BeEmpty(), "no request saw the restart: the prober is too slow")
		first, last := refused[0].at, refused[len(refused)-1].at
		for _, q := range log {
			if q.at.After(first) && q.at.Before(last) {
				Expect(q.ok()).To(BeFalse(), "a request succeeded inside the gap: the gap is not one window\n%s", around(log, q.at))
			}
		}
		Expect(first).To(BeTemporally(">=", stopping))
		Expect(last).To(BeTemporally("<=", ready), "requests still refused after the new router was ready\n%s", around(log, last))
		measured("router restart", fmt.Sprintf("no listener for %v (%d of %d requests refused, %d reset as the old router stopped, none failed otherwise); old router stopped in %v, new one ready %v later",
			last.Sub(first).Round(time.Millisecond), len(refused), len(log), len(reset), stopped.Sub(stopping).Round(time.Millisecond), ready.Sub(stopped).Round(time.Millisecond)))
	})

	It("keeps serving its last config while the API server is down, with zero failed requests, and catches up after", func() {
		outage := time.Minute
		if os.Getenv("OKD_FAST") == "1" {
			outage = 10 * time.Second
		}
		// A control plane of its own: every client of a stopped API server
		// (informers, the manager) backs off for up to a minute after it
		// is back, which would slow down the specs that follow.
		cl, err := localcluster.Start(localcluster.Options{Manager: false, Dir: GinkgoT().TempDir(), AdvertiseAddress: framework.HostAddress})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { Expect(cl.Stop()).To(Succeed()) })
		removeWebhooks(cl.Client)
		api, err := framework.FindAPIServer(cl.Config)
		Expect(err).NotTo(HaveOccurred())
		// Before the cluster stops: the API server Start runs is ours.
		DeferCleanup(func() { Expect(api.Close()).To(Succeed()) })
		k8s := cl.Client

		r := startRouter(cl, "outage", nil)
		ns := newNamespace(k8s, "outage", nil)
		newBackend(k8s, ns, "web", 2)
		Expect(k8s.Create(ctx, plainRoute(ns, "before", "outage-before.hardening.test"))).To(Succeed())
		keepAlive := r.NewClient(framework.ClientOptions{})
		fresh := r.NewClient(framework.ClientOptions{NewConnections: true})
		Eventually(servedBy(fresh, "http://outage-before.hardening.test/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(condition(k8s, ns, "before", "outage")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))

		probers := []*prober{
			startProber(keepAlive, "http://outage-before.hardening.test/", 20*time.Millisecond),
			startProber(fresh, "http://outage-before.hardening.test/", 20*time.Millisecond),
		}
		// Stop: SIGTERM to kube-apiserver (SIGKILL after 10s of graceful
		// shutdown), restarted below with the same command line (port,
		// certificates, etcd).
		stopping := time.Now()
		killed, err := api.Stop(10 * time.Second)
		Expect(err).NotTo(HaveOccurred())
		down := time.Now()
		how := "exited on SIGTERM"
		if killed {
			how = "killed after 10s of graceful shutdown"
		}
		measured("kube-apiserver stop", fmt.Sprintf("%s in %v", how, down.Sub(stopping).Round(time.Millisecond)))
		Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})).NotTo(Succeed(), "the API server still answers")
		time.Sleep(outage)
		Expect(api.Start(cl.Config, 2*time.Minute)).To(Succeed())
		up := time.Now()
		Eventually(func() error {
			return ignoreAlreadyExists(k8s.Create(ctx, plainRoute(ns, "after", "outage-after.hardening.test")))
		}).WithTimeout(time.Minute).Should(Succeed())
		created := time.Since(up)
		Eventually(servedBy(fresh, "http://outage-after.hardening.test/")).WithTimeout(2 * time.Minute).WithPolling(50 * time.Millisecond).Should(Equal("web"))
		served := time.Since(up)
		Eventually(condition(k8s, ns, "after", "outage")).WithTimeout(time.Minute).Should(HaveField("Status", corev1.ConditionTrue))
		admitted := time.Since(up)

		total := 0
		for i, p := range probers {
			log := p.finish()
			total += len(log)
			Expect(failures(log)).To(BeEmpty(), "prober %d (%s) saw failed requests", i, []string{"keep-alive", "new connections"}[i])
		}
		// net/http retries a request on a new connection when the router
		// closed a reused one, so a dropped keep-alive connection shows
		// only as a second dial.
		dials := keepAlive.Dials()
		Expect(dials).NotTo(BeEmpty())
		for _, d := range dials[1:] {
			Expect(d).NotTo(BeTemporally("<", up), "the keep-alive prober's connection was closed at %s, before the API server was back at %s",
				d.Format("15:04:05.000"), up.Format("15:04:05.000"))
		}
		measured("API server outage", fmt.Sprintf("stopped for %v, %d requests, 0 failed; after the API server was back: a Route created at %v, served at %v, admitted in its status at %v",
			up.Sub(stopping).Round(time.Second), total, created.Round(time.Millisecond), served.Round(time.Millisecond), admitted.Round(time.Millisecond)))
	})

	It("never lets a configuration that fails haproxy -c go live: the route at fault is rejected with HAProxy's message", func() {
		r := startRouter(full, "refuse", nil)
		ns := newNamespace(full.Client, "refuse", nil)
		newBackend(full.Client, ns, "web", 1)
		keep := plainRoute(ns, "keep", "keep.hardening.test")
		kp := issue("keep.hardening.test")
		edge(keep, string(kp.CertPEM), string(kp.KeyPEM))
		Expect(full.Client.Create(ctx, keep)).To(Succeed())
		c := r.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
		Eventually(servedBy(c, "https://keep.hardening.test/")).WithTimeout(wait).Should(Equal("web"))
		Eventually(condition(full.Client, ns, "keep", "refuse")).WithTimeout(wait).Should(HaveField("Status", corev1.ConditionTrue))

		By("creating a route whose certificate HAProxy refuses")
		waitQuiet(r)
		before := takeSnapshot(r)
		failedBefore, err := r.Metric("okd_router_reload_failures_total")
		Expect(err).NotTo(HaveOccurred())
		// Admission takes a 512-bit RSA key (it parses, and matches its
		// certificate); HAProxy's OpenSSL refuses it ("ee key too small").
		certPEM, keyPEM := weakCertificate("weak.hardening.test")
		weak := plainRoute(ns, "weak", "weak.hardening.test")
		edge(weak, certPEM, keyPEM)
		Expect(full.Client.Create(ctx, weak)).To(Succeed())
		Eventually(condition(full.Client, ns, "weak", "refuse")).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionFalse), HaveField("Reason", admission.ReasonExtendedValidationFailed),
			HaveField("Message", And(ContainSubstring("HAProxy rejected this route's configuration"), ContainSubstring("ee key too small")))))
		msg := condition(full.Client, ns, "weak", "refuse")(Default).Message
		time.Sleep(300 * time.Millisecond)
		after := takeSnapshot(r)
		Expect(changedFiles(before.files, after.files)).To(BeEmpty(), "the refused config stayed on disk")
		// The master parsed it and refused it: the worker from before serves on.
		Expect(after.worker).To(Equal(before.worker), "a new worker took the refused config")
		failedAfter, err := r.Metric("okd_router_reload_failures_total")
		Expect(err).NotTo(HaveOccurred())
		Expect(failedAfter).To(BeNumerically(">", failedBefore), "no refused reload was counted")
		Expect(servedBy(c, "https://keep.hardening.test/")()).To(Equal("web"))
		weakClient := r.NewClient(framework.ClientOptions{})
		rep, err := weakClient.Get("https://weak.hardening.test/")
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Status).To(Equal(404))
		Expect(rep.PeerCert.DNSNames).To(ContainElement("*."+domain), "the weak certificate is served")

		By("creating another route")
		// The refused route holds nothing back: a route created next goes live.
		Expect(full.Client.Create(ctx, plainRoute(ns, "next", "next.hardening.test"))).To(Succeed())
		Eventually(servedBy(c, "http://next.hardening.test/")).WithTimeout(wait).Should(Equal("web"))
		measured("config refused by haproxy -c", msg)
	})
})

// weakCertificate is a self-signed certificate with a 512-bit RSA key.
func weakCertificate(host string) (certPEM, keyPEM string) {
	GinkgoHelper()
	c, k, err := framework.SelfSignedRSA(512, host, "", host)
	Expect(err).NotTo(HaveOccurred())
	return string(c), string(k)
}

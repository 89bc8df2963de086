// Package migration_test moves 1,000 Routes from the Route CRD to the
// aggregated Route API server and back with route-migrate's code, while a
// router serves them and clients send requests the whole time: no request
// may fail, and every Route keeps its name, host, spec, admission and the
// host it won against another.
package migration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/config"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routemigrate"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

const (
	domain = "apps.e2e.test"
	routes = 1000
	wait   = 30 * time.Second
)

var (
	cluster *localcluster.Cluster
	k8s     client.Client
	router  *framework.Router
	tmpDir  string
)

func TestMain(m *testing.M) { os.Exit(framework.RunInNetNS(m)) }

func TestMigration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Route migration")
}

var _ = BeforeSuite(func() {
	var err error
	tmpDir, err = os.MkdirTemp("", "okd-migration-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(tmpDir) })
	cluster, err = localcluster.Start(localcluster.Options{Domain: domain, Manager: true, Dir: tmpDir,
		AdvertiseAddress: framework.HostAddress, RouteAPI: localcluster.RouteAPICRD})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(cluster.Stop()).To(Succeed()) })
	k8s = cluster.Client
	router, err = framework.StartRouter(framework.RouterOptions{Kubeconfig: cluster.Kubeconfig, Name: "default"})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("router log:\n%s\n", router.Log())
		}
		router.Stop()
	})
	Expect(router.WaitReady(30 * time.Second)).To(Succeed())
})

func namespace(name string) string {
	Expect(k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	return name
}

func backend(ns, name string) {
	b, err := framework.NewBackend(context.Background(), k8s, ns, name, 1, nil)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
}

func route(ns, name, host, service string) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: service},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
}

func host(i int) string { return fmt.Sprintf("r%04d.migrate.test", i) }

// served returns who answered url, or why nothing did.
func served(c *framework.Client, url string) string {
	r, err := c.Get(url)
	switch {
	case err != nil:
		return "error: " + err.Error()
	case r.Status != 200:
		return fmt.Sprintf("status %d", r.Status)
	}
	return r.Echo.Namespace + "/" + r.Echo.Service
}

// load sends requests until stopped, over keep-alive connections and over
// new ones, and counts what did not come from the expected Service.
type load struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	requests atomic.Int64
	mu       sync.Mutex
	failures []string
}

func startLoad(targets map[string]string) *load {
	l := &load{stop: make(chan struct{})}
	for _, fresh := range []bool{false, true} {
		c := router.NewClient(framework.ClientOptions{NewConnections: fresh})
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				for url, want := range targets {
					select {
					case <-l.stop:
						return
					default:
					}
					if got := served(c, url); got != want {
						l.mu.Lock()
						l.failures = append(l.failures, fmt.Sprintf("%s: %s, want %s", url, got, want))
						l.mu.Unlock()
					}
					l.requests.Add(1)
				}
			}
		}()
	}
	return l
}

func (l *load) end() (int64, []string) {
	close(l.stop)
	l.wg.Wait()
	return l.requests.Load(), l.failures
}

func admittedBy(r *routev1.Route, router string) corev1.ConditionStatus {
	for _, in := range r.Status.Ingress {
		if in.RouterName != router {
			continue
		}
		for _, c := range in.Conditions {
			if c.Type == routev1.RouteAdmitted {
				return c.Status
			}
		}
	}
	return ""
}

// frozenForOthers reports whether a Route write by another admin than
// the migration's is refused by the migration's freeze.
func frozenForOthers() bool {
	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "another-admin", Groups: []string{"system:masters"}}
	other, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	err = other.Create(context.Background(), route("default", "frozen-probe", "frozen-probe.migrate.test", "web"), client.DryRunAll)
	return err != nil && strings.Contains(err.Error(), routemigrate.FreezeMessage)
}

func routesCRD() *apiextensionsv1.CustomResourceDefinition {
	data, err := config.CRDs.ReadFile(filepath.Join("crd", "bases", "route.openshift.io_routes.yaml"))
	Expect(err).NotTo(HaveOccurred())
	crd := &apiextensionsv1.CustomResourceDefinition{}
	Expect(utilyaml.Unmarshal(data, crd)).To(Succeed())
	return crd
}

var _ = Describe("Moving Routes between the CRD and the Route API server", Ordered, func() {
	var (
		ns       string
		targets  map[string]string
		before   routev1.RouteList
		migrator *routemigrate.Migrator
		// strays are Routes served from a move's target, when it starts
		// copying, that the move does not carry.
		strays []string
		// newMigrator is a migration run as the command makes one, with its
		// own backup file.
		newMigrator func(backup string) *routemigrate.Migrator
		// stopFails is how many times ending the server's watches fails.
		stopFails int
	)

	BeforeAll(func() {
		ctx := context.Background()
		ns = namespace("shop")
		backend(ns, "blue")
		backend(ns, "green")
		claimA, claimB := namespace("claim-a"), namespace("claim-b")
		backend(claimA, "web")
		backend(claimB, "web")

		// The older Route holds the contested host; the newer is refused.
		Expect(k8s.Create(ctx, route(claimA, "older", "claimed.migrate.test", "web"))).To(Succeed())
		time.Sleep(1100 * time.Millisecond) // creation times have one-second resolution
		Expect(k8s.Create(ctx, route(claimB, "newer", "claimed.migrate.test", "web"))).To(Succeed())
		// A Route whose certificate's Secret was deleted after it was made:
		// the routers refuse it, and a move keeps it as it is.
		orphanedCertificateRoute(ns)
		// A Route being deleted, its finalizer's owner not done yet: each
		// move keeps it being deleted, not live again.
		terminating := route(ns, "terminating", "terminating.migrate.test", "blue")
		terminating.Finalizers = []string{holdFinalizer}
		Expect(k8s.Create(ctx, terminating)).To(Succeed())
		Expect(k8s.Delete(ctx, terminating)).To(Succeed())
		// A Route a GitOps tool applies server-side: it still owns its
		// fields after each move, so what it stops applying goes.
		applyAsGitOps(ns, "gitops-a", "gitops-b")

		work := make(chan int)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				for i := range work {
					svc := []string{"blue", "green"}[i%2]
					Expect(k8s.Create(ctx, route(ns, fmt.Sprintf("r%04d", i), host(i), svc))).To(Succeed())
				}
			}()
		}
		for i := range routes {
			work <- i
		}
		close(work)
		wg.Wait()

		c := router.NewClient(framework.ClientOptions{})
		targets = map[string]string{"http://claimed.migrate.test/": claimA + "/web"}
		for i := range routes {
			want := ns + "/" + []string{"blue", "green"}[i%2]
			Eventually(func() string { return served(c, "http://"+host(i)+"/") }).WithTimeout(wait).Should(Equal(want))
			if i%20 == 0 {
				targets["http://"+host(i)+"/"] = want
			}
		}
		Eventually(func(g Gomega) {
			var r routev1.Route
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: claimB, Name: "newer"}, &r)).To(Succeed())
			g.Expect(admittedBy(&r, "default")).To(Equal(corev1.ConditionFalse))
		}).WithTimeout(wait).Should(Succeed())
		Expect(k8s.List(ctx, &before)).To(Succeed())
		Expect(before.Items).To(HaveLen(routes + 5))

		port, err := cluster.StartStandbyRouteAPIServer()
		Expect(err).NotTo(HaveOccurred())
		newMigrator = func(backup string) *routemigrate.Migrator {
			m, err := routemigrate.New(cluster.Config, manager.Scheme(), routemigrate.Options{
				Namespace: names.OperatorNamespace, ServicePort: port, CRD: routesCRD(),
				BackupFile: filepath.Join(tmpDir, backup), WebhooksFile: filepath.Join(tmpDir, "webhooks.json"),
				EndServerWatches: func(context.Context) error {
					if stopFails > 0 {
						stopFails--
						return errors.New("ending the Route API server's watches: failed on purpose")
					}
					cluster.StopRouteAPIServer()
					return nil
				},
				Logf: func(f string, a ...any) {
					GinkgoWriter.Printf(time.Now().Format("15:04:05.000 ")+f+"\n", a...)
					if strings.HasPrefix(f, "copying") {
						strays = append(strays, notMoved(before.Items)...)
					}
				},
			})
			Expect(err).NotTo(HaveOccurred())
			return m
		}
		migrator = newMigrator("routes.json")
	})

	// after checks that the Routes now served are the ones from before,
	// admitted again, that the contested host stayed with the older Route,
	// and that the routers watch the new server (a new Route is served).
	after := func(marker string) {
		ctx := context.Background()
		Expect(migrator.Verify(ctx, before.Items)).To(Succeed())
		var terminating routev1.Route
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "terminating"}, &terminating)).To(Succeed())
		Expect(terminating.DeletionTimestamp).NotTo(BeNil(), "a Route being deleted came back live")
		Expect(terminating.Finalizers).To(ConsistOf(holdFinalizer))
		Eventually(func(g Gomega) {
			var now routev1.RouteList
			g.Expect(k8s.List(ctx, &now)).To(Succeed())
			for i := range now.Items {
				r := &now.Items[i]
				want := corev1.ConditionTrue
				if r.Name == "newer" || r.Name == "orphaned-cert" {
					want = corev1.ConditionFalse
				}
				g.Expect(admittedBy(r, "default")).To(Equal(want), "%s/%s", r.Namespace, r.Name)
			}
		}).WithTimeout(wait).Should(Succeed())
		fresh := route(ns, marker, marker+".migrate.test", "blue")
		Expect(k8s.Create(ctx, fresh)).To(Succeed())
		c := router.NewClient(framework.ClientOptions{})
		Eventually(func() string { return served(c, "http://"+marker+".migrate.test/") }).WithTimeout(wait).Should(Equal(ns + "/blue"))
		Expect(k8s.Delete(ctx, fresh)).To(Succeed())
		Eventually(func() string { return served(c, "http://"+marker+".migrate.test/") }).WithTimeout(wait).Should(Equal("status 404"))
	}

	// move runs a migration to target under load and checks what after
	// checks; no request may fail.
	move := func(target routemigrate.Target, where, marker string) {
		l := startLoad(targets)
		time.Sleep(time.Second)
		start := time.Now()
		if stopFails > 0 {
			// A run that stops after the switch leaves writes refused.
			_, err := migrator.Run(context.Background(), target)
			Expect(err).To(MatchError(ContainSubstring("failed on purpose")))
			Expect(frozenForOthers()).To(BeTrue())
			// The admin rolls back, the other way: from the stopped run's
			// backup, not from what the half-done move left.
			back := map[routemigrate.Target]routemigrate.Target{routemigrate.ToCRD: routemigrate.ToAggregated,
				routemigrate.ToAggregated: routemigrate.ToCRD}[target]
			rep, err := newMigrator("routes-rollback-"+marker+".json").Run(context.Background(), back)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.Routes).To(Equal(len(before.Items)))
			Expect(migrator.Verify(context.Background(), before.Items)).To(Succeed())
			// The API server applies a deleted policy's end within a moment.
			Eventually(frozenForOthers).WithTimeout(wait).Should(BeFalse())
		}
		rep, err := newMigrator("routes-"+marker+".json").Run(context.Background(), target)
		took := time.Since(start)
		Expect(err).NotTo(HaveOccurred())
		// Served from the target once it serves them, Routes that the move
		// does not carry (left there by an earlier one) were gone already:
		// a router relisting then must not see them.
		Expect(strays).To(BeEmpty(), "Routes served from the target that the move does not carry")
		Expect(rep.Routes).To(Equal(len(before.Items)))
		after(marker)
		requests, failures := l.end()
		line := fmt.Sprintf("Route migration: %d Routes %s in %s, %d requests to %d hosts during the move, %d failed",
			rep.Routes, where, took.Round(time.Millisecond), requests, len(targets), len(failures))
		GinkgoWriter.Println(line)
		Expect(failures).To(BeEmpty())
		Expect(requests).To(BeNumerically(">", 100))
		Expect(framework.Report(line)).To(Succeed())
	}

	It("moves 1,000 Routes to the Route API server with no failed request", func() {
		move(routemigrate.ToAggregated, "from the CRD to the Route API server", "after-move")
		// The GitOps tool still owns what it applied: an annotation it no
		// longer applies goes.
		applyAsGitOps(ns, "gitops-b")
		Expect(gitOpsAnnotations(ns)).To(Equal([]string{"gitops-b"}))
		// The CRD serves nothing now; it stays as a fallback.
		scheme := manager.Scheme()
		Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
		ext, err := client.New(cluster.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		var crd apiextensionsv1.CustomResourceDefinition
		Expect(ext.Get(context.Background(), client.ObjectKey{Name: "routes.route.openshift.io"}, &crd)).To(Succeed())
		Expect(crd.Spec.Versions[0].Served).To(BeFalse())

		// The Route API server takes an empty httpHeaders on a passthrough
		// Route, as OKD's does; the CRD refuses any, as OKD's does. The move
		// back drops it: it means no header actions either way.
		pass := route(ns, "passthrough-empty-headers", "pass.migrate.test", "blue")
		pass.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}
		pass.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{}
		Expect(k8s.Create(context.Background(), pass)).To(Succeed())
		Expect(k8s.List(context.Background(), &before)).To(Succeed())
		Expect(before.Items).To(HaveLen(routes + 6))

		// A Route deleted here stays in the CRD's storage, unserved: the
		// move back must not serve it again, not even for a moment.
		Expect(k8s.Delete(context.Background(), route(ns, "r0007", host(7), "blue"))).To(Succeed())
		Expect(k8s.List(context.Background(), &before)).To(Succeed())
		Expect(before.Items).To(HaveLen(routes + 5))
	})

	It("moves them back to the CRD with no failed request, after a run that stopped after the switch was rolled back", func() {
		stopFails = 1
		move(routemigrate.ToCRD, "back to the CRD (a first run stopped after the switch and was rolled back)", "after-return")
		applyAsGitOps(ns)
		Expect(gitOpsAnnotations(ns)).To(BeEmpty())
		Eventually(frozenForOthers).WithTimeout(wait).Should(BeFalse())
	})
})

// notMoved lists the Routes served now that are not among moved.
func notMoved(moved []routev1.Route) []string {
	want := map[string]bool{}
	for _, r := range moved {
		want[r.Namespace+"/"+r.Name] = true
	}
	var now routev1.RouteList
	if err := k8s.List(context.Background(), &now); err != nil {
		return []string{"listing Routes: " + err.Error()}
	}
	var out []string
	for _, r := range now.Items {
		if !want[r.Namespace+"/"+r.Name] {
			out = append(out, r.Namespace+"/"+r.Name)
		}
	}
	return out
}

// orphanedCertificateRoute makes an edge Route in ns that takes its
// certificate from a Secret, which is then deleted.
func orphanedCertificateRoute(ns string) {
	ctx := context.Background()
	ca, err := certs.NewCA("migration", time.Hour, time.Now())
	Expect(err).NotTo(HaveOccurred())
	kp, err := certs.NewServingCert(ca, []string{"orphaned.migrate.test"}, nil, time.Hour, time.Now())
	Expect(err).NotTo(HaveOccurred())
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orphaned-cert"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: kp.CertPEM, corev1.TLSPrivateKeyKey: kp.KeyPEM}}
	Expect(k8s.Create(ctx, secret)).To(Succeed())
	// The routers may read it, as OKD requires for an external certificate.
	Expect(k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "router-reads-orphaned-cert"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{secret.Name},
			Verbs: []string{"get", "list", "watch"}}}})).To(Succeed())
	Expect(k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "router-reads-orphaned-cert"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "router-reads-orphaned-cert"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: names.RouterNamespace, Name: names.RouterServiceAccount}}})).To(Succeed())
	r := route(ns, "orphaned-cert", "orphaned.migrate.test", "blue")
	r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
		ExternalCertificate: &routev1.LocalObjectReference{Name: secret.Name}}
	Eventually(func() error { return k8s.Create(ctx, r) }).WithTimeout(wait).Should(Succeed())
	Expect(k8s.Delete(ctx, secret)).To(Succeed())
}

// holdFinalizer keeps the Route "terminating" being deleted: its owner
// never finishes.
const holdFinalizer = "e2e.okd-ingress.io/hold"

// applyAsGitOps applies, server-side as the manager "gitops", the Route
// "gitops" in ns with an annotation "<key>=yes" for each key.
func applyAsGitOps(ns string, keys ...string) {
	annotations := map[string]string{}
	for _, k := range keys {
		annotations["example.com/"+k] = "yes"
	}
	r := route(ns, "gitops", "gitops.migrate.test", "blue")
	r.APIVersion, r.Kind = routev1.GroupVersion.String(), "Route"
	r.Annotations = annotations
	data, err := json.Marshal(r)
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Patch(context.Background(), r, client.RawPatch(types.ApplyPatchType, data), client.FieldOwner("gitops"))).To(Succeed())
}

// gitOpsAnnotations lists the keys of the Route "gitops"'s example.com
// annotations.
func gitOpsAnnotations(ns string) []string {
	var r routev1.Route
	Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "gitops"}, &r)).To(Succeed())
	out := []string{}
	for k := range r.Annotations {
		if key, ok := strings.CutPrefix(k, "example.com/"); ok {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

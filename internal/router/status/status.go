// Package status writes this router's entry in Route status.ingress[]. All
// replicas of one IngressController compute the same verdicts, but only the
// holder of a Lease writes, and only entries that differ from what is
// stored, so replicas never fight and an idle router writes nothing.
package status

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
)

// Options configure a Writer.
type Options struct {
	RouterName        string
	CanonicalHostname string
	// Namespace holds the Lease named LeaseName(RouterName).
	Namespace string
	// Identity names this replica in the Lease (pod name and pid by default).
	Identity string
}

// LeaseName is the Lease that elects the status writer of a router.
func LeaseName(routerName string) string { return names.RouterStatusLease(routerName) }

// Writer writes route status when it holds the Lease.
type Writer struct {
	o      Options
	cfg    *rest.Config
	reader client.Reader
	writer client.Client

	mu       sync.Mutex
	verdicts map[types.NamespacedName]admission.Verdict
	wake     chan struct{}
}

// New creates a writer; reader is the router's informer cache, writer a
// direct client.
func New(cfg *rest.Config, reader client.Reader, writer client.Client, o Options) *Writer {
	if o.Identity == "" {
		host, _ := os.Hostname()
		o.Identity = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return &Writer{o: o, cfg: cfg, reader: reader, writer: writer, wake: make(chan struct{}, 1)}
}

// Update records the latest verdicts and wakes the writer.
func (w *Writer) Update(v map[types.NamespacedName]admission.Verdict) {
	w.mu.Lock()
	w.verdicts = v
	w.mu.Unlock()
	w.Poke()
}

// Poke asks the writer to compare stored status with the verdicts again,
// e.g. after someone else changed a route's status.
func (w *Writer) Poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run campaigns for the Lease and writes while holding it, until ctx ends.
func (w *Writer) Run(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(w.cfg)
	if err != nil {
		return err
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: w.o.Namespace, Name: LeaseName(w.o.RouterName)},
		Client:     cs.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: w.o.Identity},
	}
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: w.writeLoop,
				OnStoppedLeading: func() {},
			},
		})
	}
	return nil
}

func (w *Writer) writeLoop(ctx context.Context) {
	log := ctrl.LoggerFrom(ctx).WithName("status")
	log.Info("writing route status", "router", w.o.RouterName, "identity", w.o.Identity)
	w.Poke()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		if n, err := w.writeAll(ctx); err != nil {
			// Retry soon: conflicts resolve once the cache catches up.
			time.AfterFunc(time.Second, w.Poke)
			if apierrors.IsConflict(err) {
				// Expected: every IngressController's router writes its own
				// entry of a route it serves, and so do the others.
				log.V(1).Info("route status conflict, retrying", "written", n, "reason", err.Error())
			} else {
				log.Error(err, "writing route status", "written", n)
			}
		} else if n > 0 {
			log.V(1).Info("route status written", "routes", n)
		}
	}
}

func (w *Writer) writeAll(ctx context.Context) (int, error) {
	w.mu.Lock()
	verdicts := w.verdicts
	w.mu.Unlock()
	written := 0
	var firstErr error
	for key, v := range verdicts {
		if ctx.Err() != nil {
			return written, ctx.Err()
		}
		ok, err := w.writeOne(ctx, key, v)
		if ok {
			written++
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return written, firstErr
}

// writeOne updates one route's entry if it differs from the verdict.
func (w *Writer) writeOne(ctx context.Context, key types.NamespacedName, v admission.Verdict) (bool, error) {
	var r routev1.Route
	if err := w.reader.Get(ctx, key, &r); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	entries, changed := Merge(r.Status.Ingress, w.entry(v), metav1.Now())
	if !changed {
		return false, nil
	}
	r.Status.Ingress = entries
	if err := w.writer.Status().Update(ctx, &r); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("route %s: %w", key, err)
	}
	return true, nil
}

func (w *Writer) entry(v admission.Verdict) routev1.RouteIngress {
	return routev1.RouteIngress{
		Host: v.Host, RouterName: w.o.RouterName, WildcardPolicy: v.WildcardPolicy,
		RouterCanonicalHostname: w.o.CanonicalHostname,
		Conditions:              v.Conditions(),
	}
}

// Merge puts want into entries in place of the entry with the same router
// name, keeping the condition's lastTransitionTime when its status did not
// change. It reports whether anything differs.
func Merge(entries []routev1.RouteIngress, want routev1.RouteIngress, now metav1.Time) ([]routev1.RouteIngress, bool) {
	out := make([]routev1.RouteIngress, 0, len(entries)+1)
	found, changed := false, false
	for _, e := range entries {
		if e.RouterName != want.RouterName {
			out = append(out, e)
			continue
		}
		if found {
			changed = true // a duplicate entry for this router: drop it
			continue
		}
		found = true
		merged := withTransitionTime(want, e, now)
		changed = changed || !sameEntry(e, merged)
		out = append(out, merged)
	}
	if !found {
		out = append(out, withTransitionTime(want, routev1.RouteIngress{}, now))
		changed = true
	}
	return out, changed
}

func withTransitionTime(want, old routev1.RouteIngress, now metav1.Time) routev1.RouteIngress {
	want.Conditions = append([]routev1.RouteIngressCondition(nil), want.Conditions...)
	for i := range want.Conditions {
		c := &want.Conditions[i]
		c.LastTransitionTime = &now
		for _, oc := range old.Conditions {
			if oc.Type == c.Type && oc.Status == c.Status && oc.LastTransitionTime != nil {
				c.LastTransitionTime = oc.LastTransitionTime
			}
		}
	}
	return want
}

func sameEntry(a, b routev1.RouteIngress) bool {
	if a.Host != b.Host || a.RouterName != b.RouterName || a.WildcardPolicy != b.WildcardPolicy ||
		a.RouterCanonicalHostname != b.RouterCanonicalHostname || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message ||
			!x.LastTransitionTime.Equal(y.LastTransitionTime) {
			return false
		}
	}
	return true
}

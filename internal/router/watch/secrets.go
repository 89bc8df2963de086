package watch

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// firstReadWait bounds how long a snapshot waits for Secrets it has not
// read before: long enough for a list, short enough that a slow one holds
// nothing else up for long. A route whose Secret is still unread is
// refused for now, and the informer's first read syncs again. The
// router's first snapshot waits longer (startReadWait): its routes were
// served before it started, and hundreds of Secrets share the client's
// request rate.
const (
	firstReadWait = 3 * time.Second
	startReadWait = 30 * time.Second
)

// SecretRead is a Secret a route names in spec.tls.externalCertificate, as
// the router could read it: the Secret, or why not.
type SecretRead struct {
	Secret *corev1.Secret
	Err    error
}

// secrets keeps one informer per Secret that routes name as their
// externalCertificate. A router may not read Secrets at large (its
// ServiceAccount has no such grant); the owner of each Secret grants it
// get, list and watch on that one by name, as on OKD, and a list or watch
// with the field selector metadata.name=<name> is authorized as a request
// for that name.
type secrets struct {
	client  rest.Interface
	changed chan struct{}
	base    context.Context // the informers' lifetime: the Watcher's
	started bool            // a first read was made

	mu      sync.Mutex
	watches map[types.NamespacedName]*secretWatch
}

type secretWatch struct {
	key  types.NamespacedName
	inf  toolscache.SharedIndexInformer
	stop context.CancelFunc

	mu  sync.Mutex
	err error // the last list or watch error while none has succeeded
}

func newSecrets(client rest.Interface, changed chan struct{}) *secrets {
	return &secrets{client: client, changed: changed, base: context.Background(), watches: map[types.NamespacedName]*secretWatch{}}
}

// referenced are the Secrets routes name as their externalCertificate.
func referenced(routes []*routev1.Route) map[types.NamespacedName]bool {
	out := map[types.NamespacedName]bool{}
	for _, r := range routes {
		if name, ok := routeapi.ServedExternalCertificate(r); ok && name != "" {
			out[types.NamespacedName{Namespace: r.Namespace, Name: name}] = true
		}
	}
	return out
}

// read watches exactly the Secrets in want (starting and stopping
// informers), waits up to firstReadWait (or until ctx ends) for new ones
// to be read or refused, and returns what is known of each.
func (s *secrets) read(ctx context.Context, want map[types.NamespacedName]bool) map[types.NamespacedName]SecretRead {
	s.mu.Lock()
	var fresh []*secretWatch
	for key, w := range s.watches {
		if !want[key] {
			w.stop()
			delete(s.watches, key)
		}
	}
	for key := range want {
		if s.watches[key] == nil {
			w := s.start(key)
			s.watches[key] = w
			fresh = append(fresh, w)
		}
	}
	watches := make([]*secretWatch, 0, len(s.watches))
	for _, w := range s.watches {
		watches = append(watches, w)
	}
	wait := firstReadWait
	if !s.started {
		s.started, wait = true, startReadWait
	}
	s.mu.Unlock()

	deadline := time.Now().Add(wait)
	for _, w := range fresh {
		for !w.settled() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	out := make(map[types.NamespacedName]SecretRead, len(watches))
	for _, w := range watches {
		out[w.key] = w.result()
	}
	return out
}

func (s *secrets) start(key types.NamespacedName) *secretWatch {
	lw := toolscache.NewFilteredListWatchFromClient(s.client, "secrets", key.Namespace, func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("metadata.name", key.Name).String()
	})
	wctx, stop := context.WithCancel(s.base)
	w := &secretWatch{key: key, stop: stop,
		inf: toolscache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, toolscache.Indexers{})}
	ping := func() { notify(s.changed) }
	_ = w.inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *toolscache.Reflector, err error) {
		toolscache.DefaultWatchErrorHandler(ctx, r, err) // logged, as for every informer
		w.mu.Lock()
		same := w.err != nil && w.err.Error() == err.Error()
		w.err = err
		w.mu.Unlock()
		if !same && !w.inf.HasSynced() {
			ping() // a new reason for the routes' status
		}
	})
	_, _ = w.inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { ping() },
		UpdateFunc: func(any, any) { ping() },
		DeleteFunc: func(any) { ping() },
	})
	go w.inf.RunWithContext(wctx)
	go func() {
		// A Secret that does not exist gives no event: its first read
		// must sync on its own, for a route refused meanwhile.
		if toolscache.WaitForCacheSync(wctx.Done(), w.inf.HasSynced) {
			ping()
		}
	}()
	return w
}

// settled: read at least once, or refused for good (a missing grant, a
// bad name): a transient error (throttling, a connection lost) is worth
// waiting for the retry.
func (w *secretWatch) settled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inf.HasSynced() {
		return true
	}
	return w.err != nil && (apierrors.IsForbidden(w.err) || apierrors.IsUnauthorized(w.err) ||
		apierrors.IsNotFound(w.err) || apierrors.IsBadRequest(w.err) || apierrors.IsInvalid(w.err))
}

func (w *secretWatch) result() SecretRead {
	if w.inf.HasSynced() {
		// Once read, the last Secret seen stays the one served while a
		// watch is interrupted (a lost grant included), as informers do.
		obj, found, err := w.inf.GetStore().GetByKey(w.key.String())
		if err != nil {
			return SecretRead{Err: err}
		}
		if !found {
			return SecretRead{Err: apierrors.NewNotFound(corev1.Resource("secrets"), w.key.Name)}
		}
		return SecretRead{Secret: obj.(*corev1.Secret)}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return SecretRead{Err: w.err}
	}
	return SecretRead{Err: fmt.Errorf("secret %s not read yet", w.key)}
}

// run sets the informers' lifetime: they stop when ctx ends.
func (s *secrets) run(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base = ctx
}

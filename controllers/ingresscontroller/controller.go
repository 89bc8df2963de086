package ingresscontroller

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	externaldnsv1alpha1 "github.com/okd-ingress/okd-ingress/api/externaldns/v1alpha1"
	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// certificateCheckInterval is how often a healthy IngressController is
// looked at again, so certificates are renewed without any event.
const certificateCheckInterval = 12 * time.Hour

// dnsCheckInterval is how often a wildcard record that is not ready yet is
// checked again.
const dnsCheckInterval = 2 * time.Second

// Reconciler reconciles IngressControllers of one namespace.
type Reconciler struct {
	client.Client
	// APIReader reads what the cache does not hold (router pods, on deletion).
	APIReader client.Reader
	Options   Options
	Recorder  recorder.EventRecorder
	// Now is the clock (tests may fix it).
	Now func() time.Time
	// written holds, by Deployment name, the pod template as the API server
	// stored it when the operator last wrote or checked it.
	written sync.Map
	// dnsMisses holds, by IngressController, when its record was first
	// found not resolving, since it last resolved (dnsRecheck).
	dnsMisses sync.Map
	// canary checks the default IngressController (Options.CanaryChecks).
	canary *canaryChecker
}

// SetupWithManager registers the controller: IngressControllers of the
// operator namespace, and their operands in the router namespace mapped
// back through the owning label.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.Options = r.Options.WithDefaults()
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := indexRouteStatus(context.Background(), mgr); err != nil {
		return err
	}
	toIC := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		ic, ok := o.GetLabels()[names.OwningLabel]
		if !ok {
			return nil
		}
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Options.OperatorNamespace, Name: ic}}}
	})
	inRouterNS := builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.Options.RouterNamespace
	}))
	// A deleted IngressController may have held a domain others were
	// refused for, and one that waited for its first verdict may have
	// kept a younger one out (claimsFirst) and then been rejected: those
	// refused are looked at again (nothing else would).
	rejectedOthers := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
		var list operatorv1.IngressControllerList
		if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace())); err != nil {
			return nil
		}
		var out []reconcile.Request
		for i := range list.Items {
			if ic := &list.Items[i]; ic.Name != o.GetName() && !isAdmitted(ic) {
				out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(ic)})
			}
		}
		return out
	})
	inOperatorNS := func(o client.Object) bool { return o.GetNamespace() == r.Options.OperatorNamespace }
	deletedOrFirstVerdict := builder.WithPredicates(predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return inOperatorNS(e.ObjectNew) && firstVerdict(e.ObjectOld, e.ObjectNew)
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(e event.DeleteEvent) bool { return inOperatorNS(e.Object) },
	})
	b := ctrl.NewControllerManagedBy(mgr).
		Named("ingresscontroller").
		For(&operatorv1.IngressController{}, builder.WithPredicates(predicate.NewPredicateFuncs(inOperatorNS))).
		Watches(&operatorv1.IngressController{}, rejectedOthers, deletedOrFirstVerdict).
		Watches(&appsv1.Deployment{}, toIC, inRouterNS).
		Watches(&corev1.Service{}, toIC, inRouterNS).
		Watches(&policyv1.PodDisruptionBudget{}, toIC, inRouterNS).
		// The default certificate and the cookie key: a Secret deleted or
		// spoiled is made again at once, before a restarted router needs it.
		WatchesMetadata(&corev1.Secret{}, toIC, inRouterNS).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.defaultCertificateUsers), inRouterNS).
		// Error pages and client CAs: the admin's ConfigMaps, and the
		// routers' copies.
		Watches(&corev1.ConfigMap{}, toIC, inRouterNS).
		// The service CA bundle, which every IngressController's routers use,
		// and the router CA the operator publishes.
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.sharedConfigMapUsers), inRouterNS).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.configMapUsers), builder.WithPredicates(
			predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetNamespace() == names.ConfigNamespace }))).
		// An IngressClass deleted or edited is put back at once, as OKD
		// does (its Ingresses would otherwise go unmanaged until the next
		// reconcile, up to the certificate check hours away).
		Watches(&networkingv1.IngressClass{}, toIC).
		Owns(&externaldnsv1alpha1.DNSEndpoint{})
	// The cluster's address families decide the routers' listeners. Before
	// Kubernetes 1.33 there is no such API: a watch on it would keep the
	// manager from starting, and the routers stay on IPv4.
	if served(mgr.GetRESTMapper(), networkingv1.SchemeGroupVersion.WithKind("ServiceCIDR")) {
		b = b.Watches(&networkingv1.ServiceCIDR{}, handler.EnqueueRequestsFromMapFunc(r.everyIngressController))
	}
	if r.Options.CanaryChecks {
		r.canary = &canaryChecker{r: r, interval: r.Options.CanaryInterval, wake: make(chan event.GenericEvent, 1)}
		if err := mgr.Add(r.canary); err != nil {
			return err
		}
		b = b.WatchesRawSource(source.Channel(r.canary.wake, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
}

// Reconcile brings one IngressController's operands and status in line
// with its spec.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ic operatorv1.IngressController
	if err := r.Get(ctx, req.NamespacedName, &ic); err != nil {
		if apierrors.IsNotFound(err) {
			// Gone without the finalizer's pass (never admitted, or the
			// finalizer removed by hand): its metrics go too.
			forgetIngressController(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ic.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, &ic)
	}
	a, err := r.admit(ctx, &ic)
	if err != nil || !a.Admitted {
		return ctrl.Result{}, err
	}
	added := controllerutil.AddFinalizer(&ic, names.IngressControllerFinalizer)
	// Replicas are written into spec, so that the scale subresource reads
	// them; that write starts the next reconcile.
	defaulted := ic.Spec.Replicas == nil
	if defaulted {
		ic.Spec.Replicas = ptr.To(clusterReplicas(ctx, r.APIReader))
	}
	if added || defaulted {
		if err := r.Update(ctx, &ic); err != nil || defaulted {
			return ctrl.Result{}, err
		}
	}
	obs, opErr := r.ensureOperands(ctx, &ic, a)
	if errors.As(opErr, new(*unusableCertificate)) {
		// Everything else was done: a fault for status, not a retry (the
		// Secret's watch wakes the next reconcile).
		obs.operandsErr, opErr = opErr, nil
	}
	if opErr != nil {
		// Status still tells what runs, and what failed: the routers
		// serve on, whatever step the error stopped.
		r.Recorder.Eventf(&ic, nil, corev1.EventTypeWarning, "OperandsFailed", "Reconcile", "%v", opErr)
		r.observeLive(ctx, ic.Name, a, &obs)
		if !apierrors.IsConflict(opErr) { // a lost race, retried: no fault to report
			obs.operandsErr = opErr
		}
	}
	if r.canary != nil && ic.Name == names.DefaultIngressController {
		obs.canaryChecked, obs.canary = true, r.canary.current(ic.UID)
	}
	requeue, err := r.syncStatus(ctx, &ic, obs)
	if opErr != nil || err != nil {
		return ctrl.Result{}, errors.Join(opErr, err)
	}
	if err := r.syncSelectorChange(ctx, &ic, obs); err != nil {
		return ctrl.Result{}, err
	}
	if requeue == 0 || requeue > certificateCheckInterval {
		requeue = certificateCheckInterval
	}
	if again := r.dnsRecheck(ic.Name, obs.dnsCheck.reason == recordNotResolving, time.Now()); again > 0 && requeue > again {
		// A DNS answer wakes nobody, so look again. A record not made yet
		// waits for the load balancer's address, and one not read yet for
		// ExternalDNS's status write: both are watched.
		requeue = again
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// maxDNSCheckInterval bounds dnsRecheck's backoff.
const maxDNSCheckInterval = time.Minute

// dnsQuickPeriod is how long after its first miss a record is looked at
// every dnsCheckInterval: DNSReady's grace period, within which a new
// record resolves.
const dnsQuickPeriod = 30 * time.Second

// dnsRecheck is how soon to look again at a record that does not resolve
// (0: it does): every dnsCheckInterval for dnsQuickPeriod after the first
// miss, then a quarter of the time since, up to maxDNSCheckInterval, so
// that a check server that never answers for the domain (split horizon, a
// wrong address) does not cost a reconcile, and its reads of Secrets,
// every two seconds for as long as that lasts. It counts time, not
// reconciles: other events bring reconciles too.
func (r *Reconciler) dnsRecheck(ic string, missed bool, now time.Time) time.Duration {
	if !missed {
		r.dnsMisses.Delete(ic)
		return 0
	}
	first, _ := r.dnsMisses.LoadOrStore(ic, now)
	since := now.Sub(first.(time.Time))
	if since < dnsQuickPeriod {
		return dnsCheckInterval
	}
	return min(max(dnsCheckInterval, since/4), maxDNSCheckInterval)
}

// ensureOperands creates or updates everything the routers need, in the
// order they need it, and returns what it observed for status.
func (r *Reconciler) ensureOperands(ctx context.Context, ic *operatorv1.IngressController, a admission) (observed, error) {
	obs := observed{admission: a, dns: dnsManaged(a, r.Options), fieldsUnknown: true}
	if err := r.ensureServiceAccount(ctx); err != nil {
		return obs, err
	}
	// The router CA signs the generated default certificate and the
	// metrics' one; read (or made) once.
	ca, bundle, err := r.ensureCA(ctx)
	if err != nil {
		return obs, err
	}
	if err := r.publishCA(ctx, bundle); err != nil {
		return obs, err
	}
	var in clusterInputs
	// An unusable spec.defaultCertificate is reported at the end: the
	// rest goes on, with the routers serving another certificate.
	in.Certificate, err = r.ensureDefaultCertificate(ctx, ic, a, ca)
	certErr := err
	if err != nil && !errors.As(err, new(*unusableCertificate)) {
		return obs, err
	}
	if in.CookieKeyVersion, err = r.ensureCookieKey(ctx, ic); err != nil {
		return obs, err
	}
	if in.StatsVersion, err = r.ensureStatsUser(ctx, ic); err != nil {
		return obs, err
	}
	if err := r.ensureMetricsCertificate(ctx, ic, ca); err != nil {
		return obs, err
	}
	if in.IPMode, err = r.clusterIPMode(ctx); err != nil {
		return obs, err
	}
	if in.ErrorPages, err = r.ensureErrorPages(ctx, ic); err != nil {
		return obs, err
	}
	if in.ClientCA, err = r.ensureClientCA(ctx, ic); err != nil {
		return obs, err
	}
	if in.ServiceCA, err = r.ensureServiceCA(ctx); err != nil {
		return obs, err
	}
	if p := in.ServiceCA.Problem; p != "" {
		r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, "ServiceCABundleInvalid", "Reconcile", "%s", p)
	}
	obs.admission.Ignored = slices.Concat(a.Ignored, errorPagesIgnored(in.ErrorPages), clientCAIgnored(in.ClientCA))
	obs.fieldsUnknown = false
	var plan lbPlan
	if a.Strategy.LoadBalancer != nil {
		if plan, err = r.planLoadBalancer(ctx, ic, a, in); err != nil {
			return obs, err
		}
		in.LoadBalancer, obs.lbChange = plan.inForce, plan.held
	}
	d, err := r.ensureDeployment(ctx, ic, a, in)
	if err != nil {
		return obs, err
	}
	obs.deployment = d
	if obs.loadBalancer, err = r.ensureServices(ctx, ic, a, d, in, plan); err != nil {
		return obs, err
	}
	ep, err := r.ensureDNS(ctx, ic, a, obs.loadBalancer, obs.dns)
	if err != nil {
		return obs, err
	}
	if obs.dns.managed {
		obs.dnsCheck = r.checkDNS(ctx, ep, a.Domain)
	}
	if err := r.ensurePDB(ctx, ic, d); err != nil {
		return obs, err
	}
	if err := r.ensureIngressClass(ctx, ic); err != nil {
		return obs, err
	}
	return obs, certErr
}

// observeLive fills in what the steps an error stopped would have
// observed, from the live objects ic owns.
func (r *Reconciler) observeLive(ctx context.Context, ic string, a admission, obs *observed) {
	routerNS, operatorNS := r.Options.RouterNamespace, r.Options.OperatorNamespace
	if obs.deployment == nil {
		obs.deployment = getOwned(ctx, r, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: routerNS, Name: names.RouterDeployment(ic)}}, ic)
	}
	if obs.loadBalancer == nil && a.Strategy.LoadBalancer != nil {
		obs.loadBalancer = getOwned(ctx, r, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: routerNS, Name: names.LoadBalancerService(ic)}}, ic)
	}
	if obs.dns.managed && obs.dnsCheck.reason == "" {
		ep := getOwned(ctx, r, &externaldnsv1alpha1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNS, Name: names.WildcardDNSEndpoint(ic)}}, ic)
		obs.dnsCheck = r.checkDNS(ctx, ep, a.Domain)
	}
}

// getOwned is obj as read if ic owns it, else nil.
func getOwned[T client.Object](ctx context.Context, r *Reconciler, obj T, ic string) T {
	var none T
	if owned, _ := r.readOwned(ctx, obj, ic); !owned {
		return none
	}
	return obj
}

// firstVerdict tells whether an update gave an IngressController its first
// Admitted condition.
func firstVerdict(old, cur client.Object) bool {
	o, ok1 := old.(*operatorv1.IngressController)
	c, ok2 := cur.(*operatorv1.IngressController)
	t := operatorv1.IngressControllerAdmittedConditionType
	return ok1 && ok2 && findCondition(o.Status.Conditions, t) == nil && findCondition(c.Status.Conditions, t) != nil
}

// deleteIfExists deletes obj, treating "already gone" as success.
func (r *Reconciler) deleteIfExists(ctx context.Context, obj client.Object) error {
	if err := r.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

// ingressClassFor is the IngressClass object (name only) of ic.
func ingressClassFor(ic string) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{}
	c.Name = names.IngressClass(ic)
	return c
}

package ingresscontroller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// ensureDeployment creates the router Deployment or updates the fields
// the operator owns. The pod template is written whole when the operator's
// changed (its hash) or the live one is not what the API server stored for
// the last write (templateDrifted): a hand edit is undone, while the fields
// the API server defaults cause no write on every reconcile. It is kept
// as it is while the certificate it mounts is unusable (servedCertificate).
func (r *Reconciler) ensureDeployment(ctx context.Context, ic *operatorv1.IngressController, a admission, in clusterInputs) (*appsv1.Deployment, error) {
	want := desiredDeployment(ic, a, r.Options, in)
	d := &appsv1.Deployment{}
	d.Name, d.Namespace = want.Name, want.Namespace
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, d, func() error {
		if d.Labels == nil {
			d.Labels = map[string]string{}
		}
		maps.Copy(d.Labels, want.Labels)
		if d.CreationTimestamp.IsZero() {
			d.Spec.Selector = want.Spec.Selector
		}
		hold := in.Certificate.Hold && !d.CreationTimestamp.IsZero()
		if !hold && r.templateDrifted(d.Name, &d.Spec.Template, &want.Spec.Template) {
			d.Spec.Template = keepLiveTuning(want.Spec.Template, d.Spec.Template)
		}
		d.Spec.Replicas = want.Spec.Replicas
		d.Spec.Strategy = want.Spec.Strategy
		d.Spec.MinReadySeconds = want.Spec.MinReadySeconds
		d.Spec.ProgressDeadlineSeconds = want.Spec.ProgressDeadlineSeconds
		d.Spec.RevisionHistoryLimit = want.Spec.RevisionHistoryLimit
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deployment %s: %w", want.Name, err)
	}
	if in.Certificate.Hold {
		// Not written: an edit by hand meanwhile is still undone after.
		return d, nil
	}
	r.written.Store(d.Name, *d.Spec.Template.DeepCopy())
	return d, nil
}

// templateDrifted reports whether the live template must be written: the
// operator's changed, or the live one differs from what the API server
// stored, defaults included, when the operator last wrote or saw its own
// (kept in r.written; after a restart, the first write finds out, and
// changes nothing if nothing drifted).
func (r *Reconciler) templateDrifted(deployment string, live, want *corev1.PodTemplateSpec) bool {
	if live.Labels[names.HashLabel] != want.Labels[names.HashLabel] {
		return true
	}
	last, ok := r.written.Load(deployment)
	return !ok || !equality.Semantic.DeepEqual(last.(corev1.PodTemplateSpec), *live)
}

// keepLiveTuning is the template want with what admins may set on the
// live one and OKD keeps: the restart stamp, so that `kubectl rollout
// restart` is not undone, and the router container's probe timeouts (a
// slow node's kubelet needs more than a second; OKD's e2e
// TestTunableRouterKubeletProbesForCustomIngressController).
func keepLiveTuning(want, live corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	if at, ok := live.Annotations[restartedAtAnnotation]; ok {
		want.Annotations = maps.Clone(want.Annotations)
		if want.Annotations == nil {
			want.Annotations = map[string]string{}
		}
		want.Annotations[restartedAtAnnotation] = at
	}
	from := routerContainerOf(&live.Spec)
	if from == nil {
		return want
	}
	// want shares its containers with the desired Deployment: copy before
	// editing.
	want.Spec.Containers = slices.Clone(want.Spec.Containers)
	if to := routerContainerOf(&want.Spec); to != nil {
		keepTimeout(&to.LivenessProbe, from.LivenessProbe)
		keepTimeout(&to.ReadinessProbe, from.ReadinessProbe)
		keepTimeout(&to.StartupProbe, from.StartupProbe)
	}
	return want
}

// keepTimeout sets *want's timeout to live's, when both probes exist and
// live's is set, on a copy of *want.
func keepTimeout(want **corev1.Probe, live *corev1.Probe) {
	if *want == nil || live == nil || live.TimeoutSeconds <= 0 || live.TimeoutSeconds == (*want).TimeoutSeconds {
		return
	}
	tuned := (*want).DeepCopy()
	tuned.TimeoutSeconds = live.TimeoutSeconds
	*want = tuned
}

// routerContainerOf is the router container of a pod spec, or nil.
func routerContainerOf(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == routerContainerName {
			return &spec.Containers[i]
		}
	}
	return nil
}

// restartedAtAnnotation is the pod template annotation `kubectl rollout
// restart` sets.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// ensureServices keeps the internal Service and the one the strategy
// publishes with (for a LoadBalancer, as planLoadBalancer planned it), and
// removes a published Service the strategy no longer wants. It returns the
// LoadBalancer Service, if any.
func (r *Reconciler) ensureServices(ctx context.Context, ic *operatorv1.IngressController, a admission, owner *appsv1.Deployment, in clusterInputs, plan lbPlan) (*corev1.Service, error) {
	if _, err := r.ensureService(ctx, desiredInternalService(ic, r.Options), owner); err != nil {
		return nil, err
	}
	// The Service the strategy publishes with, if any; the other kind is
	// removed should it exist (from an older operator, or by hand).
	var live *corev1.Service
	var err error
	unwanted := []*corev1.Service{service(ic, r.Options, names.LoadBalancerService(ic.Name)), service(ic, r.Options, names.NodePortService(ic.Name))}
	switch a.Strategy.Type {
	case operatorv1.LoadBalancerServiceStrategyType:
		if !plan.recreating {
			live, err = r.ensureService(ctx, plan.want, owner)
		}
		unwanted = unwanted[1:]
	case operatorv1.NodePortServiceStrategyType:
		_, err = r.ensureService(ctx, bothFamilies(desiredNodePortService(ic, r.Options), in), owner)
		unwanted = unwanted[:1]
	}
	if err != nil {
		return nil, err
	}
	for _, svc := range unwanted {
		if err := r.deleteOwned(ctx, svc, ic.Name); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// lbPlan is the LoadBalancer Service to write, whose annotations say what
// the load balancer in force sends (the routers' PROXY setting follows).
type lbPlan struct {
	want *corev1.Service
	// inForce are the annotations the Service has once written.
	inForce map[string]string
	// held says what a change of the load balancer waits for; recreating:
	// the Service is being deleted, to be created anew.
	held       string
	recreating bool
}

// planLoadBalancer plans the LoadBalancer Service of a LoadBalancerService
// strategy. Some settings are read by the cloud only when it creates the
// load balancer (heldLBAnnotations: on AWS its type, subnets and EIPs; the
// scope except on Azure and GCP; OpenStack's floating IP): patching them
// would leave the old load balancer as it is while status says otherwise.
// The plan keeps the live ones (keepLive), and the message asks the admin
// to delete the Service. With the auto-delete annotation the operator
// deletes it itself (recreating: the next reconcile, after it is gone,
// creates it anew).
func (r *Reconciler) planLoadBalancer(ctx context.Context, ic *operatorv1.IngressController, a admission, in clusterInputs) (lbPlan, error) {
	plan := lbPlan{want: bothFamilies(desiredLoadBalancerService(ic, a.Strategy.LoadBalancer, r.Options), in)}
	plan.inForce = plan.want.Annotations
	live := &corev1.Service{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(plan.want), live); err != nil {
		recordManaged(plan.want.Annotations, nil, nil)
		return plan, client.IgnoreNotFound(err)
	}
	if live.Labels[names.OwningLabel] != plan.want.Labels[names.OwningLabel] {
		return plan, nil // ensureService reports it
	}
	if !live.DeletionTimestamp.IsZero() {
		plan.held, plan.recreating = fmt.Sprintf("The Service %s/%s is being deleted, to be created anew with the load balancer the IngressController asks for.", live.Namespace, live.Name), true
		return plan, nil
	}
	changes := creationChanges(live, plan.want, r.Options.Platform)
	if _, ok := ic.Annotations[names.AutoDeleteLoadBalancerAnnotation]; ok && changes != "" {
		if err := r.deleteOwned(ctx, live, ic.Name); err != nil {
			return plan, err
		}
		plan.held, plan.recreating = fmt.Sprintf("%s: the Service %s/%s was deleted, to be created anew with the new load balancer (annotation %s).",
			changes, live.Namespace, live.Name, names.AutoDeleteLoadBalancerAnnotation), true
		return plan, nil
	}
	kept := keepLive(live, plan.want, r.Options.Platform)
	recordManaged(plan.want.Annotations, live.Annotations, kept)
	// What stays of the live annotations counts too: an admin's PROXY
	// setting, say, which the operator leaves alone.
	plan.inForce = serviceAnnotations(live.Annotations, plan.want.Annotations, r.Options.Platform)
	if changes != "" {
		plan.held = fmt.Sprintf("%s, which this platform's load balancers take only when they are created. "+
			"To apply it, delete the Service (kubectl -n %s delete service %s): a new load balancer, most likely with another address, replaces it. "+
			"Or annotate the IngressController with %s to let the operator do it, or undo the change.",
			changes, live.Namespace, live.Name, names.AutoDeleteLoadBalancerAnnotation)
	}
	return plan, nil
}

// ensureService creates or patches a Service, keeping what the API server
// or an admin set that the operator does not own (cluster IPs, node ports,
// other annotations). A same-named Service the operator did not create is
// left alone, with an error saying so.
func (r *Reconciler) ensureService(ctx context.Context, want *corev1.Service, owner *appsv1.Deployment) (*corev1.Service, error) {
	s := &corev1.Service{}
	s.Name, s.Namespace = want.Name, want.Namespace
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, s, func() error {
		if !s.CreationTimestamp.IsZero() && s.Labels[names.OwningLabel] != want.Labels[names.OwningLabel] {
			return fmt.Errorf("service %s/%s exists and is not managed by this IngressController (label %s): delete or rename it",
				s.Namespace, s.Name, names.OwningLabel)
		}
		s.Labels = mergeMaps(s.Labels, want.Labels)
		// The operator's annotations that spec no longer wants go
		// (Internal → External, PROXY off); others' stay.
		s.Annotations = serviceAnnotations(s.Annotations, want.Annotations, r.Options.Platform)
		keepNodePorts(want, s)
		keepRemovedMetricsPort(want, s)
		s.Spec.Type = want.Spec.Type
		s.Spec.Selector = want.Spec.Selector
		s.Spec.Ports = want.Spec.Ports
		s.Spec.LoadBalancerSourceRanges = want.Spec.LoadBalancerSourceRanges
		if r.Options.Platform == PlatformOpenStack { // the floating IP; elsewhere an admin's
			// Deprecated in the API, yet what OpenStack's cloud controller reads.
			s.Spec.LoadBalancerIP = want.Spec.LoadBalancerIP
		}
		if want.Spec.ExternalTrafficPolicy != "" {
			s.Spec.ExternalTrafficPolicy = want.Spec.ExternalTrafficPolicy
		}
		// Set, never taken back: a Service made single-stack again would
		// drop an address clients may use.
		if want.Spec.IPFamilyPolicy != nil {
			s.Spec.IPFamilyPolicy = want.Spec.IPFamilyPolicy
		}
		return controllerutil.SetControllerReference(owner, s, r.Scheme())
	})
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", want.Name, err)
	}
	return s, nil
}

func mergeMaps(live, want map[string]string) map[string]string {
	if len(want) == 0 {
		return live
	}
	if live == nil {
		live = map[string]string{}
	}
	maps.Copy(live, want)
	return live
}

// deleteOwned deletes obj if it exists and belongs to ic.
func (r *Reconciler) deleteOwned(ctx context.Context, obj client.Object, ic string) error {
	if owned, err := r.readOwned(ctx, obj, ic); !owned || err != nil {
		return err
	}
	return r.deleteIfExists(ctx, obj)
}

// readOwned reads obj (its namespace and name set) and reports whether it
// exists and ic owns it.
func (r *Reconciler) readOwned(ctx context.Context, obj client.Object, ic string) (bool, error) {
	if err := r.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return obj.GetLabels()[names.OwningLabel] == ic, nil
}

// ensurePDB keeps the disruption budget, or removes it for one replica.
func (r *Reconciler) ensurePDB(ctx context.Context, ic *operatorv1.IngressController, owner *appsv1.Deployment) error {
	want := desiredPDB(ic, r.Options)
	if want == nil {
		pdb := &policyv1.PodDisruptionBudget{}
		pdb.Name, pdb.Namespace = names.PodDisruptionBudget(ic.Name), r.Options.RouterNamespace
		return r.deleteOwned(ctx, pdb, ic.Name)
	}
	pdb := &policyv1.PodDisruptionBudget{}
	pdb.Name, pdb.Namespace = want.Name, want.Namespace
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, pdb, func() error {
		pdb.Labels = mergeMaps(pdb.Labels, want.Labels)
		pdb.Spec = want.Spec
		return controllerutil.SetControllerReference(owner, pdb, r.Scheme())
	})
	return err
}

// ensureIngressClass lets Ingresses name this IngressController.
func (r *Reconciler) ensureIngressClass(ctx context.Context, ic *operatorv1.IngressController) error {
	c := ingressClassFor(ic.Name)
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, c, func() error {
		c.Labels = mergeMaps(c.Labels, ownedLabels(ic.Name))
		c.Spec.Controller = names.IngressClassController
		// Scope Namespace, where OKD writes Cluster: an IngressController
		// is a namespaced object, and Kubernetes validates the reference
		// by its scope. Neither OKD nor this controller reads it.
		c.Spec.Parameters = &networkingv1.IngressClassParametersReference{
			APIGroup: ptr.To(operatorv1.GroupVersion.Group), Kind: "IngressController", Name: ic.Name,
			Scope: ptr.To(networkingv1.IngressClassParametersReferenceScopeNamespace), Namespace: ptr.To(ic.Namespace),
		}
		return nil
	})
	return err
}

// servedCertificate is the default certificate the routers get.
type servedCertificate struct {
	// Secret is its Secret's name.
	Secret string
	// Hold keeps the routers' live pod template as it is: they mount a
	// Secret that has become unusable, which new pods could not serve,
	// while some still run with what they loaded from it.
	Hold bool
}

// unusableCertificate is a spec.defaultCertificate Secret that is missing
// or that the routers could not load. It does not stop the reconcile: the
// routers serve another certificate meanwhile, and status says so.
type unusableCertificate struct {
	err error
	// reason and note are the event's.
	reason, note string
	// serving says what the routers serve meanwhile.
	serving string
}

func (u *unusableCertificate) Error() string {
	if u.serving == "" {
		return u.err.Error()
	}
	return fmt.Sprintf("%v; %s", u.err, u.serving)
}

func (u *unusableCertificate) Unwrap() error { return u.err }

// ensureDefaultCertificate keeps router-ca and, unless spec names its own
// Secret, a wildcard certificate for the domain signed by it — renewed
// before it expires and re-issued when the CA changes. It returns the
// Secret the routers are to serve: spec's own once usable, and while it is
// not, what fallbackCertificate picks.
func (r *Reconciler) ensureDefaultCertificate(ctx context.Context, ic *operatorv1.IngressController, a admission, ca caPair) (servedCertificate, error) {
	generated := names.DefaultCertificateSecret(ic.Name)
	own := ownCertificate(ic)
	if own == generated {
		// The generated Secret's name asks for the generated certificate
		// (a manifest copied from a running cluster, say): taken for the
		// admin's own, it was deleted as no longer needed, and issued
		// anew, in a loop. An admin's Secret of that name stays theirs.
		ours, err := r.generatedOrMissing(ctx, generated, ic.Name)
		if err != nil {
			return servedCertificate{}, err
		}
		if ours {
			own = ""
		}
	}
	if own == "" {
		return servedCertificate{Secret: generated}, r.ensureGeneratedCertificate(ctx, ic, a, ca, generated)
	}
	unusable, err := r.certificateProblem(ctx, own)
	if err != nil {
		return servedCertificate{}, err
	}
	if unusable == nil {
		old := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.RouterNamespace, Name: generated}}
		return servedCertificate{Secret: own}, r.deleteOwned(ctx, old, ic.Name)
	}
	r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, unusable.reason, "Reconcile", "%s", unusable.note)
	served, err := r.fallbackCertificate(ctx, ic, a, ca, unusable)
	if err != nil {
		return servedCertificate{}, err
	}
	return served, unusable
}

// generatedOrMissing tells whether the Secret name is the operator's for
// ic (its owning label), or not there.
func (r *Reconciler) generatedOrMissing(ctx context.Context, name, ic string) (bool, error) {
	s := &corev1.Secret{}
	err := r.Get(ctx, client.ObjectKey{Namespace: r.Options.RouterNamespace, Name: name}, s)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return err == nil && s.Labels[names.OwningLabel] == ic, err
}

// fallbackCertificate is what the routers serve while spec's Secret is
// unusable: never less than they serve now. What they mount, if it still
// loads (an earlier Secret of the admin's, or the generated one); what
// they loaded from spec's Secret, with their pod template held, while some
// of them run; else the generated certificate.
func (r *Reconciler) fallbackCertificate(ctx context.Context, ic *operatorv1.IngressController, a admission, ca caPair,
	unusable *unusableCertificate) (servedCertificate, error) {
	generated := names.DefaultCertificateSecret(ic.Name)
	mounted, available, err := r.mountedCertificate(ctx, ic.Name)
	if err != nil {
		return servedCertificate{}, err
	}
	switch mounted {
	case ownCertificate(ic):
		if available > 0 {
			unusable.serving = "the routers keep the certificate they loaded from it, and changes to their pods wait"
			return servedCertificate{Secret: mounted, Hold: true}, nil
		}
	case "", generated:
	default:
		problem, err := r.certificateProblem(ctx, mounted)
		if err != nil {
			return servedCertificate{}, err
		}
		if problem == nil {
			unusable.serving = "the routers keep serving Secret " + mounted
			return servedCertificate{Secret: mounted}, nil
		}
	}
	if err := r.ensureGeneratedCertificate(ctx, ic, a, ca, generated); err != nil {
		return servedCertificate{}, err
	}
	unusable.serving = "the routers serve the generated one, Secret " + generated + ", meanwhile"
	return servedCertificate{Secret: generated}, nil
}

// mountedCertificate is the default certificate's Secret in the live
// router Deployment's pod template, and how many routers are available;
// empty when there is none.
func (r *Reconciler) mountedCertificate(ctx context.Context, ic string) (string, int32, error) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.RouterNamespace, Name: names.RouterDeployment(ic)}}
	if owned, err := r.readOwned(ctx, d, ic); !owned {
		return "", 0, err
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == defaultCertificateVolume && v.Secret != nil {
			return v.Secret.SecretName, d.Status.AvailableReplicas, nil
		}
	}
	return "", 0, nil
}

// ensureGeneratedCertificate keeps the generated wildcard certificate in
// Secret name.
func (r *Reconciler) ensureGeneratedCertificate(ctx context.Context, ic *operatorv1.IngressController, a admission, ca caPair, name string) error {
	now := r.Now()
	var v certificateVerdict
	var expiry time.Time
	_, replaced, err := r.ensureGeneratedSecret(ctx, ic, name, corev1.SecretTypeTLS,
		func(data map[string][]byte) bool {
			v = checkDefaultCertificate(data, ca, a.Domain, r.Options.CertificateRenewBefore, now)
			expiry = v.expiry
			return v.ok
		},
		func() (map[string][]byte, error) {
			data, exp, err := newDefaultCertificate(ca, a.Domain, r.Options.CertificateValidity, now)
			expiry = exp
			return data, err
		})
	if err != nil {
		return err
	}
	if replaced {
		r.Recorder.Eventf(ic, nil, corev1.EventTypeNormal, "DefaultCertificateRenewed", "Reconcile",
			"the generated default certificate was re-issued: %s", v.reason)
	}
	observeCertificateExpiry(ic.Name, expiry)
	return nil
}

// ensureMetricsCertificate keeps the certificate the routers serve their
// metrics over HTTPS with (OKD's Secret router-metrics-certs-<ic>, which
// OKD's service CA signs): issued by the router CA for the internal
// Service's names, and renewed as the default certificate is. The routers
// read it again when the kubelet swaps a renewed one in.
func (r *Reconciler) ensureMetricsCertificate(ctx context.Context, ic *operatorv1.IngressController, ca caPair) error {
	svc := names.InternalService(ic.Name) + "." + r.Options.RouterNamespace + ".svc"
	now := r.Now()
	_, _, err := r.ensureGeneratedSecret(ctx, ic, names.MetricsCertificateSecret(ic.Name), corev1.SecretTypeTLS,
		func(d map[string][]byte) bool {
			return checkIssued(d, ca, svc, r.Options.CertificateRenewBefore, now).ok
		},
		func() (map[string][]byte, error) {
			data, _, err := issue(ca, []string{svc, svc + ".cluster.local"}, r.Options.CertificateValidity, now)
			return data, err
		})
	return err
}

// ensureCookieKey keeps the Secret with the key ic's routers hash
// stickiness cookies with, and returns the key's version. The key is made
// once and kept: a new one sends every sticky client to a pod of its own
// choosing again. Only a key the routers would refuse is replaced.
func (r *Reconciler) ensureCookieKey(ctx context.Context, ic *operatorv1.IngressController) (string, error) {
	name := names.CookieKeySecret(ic.Name)
	data, replaced, err := r.ensureGeneratedSecret(ctx, ic, name, corev1.SecretTypeOpaque,
		func(d map[string][]byte) bool { return config.ValidCookieKey(string(d[names.CookieKeySecretKey])) },
		func() (map[string][]byte, error) {
			key, err := newCookieKey()
			return map[string][]byte{names.CookieKeySecretKey: key}, err
		})
	if err == nil && replaced {
		r.Recorder.Eventf(ic, nil, corev1.EventTypeWarning, "CookieKeyReplaced", "Reconcile",
			"Secret %s held no usable cookie key under %q; a new one rolls the routers out, and sticky clients are balanced afresh once",
			name, names.CookieKeySecretKey)
	}
	return cookieKeyVersion(data[names.CookieKeySecretKey]), err
}

// ensureStatsUser keeps the stats user of ic's routers (OKD's Secret
// router-stats-<ic>), who may read their metrics: made at random, kept,
// made again when gone or emptied. The routers read it from their
// environment, so its version rolls them.
func (r *Reconciler) ensureStatsUser(ctx context.Context, ic *operatorv1.IngressController) (string, error) {
	data, _, err := r.ensureGeneratedSecret(ctx, ic, names.StatsSecret(ic.Name), corev1.SecretTypeOpaque,
		func(d map[string][]byte) bool {
			return len(d[names.StatsUsernameKey]) > 0 && len(d[names.StatsPasswordKey]) > 0
		},
		func() (map[string][]byte, error) {
			user, err1 := newCookieKey()
			password, err2 := newCookieKey()
			return map[string][]byte{names.StatsUsernameKey: user[:16], names.StatsPasswordKey: password}, errors.Join(err1, err2)
		})
	return contentVersion(slices.Concat(data[names.StatsUsernameKey], []byte{0}, data[names.StatsPasswordKey])), err
}

// ensureGeneratedSecret keeps a Secret of ic, of type typ, whose data the
// operator makes (generate) and keeps while valid; replaced says it made
// anew the data of a Secret that was there.
func (r *Reconciler) ensureGeneratedSecret(ctx context.Context, ic *operatorv1.IngressController, name string, typ corev1.SecretType,
	valid func(map[string][]byte) bool, generate func() (map[string][]byte, error)) (map[string][]byte, bool, error) {
	s := &corev1.Secret{}
	s.Name, s.Namespace = name, r.Options.RouterNamespace
	err := r.Get(ctx, client.ObjectKeyFromObject(s), s)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, false, err
	}
	if err == nil && valid(s.Data) {
		return s.Data, false, nil
	}
	data, err := generate()
	if err != nil {
		return nil, false, err
	}
	replaced := !s.CreationTimestamp.IsZero()
	if replaced && (s.Type != typ || ptr.Deref(s.Immutable, false)) {
		// Neither the type nor an immutable Secret's data can change: a
		// new Secret, in place of the one seen (and not of a newer one).
		uid := s.UID
		if err := r.Delete(ctx, s, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
			return nil, false, err
		}
		s = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: s.Labels}}
	}
	s.Labels = mergeMaps(s.Labels, ownedLabels(ic.Name))
	s.Data = data
	if s.CreationTimestamp.IsZero() {
		s.Type = typ
		err = r.Create(ctx, s)
	} else {
		err = r.Update(ctx, s)
	}
	return data, replaced, err
}

// certificateProblem says why the routers could not serve Secret name
// (missing, or no key and certificate they can load), or nil if they can.
// Only a usable Secret may replace the generated one (OKD's order: never
// leave the routers without one) or be mounted by new router pods: one
// they could not load would crash every one while the rollout takes the
// old ones away.
func (r *Reconciler) certificateProblem(ctx context.Context, name string) (*unusableCertificate, error) {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: r.Options.RouterNamespace, Name: name}
	if err := r.Get(ctx, key, &s); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
		return &unusableCertificate{err: fmt.Errorf("default certificate: %w", err), reason: "DefaultCertificateMissing",
			note: fmt.Sprintf("spec.defaultCertificate names Secret %s, which does not exist in namespace %s", key.Name, key.Namespace)}, nil
	}
	if err := servable(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]); err != nil {
		return &unusableCertificate{err: fmt.Errorf("default certificate Secret %s/%s: %w", key.Namespace, key.Name, err),
			reason: "DefaultCertificateInvalid", note: fmt.Sprintf("spec.defaultCertificate names Secret %s/%s, "+
				"whose tls.crt and tls.key the routers cannot serve: %v", key.Namespace, key.Name, err)}, nil
	}
	return nil, nil
}

// servable checks a Secret's certificate as the routers' HAProxy will
// load it: a key that is the leaf's, and a chain whose keys and signatures
// its OpenSSL takes (certs.WeakKeys). Refused there, it would keep every
// new router pod from starting.
func servable(crt, key []byte) error {
	if _, err := certs.KeyAndChain(crt, key); err != nil {
		return err
	}
	c, err := certs.ParsePEM(bytes.Join([][]byte{crt, key}, []byte("\n")))
	if err != nil {
		return err
	}
	if err := certs.WeakSignatures(c.Certificates); err != nil {
		return err
	}
	return certs.WeakKeys(c.Certificates)
}

// publishCA keeps the router CA's bundle (caBundle), without keys, in a
// ConfigMap of the router namespace: what clients of the generated
// certificates and metrics scrapers trust (OKD publishes its default
// ingress certificate for clients in openshift-config-managed).
func (r *Reconciler) publishCA(ctx context.Context, bundle []byte) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.RouterNamespace, Name: names.RouterCAConfigMap}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, cm, func() error {
		cm.Data = map[string]string{names.RouterCABundleKey: string(bundle)}
		return nil
	})
	return err
}

// ensureCA returns the router CA that signs and the bundle to publish,
// creating router-ca or rotating its CAs as rotateCA says. A Secret that
// cannot be written (made immutable, or of another type) fails the
// reconcile only once its CA can sign no more: until then the routers are
// served as they are, without the successor published ahead.
func (r *Reconciler) ensureCA(ctx context.Context) (caPair, []byte, error) {
	s := &corev1.Secret{}
	s.Name, s.Namespace = names.RouterCASecret, r.Options.OperatorNamespace
	err := r.Get(ctx, client.ObjectKeyFromObject(s), s)
	if err != nil && !apierrors.IsNotFound(err) {
		return caPair{}, nil, err
	}
	now := r.Now()
	data, changed, err := rotateCA(s.Data, r.Options.CertificateValidity, now)
	if err != nil || !changed {
		return pairOf(data), caBundle(data, now), err
	}
	stored := s.Data
	s.Data = data
	if s.CreationTimestamp.IsZero() {
		s.Type = corev1.SecretTypeTLS
		err = r.Create(ctx, s)
	} else {
		err = r.Update(ctx, s)
	}
	if err != nil && bytes.Equal(stored[corev1.TLSCertKey], data[corev1.TLSCertKey]) {
		ctrl.LoggerFrom(ctx).Error(err, "router-ca: the successor CA cannot be saved; the current one signs meanwhile")
		return pairOf(stored), caBundle(stored, now), nil
	}
	return pairOf(data), caBundle(data, now), err
}

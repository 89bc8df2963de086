// Package routemigrate moves every Route between the two ways of serving
// route.openshift.io/v1 — the Route CRD and the aggregated Route API server —
// without losing one, without changing a host, and without the routers
// dropping traffic:
//
//  1. freeze: a ValidatingAdmissionPolicy refuses Route writes (not status)
//     from anyone but the migration, in whichever server serves them;
//  2. read every Route and write them to a backup file;
//  3. point the APIService v1.route.openshift.io at the new server;
//  4. copy the Routes (spec, labels, annotations, owners, finalizers,
//     status, managed fields, a deletion under way) there,
//     each carrying its original creation time and UID in the
//     route.okd-ingress.io/created annotation, which routers use to order
//     host claims, so the same Route keeps each host;
//  5. end the watches of the old server, so routers and controllers relist
//     from the new one (they find the same Routes and keep serving);
//  6. check that the new server holds exactly the backed-up Routes, and thaw.
//
// Before the routers relist they serve the Routes they had, which are the
// frozen ones; after, the same Routes again.
package routemigrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// Target is where the Routes go.
type Target string

const (
	// ToAggregated moves Routes from the CRD to the Route API server.
	ToAggregated Target = "aggregated"
	// ToCRD moves Routes from the Route API server to the CRD.
	ToCRD Target = "crd"
)

// freezeName names the ValidatingAdmissionPolicy and its binding.
const freezeName = "okd-ingress-route-migration"

// FreezeMessage is what a Route write gets during a migration.
const FreezeMessage = "Routes are being moved between the Route CRD and the Route API server (okd-ingress route migration): retry in a minute"

// routesCRD is the name of the Route CustomResourceDefinition.
const routesCRD = "routes.route.openshift.io"

// automanagedLabel marks APIServices that the API server keeps for CRDs.
const automanagedLabel = "kube-aggregator.kubernetes.io/automanaged"

// Options configure a migration.
type Options struct {
	// Namespace is the operator namespace: the Route API server's Service,
	// Deployment and certificate Secret.
	Namespace string
	// ServicePort is the port of the Route API server's Service in the
	// APIService (443 in a cluster).
	ServicePort int32
	// BackupFile receives every Route (a RouteList in JSON) before the move.
	BackupFile string
	// CRD is the Route CustomResourceDefinition, installed by ToCRD when the
	// cluster has none.
	CRD *apiextensionsv1.CustomResourceDefinition
	// WebhooksFile keeps the Route webhook configurations, which a move to
	// the Route API server deletes (it validates Routes itself, and the
	// webhooks would generate hosts twice) and a move back restores. Without
	// a file, a move back installs them from config/webhook (WebhookManifest).
	WebhooksFile string
	// WebhookManifest is config/webhook/webhooks.yaml.
	WebhookManifest []byte
	// EndServerWatches ends the Route API server's watches after a move to
	// the CRD, so that clients relist from the CRD. The default scales its
	// Deployment to zero.
	EndServerWatches func(context.Context) error
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
}

// Report says what a migration did.
type Report struct {
	Routes   int
	Duration time.Duration
}

// Migrator moves Routes with an admin's credentials.
type Migrator struct {
	cfg  *rest.Config
	c    client.Client
	http *http.Client
	o    Options
	user string
}

// New builds a migrator. cfg must be allowed everything a cluster admin is.
func New(cfg *rest.Config, scheme *runtime.Scheme, o Options) (*Migrator, error) {
	for _, add := range []func(*runtime.Scheme) error{apiextensionsv1.AddToScheme, apiregistrationv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	if o.ServicePort == 0 {
		o.ServicePort = 443
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	m := &Migrator{cfg: cfg, c: c, http: hc, o: o}
	if m.o.EndServerWatches == nil {
		m.o.EndServerWatches = m.scaleServerDown
	}
	return m, nil
}

// Run moves every Route to target. It is safe to run again after a failure:
// it starts over from whatever serves Routes then.
func (m *Migrator) Run(ctx context.Context, target Target) (Report, error) {
	start := time.Now()
	aggregated, err := m.servedByServer(ctx)
	if err != nil {
		return Report{}, err
	}
	earlier, err := m.earlierRun(ctx)
	if err != nil {
		return Report{}, err
	}
	served := aggregated == (target == ToAggregated)
	if served && !earlier.backedUp() {
		// Nothing to move: writes were never frozen, or a run froze them
		// and stopped before its backup, so before it changed anything.
		m.o.Logf("Routes are already served from %s: nothing to move", target)
		return Report{Duration: time.Since(start)}, m.thaw(ctx)
	}
	routes, backup, err := m.source(ctx, earlier)
	if err != nil {
		return Report{}, err
	}
	routes = portable(routes)
	if target == ToAggregated {
		err = m.toAggregated(ctx, routes)
	} else {
		err = m.toCRD(ctx, routes)
	}
	if err == nil {
		err = m.Verify(ctx, routes)
	}
	if err != nil {
		return Report{}, fmt.Errorf("%w (Route writes stay refused until a run succeeds; the Routes are in %s)", err, backup)
	}
	if err := m.thaw(ctx); err != nil {
		return Report{}, err
	}
	rep := Report{Routes: len(routes), Duration: time.Since(start)}
	m.o.Logf("moved %d Routes to %s in %s", rep.Routes, target, rep.Duration.Round(time.Millisecond))
	return rep, nil
}

// source freezes Route writes and returns the Routes to move and the file
// that holds them. After a run that froze writes and backed them up, its
// backup is the truth, whichever way this run goes: that run may have
// switched, and what serves Routes now may hold only part of them, or
// stale ones. Otherwise what serves Routes now is backed up.
func (m *Migrator) source(ctx context.Context, earlier earlierRun) ([]routev1.Route, string, error) {
	if err := m.freeze(ctx, earlier.backedUp()); err != nil {
		return nil, "", err
	}
	if earlier.backedUp() {
		m.o.Logf("an earlier run stopped with Route writes frozen: going on with the Routes in its backup %s", earlier.backup)
		routes, err := readBackup(earlier.backup)
		return routes, earlier.backup, err
	}
	routes, err := m.backup(ctx)
	if err != nil {
		return nil, "", err
	}
	return routes, m.o.BackupFile, m.recordBackup(ctx)
}

func (m *Migrator) toAggregated(ctx context.Context, routes []routev1.Route) error {
	if err := m.pointAPIServiceAtServer(ctx); err != nil {
		return err
	}
	if err := m.waitServedBy(ctx, true); err != nil {
		return err
	}
	// The Route API server keeps its storage while scaled down: Routes
	// deleted since an earlier move would come back. Pruned first, they
	// are gone before a client relisting during the copy could see them.
	if err := m.pruneRoutes(ctx, routes); err != nil {
		return err
	}
	if err := m.copyRoutes(ctx, routes); err != nil {
		return err
	}
	if err := m.saveAndDeleteWebhooks(ctx); err != nil {
		return err
	}
	// Stop serving the CRD: its storage is torn down, which ends the
	// routers' watches; they relist through the APIService, from the Route
	// API server. The CRD and its objects stay, unserved, as a fallback.
	m.o.Logf("no longer serving the Route CRD, so that watches move to the Route API server")
	return m.setCRDServed(ctx, false)
}

func (m *Migrator) toCRD(ctx context.Context, routes []routev1.Route) error {
	if err := m.ensureCRD(ctx); err != nil {
		return err
	}
	if err := m.restoreWebhooks(ctx); err != nil {
		return err
	}
	m.o.Logf("returning APIService %s to the API server, which serves the CRD", names.RouteAPIServiceName)
	if err := m.c.Delete(ctx, &apiregistrationv1.APIService{ObjectMeta: metav1.ObjectMeta{Name: names.RouteAPIServiceName}}); client.IgnoreNotFound(err) != nil {
		return err
	}
	if err := m.waitServedBy(ctx, false); err != nil {
		return err
	}
	if err := m.pruneRoutes(ctx, routes); err != nil {
		return err
	}
	if err := m.copyRoutes(ctx, routes); err != nil {
		return err
	}
	m.o.Logf("ending the Route API server's watches, so that clients relist from the CRD")
	return m.o.EndServerWatches(ctx)
}

// servedByServer reports whether the APIService sends Routes to the Route
// API server.
func (m *Migrator) servedByServer(ctx context.Context) (bool, error) {
	var a apiregistrationv1.APIService
	err := m.c.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &a)
	if apierrors.IsNotFound(err) {
		return false, fmt.Errorf("no APIService %s: neither the Route CRD nor the Route API server serves Routes", names.RouteAPIServiceName)
	}
	return err == nil && a.Spec.Service != nil, err
}

// backup lists every Route and writes them to the backup file.
func (m *Migrator) backup(ctx context.Context) ([]routev1.Route, error) {
	var list routev1.RouteList
	if err := m.c.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing Routes: %w", err)
	}
	list.APIVersion, list.Kind = routev1.GroupVersion.String(), "RouteList"
	list.ResourceVersion = ""
	for i := range list.Items {
		restorable(&list.Items[i])
	}
	data, err := json.Marshal(&list)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(m.o.BackupFile, data, 0o600); err != nil {
		return nil, fmt.Errorf("writing the backup: %w", err)
	}
	m.o.Logf("%d Routes backed up to %s", len(list.Items), m.o.BackupFile)
	return list.Items, nil
}

// restorable makes r a Route `kubectl create -f` takes back: without the
// fields the API server sets (a resourceVersion is refused on creation),
// with its age in the created annotation (which the copy sets anyway).
// Its managedFields stay, for the copy to take them (with an update after
// the create: on creation the API server gives every field to the
// creating manager), and so does a deletionTimestamp, for the copy of
// a Route being deleted to be deleted too (`kubectl create -f` ignores it).
func restorable(r *routev1.Route) {
	r.Annotations = withCreated(r)
	r.ResourceVersion, r.Generation = "", 0
}

// readBackup reads the Routes an earlier run backed up.
func readBackup(file string) ([]routev1.Route, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("an earlier run froze Route writes and backed them up, and its backup cannot be read "+
			"(run where it ran, or copy the file there): %w", err)
	}
	var list routev1.RouteList
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("reading the backup %s: %w", file, err)
	}
	return list.Items, nil
}

// earlierRun is what a run that stopped left: writes frozen (policy and
// binding in place; a thaw deletes the binding first), and the backup it
// wrote before it changed anything.
type earlierRun struct {
	frozen bool
	backup string
}

func (e earlierRun) backedUp() bool { return e.frozen && e.backup != "" }

func (m *Migrator) earlierRun(ctx context.Context) (earlierRun, error) {
	var p admissionregistrationv1.ValidatingAdmissionPolicy
	if err := m.c.Get(ctx, client.ObjectKey{Name: freezeName}, &p); err != nil {
		return earlierRun{}, client.IgnoreNotFound(err)
	}
	err := m.c.Get(ctx, client.ObjectKey{Name: freezeName}, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{})
	if err != nil {
		return earlierRun{}, client.IgnoreNotFound(err)
	}
	return earlierRun{frozen: true, backup: p.Annotations[backupAnnotation]}, nil
}

// recordBackup names, on the freeze, the backup just written: a run that
// stops from now on may have changed what serves Routes.
func (m *Migrator) recordBackup(ctx context.Context) error {
	backup, err := filepath.Abs(m.o.BackupFile)
	if err != nil {
		return err
	}
	p := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: freezeName}}
	patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, backupAnnotation, backup))
	if err := m.c.Patch(ctx, p, patch); err != nil {
		return fmt.Errorf("recording the backup on the freeze: %w", err)
	}
	return nil
}

// backupAnnotation, on the freeze, names the backup of the run that froze.
const backupAnnotation = "route.okd-ingress.io/migration-backup"

// freeze installs the policy that refuses Route writes from everyone but
// this migration, and waits until the API server applies it. An earlier
// run's freeze is taken over; the backup it names is kept when asked
// (keepBackup), as the one this run moves.
func (m *Migrator) freeze(ctx context.Context, keepBackup bool) error {
	review := &authenticationv1.SelfSubjectReview{}
	if err := m.c.Create(ctx, review); err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	m.user = review.Status.UserInfo.Username
	fail := admissionregistrationv1.Fail
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: freezeName},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{routev1.GroupVersion.Group}, APIVersions: []string{"*"},
						Resources: []string{"routes"}},
				}}}},
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "not-the-migration",
				Expression: "request.userInfo.username != " + strconv.Quote(m.user)}},
			Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: FreezeMessage}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: freezeName},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: freezeName,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
	}
	// An earlier run's policy may exempt another user: it is made ours.
	policySpec, bindingSpec := policy.Spec, binding.Spec
	mutate := func() error {
		policy.Spec = policySpec
		if !keepBackup {
			delete(policy.Annotations, backupAnnotation)
		}
		return nil
	}
	if _, err := controllerutil.CreateOrUpdate(ctx, m.c, policy, mutate); err != nil {
		return fmt.Errorf("freezing Route writes: %w", err)
	}
	if _, err := controllerutil.CreateOrUpdate(ctx, m.c, binding, func() error { binding.Spec = bindingSpec; return nil }); err != nil {
		return fmt.Errorf("freezing Route writes: %w", err)
	}
	m.o.Logf("Route writes frozen (ValidatingAdmissionPolicy %s)", freezeName)
	return m.waitFrozen(ctx)
}

// waitFrozen waits until a Route write by someone else (an impersonated
// admin, dry run) is refused by the freeze.
func (m *Migrator) waitFrozen(ctx context.Context) error {
	cfg := rest.CopyConfig(m.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "okd-ingress-migration-probe", Groups: []string{"system:masters"}}
	probe, err := client.New(cfg, client.Options{Scheme: m.c.Scheme()})
	if err != nil {
		return err
	}
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "okd-ingress-migration-probe"},
		Spec: routev1.RouteSpec{To: routev1.RouteTargetReference{Kind: "Service", Name: "probe"}}}
	return poll(ctx, time.Minute, "the freeze to take effect", func() (bool, error) {
		err := probe.Create(ctx, r.DeepCopy(), client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), FreezeMessage), nil
	})
}

// thaw deletes the freeze, binding first: once it is gone writes are
// allowed, and earlierRun no longer counts the policy left.
func (m *Migrator) thaw(ctx context.Context) error {
	deleted := false
	for _, obj := range []client.Object{
		&admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: freezeName}},
		&admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: freezeName}},
	} {
		err := m.c.Delete(ctx, obj)
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("thawing Route writes: %w", err)
		}
		deleted = deleted || err == nil
	}
	if deleted {
		m.o.Logf("Route writes allowed again")
	}
	return nil
}

// pointAPIServiceAtServer makes the APIService send Routes to the Route
// API server, and takes it from the API server's CRD registration.
func (m *Migrator) pointAPIServiceAtServer(ctx context.Context) error {
	caBundle, err := m.serverCA(ctx)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var a apiregistrationv1.APIService
		if err := m.c.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &a); err != nil {
			return err
		}
		delete(a.Labels, automanagedLabel)
		a.Spec.Service = &apiregistrationv1.ServiceReference{Namespace: m.o.Namespace, Name: names.RouteAPIServerName, Port: ptr.To(m.o.ServicePort)}
		a.Spec.CABundle = caBundle
		a.Spec.InsecureSkipTLSVerify = false
		a.Spec.GroupPriorityMinimum, a.Spec.VersionPriority = 9900, 15
		m.o.Logf("pointing APIService %s at Service %s/%s", a.Name, m.o.Namespace, names.RouteAPIServerName)
		return m.c.Update(ctx, &a)
	})
}

// waitServedBy waits until Route requests reach the Route API server
// (server) or the CRD (!server).
func (m *Migrator) waitServedBy(ctx context.Context, server bool) error {
	what := map[bool]string{true: "the Route API server", false: "the Route CRD"}[server]
	var last error
	err := poll(ctx, 2*time.Minute, "Routes served by "+what, func() (bool, error) {
		by, err := m.probe(ctx)
		last = err
		return err == nil && by == server, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last answer: %v; APIService: %s)", err, last, m.apiServiceState(ctx))
	}
	return nil
}

// apiServiceState describes the APIService for an error message.
func (m *Migrator) apiServiceState(ctx context.Context) string {
	var a apiregistrationv1.APIService
	if err := m.c.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &a); err != nil {
		return err.Error()
	}
	out := fmt.Sprintf("service %v, labels %v", a.Spec.Service, a.Labels)
	for _, c := range a.Status.Conditions {
		out += fmt.Sprintf(", %s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message)
	}
	return out
}

// probe lists one Route and reports whether the Route API server answered
// (it marks its answers with a header).
func (m *Migrator) probe(ctx context.Context) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimSuffix(m.cfg.Host, "/")+"/apis/route.openshift.io/v1/routes?limit=1", nil)
	if err != nil {
		return false, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return false, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("listing Routes: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.Header.Get(names.RouteAPIServerHeader) != "", nil
}

// copyRoutes creates (or updates) every Route in the server now serving
// them, with its status.
func (m *Migrator) copyRoutes(ctx context.Context, routes []routev1.Route) error {
	m.o.Logf("copying %d Routes", len(routes))
	return parallel(ctx, routes, 16, m.copyRoute)
}

// copyRoute writes r where Routes are served now; when r was being
// deleted, deletes it there too at once (routers see Routes from the
// switch on: it must not look live for longer than need be); then writes
// its status and gives it r's managedFields, which the writes made the
// migration's.
func (m *Migrator) copyRoute(ctx context.Context, r *routev1.Route) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got, err := m.createOrUpdate(ctx, r)
		if err == nil {
			err = m.copyDeletion(ctx, got, r)
		}
		if err == nil {
			err = m.copyStatus(ctx, got, r)
		}
		if err == nil {
			err = m.copyManagedFields(ctx, got, r)
		}
		if err != nil {
			return fmt.Errorf("route %s/%s: %w", r.Namespace, r.Name, err)
		}
		return nil
	})
}

// createOrUpdate creates r's copy, or updates one an earlier move left.
func (m *Migrator) createOrUpdate(ctx context.Context, r *routev1.Route) (*routev1.Route, error) {
	want := &routev1.Route{ObjectMeta: metav1.ObjectMeta{
		Namespace: r.Namespace, Name: r.Name, Labels: r.Labels, Annotations: withCreated(r),
		OwnerReferences: r.OwnerReferences, Finalizers: r.Finalizers,
	}, Spec: r.Spec}
	got := want.DeepCopy()
	err := m.c.Create(ctx, got)
	if !apierrors.IsAlreadyExists(err) {
		return got, err
	}
	if err = m.c.Get(ctx, client.ObjectKeyFromObject(want), got); err != nil {
		return got, err
	}
	liveWildcard := got.Spec.WildcardPolicy
	if !sameRoute(got, want) {
		got.Labels, got.Annotations, got.OwnerReferences, got.Finalizers, got.Spec =
			want.Labels, want.Annotations, want.OwnerReferences, want.Finalizers, want.Spec
		err = m.c.Update(ctx, got)
	}
	if apierrors.IsInvalid(err) && liveWildcard != want.Spec.WildcardPolicy && len(got.Finalizers) == 0 {
		// Another Route of that name, left by an earlier move, whose
		// wildcardPolicy, which is immutable, differs: made anew.
		if err = m.c.Delete(ctx, got, client.Preconditions{UID: &got.UID}); err == nil {
			got = want.DeepCopy()
			err = m.c.Create(ctx, got)
		}
	}
	return got, err
}

func (m *Migrator) copyStatus(ctx context.Context, got, r *routev1.Route) error {
	if equality.Semantic.DeepEqual(got.Status, r.Status) {
		return nil
	}
	got.Status = r.Status
	return m.c.Status().Update(ctx, got)
}

// copyManagedFields gives the copy r's managedFields with an update that
// changes nothing else (the API server keeps a list an update sets): the
// create and status write made the migration the manager of every field,
// and server-side apply users (kubectl apply --server-side, Argo CD, Flux)
// would meet conflicts, or fields they drop would stay. A backup without
// them (an older tool's) leaves the copy's.
func (m *Migrator) copyManagedFields(ctx context.Context, got, r *routev1.Route) error {
	if len(r.ManagedFields) == 0 || equality.Semantic.DeepEqual(got.ManagedFields, r.ManagedFields) {
		return nil
	}
	got.ManagedFields = r.ManagedFields
	return m.c.Update(ctx, got)
}

// copyDeletion deletes the copy of a Route that was being deleted: created
// anew, it would be live again, and served, with its finalizers but no
// deletionTimestamp; deleted, it waits in the target, terminating, for
// its finalizers' owners, whom the freeze keeps from finishing until the
// move ends.
func (m *Migrator) copyDeletion(ctx context.Context, got, r *routev1.Route) error {
	if r.DeletionTimestamp == nil || got.DeletionTimestamp != nil {
		return nil
	}
	if err := m.c.Delete(ctx, got, client.Preconditions{UID: &got.UID}); err != nil {
		return err // NotFound too: a copy without r's finalizers is gone
	}
	// Held by its finalizers: read back for the status and managedFields
	// writes, which need its new resourceVersion.
	return m.c.Get(ctx, client.ObjectKeyFromObject(got), got)
}

func sameRoute(a, b *routev1.Route) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec) && equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.Annotations, b.Annotations) && equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) &&
		equality.Semantic.DeepEqual(a.Finalizers, b.Finalizers)
}

// withCreated returns r's annotations with route.okd-ingress.io/created set
// to r's age as routers read it: the annotation's, on a Route moved before,
// else its creation time and UID (also over a value that does not parse,
// which routers ignore: kept, the Route would lose its age in the move).
func withCreated(r *routev1.Route) map[string]string {
	out := make(map[string]string, len(r.Annotations)+1)
	for k, v := range r.Annotations {
		out[k] = v
	}
	at, uid := routeapi.Age(r)
	out[names.CreatedAnnotation] = routeapi.FormatCreated(at.Time, uid)
	return out
}

// pruneRoutes deletes Routes that the backup does not hold: objects an
// earlier move left in the CRD.
func (m *Migrator) pruneRoutes(ctx context.Context, keep []routev1.Route) error {
	var list routev1.RouteList
	if err := m.c.List(ctx, &list); err != nil {
		return err
	}
	kept := map[string]bool{}
	for _, r := range keep {
		kept[r.Namespace+"/"+r.Name] = true
	}
	for i := range list.Items {
		r := &list.Items[i]
		if kept[r.Namespace+"/"+r.Name] {
			continue
		}
		m.o.Logf("deleting %s/%s, left from an earlier move", r.Namespace, r.Name)
		if err := m.c.Delete(ctx, r); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

// portable is routes as both Route APIs take them: the Route API server
// takes an empty httpHeaders on a passthrough route, as OKD's does, and
// the CRD refuses any, as OKD's does; it means no header actions, as no
// httpHeaders does. Conditions of a type already seen in their status
// entry are dropped too: the CRD refuses them, and the Route API server
// took them before it refused them as well (the first is the one a
// reader finds).
func portable(routes []routev1.Route) []routev1.Route {
	out := slices.Clone(routes)
	for i := range out {
		s := &out[i].Spec
		if s.TLS != nil && s.TLS.Termination == routev1.TLSTerminationPassthrough && s.HTTPHeaders != nil &&
			!routeapi.HasHeaderActions(s.HTTPHeaders) {
			s.HTTPHeaders = nil
		}
		out[i].Status = uniqueConditions(out[i].Status)
	}
	return out
}

// uniqueConditions returns st without the conditions whose type comes
// earlier in the same ingress entry; st itself is left as it is.
func uniqueConditions(st routev1.RouteStatus) routev1.RouteStatus {
	ingress := slices.Clone(st.Ingress)
	for i := range ingress {
		seen := map[routev1.RouteIngressConditionType]bool{}
		ingress[i].Conditions = slices.DeleteFunc(slices.Clone(ingress[i].Conditions), func(c routev1.RouteIngressCondition) bool {
			dup := seen[c.Type]
			seen[c.Type] = true
			return dup
		})
	}
	st.Ingress = ingress
	return st
}

// Verify checks that the Routes served now are exactly want (as portable
// makes them): same names, labels and specs.
func (m *Migrator) Verify(ctx context.Context, want []routev1.Route) error {
	want = portable(want)
	var list routev1.RouteList
	if err := m.c.List(ctx, &list); err != nil {
		return err
	}
	got := map[string]*routev1.Route{}
	for i := range list.Items {
		got[list.Items[i].Namespace+"/"+list.Items[i].Name] = &list.Items[i]
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d Routes served, %d expected", len(got), len(want))
	}
	for i := range want {
		w := &want[i]
		g, ok := got[w.Namespace+"/"+w.Name]
		if !ok {
			return fmt.Errorf("route %s/%s is missing", w.Namespace, w.Name)
		}
		if !equality.Semantic.DeepEqual(g.Spec, w.Spec) || !equality.Semantic.DeepEqual(g.Labels, w.Labels) {
			return fmt.Errorf("route %s/%s differs: spec %+v, want %+v", w.Namespace, w.Name, g.Spec, w.Spec)
		}
	}
	return nil
}

package routemigrate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// What a stopped run left decides the next: writes count as frozen only
// with the binding in place (a thaw deletes it first), and its backup is
// used only once it recorded one.
func TestEarlierRun(t *testing.T) {
	policy := func(backup string) client.Object {
		p := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: freezeName}}
		if backup != "" {
			p.Annotations = map[string]string{backupAnnotation: backup}
		}
		return p
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: freezeName}}
	for _, tc := range []struct {
		name     string
		objs     []client.Object
		frozen   bool
		backedUp bool
	}{
		{name: "no run", frozen: false},
		{name: "frozen before its backup", objs: []client.Object{policy(""), binding}, frozen: true},
		{name: "frozen after its backup", objs: []client.Object{policy("/b/routes.json"), binding}, frozen: true, backedUp: true},
		{name: "half thawed", objs: []client.Object{policy("/b/routes.json")}},
		{name: "half frozen", objs: []client.Object{policy("")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := runtime.NewScheme()
			if err := clientgoscheme.AddToScheme(s); err != nil {
				t.Fatal(err)
			}
			m := &Migrator{c: fake.NewClientBuilder().WithScheme(s).WithObjects(tc.objs...).Build(), o: Options{Logf: t.Logf}}
			e, err := m.earlierRun(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if e.frozen != tc.frozen || e.backedUp() != tc.backedUp {
				t.Errorf("frozen %v, backed up %v; want %v, %v", e.frozen, e.backedUp(), tc.frozen, tc.backedUp)
			}
			if tc.backedUp && e.backup != "/b/routes.json" {
				t.Errorf("backup %q", e.backup)
			}
			// A thaw leaves nothing, whatever was left.
			if err := m.thaw(context.Background()); err != nil {
				t.Fatal(err)
			}
			if e, _ := m.earlierRun(context.Background()); e.frozen {
				t.Errorf("still frozen after a thaw")
			}
		})
	}
}

func TestPortable(t *testing.T) {
	headers := func(actions routev1.RouteHTTPHeaderActions) *routev1.RouteHTTPHeaders {
		return &routev1.RouteHTTPHeaders{Actions: actions}
	}
	some := routev1.RouteHTTPHeaderActions{Response: []routev1.RouteHTTPHeader{{Name: "X-A"}}}
	route := func(termination routev1.TLSTerminationType, h *routev1.RouteHTTPHeaders) routev1.Route {
		r := routev1.Route{Spec: routev1.RouteSpec{HTTPHeaders: h}}
		if termination != "" {
			r.Spec.TLS = &routev1.TLSConfig{Termination: termination}
		}
		return r
	}
	cases := []struct {
		name        string
		in          routev1.Route
		wantHeaders bool
	}{
		{"passthrough, empty httpHeaders", route(routev1.TLSTerminationPassthrough, headers(routev1.RouteHTTPHeaderActions{})), false},
		{"passthrough, no httpHeaders", route(routev1.TLSTerminationPassthrough, nil), false},
		{"passthrough with actions (refused by both; kept for the API to say so)", route(routev1.TLSTerminationPassthrough, headers(some)), true},
		{"edge, empty httpHeaders", route(routev1.TLSTerminationEdge, headers(routev1.RouteHTTPHeaderActions{})), true},
		{"plain HTTP, empty httpHeaders", route("", headers(routev1.RouteHTTPHeaderActions{})), true},
	}
	for _, tc := range cases {
		in := []routev1.Route{tc.in}
		out := portable(in)
		if got := out[0].Spec.HTTPHeaders != nil; got != tc.wantHeaders {
			t.Errorf("%s: httpHeaders kept = %v, want %v", tc.name, got, tc.wantHeaders)
		}
		if in[0].Spec.HTTPHeaders != tc.in.Spec.HTTPHeaders {
			t.Errorf("%s: the input changed", tc.name)
		}
	}
}

// A status entry with two conditions of one type, which the Route API
// server took before it refused them, moves with the first alone: the
// CRD refuses the second.
func TestPortableConditions(t *testing.T) {
	cond := func(typ routev1.RouteIngressConditionType, status corev1.ConditionStatus) routev1.RouteIngressCondition {
		return routev1.RouteIngressCondition{Type: typ, Status: status}
	}
	in := []routev1.Route{{Status: routev1.RouteStatus{Ingress: []routev1.RouteIngress{
		{RouterName: "a", Conditions: []routev1.RouteIngressCondition{cond("Admitted", "True"), cond("Other", "True"), cond("Admitted", "False")}},
		{RouterName: "b", Conditions: []routev1.RouteIngressCondition{cond("Admitted", "False")}},
	}}}}
	out := portable(in)
	a, b := out[0].Status.Ingress[0].Conditions, out[0].Status.Ingress[1].Conditions
	if len(a) != 2 || a[0] != cond("Admitted", "True") || a[1] != cond("Other", "True") {
		t.Errorf("router a's conditions %+v, want Admitted=True and Other", a)
	}
	if len(b) != 1 || b[0] != cond("Admitted", "False") {
		t.Errorf("router b's conditions %+v, want them as they were", b)
	}
	if len(in[0].Status.Ingress[0].Conditions) != 3 {
		t.Errorf("the input changed")
	}
}

// The backup is what `kubectl create -f` takes back, ages kept.
func TestBackupRestorable(t *testing.T) {
	s := runtime.NewScheme()
	if err := routev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	live := fake.NewClientBuilder().WithScheme(s).WithObjects(&routev1.Route{ObjectMeta: metav1.ObjectMeta{
		Namespace: "ns", Name: "web", UID: "uid-1", CreationTimestamp: created, Generation: 4}}).Build()
	file := filepath.Join(t.TempDir(), "routes.json")
	m := &Migrator{c: live, o: Options{BackupFile: file, Logf: t.Logf}}
	if _, err := m.backup(context.Background()); err != nil {
		t.Fatal(err)
	}
	routes, err := readBackup(file)
	if err != nil {
		t.Fatal(err)
	}
	r := routes[0]
	if r.ResourceVersion != "" || r.Generation != 0 {
		t.Errorf("backed up with resourceVersion %q, generation %d", r.ResourceVersion, r.Generation)
	}
	// The copy takes its managers from the backup (a fake client keeps
	// none of its own, so restorable is asked alone).
	managed := &routev1.Route{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "argocd"}}}}
	if restorable(managed); len(managed.ManagedFields) != 1 {
		t.Errorf("backed up with managedFields %+v, want argocd's", managed.ManagedFields)
	}
	if got, want := r.Annotations[names.CreatedAnnotation], routeapi.FormatCreated(created.Time, "uid-1"); got != want {
		t.Errorf("created annotation %q, want %q", got, want)
	}
	// An empty store takes it back (a fake client refuses a create with a
	// resourceVersion, as the API server does).
	restore := fake.NewClientBuilder().WithScheme(s).Build()
	r.UID, r.CreationTimestamp = "", metav1.Time{}
	if err := restore.Create(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
}

// A Route keeps its age through a move: the one it was created with, or
// the one an earlier move recorded; a value routers cannot read is
// replaced, not carried along.
func TestWithCreated(t *testing.T) {
	created := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	moved := routeapi.FormatCreated(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), "uid-first")
	route := func(annotations map[string]string) *routev1.Route {
		return &routev1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "uid-now",
			CreationTimestamp: metav1.NewTime(created), Annotations: annotations}}
	}
	own := routeapi.FormatCreated(created, "uid-now")
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		want        string
	}{
		{"never moved", map[string]string{"a": "b"}, own},
		{"moved before", map[string]string{names.CreatedAnnotation: moved}, moved},
		{"empty", map[string]string{names.CreatedAnnotation: ""}, own},
		{"garbage", map[string]string{names.CreatedAnnotation: "yesterday"}, own},
	} {
		got := withCreated(route(tc.annotations))
		if got[names.CreatedAnnotation] != tc.want {
			t.Errorf("%s: created %q, want %q", tc.name, got[names.CreatedAnnotation], tc.want)
		}
		for k, v := range tc.annotations {
			if k != names.CreatedAnnotation && got[k] != v {
				t.Errorf("%s: annotation %s lost", tc.name, k)
			}
		}
	}
}

// Saved webhook configurations come back trusting the manager's webhook CA
// as it is now, not as it was when they were saved.
func TestRestoreWebhooksTakesTheCurrentCA(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: names.WebhookCertSecretName},
		Data: map[string][]byte{"ca.crt": []byte("new CA")}}
	old := admissionregistrationv1.WebhookClientConfig{CABundle: []byte("old CA")}
	saved := webhooks{
		Mutating: &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: names.MutatingWebhookConfigurationName},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "m.example", ClientConfig: old}}},
		Validating: &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: names.ValidatingWebhookConfigurationName},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "v.example", ClientConfig: old}}},
	}
	// An earlier run that failed after restoring it left the validating
	// configuration, with the CA of its time.
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(secret, saved.Validating.DeepCopy()).Build()
	file := filepath.Join(t.TempDir(), "webhooks.json")
	data, err := json.Marshal(&saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Migrator{c: c, o: Options{Namespace: "ops", WebhooksFile: file, Logf: t.Logf}}
	if err := m.restoreWebhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
	var mut admissionregistrationv1.MutatingWebhookConfiguration
	var val admissionregistrationv1.ValidatingWebhookConfiguration
	if err := c.Get(context.Background(), client.ObjectKey{Name: names.MutatingWebhookConfigurationName}, &mut); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(context.Background(), client.ObjectKey{Name: names.ValidatingWebhookConfigurationName}, &val); err != nil {
		t.Fatal(err)
	}
	if got := string(mut.Webhooks[0].ClientConfig.CABundle); got != "new CA" {
		t.Errorf("mutating webhook trusts %q, want the current CA", got)
	}
	if got := string(val.Webhooks[0].ClientConfig.CABundle); got != "new CA" {
		t.Errorf("validating webhook trusts %q, want the current CA", got)
	}
}

// A Route being deleted when the move starts (a finalizer held) is
// deleted in the target too, from a fresh backup or an earlier run's:
// created live, it would be served again, its deletion forgotten.
func TestCopyKeepsADeletion(t *testing.T) {
	s := runtime.NewScheme()
	if err := routev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	deleted := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	source := fake.NewClientBuilder().WithScheme(s).WithObjects(&routev1.Route{ObjectMeta: metav1.ObjectMeta{
		Namespace: "ns", Name: "going", UID: "uid-1", DeletionTimestamp: &deleted, Finalizers: []string{"example.com/hold"}}}).Build()
	file := filepath.Join(t.TempDir(), "routes.json")
	if _, err := (&Migrator{c: source, o: Options{BackupFile: file, Logf: t.Logf}}).backup(context.Background()); err != nil {
		t.Fatal(err)
	}
	routes, err := readBackup(file)
	if err != nil {
		t.Fatal(err)
	}
	// What an earlier run left: nothing; a live copy (a tool without this
	// fix); a live copy without the finalizer (added since the move).
	for leftLive, finalizers := range [][]string{nil, {"example.com/hold"}, {}} {
		target := fake.NewClientBuilder().WithScheme(s).WithStatusSubresource(&routev1.Route{}).Build()
		if finalizers != nil {
			earlier := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "going", Finalizers: finalizers}}
			if err := target.Create(context.Background(), earlier); err != nil {
				t.Fatal(err)
			}
		}
		m := &Migrator{c: target, o: Options{Logf: t.Logf}}
		if err := m.copyRoutes(context.Background(), routes); err != nil {
			t.Fatal(err)
		}
		var got routev1.Route
		if err := target.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "going"}, &got); err != nil {
			t.Fatal(err)
		}
		if got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, []string{"example.com/hold"}) {
			t.Errorf("copy (case %d): deletionTimestamp %v, finalizers %v; want it being deleted, finalizer held",
				leftLive, got.DeletionTimestamp, got.Finalizers)
		}
	}
}

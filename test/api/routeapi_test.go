package api

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/etcdcert"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// aggregated reports whether the Route API server serves Routes; without
// it (the CRD) strategic-merge patches are refused, a known limitation.
func aggregated() bool { return cluster.RouteAPI == localcluster.RouteAPIAggregated }

// smpRefused is what the API server answers a strategic-merge patch of a
// custom resource.
const smpRefused = "the body of the request was in an unknown format"

func getRoute(t *testing.T, ns, name string) *routev1.Route {
	t.Helper()
	r := &routev1.Route{}
	must(t, cluster.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, r))
	return r
}

// setBackends sends the patch `oc set route-backends` sends: oc edits the
// route's backends and weights and patches the difference as a two-way
// strategic merge of the route before and after.
func setBackends(t *testing.T, r *routev1.Route, edit func(*routev1.RouteSpec)) error {
	t.Helper()
	before, err := json.Marshal(r)
	must(t, err)
	after := r.DeepCopy()
	edit(&after.Spec)
	afterJSON, err := json.Marshal(after)
	must(t, err)
	patch, err := strategicpatch.CreateTwoWayMergePatch(before, afterJSON, &routev1.Route{})
	must(t, err)
	return cluster.Client.Patch(context.Background(), r, client.RawPatch(types.StrategicMergePatchType, patch))
}

func weights(r *routev1.Route) map[string]int32 {
	out := map[string]int32{r.Spec.To.Name: ptr.Deref(r.Spec.To.Weight, -1)}
	for _, b := range r.Spec.AlternateBackends {
		out[b.Name] = ptr.Deref(b.Weight, -1)
	}
	return out
}

func wantWeights(t *testing.T, r *routev1.Route, want map[string]int32) {
	t.Helper()
	got := weights(r)
	if len(got) != len(want) {
		t.Fatalf("backends %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("backends %v, want %v", got, want)
		}
	}
}

// TestRouteBackendsPatches replays what `oc set route-backends` sends.
func TestRouteBackendsPatches(t *testing.T) {
	ns := newNamespace(t, "backends")
	ctx := context.Background()
	must(t, cluster.Client.Create(ctx, newRoute(ns, "web")))
	r := getRoute(t, ns, "web")

	// oc set route-backends web frontend=3 canary=1
	err := setBackends(t, r, func(s *routev1.RouteSpec) {
		s.To.Weight = ptr.To[int32](3)
		s.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "canary", Weight: ptr.To[int32](1)}}
	})
	if !aggregated() {
		if err == nil || !strings.Contains(err.Error(), smpRefused) {
			t.Fatalf("strategic-merge patch of the Route CRD: error %v, want %q", err, smpRefused)
		}
		return
	}
	must(t, err)
	r = getRoute(t, ns, "web")
	wantWeights(t, r, map[string]int32{"frontend": 3, "canary": 1})

	// oc set route-backends web --adjust canary=+1: only canary's weight changes.
	must(t, setBackends(t, r, func(s *routev1.RouteSpec) { s.AlternateBackends[0].Weight = ptr.To[int32](2) }))
	r = getRoute(t, ns, "web")
	wantWeights(t, r, map[string]int32{"frontend": 3, "canary": 2})

	// oc set route-backends web --zero
	must(t, setBackends(t, r, func(s *routev1.RouteSpec) {
		s.To.Weight = ptr.To[int32](0)
		s.AlternateBackends[0].Weight = ptr.To[int32](0)
	}))
	r = getRoute(t, ns, "web")
	wantWeights(t, r, map[string]int32{"frontend": 0, "canary": 0})

	// oc set route-backends web frontend=1: alternates removed.
	must(t, setBackends(t, r, func(s *routev1.RouteSpec) {
		s.To.Weight = ptr.To[int32](1)
		s.AlternateBackends = nil
	}))
	wantWeights(t, getRoute(t, ns, "web"), map[string]int32{"frontend": 1})

	// A patch that breaks a rule is refused like any other write.
	err = setBackends(t, getRoute(t, ns, "web"), func(s *routev1.RouteSpec) { s.To.Weight = ptr.To[int32](300) })
	if err == nil || !strings.Contains(err.Error(), "spec.to.weight") {
		t.Fatalf("weight 300 by patch: error %v, want one naming spec.to.weight", err)
	}
}

// TestRoutePatchTypes sends each patch type through kubectl, as users do.
func TestRoutePatchTypes(t *testing.T) {
	ns := newNamespace(t, "patches")
	ctx := context.Background()
	must(t, cluster.Client.Create(ctx, newRoute(ns, "web")))
	kubectl := newKubectl(t)
	run := func(args ...string) (string, error) { return kubectl(append(args, "-n", ns)...) }

	out, err := run("patch", "route", "web", "--type=merge", "-p", `{"spec":{"path":"/merge"}}`)
	if err != nil || getRoute(t, ns, "web").Spec.Path != "/merge" {
		t.Fatalf("merge patch: %v\n%s", err, out)
	}
	out, err = run("patch", "route", "web", "--type=json", "-p", `[{"op":"replace","path":"/spec/to/weight","value":7}]`)
	if err != nil || *getRoute(t, ns, "web").Spec.To.Weight != 7 {
		t.Fatalf("JSON patch: %v\n%s", err, out)
	}
	// kubectl patch without --type sends a strategic-merge patch.
	out, err = run("patch", "route", "web", "-p", `{"spec":{"path":"/strategic"}}`)
	switch {
	case !aggregated() && (err == nil || !strings.Contains(out, smpRefused)):
		t.Fatalf("strategic-merge patch of the Route CRD: %v\n%s\nwant %q", err, out, smpRefused)
	case aggregated() && (err != nil || getRoute(t, ns, "web").Spec.Path != "/strategic"):
		t.Fatalf("strategic-merge patch: %v\n%s", err, out)
	}

	// Server-side apply: kubectl owns what it applied, and a second
	// manager's change to the same field is a conflict.
	manifest := filepath.Join(t.TempDir(), "route.yaml")
	must(t, os.WriteFile(manifest, []byte(`apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: applied
spec:
  host: applied.example.com
  to: {kind: Service, name: frontend}
`), 0o600))
	if out, err := run("apply", "--server-side", "-f", manifest); err != nil {
		t.Fatalf("server-side apply: %v\n%s", err, out)
	}
	applied := getRoute(t, ns, "applied")
	if applied.Spec.Host != "applied.example.com" || ptr.Deref(applied.Spec.To.Weight, 0) != 100 || !managedBy(applied, "kubectl", metav1.ManagedFieldsOperationApply) {
		t.Fatalf("applied route: spec %+v, managed fields %+v", applied.Spec, applied.ManagedFields)
	}
	must(t, os.WriteFile(manifest, []byte(`apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: applied
spec:
  host: other.example.com
  to: {kind: Service, name: frontend}
`), 0o600))
	if out, err := run("apply", "--server-side", "--field-manager=someone-else", "-f", manifest); err == nil || !strings.Contains(out, "conflict") {
		t.Fatalf("a second manager applying spec.host: %v\n%s\nwant a conflict", err, out)
	}

	// Alternate backends without a kind, applied again (as Argo CD, Flux
	// and Helm 4 do on every sync): the second apply gives the same one
	// entry, not a duplicate.
	must(t, os.WriteFile(manifest, []byte(`apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: split
spec:
  to: {name: frontend, weight: 3}
  alternateBackends:
  - {name: canary, weight: 1}
`), 0o600))
	for i := range 2 {
		if out, err := run("apply", "--server-side", "-f", manifest); err != nil {
			t.Fatalf("server-side apply %d of alternate backends without a kind: %v\n%s", i+1, err, out)
		}
	}
	if alt := getRoute(t, ns, "split").Spec.AlternateBackends; len(alt) != 1 || alt[0].Kind != "Service" || alt[0].Name != "canary" {
		t.Fatalf("alternate backends %+v, want the one canary", alt)
	}
	// The list is one value, as in OKD's schema: after someone pointed the
	// route at another canary (oc set route-backends), applying the
	// manifest again, forced as GitOps tools do, gives its list, not both.
	if out, err := run("patch", "route", "split", "--type=merge", "-p", `{"spec":{"alternateBackends":[{"kind":"Service","name":"canary2","weight":1}]}}`); err != nil {
		t.Fatalf("merge patch of alternate backends: %v\n%s", err, out)
	}
	if out, err := run("apply", "--server-side", "--force-conflicts", "-f", manifest); err != nil {
		t.Fatalf("forced server-side apply: %v\n%s", err, out)
	}
	if alt := getRoute(t, ns, "split").Spec.AlternateBackends; len(alt) != 1 || alt[0].Name != "canary" {
		t.Fatalf("alternate backends %+v after a forced apply, want the manifest's one canary", alt)
	}

	// Routes are in the "all" category, as on OKD.
	out, err = run("get", "all", "-o", "name")
	if err != nil || !strings.Contains(out, "route.route.openshift.io/web") {
		t.Fatalf("kubectl get all: %v\n%s\nwant the Routes listed", err, out)
	}
}

func managedBy(r *routev1.Route, manager string, op metav1.ManagedFieldsOperationType) bool {
	for _, m := range r.ManagedFields {
		if m.Manager == manager && m.Operation == op {
			return true
		}
	}
	return false
}

// TestRouteFieldSelectors lists and watches Routes by the fields OKD
// supports: spec.host, spec.path and spec.to.name.
func TestRouteFieldSelectors(t *testing.T) {
	ns := newNamespace(t, "fields")
	ctx := context.Background()
	must(t, cluster.Client.Create(ctx, newRoute(ns, "a", path("/a"))))
	must(t, cluster.Client.Create(ctx, newRoute(ns, "b", func(r *routev1.Route) { r.Spec.To.Name = "other" })))
	for _, tc := range []struct{ field, value, want string }{
		{"spec.host", "a.example.com", "a"},
		{"spec.path", "/a", "a"},
		{"spec.to.name", "other", "b"},
		{"metadata.name", "b", "b"},
	} {
		var list routev1.RouteList
		must(t, cluster.Client.List(ctx, &list, client.InNamespace(ns), client.MatchingFields{tc.field: tc.value}))
		if len(list.Items) != 1 || list.Items[0].Name != tc.want {
			t.Errorf("%s=%s listed %d routes, want only %s", tc.field, tc.value, len(list.Items), tc.want)
		}
	}
	var list routev1.RouteList
	err := cluster.Client.List(ctx, &list, client.InNamespace(ns), client.MatchingFields{"spec.tls.termination": "edge"})
	if err == nil || !strings.Contains(err.Error(), "spec.tls.termination") {
		t.Errorf("an unsupported field selector: error %v, want one naming the field", err)
	}

	// A watch with a field selector sees only matching routes.
	w, err := newRouteWatch(ctx, ns, fields.OneTermEqualSelector("spec.to.name", "watched"))
	must(t, err)
	defer w.Stop()
	must(t, cluster.Client.Create(ctx, newRoute(ns, "c")))
	must(t, cluster.Client.Create(ctx, newRoute(ns, "d", func(r *routev1.Route) { r.Spec.To.Name = "watched" })))
	select {
	case ev := <-w.ResultChan():
		if r, ok := ev.Object.(*routev1.Route); ev.Type != watch.Added || !ok || r.Name != "d" {
			t.Fatalf("watch event %s %#v, want d added", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
	}
}

func newRouteWatch(ctx context.Context, ns string, sel fields.Selector) (watch.Interface, error) {
	wc, err := client.NewWithWatch(cluster.Config, client.Options{Scheme: cluster.Client.Scheme()})
	if err != nil {
		return nil, err
	}
	return wc.Watch(ctx, &routev1.RouteList{}, client.InNamespace(ns), client.MatchingFieldsSelector{Selector: sel})
}

// TestRouteStatusSubresource: a write of the route leaves status alone and
// a write of status leaves the spec alone.
func TestRouteStatusSubresource(t *testing.T) {
	ns := newNamespace(t, "subresource")
	ctx := context.Background()
	r := newRoute(ns, "web")
	must(t, cluster.Client.Create(ctx, r))
	r.Status.Ingress = []routev1.RouteIngress{{RouterName: "default", Host: r.Spec.Host,
		Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue}}}}
	r.Spec.Path = "/ignored"
	must(t, cluster.Client.Status().Update(ctx, r))
	got := getRoute(t, ns, "web")
	if got.Spec.Path != "" || len(got.Status.Ingress) != 1 {
		t.Fatalf("after a status write: path %q, status %+v", got.Spec.Path, got.Status)
	}
	got.Status.Ingress = nil
	got.Spec.Path = "/kept"
	must(t, cluster.Client.Update(ctx, got))
	got = getRoute(t, ns, "web")
	if got.Spec.Path != "/kept" || len(got.Status.Ingress) != 1 {
		t.Fatalf("after a spec write: path %q, status %+v", got.Spec.Path, got.Status)
	}
}

// TestGetRoutesColumns: kubectl get routes prints what `oc get routes`
// prints on OKD, computed by the Route API server: traffic shares, the
// termination with its insecure policy, and the routers' verdict on the host.
func TestGetRoutesColumns(t *testing.T) {
	if !aggregated() {
		t.Skip("the Route CRD prints its columns from JSONPaths: see TestPrinterColumns")
	}
	ns := newNamespace(t, "columns")
	ctx := context.Background()
	split := newRoute(ns, "split", weight(3), backends("canary"), tls("edge", insecure("Redirect")))
	split.Spec.AlternateBackends[0].Weight = ptr.To[int32](1)
	must(t, cluster.Client.Create(ctx, split))
	claimed := newRoute(ns, "claimed")
	must(t, cluster.Client.Create(ctx, claimed))
	claimed.Status.Ingress = []routev1.RouteIngress{{RouterName: "default", Host: claimed.Spec.Host,
		Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: corev1.ConditionFalse, Reason: "HostAlreadyClaimed"}}}}
	must(t, cluster.Client.Status().Update(ctx, claimed))

	kubectl := newKubectl(t)
	for _, tc := range []struct{ name, row string }{
		{"split", "split split.example.com frontend(75%),canary(25%) <all> edge/Redirect None"},
		{"claimed", "claimed HostAlreadyClaimed frontend <all> None"},
	} {
		out, err := kubectl("get", "route", tc.name, "-n", ns)
		if err != nil {
			t.Fatalf("kubectl get route %s: %v\n%s", tc.name, err, out)
		}
		wantTable(t, out, "NAME HOST/PORT PATH SERVICES PORT TERMINATION WILDCARD", tc.row)
	}
}

// TestRouteAPICertificates: with the aggregated Route API the manager keeps
// the Route API server's serving certificate, trusted by the APIService, and
// the certificates of its etcd.
func TestRouteAPICertificates(t *testing.T) {
	if !aggregated() {
		t.Skip("the Route CRD has no Route API server")
	}
	ctx := context.Background()
	secret := func(name string) *corev1.Secret {
		s := &corev1.Secret{}
		must(t, cluster.Client.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: name}, s))
		return s
	}
	leaf := func(s *corev1.Secret) *x509.Certificate {
		t.Helper()
		cert, _, err := certs.KeyPair{CertPEM: s.Data["tls.crt"], KeyPEM: s.Data["tls.key"]}.Parse()
		must(t, err)
		return cert
	}
	verify := func(cert *x509.Certificate, caPEM []byte, host string, usage x509.ExtKeyUsage) {
		t.Helper()
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(caPEM) {
			t.Fatal("no CA certificate")
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("certificate %s for %q: %v", cert.Subject.CommonName, host, err)
		}
	}

	serving := secret(names.RouteAPIServerCertSecretName)
	var api apiregistrationv1.APIService
	must(t, cluster.Client.Get(ctx, client.ObjectKey{Name: names.RouteAPIServiceName}, &api))
	verify(leaf(serving), api.Spec.CABundle, names.RouteAPIServerServiceDNS(names.OperatorNamespace), x509.ExtKeyUsageServerAuth)

	// etcd: members serve and talk to peers under the headless Service;
	// the Route API server is the client.
	eventually(t, func() bool {
		s := &corev1.Secret{}
		err := cluster.Client.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: names.RouteEtcdClientSecretName}, s)
		return err == nil
	})
	members := secret(names.RouteEtcdServingSecretName)
	caPEM := members.Data["ca.crt"]
	member := "okd-ingress-route-etcd-0." + names.RouteEtcdName + "." + names.OperatorNamespace + ".svc"
	verify(leaf(members), caPEM, member, x509.ExtKeyUsageServerAuth)
	verify(leaf(members), caPEM, "", x509.ExtKeyUsageClientAuth)
	clientCert := leaf(secret(names.RouteEtcdClientSecretName))
	verify(clientCert, caPEM, "", x509.ExtKeyUsageClientAuth)
	if clientCert.Subject.CommonName != etcdcert.ClientUser {
		t.Errorf("etcd client certificate for %q, want %q", clientCert.Subject.CommonName, etcdcert.ClientUser)
	}
	if _, found := members.Data["ca.key"]; found {
		t.Error("the members' Secret carries the CA key")
	}
}

func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEtcdCertificateRenewal: leaves are re-issued a month before they
// expire, under the same CA, and everything is re-issued with a new CA.
func TestEtcdCertificateRenewal(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "etcd-certs")
	serial := func(name string) string {
		s := &corev1.Secret{}
		must(t, cluster.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s))
		cert, _, err := certs.KeyPair{CertPEM: s.Data["tls.crt"], KeyPEM: s.Data["tls.key"]}.Parse()
		if name == names.RouteEtcdCASecretName {
			cert, _, err = certs.KeyPair{CertPEM: s.Data["ca.crt"], KeyPEM: s.Data["ca.key"]}.Parse()
		}
		must(t, err)
		return cert.SerialNumber.String()
	}
	all := []string{names.RouteEtcdCASecretName, names.RouteEtcdServingSecretName, names.RouteEtcdClientSecretName}
	snapshot := func() map[string]string {
		out := map[string]string{}
		for _, n := range all {
			out[n] = serial(n)
		}
		return out
	}
	// The etcd member's pod (no node: the API server deletes it at once).
	member := func() *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: etcdcert.Member},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "etcd", Image: "etcd"}}}}
		must(t, cluster.Client.Create(ctx, p))
		return p
	}
	memberIs := func(when string, p *corev1.Pod, want bool) {
		t.Helper()
		got := &corev1.Pod{}
		err := cluster.Client.Get(ctx, client.ObjectKeyFromObject(p), got)
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if kept := err == nil && got.UID == p.UID; kept != want {
			t.Errorf("%s: member kept %v, want %v", when, kept, want)
		}
	}
	installed := member() // made with the StatefulSet, before the manager made a CA
	now := time.Now()
	must(t, etcdcert.Ensure(ctx, cluster.Client, ns, now))
	memberIs("made before the CA", installed, false)
	first := snapshot()
	// The API server stamps creation in whole seconds, the Secret is
	// stamped alike, and a pod of the same second is restarted too.
	time.Sleep(time.Until(now.Truncate(time.Second).Add(time.Second)))
	pod := member()
	must(t, etcdcert.Ensure(ctx, cluster.Client, ns, now.Add(24*time.Hour)))
	if got := snapshot(); got[names.RouteEtcdServingSecretName] != first[names.RouteEtcdServingSecretName] || got[names.RouteEtcdClientSecretName] != first[names.RouteEtcdClientSecretName] {
		t.Fatalf("certificates re-issued a day later: %v → %v", first, got)
	}
	must(t, etcdcert.Ensure(ctx, cluster.Client, ns, now.Add(340*24*time.Hour)))
	renewed := snapshot()
	if renewed[names.RouteEtcdCASecretName] != first[names.RouteEtcdCASecretName] ||
		renewed[names.RouteEtcdServingSecretName] == first[names.RouteEtcdServingSecretName] ||
		renewed[names.RouteEtcdClientSecretName] == first[names.RouteEtcdClientSecretName] {
		t.Fatalf("25 days before expiry: %v → %v, want new leaves under the same CA", first, renewed)
	}
	// etcd reads renewed leaves at each handshake: no restart for them.
	memberIs("leaves renewed under the same CA", pod, true)
	// A CA Secret restored from a backup: an older CA, still valid, which
	// the members must come to trust (here the leaves, dated in the future
	// by the steps above, are also re-issued).
	restored, err := certs.NewCA("restored", 10*365*24*time.Hour, now.Add(-30*24*time.Hour))
	must(t, err)
	caSecret := &corev1.Secret{}
	must(t, cluster.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: names.RouteEtcdCASecretName}, caSecret))
	caSecret.Data = map[string][]byte{"ca.crt": restored.CertPEM, "ca.key": restored.KeyPEM}
	must(t, cluster.Client.Update(ctx, caSecret))
	must(t, etcdcert.Ensure(ctx, cluster.Client, ns, time.Now()))
	memberIs("a restored CA", pod, false)
	renewed = snapshot()
	pod = member()
	must(t, etcdcert.Ensure(ctx, cluster.Client, ns, now.Add(10*365*24*time.Hour)))
	for n, s := range snapshot() {
		if s == renewed[n] {
			t.Errorf("%s kept when the CA expired", n)
		}
	}
	memberIs("a new CA", pod, false)
}

// TestEtcdCARotation: a new etcd CA is trusted (and the trust written,
// restarting etcd and the Route API server) before it signs anything, and
// the old one while leaves it signed are kept, so the two never distrust
// each other; a lost CA Secret keeps the leaves and trusts both CAs.
func TestEtcdCARotation(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "etcd-ca-rotation")
	year, day := 365*24*time.Hour, 24*time.Hour
	secret := func(name string) *corev1.Secret {
		s := &corev1.Secret{}
		must(t, cluster.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s))
		return s
	}
	serialsOf := func(pem []byte) []string {
		cs, err := certs.ParseCertificates(pem)
		must(t, err)
		var out []string
		for _, c := range cs {
			out = append(out, c.SerialNumber.String())
		}
		slices.Sort(out)
		return out
	}
	type state struct {
		ca, next, serving, client, written string
		trusted                            []string // the leaf Secrets' ca.crt
		servingPEM, clientPEM, bundle      []byte
	}
	read := func() state {
		ca, serving, cl := secret(names.RouteEtcdCASecretName), secret(names.RouteEtcdServingSecretName), secret(names.RouteEtcdClientSecretName)
		st := state{ca: serialsOf(ca.Data["ca.crt"])[0], serving: serialsOf(serving.Data["tls.crt"])[0],
			client: serialsOf(cl.Data["tls.crt"])[0], written: serving.Annotations[etcdcert.CAWrittenAnnotation],
			trusted: serialsOf(serving.Data["ca.crt"]), servingPEM: serving.Data["tls.crt"], clientPEM: cl.Data["tls.crt"],
			bundle: serving.Data["ca.crt"]}
		if next := ca.Data["next.crt"]; next != nil {
			st.next = serialsOf(next)[0]
		}
		if got := serialsOf(cl.Data["ca.crt"]); !slices.Equal(got, st.trusted) {
			t.Errorf("the client's trusted CAs %v differ from the members' %v", got, st.trusted)
		}
		return st
	}
	// trusts reports whether a process that loaded bundle accepts leaf.
	trusts := func(bundle, leaf []byte, at time.Time) bool {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(bundle)
		cs, err := certs.ParseCertificates(leaf)
		must(t, err)
		_, err = cs[0].Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err == nil
	}
	var last state
	ensure := func(at time.Duration) state {
		t.Helper()
		when := clock0.Add(at)
		must(t, etcdcert.Ensure(ctx, cluster.Client, ns, when))
		now := read()
		// etcd and the API server restart, and the kubelet updates their
		// files, each in its own time: whichever of the old and new trust
		// one holds, it accepts whichever of the old and new leaves the
		// other presents.
		if last.bundle != nil {
			for _, b := range [][]byte{last.bundle, now.bundle} {
				for _, l := range [][]byte{last.servingPEM, now.servingPEM, last.clientPEM, now.clientPEM} {
					if cs, _ := certs.ParseCertificates(l); !when.Before(cs[0].NotAfter) {
						continue // expired: the process that has it has been refused anyway
					}
					if !trusts(b, l, when) {
						t.Errorf("at %v: a leaf is not trusted by one of the bundles (%+v → %+v)", at, last.trusted, now.trusted)
					}
				}
			}
		}
		last = now
		return now
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }

	first := ensure(0)
	if first.next != "" || !slices.Equal(first.trusted, []string{first.ca}) {
		t.Fatalf("first start: %+v, want one CA, trusted alone", first)
	}
	// A spoiled successor is trusted by nobody.
	caSecret := secret(names.RouteEtcdCASecretName)
	caSecret.Data["next.crt"], caSecret.Data["next.key"] = first.servingPEM, []byte("junk")
	must(t, cluster.Client.Update(ctx, caSecret))
	if spoiled := ensure(year); spoiled.next != "" || !slices.Equal(spoiled.trusted, first.trusted) {
		t.Fatalf("a spoiled successor: %+v, want it dropped", spoiled)
	}
	// The CA's last two years: a successor, trusted at once, signing nothing.
	pre := ensure(8*year + 100*day)
	if pre.ca != first.ca || pre.next == "" || !slices.Equal(pre.trusted, sorted(pre.ca, pre.next)) || pre.written == first.written {
		t.Fatalf("two years before the CA ends: %+v, want its successor trusted beside it", pre)
	}
	// Its last year: the successor signs; the leaves the old CA signed stay,
	// and so does the trust in it: nothing is written, nothing restarts.
	promoted := ensure(9*year + 10*day)
	if promoted.ca != pre.next || promoted.next != "" || promoted.serving != pre.serving || promoted.client != pre.client ||
		!slices.Equal(promoted.trusted, pre.trusted) || promoted.written != pre.written {
		t.Fatalf("the CA's last year: %+v → %+v, want the successor signing and the same leaves and trust", pre, promoted)
	}
	// The leaves renewed under the new CA; the old one stays trusted until
	// the next check, as the processes present the old leaves until the
	// kubelet has updated their files.
	renewing := ensure(9*year + 80*day)
	if renewing.serving == promoted.serving || renewing.client == promoted.client || !slices.Equal(renewing.trusted, promoted.trusted) ||
		renewing.written != promoted.written {
		t.Fatalf("leaves renewed: %+v → %+v, want them under the new CA, the old one still trusted", promoted, renewing)
	}
	if !trusts(secret(names.RouteEtcdCASecretName).Data["ca.crt"], renewing.servingPEM, clock0.Add(9*year+80*day)) {
		t.Fatal("the renewed leaf is not the new CA's")
	}
	// Another manager replica's check a minute later: still trusted, as
	// the kubelet may not have updated the files yet.
	if soon := ensure(9*year + 80*day + time.Minute); !slices.Equal(soon.trusted, renewing.trusted) || soon.written != renewing.written {
		t.Fatalf("a check a minute after the renewal: %+v → %+v, want the old CA still trusted", renewing, soon)
	}
	// The next check: the old CA is trusted no more.
	renewed := ensure(9*year + 80*day + 6*time.Hour)
	if renewed.serving != renewing.serving || !slices.Equal(renewed.trusted, []string{renewed.ca}) || renewed.written == renewing.written {
		t.Fatalf("a check after the renewal: %+v → %+v, want the new CA trusted alone", renewing, renewed)
	}
	// A lost CA Secret, in the leaves' last month: a new CA, trusted beside
	// the one of the leaves, which stay though due, until the processes
	// have had time to trust it.
	must(t, cluster.Client.Delete(ctx, secret(names.RouteEtcdCASecretName)))
	lost := ensure(10*year + 60*day)
	if lost.ca == renewed.ca || lost.serving != renewed.serving || lost.client != renewed.client ||
		!slices.Equal(lost.trusted, sorted(lost.ca, renewed.ca)) || lost.written == renewed.written {
		t.Fatalf("CA Secret lost: %+v → %+v, want a new CA trusted beside the leaves' own", renewed, lost)
	}
	if again := ensure(10*year + 60*day + time.Minute); again.serving != lost.serving || again.written != lost.written {
		t.Fatalf("a minute later: %+v → %+v, want the leaves kept while the new trust settles", lost, again)
	}
	// Settled: the leaves are renewed under the new CA, the old one
	// trusted a little longer, then not at all.
	settled := ensure(10*year + 60*day + 6*time.Hour)
	if settled.serving == lost.serving || settled.client == lost.client || !slices.Equal(settled.trusted, lost.trusted) {
		t.Fatalf("six hours later: %+v → %+v, want the leaves renewed, the trust as it was", lost, settled)
	}
	after := ensure(10*year + 60*day + 12*time.Hour)
	if !slices.Equal(after.trusted, []string{after.ca}) {
		t.Fatalf("twelve hours later: %+v, want the new CA trusted alone", after)
	}
	// A lost CA Secret in the leaves' last hours: they cannot wait for the
	// next check, and are re-issued at once (a window until both restart).
	must(t, cluster.Client.Delete(ctx, secret(names.RouteEtcdCASecretName)))
	last = state{}
	if late := ensure(11*year + 60*day + 3*time.Hour); late.serving == after.serving || late.client == after.client {
		t.Fatalf("CA Secret lost three hours before the leaves expire: %+v → %+v, want them re-issued", after, late)
	}
	// The CA and the leaves lost (to replace a CA at once): all new, the
	// new CA trusted alone (the one case where the two distrust each other
	// until both have restarted).
	for _, n := range []string{names.RouteEtcdCASecretName, names.RouteEtcdServingSecretName, names.RouteEtcdClientSecretName} {
		must(t, cluster.Client.Delete(ctx, secret(n)))
	}
	last = state{}
	anew := ensure(11*year + 70*day)
	if anew.ca == lost.ca || anew.serving == lost.serving || !slices.Equal(anew.trusted, []string{anew.ca}) {
		t.Fatalf("everything lost: %+v, want a new CA trusted alone", anew)
	}
}

// clock0 is the start of TestEtcdCARotation's years.
var clock0 = time.Now()

// TestRouteProtobufAccept: a client that prefers protobuf with JSON as its
// fallback, as client-go asks, gets JSON (the Route types, like OKD's
// before generated protobuf, are served as JSON), not 406.
func TestRouteProtobufAccept(t *testing.T) {
	ns := newNamespace(t, "protobuf")
	must(t, cluster.Client.Create(context.Background(), newRoute(ns, "proto")))
	cfg := rest.CopyConfig(cluster.Config)
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	hc, err := rest.HTTPClientFor(cfg)
	must(t, err)
	for _, path := range []string{"/apis/route.openshift.io/v1/namespaces/" + ns + "/routes/proto", "/apis/route.openshift.io/v1/namespaces/" + ns + "/routes"} {
		req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
		must(t, err)
		req.Header.Set("Accept", cfg.AcceptContentTypes)
		resp, err := hc.Do(req)
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s: %.200s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestRouteOpenAPI: the OpenAPI document names Route by its one version
// (no internal version a client cannot ask for) and gives an alternate
// backend's kind the default the server applies.
func TestRouteOpenAPI(t *testing.T) {
	kc, err := kubernetes.NewForConfig(cluster.Config)
	must(t, err)
	// The main API server publishes the group's document once it has read it.
	var doc []byte
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		doc, err = kc.Discovery().RESTClient().Get().AbsPath("/openapi/v3/apis/route.openshift.io/v1").DoRaw(context.Background())
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	must(t, err)
	var v3 struct {
		Components struct {
			Schemas map[string]struct {
				GVK        []map[string]string `json:"x-kubernetes-group-version-kind"`
				Properties map[string]struct {
					Default any `json:"default"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	must(t, json.Unmarshal(doc, &v3))
	var route, target string
	for name, s := range v3.Components.Schemas {
		for _, gvk := range s.GVK {
			if gvk["kind"] == "Route" {
				route += gvk["version"] + " "
			}
		}
		if strings.HasSuffix(name, ".RouteTargetReference") {
			target = fmt.Sprint(s.Properties["kind"].Default)
		}
	}
	if route != "v1 " {
		t.Errorf("Route's versions in the OpenAPI document: %q, want v1 only", route)
	}
	// (The CRD's schema is inline, with the same default: the apply test.)
	if aggregated() && target != "Service" {
		t.Errorf("RouteTargetReference's kind defaults to %q, want Service", target)
	}
}

package ingress

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// Timing: the controller answers in milliseconds; these are upper bounds
// for a loaded 2-core machine. quiet is how long a settled state must hold.
const (
	settle = 30 * time.Second
	quiet  = 2 * time.Second
	poll   = 100 * time.Millisecond
)

// Ingress side: the reference's Ingress "1" and its parts.

type ingMod func(*networkingv1.Ingress)

func newIngress(mods ...ingMod) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "1"}}
	for _, m := range mods {
		m(ing)
	}
	return ing
}

var (
	prefix   = ptr.To(networkingv1.PathTypePrefix)
	exact    = ptr.To(networkingv1.PathTypeExact)
	implSpec = ptr.To(networkingv1.PathTypeImplementationSpecific)
)

func portName(n string) networkingv1.ServiceBackendPort {
	return networkingv1.ServiceBackendPort{Name: n}
}
func portNum(n int32) networkingv1.ServiceBackendPort {
	return networkingv1.ServiceBackendPort{Number: n}
}

func path(p string, pt *networkingv1.PathType, svc string, port networkingv1.ServiceBackendPort) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: pt, Backend: networkingv1.IngressBackend{
		Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port},
	}}
}

// stdPath is the reference's "std path": /, Prefix, service-1 port http.
var stdPath = path("/", prefix, "service-1", portName("http"))

func rule(host string, paths ...networkingv1.HTTPIngressPath) ingMod {
	return func(ing *networkingv1.Ingress) {
		r := networkingv1.IngressRule{Host: host}
		if paths != nil {
			r.HTTP = &networkingv1.HTTPIngressRuleValue{Paths: paths}
		}
		ing.Spec.Rules = append(ing.Spec.Rules, r)
	}
}

func std(ing *networkingv1.Ingress) { rule("test.com", stdPath)(ing) }

func annotate(kv ...string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Annotations = pairs(ing.Annotations, kv...) }
}

func label(kv ...string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Labels = pairs(ing.Labels, kv...) }
}

func pairs(m map[string]string, kv ...string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func tlsFor(secret string, hosts ...string) ingMod {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.TLS = append(ing.Spec.TLS, networkingv1.IngressTLS{Hosts: hosts, SecretName: secret})
	}
}

func class(name string) ingMod {
	return func(ing *networkingv1.Ingress) { ing.Spec.IngressClassName = ptr.To(name) }
}

func named(name string) ingMod { return func(ing *networkingv1.Ingress) { ing.Name = name } }

func defaultBackend(svc string, port networkingv1.ServiceBackendPort) ingMod {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port}}
	}
}

// Route side: Routes as the API stores them, defaults applied.

type routeMod func(*routev1.Route)

// route is a Route of Ingress "1" with the std host and path: what the
// controller generates for stdPath. The owner's uid is filled in by env.
func route(mods ...routeMod) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Annotations:     map[string]string{names.PathTypeAnnotation: "Prefix"},
			OwnerReferences: []metav1.OwnerReference{owner("networking.k8s.io/v1", "1", true)},
		},
		Spec: routev1.RouteSpec{Host: "test.com", Path: "/", To: routev1.RouteTargetReference{Kind: "Service", Name: "service-1"},
			Port: &routev1.RoutePort{TargetPort: intstr.FromString("http")}},
	}
	for _, m := range mods {
		m(r)
	}
	routeapi.Default(r)
	return r
}

func owner(apiVersion, name string, controller bool) metav1.OwnerReference {
	ref := metav1.OwnerReference{APIVersion: apiVersion, Kind: "Ingress", Name: name}
	if controller {
		ref.Controller = ptr.To(true)
	}
	return ref
}

func rName(n string) routeMod    { return func(r *routev1.Route) { r.Name = n } }
func rHost(h string) routeMod    { return func(r *routev1.Route) { r.Spec.Host = h } }
func rPath(p string) routeMod    { return func(r *routev1.Route) { r.Spec.Path = p } }
func rService(s string) routeMod { return func(r *routev1.Route) { r.Spec.To.Name = s } }
func rWeight(w int32) routeMod   { return func(r *routev1.Route) { r.Spec.To.Weight = ptr.To(w) } }
func rPort(p string) routeMod {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromString(p)} }
}
func rPortInt(p int32) routeMod {
	return func(r *routev1.Route) { r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.FromInt32(p)} }
}
func rNoPort(r *routev1.Route) { r.Spec.Port = nil }
func rWildcard(r *routev1.Route) {
	r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain
}
func rAnnotate(kv ...string) routeMod {
	return func(r *routev1.Route) { r.Annotations = pairs(r.Annotations, kv...) }
}
func rLabel(kv ...string) routeMod {
	return func(r *routev1.Route) { r.Labels = pairs(r.Labels, kv...) }
}
func rPathType(t string) routeMod { return rAnnotate(names.PathTypeAnnotation, t) }
func rOwners(refs ...metav1.OwnerReference) routeMod {
	return func(r *routev1.Route) { r.OwnerReferences = refs }
}

// rDefaultBackend marks the Route of a default backend: no path, no
// path type, and a host the API generates from its name.
func rDefaultBackend(r *routev1.Route) {
	r.Spec.Host, r.Spec.Path = "", ""
	delete(r.Annotations, names.PathTypeAnnotation)
	r.Annotations[names.DefaultBackendAnnotation] = "true"
	r.Annotations[names.HostGeneratedAnnotation] = "true"
}

// rTLS sets spec.tls: termination, insecure policy, then certificate, key
// and destination CA.
func rTLS(term, insecure string, certKeyDest ...string) routeMod {
	return func(r *routev1.Route) {
		t := &routev1.TLSConfig{Termination: routev1.TLSTerminationType(term),
			InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyType(insecure)}
		f := []*string{&t.Certificate, &t.Key, &t.DestinationCACertificate}
		for i, v := range certKeyDest {
			*f[i] = v
		}
		r.Spec.TLS = t
	}
}

// Fixtures.

func svcPort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromInt32(8080)}
}

// service is headless: the controller needs only its ports, and the test
// Service range is small.
func service(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: ports}}
}

func secret(name string, typ corev1.SecretType, kv ...string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: typ, Data: map[string][]byte{}}
	for i := 0; i < len(kv); i += 2 {
		s.Data[kv[i]] = []byte(kv[i+1])
	}
	return s
}

// fixtures are the reference's Services and Secrets, plus a Service with
// one unnamed port. The API refuses a kubernetes.io/tls Secret without
// both keys: secret-2 (no tls.crt) cannot exist, and secret-ca-cert has an
// empty tls.key.
func fixtures() []client.Object {
	return []client.Object{
		service("service-1", svcPort("http", 80)),
		service("service-2", svcPort("80-tcp", 80)),
		service("unnamed", svcPort("", 80)),
		service("ingress-endpoint-1", svcPort("http", 80)),
		service("ingress-endpoint-2", svcPort("80-tcp", 80)),
		secret("secret-0", corev1.SecretTypeOpaque, "tls.crt", "cert", "tls.key", "key"),
		secret("secret-1", corev1.SecretTypeTLS, "tls.crt", "cert", "tls.key", "key"),
		secret("secret-1a", corev1.SecretTypeTLS, "tls.crt", "cert", "tls.key", "key2"),
		secret("secret-3", corev1.SecretTypeTLS, "tls.crt", "", "tls.key", ""),
		secret("secret-ca-cert", corev1.SecretTypeTLS, "tls.crt", "CAcert", "tls.key", ""),
		secret("secret-ca-cert-opaque", corev1.SecretTypeOpaque, "tls.crt", "CAcert-from-opaque"),
	}
}

// env is one case's namespace and Ingress.
type env struct {
	t   *testing.T
	ctx context.Context
	c   client.Client
	ns  string
	ing *networkingv1.Ingress
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, ctx: context.Background(), c: cluster.Client, ns: newNamespace(t)}
	for _, obj := range fixtures() {
		e.create(obj)
	}
	return e
}

// allowDefaultBackend labels the env's namespace so that its Ingresses'
// default backends are used, or takes the label away.
func (e *env) allowDefaultBackend(allow bool) {
	e.t.Helper()
	ns := &corev1.Namespace{}
	e.eventually("label namespace", func() error {
		if err := e.c.Get(e.ctx, client.ObjectKey{Name: e.ns}, ns); err != nil {
			return err
		}
		if allow {
			ns.Labels = map[string]string{names.DefaultBackendNamespaceLabel: names.DefaultBackendAllowed}
		} else {
			delete(ns.Labels, names.DefaultBackendNamespaceLabel)
		}
		return e.c.Update(e.ctx, ns)
	})
}

func (e *env) create(obj client.Object) {
	e.t.Helper()
	obj.SetNamespace(e.ns)
	if err := e.c.Create(e.ctx, obj); err != nil {
		e.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// update reads obj afresh, changes it and writes it, retrying on conflicts.
func (e *env) update(obj client.Object, change func()) {
	e.t.Helper()
	e.eventually("update "+obj.GetName(), func() error {
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: e.ns, Name: obj.GetName()}, obj); err != nil {
			return err
		}
		change()
		return e.c.Update(e.ctx, obj)
	})
}

func (e *env) delete(obj client.Object) {
	e.t.Helper()
	obj.SetNamespace(e.ns)
	if err := e.c.Delete(e.ctx, obj); err != nil {
		e.t.Fatalf("deleting %T %s: %v", obj, obj.GetName(), err)
	}
}

// updateIngress changes the case's Ingress.
func (e *env) updateIngress(change func(*networkingv1.Ingress)) {
	e.t.Helper()
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: e.ing.Name}}
	e.update(ing, func() { change(ing) })
	e.ing = ing
}

func (e *env) eventually(what string, f func() error) {
	e.t.Helper()
	deadline := time.Now().Add(settle)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(poll)
	}
}

func (e *env) consistently(what string, f func() error) {
	e.t.Helper()
	for deadline := time.Now().Add(quiet); time.Now().Before(deadline); time.Sleep(poll) {
		if err := f(); err != nil {
			e.t.Fatalf("%s: %v", what, err)
		}
	}
}

func (e *env) routes() []routev1.Route {
	e.t.Helper()
	var list routev1.RouteList
	if err := e.c.List(e.ctx, &list, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	return list.Items
}

// expectRoutes waits until the namespace holds exactly want, then checks
// that it keeps holding it (no late duplicate, no late write), and returns
// the Routes.
func (e *env) expectRoutes(want ...*routev1.Route) []routev1.Route {
	e.t.Helper()
	var got []routev1.Route
	check := func() error {
		got = e.routes()
		return e.compare(want, got)
	}
	e.eventually("routes", check)
	before := got
	e.consistently("routes", func() error {
		if err := check(); err != nil {
			return err
		}
		return sameVersions(before, got)
	})
	return got
}

func sameVersions(a, b []routev1.Route) error {
	versions := map[string]string{}
	for _, r := range a {
		versions[r.Name] = r.ResourceVersion
	}
	for _, r := range b {
		if versions[r.Name] != r.ResourceVersion {
			return fmt.Errorf("route %s was written again once settled", r.Name)
		}
	}
	return nil
}

// shape is what a case asserts of a Route: everything users and routers
// read, without what the API server fills in.
type shape struct {
	Name        string                  `json:"name"`
	Labels      map[string]string       `json:"labels,omitempty"`
	Annotations map[string]string       `json:"annotations,omitempty"`
	Owners      []metav1.OwnerReference `json:"owners,omitempty"`
	Spec        routev1.RouteSpec       `json:"spec"`
}

// generatedName matches OKD's names for Routes of Ingress "1".
const generatedName = "<generated>"

func (e *env) shapeOf(r *routev1.Route, wanted bool) shape {
	s := shape{Name: r.Name, Labels: r.Labels, Annotations: r.Annotations, Spec: r.Spec}
	for _, o := range r.OwnerReferences {
		if wanted && o.UID == "" {
			o.UID = e.ownerUID(o.Name)
		}
		s.Owners = append(s.Owners, o)
	}
	if !wanted {
		if regexp.MustCompile(`^` + regexp.QuoteMeta(e.ingName()) + `-[bcdfghjklmnpqrstvwxz2456789]{5}$`).MatchString(r.Name) {
			s.Name = generatedName
		}
		return s
	}
	if s.Name == "" {
		s.Name = generatedName
	}
	return s
}

func (e *env) ingName() string {
	if e.ing == nil {
		return "1"
	}
	return e.ing.Name
}

// compare checks got against want, in any order. A default backend's
// generated host is checked against its Route's name.
func (e *env) compare(want []*routev1.Route, got []routev1.Route) error {
	var ws, gs []shape
	for _, w := range want {
		ws = append(ws, e.shapeOf(w, true))
	}
	for i := range got {
		g := e.shapeOf(&got[i], false)
		if g.Annotations[names.DefaultBackendAnnotation] == "true" && g.Spec.Host == routeapi.GenerateHost(got[i].Name, e.ns, testDomain) {
			g.Spec.Host = "" // as wanted: generated from the name
		}
		gs = append(gs, g)
	}
	sortShapes(ws)
	sortShapes(gs)
	if d := diff.Diff(ws, gs); d != "" {
		return fmt.Errorf("routes (-want +got):\n%s", d)
	}
	return nil
}

func sortShapes(s []shape) {
	key := func(x shape) string { b, _ := json.Marshal(x); return string(b) }
	sort.Slice(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}

// events are the events about the case's Ingress, as "Type Reason Note".
func (e *env) events() []string {
	e.t.Helper()
	var list eventsv1.EventList
	if err := e.c.List(e.ctx, &list, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range list.Items {
		if ev.Regarding.Kind == "Ingress" && ev.Regarding.Name == e.ingName() {
			out = append(out, ev.Type+" "+ev.Reason+" "+ev.Note)
		}
	}
	return out
}

// expectEvents waits for each wanted event; one starting with "re:" is a
// regular expression.
func (e *env) expectEvents(want ...string) {
	e.t.Helper()
	e.eventually("events", func() error {
		got := e.events()
		for _, w := range want {
			if !slices.ContainsFunc(got, func(g string) bool { return matches(w, g) }) {
				return fmt.Errorf("no event %q among %q", w, got)
			}
		}
		return nil
	})
}

func matches(want, got string) bool {
	if re, ok := strings.CutPrefix(want, "re:"); ok {
		return regexp.MustCompile(re).MatchString(got)
	}
	return want == got
}

// expectStatus waits for the Ingress's load balancer hostnames, in order.
func (e *env) expectStatus(want ...string) {
	e.t.Helper()
	e.eventually("ingress status", func() error { return e.statusIs(want) })
}

// holdStatus checks that the Ingress's load balancer hostnames stay want,
// in order, for the quiet window: a status that already matched when
// first polled (the controller not yet run, or about to rewrite it) is
// only an end state once it has held.
func (e *env) holdStatus(want ...string) {
	e.t.Helper()
	e.consistently("ingress status", func() error { return e.statusIs(want) })
}

func (e *env) statusIs(want []string) error {
	var ing networkingv1.Ingress
	if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: e.ns, Name: e.ingName()}, &ing); err != nil {
		return err
	}
	var got []string
	for _, in := range ing.Status.LoadBalancer.Ingress {
		got = append(got, in.Hostname)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("status.loadBalancer.ingress hostnames %q, want %q", got, want)
	}
	return nil
}

// admit writes router status entries on a Route, as a router would.
func (e *env) admit(name string, entries ...admission) {
	e.t.Helper()
	rt := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Name: name}}
	e.eventually("route status", func() error {
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: e.ns, Name: name}, rt); err != nil {
			return err
		}
		rt.Status.Ingress = nil
		for _, a := range entries {
			rt.Status.Ingress = append(rt.Status.Ingress, a.entry(rt.Spec.Host))
		}
		return e.c.Status().Update(e.ctx, rt)
	})
}

// admission is one router's verdict on a Route.
type admission struct {
	router, canonical string
	admitted          corev1.ConditionStatus
}

func (a admission) entry(host string) routev1.RouteIngress {
	return routev1.RouteIngress{Host: host, RouterName: a.router, RouterCanonicalHostname: a.canonical,
		Conditions: []routev1.RouteIngressCondition{{Type: routev1.RouteAdmitted, Status: a.admitted}}}
}

var (
	fooAdmitted = admission{"foo", "apps.foo.com", corev1.ConditionTrue}
	barAdmitted = admission{"bar", "apps.bar.com", corev1.ConditionTrue}
	barRejected = admission{"bar", "apps.bar.com", corev1.ConditionFalse}
)

// setIngressStatus writes the Ingress's load balancer hostnames.
func (e *env) setIngressStatus(hosts ...string) {
	e.t.Helper()
	ing := &networkingv1.Ingress{}
	e.eventually("ingress status", func() error {
		if err := e.c.Get(e.ctx, client.ObjectKey{Namespace: e.ns, Name: e.ingName()}, ing); err != nil {
			return err
		}
		ing.Status.LoadBalancer.Ingress = nil
		for _, h := range hosts {
			ing.Status.LoadBalancer.Ingress = append(ing.Status.LoadBalancer.Ingress, networkingv1.IngressLoadBalancerIngress{Hostname: h})
		}
		return e.c.Status().Update(e.ctx, ing)
	})
}

// createIngress creates ing. With existing Routes (or a status) to set up
// first, it is created parked (naming an IngressClass that does not exist,
// so the controller leaves it alone), the Routes are created owned by it,
// and only then is it given its own class and annotations: the controller
// first sees it with its Routes in place, as OKD's tests give them. An
// Ingress with both a class annotation and spec.ingressClassName is parked
// too, since the API accepts both only on update.
func (e *env) createIngress(ing *networkingv1.Ingress, setUp func()) {
	e.t.Helper()
	e.ing = ing.DeepCopy()
	_, annotated := ing.Annotations[names.IngressClassAnnotation]
	if setUp == nil && !(annotated && ing.Spec.IngressClassName != nil) {
		e.create(e.ing)
		return
	}
	delete(e.ing.Annotations, names.IngressClassAnnotation)
	e.ing.Spec.IngressClassName = ptr.To("parked")
	e.create(e.ing)
	if setUp != nil {
		setUp()
	}
	e.updateIngress(func(cur *networkingv1.Ingress) {
		cur.Annotations, cur.Spec.IngressClassName = maps.Clone(ing.Annotations), ing.Spec.IngressClassName
	})
}

// createRoute creates an existing Route of the case, owned as it says.
func (e *env) createRoute(r *routev1.Route) {
	e.t.Helper()
	r = r.DeepCopy()
	for i := range r.OwnerReferences {
		if r.OwnerReferences[i].UID == "" {
			r.OwnerReferences[i].UID = e.ownerUID(r.OwnerReferences[i].Name)
		}
	}
	e.create(r)
}

// ownerUID is the uid in owner references to the named Ingress: the
// case's Ingress, or another one that does not exist.
func (e *env) ownerUID(name string) types.UID {
	if e.ing != nil && name == e.ing.Name {
		return e.ing.UID
	}
	return "uid-of-another-ingress"
}

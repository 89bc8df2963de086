package admission

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// base is the creation time of the oldest route of a case; a route's age
// argument counts seconds after it, so a smaller number is an older route.
var base = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type opt func(*routev1.Route)

// route builds a route as the API stores it (not defaulted: admission must
// cope with what a CRD-only install lets through).
func route(ns, name string, created int, host string, opts ...opt) *routev1.Route {
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name,
			UID:               types.UID(fmt.Sprintf("uid-%s-%s", ns, name)),
			CreationTimestamp: metav1.NewTime(base.Add(time.Duration(created) * time.Second)),
		},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: "svc"}},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func path(p string) opt      { return func(r *routev1.Route) { r.Spec.Path = p } }
func subdomain(s string) opt { return func(r *routev1.Route) { r.Spec.Subdomain = s } }
func uid(u string) opt       { return func(r *routev1.Route) { r.UID = types.UID(u) } }
func wildcard() opt {
	return func(r *routev1.Route) { r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain }
}
func tls(t routev1.TLSConfig) opt { return func(r *routev1.Route) { r.Spec.TLS = &t } }
func annotate(k, v string) opt {
	return func(r *routev1.Route) {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[k] = v
	}
}
func pathType(t string) opt { return annotate(names.PathTypeAnnotation, t) }
func setHeader(name, value string) opt {
	return func(r *routev1.Route) {
		r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
			Request: []routev1.RouteHTTPHeader{{Name: name, Action: routev1.RouteHTTPHeaderActionUnion{
				Type: routev1.Set, Set: &routev1.RouteSetHTTPHeader{Value: value}}}},
		}}
	}
}

// pki holds the certificates of the TLS cases, generated once.
type pki struct {
	ca, otherCA    certs.KeyPair
	leaf, other    certs.KeyPair // leaf is signed by ca, other by otherCA
	wildcardLeaf   certs.KeyPair
	caPEM, leafPEM string
}

var (
	pkiOnce sync.Once
	testPKI pki
	pkiErr  error
)

func fixtures(t *testing.T) pki {
	t.Helper()
	pkiOnce.Do(func() {
		now := time.Now()
		var p pki
		if p.ca, pkiErr = certs.NewCA("test-ca", 24*time.Hour, now); pkiErr != nil {
			return
		}
		if p.otherCA, pkiErr = certs.NewCA("other-ca", 24*time.Hour, now); pkiErr != nil {
			return
		}
		if p.leaf, pkiErr = certs.NewServingCert(p.ca, []string{"secure.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		if p.other, pkiErr = certs.NewServingCert(p.otherCA, []string{"secure.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		if p.wildcardLeaf, pkiErr = certs.NewServingCert(p.ca, []string{"*.example.com"}, nil, 24*time.Hour, now); pkiErr != nil {
			return
		}
		p.caPEM, p.leafPEM = string(p.ca.CertPEM), string(p.leaf.CertPEM)
		testPKI = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testPKI
}

// opensslText is what "openssl x509 -text" prints before a certificate's PEM.
const opensslText = "Certificate:\n    Data:\n        Version: 3 (0x2)\n        Subject: CN = secure.example.com\n"

// ecParamsKey is kp's key in SEC 1 form after its curve's EC PARAMETERS,
// as "openssl ecparam -genkey" writes a key.
func ecParamsKey(t *testing.T, kp certs.KeyPair) string {
	t.Helper()
	k, err := certs.ParsePrivateKey(kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	prime256v1 := []byte{6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: prime256v1})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// publicKeyPEM is the PUBLIC KEY block of kp's certificate.
func publicKeyPEM(t *testing.T, kp certs.KeyPair) string {
	t.Helper()
	c, _, err := kp.Parse()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// pemBlocks decodes every block of data, which must be PEM and nothing else.
func pemBlocks(t *testing.T, data []byte) []*pem.Block {
	t.Helper()
	var out []*pem.Block
	for rest := data; len(rest) > 0; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			t.Fatalf("not PEM only: %q", rest)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		t.Fatal("no PEM block")
	}
	return out
}

// verdict is what a case expects for one route, named "namespace/name".
type verdict struct {
	route    string
	admitted bool
	reason   string
	message  string // substring of the message; "" asserts an empty message when admitted
	host     string
}

func ok(route, host string) verdict { return verdict{route: route, admitted: true, host: host} }
func rejected(route, host, reason, msg string) verdict {
	return verdict{route: route, reason: reason, message: msg, host: host}
}

func key(s string) types.NamespacedName {
	ns, name, _ := strings.Cut(s, "/")
	return types.NamespacedName{Namespace: ns, Name: name}
}

func checkResult(t *testing.T, res Result, n int, want []verdict, wantOrder []string) {
	t.Helper()
	if len(res.Verdicts) != n {
		t.Errorf("got %d verdicts for %d routes", len(res.Verdicts), n)
	}
	for _, w := range want {
		got, found := res.Verdicts[key(w.route)]
		if !found {
			t.Errorf("%s: no verdict", w.route)
			continue
		}
		if got.Admitted != w.admitted || got.Reason != w.reason || got.Host != w.host {
			t.Errorf("%s: got admitted=%v reason=%q host=%q (message %q), want admitted=%v reason=%q host=%q",
				w.route, got.Admitted, got.Reason, got.Host, got.Message, w.admitted, w.reason, w.host)
		}
		switch {
		case w.admitted && got.Message != "":
			t.Errorf("%s: admitted with message %q", w.route, got.Message)
		case !w.admitted && w.message == "":
			t.Errorf("%s: the case must name a message substring (got %q)", w.route, got.Message)
		case !strings.Contains(got.Message, w.message):
			t.Errorf("%s: message %q does not contain %q", w.route, got.Message, w.message)
		}
	}
	var order []string
	for _, r := range res.Routes {
		order = append(order, r.Namespace+"/"+r.Name)
	}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("admitted routes in order %v, want %v", order, wantOrder)
	}
	admitted := 0
	for _, v := range res.Verdicts {
		if v.Admitted {
			admitted++
		}
	}
	if admitted != len(res.Routes) {
		t.Errorf("%d verdicts admitted but %d routes returned", admitted, len(res.Routes))
	}
}

func TestAdmit(t *testing.T) {
	p := fixtures(t)
	strict := Policy{Domain: "apps.example.com", VerifyChains: true}
	shared := Policy{Domain: "apps.example.com", VerifyChains: true, InterNamespaceAllowed: true}
	wild := Policy{Domain: "apps.example.com", VerifyChains: true, AllowWildcards: true}
	edge := func(t routev1.TLSConfig) opt {
		t.Termination = routev1.TLSTerminationEdge
		return tls(t)
	}
	long63 := strings.Repeat("a", 63)
	long64 := strings.Repeat("a", 64)
	huge := strings.Repeat(long63+".", 4) + "com" // 259 characters

	type rerun struct {
		without []string // routes removed before admitting again
		want    []verdict
		order   []string
	}
	cases := []struct {
		name   string
		policy Policy
		routes []*routev1.Route
		want   []verdict
		order  []string
		check  func(t *testing.T, res Result)
		rerun  *rerun
	}{
		{
			name:   "strict: the older route wins a host across namespaces whatever the input order",
			policy: strict,
			routes: []*routev1.Route{
				route("ns2", "b", 2, "app.example.com"),
				route("ns1", "a", 1, "app.example.com"),
			},
			want: []verdict{
				ok("ns1/a", "app.example.com"),
				rejected("ns2/b", "app.example.com", ReasonHostAlreadyClaimed, "host app.example.com is owned by a route in another namespace"),
			},
			order: []string{"ns1/a"},
		},
		{
			name:   "strict: another namespace cannot take a different path of an owned host",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "a", 1, "app.example.com", path("/a")),
				route("ns2", "b", 2, "app.example.com", path("/b")),
			},
			want: []verdict{
				ok("ns1/a", "app.example.com"),
				rejected("ns2/b", "app.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
			},
			order: []string{"ns1/a"},
		},
		{
			name:   "strict: one namespace, different paths: both admitted, oldest first",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "b", 2, "app.example.com", path("/b")),
				route("ns1", "a", 1, "app.example.com", path("/a")),
				route("ns1", "root", 3, "app.example.com"),
			},
			want:  []verdict{ok("ns1/a", "app.example.com"), ok("ns1/b", "app.example.com"), ok("ns1/root", "app.example.com")},
			order: []string{"ns1/a", "ns1/b", "ns1/root"},
		},
		{
			name:   "strict: one namespace, same path: the older wins",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "new", 5, "app.example.com", path("/p")),
				route("ns1", "old", 1, "app.example.com", path("/p")),
			},
			want: []verdict{
				ok("ns1/old", "app.example.com"),
				rejected("ns1/new", "app.example.com", ReasonHostAlreadyClaimed, "route old already exposes host app.example.com and path /p and is older"),
			},
			order: []string{"ns1/old"},
		},
		{
			name:   "same creation time: the lower UID wins",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "a", 1, "app.example.com", uid("bbb")),
				route("ns1", "b", 1, "app.example.com", uid("aaa")),
			},
			want: []verdict{
				ok("ns1/b", "app.example.com"),
				rejected("ns1/a", "app.example.com", ReasonHostAlreadyClaimed, "route b already exposes host app.example.com and is older"),
			},
			order: []string{"ns1/b"},
		},
		{
			name:   "inter-namespace: different namespaces, different paths: both admitted",
			policy: shared,
			routes: []*routev1.Route{
				route("ns2", "b", 2, "app.example.com", path("/b")),
				route("ns1", "a", 1, "app.example.com", path("/a")),
			},
			want:  []verdict{ok("ns1/a", "app.example.com"), ok("ns2/b", "app.example.com")},
			order: []string{"ns1/a", "ns2/b"},
		},
		{
			name:   "inter-namespace: same path: the older wins",
			policy: shared,
			routes: []*routev1.Route{
				route("ns2", "b", 2, "app.example.com", path("/p")),
				route("ns1", "a", 1, "app.example.com", path("/p")),
			},
			want: []verdict{
				ok("ns1/a", "app.example.com"),
				rejected("ns2/b", "app.example.com", ReasonHostAlreadyClaimed, "a route in another namespace already exposes host app.example.com and path /p"),
			},
			order: []string{"ns1/a"},
		},
		{
			name:   "the loser is admitted once the winner is gone",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "winner", 1, "app.example.com"),
				route("ns2", "loser", 2, "app.example.com"),
				route("ns3", "third", 3, "app.example.com"),
			},
			want: []verdict{
				ok("ns1/winner", "app.example.com"),
				rejected("ns2/loser", "app.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
				rejected("ns3/third", "app.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
			},
			order: []string{"ns1/winner"},
			rerun: &rerun{
				without: []string{"ns1/winner"},
				want: []verdict{
					ok("ns2/loser", "app.example.com"),
					rejected("ns3/third", "app.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
				},
				order: []string{"ns2/loser"},
			},
		},
		{
			name:   "subdomain is joined with the router's domain",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "", subdomain("shop"))},
			want:   []verdict{ok("ns1/a", "shop.apps.example.com")},
			order:  []string{"ns1/a"},
		},
		{
			name:   "spec.host wins over subdomain",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "app.example.com", subdomain("shop"))},
			want:   []verdict{ok("ns1/a", "app.example.com")},
			order:  []string{"ns1/a"},
		},
		{
			name:   "no host, and a subdomain without a router domain: NoHostValue",
			policy: Policy{},
			routes: []*routev1.Route{
				route("ns1", "nohost", 1, ""),
				route("ns1", "sub", 2, "", subdomain("shop")),
			},
			want: []verdict{
				rejected("ns1/nohost", "", ReasonNoHostValue, "no host value"),
				rejected("ns1/sub", "", ReasonNoHostValue, "no host value"),
			},
		},
		{
			name:   "wildcard routes are refused unless allowed",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "w", 1, "www.example.com", wildcard())},
			want:   []verdict{rejected("ns1/w", "www.example.com", ReasonRouteNotAdmitted, "wildcard routes are not allowed")},
		},
		{
			name:   "wildcard routes are admitted when allowed",
			policy: wild,
			routes: []*routev1.Route{route("ns1", "w", 1, "www.example.com", wildcard())},
			want:   []verdict{ok("ns1/w", "www.example.com")},
			order:  []string{"ns1/w"},
			check: func(t *testing.T, res Result) {
				if v := res.Verdicts[key("ns1/w")]; v.WildcardPolicy != routev1.WildcardPolicySubdomain {
					t.Errorf("verdict wildcardPolicy %q, want Subdomain", v.WildcardPolicy)
				}
				if !res.Routes[0].Wildcard {
					t.Error("admitted route is not marked Wildcard")
				}
			},
		},
		{
			name:   "a wildcard route needs three labels",
			policy: wild,
			routes: []*routev1.Route{route("ns1", "w", 1, "example.com", wildcard())},
			want:   []verdict{rejected("ns1/w", "example.com", ReasonRouteNotAdmitted, "at least three labels")},
		},
		{
			name:   "strict: an older wildcard owns its domain against plain hosts of other namespaces",
			policy: wild,
			routes: []*routev1.Route{
				route("ns2", "plain", 2, "shop.example.com"),
				route("ns1", "w", 1, "www.example.com", wildcard()),
				route("ns1", "same-ns", 3, "blog.example.com"),
				route("ns2", "deeper", 4, "a.b.example.com"),
			},
			want: []verdict{
				ok("ns1/w", "www.example.com"),
				rejected("ns2/plain", "shop.example.com", ReasonHostAlreadyClaimed, "a wildcard route in another namespace already serves *.example.com"),
				ok("ns1/same-ns", "blog.example.com"),
				// *.example.com serves one label only: a.b.example.com is not in it.
				ok("ns2/deeper", "a.b.example.com"),
			},
			order: []string{"ns1/w", "ns1/same-ns", "ns2/deeper"},
		},
		{
			name:   "strict: an older plain host keeps its domain from a wildcard of another namespace",
			policy: wild,
			routes: []*routev1.Route{
				route("ns1", "w", 2, "www.example.com", wildcard()),
				route("ns2", "plain", 1, "shop.example.com"),
			},
			want: []verdict{
				ok("ns2/plain", "shop.example.com"),
				rejected("ns1/w", "www.example.com", ReasonHostAlreadyClaimed, "a route in another namespace holds a host of the wildcard's domain *.example.com"),
			},
			order: []string{"ns2/plain"},
		},
		{
			name:   "two wildcards for one domain: the older wins",
			policy: Policy{AllowWildcards: true, InterNamespaceAllowed: true},
			routes: []*routev1.Route{
				route("ns1", "w1", 1, "www.example.com", wildcard()),
				route("ns2", "w2", 2, "api.example.com", wildcard()),
			},
			want: []verdict{
				ok("ns1/w1", "www.example.com"),
				rejected("ns2/w2", "api.example.com", ReasonHostAlreadyClaimed, "a route in another namespace already exposes host *.example.com and is older"),
			},
			order: []string{"ns1/w1"},
		},
		{
			name:   "an exact route on a wildcard route's own host and path: the older wins, whichever kind it is (OKD's unique host)",
			policy: Policy{AllowWildcards: true, InterNamespaceAllowed: true},
			routes: []*routev1.Route{
				route("ns1", "w", 1, "www.example.com", wildcard()),
				route("ns2", "exact", 2, "www.example.com"),
				route("ns2", "exact-api", 3, "www.example.com", path("/api")),
				route("ns3", "exact", 4, "shop.example.net"),
				route("ns4", "w", 5, "shop.example.net", wildcard()),
				route("ns3", "w-api", 6, "shop.example.net", wildcard(), path("/api")),
			},
			want: []verdict{
				ok("ns1/w", "www.example.com"),
				rejected("ns2/exact", "www.example.com", ReasonHostAlreadyClaimed, "a route in another namespace already exposes host www.example.com and is older"),
				ok("ns2/exact-api", "www.example.com"),
				ok("ns3/exact", "shop.example.net"),
				rejected("ns4/w", "shop.example.net", ReasonHostAlreadyClaimed, "a route in another namespace already exposes host shop.example.net and is older"),
				ok("ns3/w-api", "shop.example.net"),
			},
			order: []string{"ns1/w", "ns2/exact-api", "ns3/exact", "ns3/w-api"},
		},
		{
			name:   "strict: one namespace's exact route on its wildcard route's host and path is refused too",
			policy: wild,
			routes: []*routev1.Route{
				route("ns1", "w", 1, "www.example.com", wildcard()),
				route("ns1", "exact", 2, "www.example.com"),
			},
			want: []verdict{
				ok("ns1/w", "www.example.com"),
				rejected("ns1/exact", "www.example.com", ReasonHostAlreadyClaimed, "route w already exposes host www.example.com and is older"),
			},
			order: []string{"ns1/w"},
		},
		{
			name:   "host with upper case letters stored without the webhook: InvalidHost",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "App.Example.com")},
			want:   []verdict{rejected("ns1/a", "app.example.com", ReasonInvalidHost, "DNS 1123")},
		},
		{
			name:   "a label longer than 63 characters: InvalidHost, unless the annotation allows it",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "long", 1, long64+".example.com"),
				route("ns1", "allowed", 2, long64+".example.org", annotate(names.AllowNonDNSCompliantHostAnnotation, "true")),
				route("ns1", "max", 3, long63+".example.com"),
			},
			want: []verdict{
				rejected("ns1/long", long64+".example.com", ReasonInvalidHost, "must be no more than 63 characters"),
				ok("ns1/allowed", long64+".example.org"),
				ok("ns1/max", long63+".example.com"),
			},
			order: []string{"ns1/allowed", "ns1/max"},
		},
		{
			name:   "a host longer than 253 characters: InvalidHost, even with the annotation",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, huge, annotate(names.AllowNonDNSCompliantHostAnnotation, "true"))},
			want:   []verdict{rejected("ns1/a", huge, ReasonInvalidHost, "may not be more than 253 bytes")},
		},
		{
			name:   "hostile paths stored without the webhook are rejected",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "space", 1, "a.example.com", path("/a b")),
				route("ns1", "newline", 2, "b.example.com", path("/a\n  server evil 1.2.3.4:80")),
				route("ns1", "hash", 3, "c.example.com", path("/a#b")),
				route("ns1", "relative", 4, "d.example.com", path("a")),
				route("ns1", "map-entry", 5, "e.example.com", path("/ be_http:ns1:other\ne.example.com/x")),
			},
			want: []verdict{
				rejected("ns1/space", "a.example.com", ReasonExtendedValidationFailed, "path must be an absolute URI path"),
				rejected("ns1/newline", "b.example.com", ReasonExtendedValidationFailed, "path must be an absolute URI path"),
				rejected("ns1/hash", "c.example.com", ReasonExtendedValidationFailed, "path must be an absolute URI path"),
				rejected("ns1/relative", "d.example.com", ReasonExtendedValidationFailed, "path must begin with /"),
				rejected("ns1/map-entry", "e.example.com", ReasonExtendedValidationFailed, "spec.path"),
			},
		},
		{
			name:   "hostile header actions stored without the webhook are rejected",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "newline", 1, "a.example.com", setHeader("X-A", "v\n  http-request set-var(txn.be) str(evil)")),
				route("ns1", "sample", 2, "b.example.com", setHeader("X-A", "%[src]")),
				route("ns1", "env", 3, "c.example.com", setHeader("X-A", "%[env(HOME)]")),
				route("ns1", "name", 4, "d.example.com", setHeader("X A", "v")),
				route("ns1", "protected", 5, "e.example.com", setHeader("Set-Cookie", "v")),
				route("ns1", "good", 6, "f.example.com", setHeader("X-Host", "%[req.hdr(host),lower] 100%%")),
			},
			want: []verdict{
				rejected("ns1/newline", "a.example.com", ReasonExtendedValidationFailed, "spec.httpHeaders.actions.request[0].action.set.value"),
				rejected("ns1/sample", "b.example.com", ReasonExtendedValidationFailed, "spec.httpHeaders.actions.request[0].action.set.value"),
				rejected("ns1/env", "c.example.com", ReasonExtendedValidationFailed, "spec.httpHeaders.actions.request[0].action.set.value"),
				rejected("ns1/name", "d.example.com", ReasonExtendedValidationFailed, "header name must be an HTTP token"),
				rejected("ns1/protected", "e.example.com", ReasonExtendedValidationFailed, "set-cookie header may not be modified"),
				ok("ns1/good", "f.example.com"),
			},
			order: []string{"ns1/good"},
		},
		{
			name:   "path type Exact",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "exact", 1, "app.example.com", path("/foo/"), pathType("Exact")),
				route("ns1", "nopath", 2, "app.example.com", pathType("Exact")),
			},
			want: []verdict{
				ok("ns1/exact", "app.example.com"),
				rejected("ns1/nopath", "app.example.com", ReasonRouteNotAdmitted, "Exact needs a path"),
			},
			order: []string{"ns1/exact"},
			check: func(t *testing.T, res Result) {
				if got := res.Routes[0].Path; got != (Path{Value: "/foo/", Type: PathExact}) {
					t.Errorf("path %+v, want /foo/ Exact (untrimmed)", got)
				}
			},
		},
		{
			name:   "path type Prefix trims the trailing slash, keeps a lone /",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "foo", 1, "app.example.com", path("/foo//"), pathType("Prefix")),
				route("ns1", "root", 2, "app.example.com", path("/"), pathType("Prefix")),
				route("ns1", "slashes", 3, "other.example.com", path("//"), pathType("Prefix")),
				route("ns1", "impl", 4, "app.example.com", path("/bar/")),
			},
			want: []verdict{
				ok("ns1/foo", "app.example.com"), ok("ns1/root", "app.example.com"),
				ok("ns1/slashes", "other.example.com"), ok("ns1/impl", "app.example.com"),
			},
			order: []string{"ns1/foo", "ns1/root", "ns1/slashes", "ns1/impl"},
			check: func(t *testing.T, res Result) {
				want := []Path{{"/foo", PathPrefix}, {"/", PathPrefix}, {"/", PathPrefix}, {"/bar/", PathImplementationSpecific}}
				for i, r := range res.Routes {
					if r.Path != want[i] {
						t.Errorf("%s: path %+v, want %+v", r.Name, r.Path, want[i])
					}
				}
			},
		},
		{
			name:   "two spellings of one path, as the pod reads it, are one claim",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "plain", 1, "app.example.com", path("/admin")),
				route("ns1", "spelled", 2, "app.example.com", path("//x/../%61dmin")),
			},
			want: []verdict{
				ok("ns1/plain", "app.example.com"),
				rejected("ns1/spelled", "app.example.com", ReasonHostAlreadyClaimed, "route plain already exposes host app.example.com and path /admin"),
			},
			order: []string{"ns1/plain"},
		},
		{
			name:   "a Prefix path and an ImplementationSpecific path with the same value are one claim",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "impl", 1, "app.example.com", path("/foo")),
				route("ns1", "prefix", 2, "app.example.com", path("/foo/"), pathType("Prefix")),
				route("ns1", "exact", 3, "app.example.com", path("/foo"), pathType("Exact")),
			},
			want: []verdict{
				ok("ns1/impl", "app.example.com"),
				rejected("ns1/prefix", "app.example.com", ReasonHostAlreadyClaimed, "route impl already exposes host app.example.com and path /foo"),
				ok("ns1/exact", "app.example.com"),
			},
			order: []string{"ns1/impl", "ns1/exact"},
		},
		{
			name:   "an unknown path type is refused",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "app.example.com", path("/foo"), pathType("prefix"))},
			want: []verdict{rejected("ns1/a", "app.example.com", ReasonRouteNotAdmitted,
				`annotation router.okd-ingress.io/path-type must be Exact, Prefix or ImplementationSpecific, not "prefix"`)},
		},
		{
			name:   "edge with a valid certificate, key and CA",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com",
				edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: string(p.leaf.KeyPEM), CACertificate: p.caPEM}))},
			want:  []verdict{ok("ns1/a", "secure.example.com")},
			order: []string{"ns1/a"},
			check: func(t *testing.T, res Result) {
				got := res.Routes[0].TLS
				if got == nil || got.Termination != routev1.TLSTerminationEdge {
					t.Fatalf("TLS %+v", got)
				}
				// One PEM file: the key (re-encoded as PKCS#8), the leaf, then the CA.
				if !bytes.HasPrefix(got.Certificate, []byte("-----BEGIN PRIVATE KEY-----")) ||
					!bytes.Contains(got.Certificate, p.leaf.CertPEM) || !bytes.HasSuffix(got.Certificate, p.ca.CertPEM) {
					t.Errorf("certificate file is not key+leaf+CA:\n%s", got.Certificate)
				}
				if bytes.Count(got.Certificate, []byte("-----BEGIN")) != 3 {
					t.Errorf("certificate file has %d PEM blocks, want 3", bytes.Count(got.Certificate, []byte("-----BEGIN")))
				}
			},
		},
		{
			name:   "edge without certificate uses the default one",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "app.example.com",
				edge(routev1.TLSConfig{InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}))},
			want:  []verdict{ok("ns1/a", "app.example.com")},
			order: []string{"ns1/a"},
			check: func(t *testing.T, res Result) {
				if got := res.Routes[0].TLS; got == nil || got.Certificate != nil || got.InsecurePolicy != routev1.InsecureEdgeTerminationPolicyRedirect {
					t.Errorf("TLS %+v", got)
				}
			},
		},
		{
			name:   "a key that does not match the certificate: ExtendedValidationFailed",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com",
				edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: string(p.other.KeyPEM)}))},
			want: []verdict{rejected("ns1/a", "secure.example.com", ReasonExtendedValidationFailed, "the private key does not match the certificate")},
		},
		{
			name:   "a certificate without its key: ExtendedValidationFailed",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM}))},
			want:   []verdict{rejected("ns1/a", "secure.example.com", ReasonExtendedValidationFailed, "no private key found in spec.tls.key or spec.tls.certificate")},
		},
		{
			// OKD's ExtendedValidateRoute takes the key from either field and
			// skips what is not a PEM block the router uses; the router must
			// still write only PEM it encoded itself.
			name:   "certificate shapes OKD accepts: the key with the certificates, text and other blocks around them",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "key-in-cert", 1, "a1.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM + string(p.leaf.KeyPEM)})),
				route("ns1", "key-twice", 2, "a2.example.com",
					edge(routev1.TLSConfig{Certificate: string(p.leaf.KeyPEM) + p.leafPEM, Key: string(p.leaf.KeyPEM)})),
				route("ns1", "openssl-text", 3, "a3.example.com", edge(routev1.TLSConfig{
					Certificate: opensslText + p.leafPEM + "\ntrailing words\n", Key: string(p.leaf.KeyPEM),
					CACertificate: opensslText + p.caPEM + opensslText})),
				route("ns1", "ec-params", 4, "a4.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: ecParamsKey(t, p.leaf)})),
				route("ns1", "public-key", 5, "a5.example.com",
					edge(routev1.TLSConfig{Certificate: publicKeyPEM(t, p.leaf) + p.leafPEM, Key: string(p.leaf.KeyPEM)})),
			},
			want: []verdict{ok("ns1/key-in-cert", "a1.example.com"), ok("ns1/key-twice", "a2.example.com"),
				ok("ns1/openssl-text", "a3.example.com"), ok("ns1/ec-params", "a4.example.com"), ok("ns1/public-key", "a5.example.com")},
			order: []string{"ns1/key-in-cert", "ns1/key-twice", "ns1/openssl-text", "ns1/ec-params", "ns1/public-key"},
			check: func(t *testing.T, res Result) {
				for _, r := range res.Routes {
					want := p.leaf.CertPEM
					if r.Name == "openssl-text" {
						want = append(append([]byte(nil), p.leaf.CertPEM...), p.ca.CertPEM...)
					}
					keyDER := pemBlocks(t, r.TLS.Certificate)[0]
					if got := r.TLS.Certificate; !bytes.Equal(got, append(pem.EncodeToMemory(keyDER), want...)) || keyDER.Type != "PRIVATE KEY" {
						t.Errorf("%s: certificate file is not one key and the certificates, re-encoded:\n%s", r.Name, got)
					}
				}
			},
		},
		{
			name:   "certificate shapes still refused: no certificate, a key that does not match, two keys, garbage",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "only-key", 1, "a1.example.com", edge(routev1.TLSConfig{Certificate: string(p.leaf.KeyPEM)})),
				route("ns1", "key-only", 2, "a2.example.com", edge(routev1.TLSConfig{Key: string(p.leaf.KeyPEM)})),
				route("ns1", "wrong-key-in-cert", 3, "a3.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM + string(p.other.KeyPEM)})),
				route("ns1", "two-keys", 4, "a4.example.com",
					edge(routev1.TLSConfig{Certificate: p.leafPEM + string(p.leaf.KeyPEM), Key: string(p.other.KeyPEM)})),
				route("ns1", "garbage-key", 5, "a5.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: "garbage"})),
				route("ns1", "garbage-cert", 6, "a6.example.com", edge(routev1.TLSConfig{Certificate: "garbage", Key: string(p.leaf.KeyPEM)})),
				route("ns1", "ca-without-cert", 7, "a7.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM,
					Key: string(p.leaf.KeyPEM), CACertificate: opensslText + string(p.leaf.KeyPEM)})),
			},
			want: []verdict{
				rejected("ns1/only-key", "a1.example.com", ReasonExtendedValidationFailed, "spec.tls.certificate: no certificate found"),
				rejected("ns1/key-only", "a2.example.com", ReasonExtendedValidationFailed, "spec.tls.key is given without spec.tls.certificate"),
				rejected("ns1/wrong-key-in-cert", "a3.example.com", ReasonExtendedValidationFailed, "the private key does not match the certificate"),
				rejected("ns1/two-keys", "a4.example.com", ReasonExtendedValidationFailed, "more than one private key"),
				rejected("ns1/garbage-key", "a5.example.com", ReasonExtendedValidationFailed, "spec.tls.key: data is not PEM-encoded"),
				rejected("ns1/garbage-cert", "a6.example.com", ReasonExtendedValidationFailed, "spec.tls.certificate: data is not PEM-encoded"),
				rejected("ns1/ca-without-cert", "a7.example.com", ReasonExtendedValidationFailed, "spec.tls.caCertificate: no certificate found"),
			},
			check: func(t *testing.T, res Result) {
				for k, v := range res.Verdicts {
					if strings.Contains(v.Message, "BEGIN") {
						t.Errorf("%s: message echoes PEM: %q", k, v.Message)
					}
				}
			},
		},
		{
			name:   "a certificate that does not verify against caCertificate: rejected when chains are verified",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com",
				edge(routev1.TLSConfig{Certificate: string(p.other.CertPEM), Key: string(p.other.KeyPEM), CACertificate: p.caPEM}))},
			want: []verdict{rejected("ns1/a", "secure.example.com", ReasonExtendedValidationFailed,
				"spec.tls.certificate does not verify against spec.tls.caCertificate")},
		},
		{
			name:   "a certificate that does not verify against caCertificate: accepted when chains are not verified",
			policy: Policy{VerifyChains: false},
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com",
				edge(routev1.TLSConfig{Certificate: string(p.other.CertPEM), Key: string(p.other.KeyPEM), CACertificate: p.caPEM}))},
			want:  []verdict{ok("ns1/a", "secure.example.com")},
			order: []string{"ns1/a"},
		},
		{
			name:   "garbage caCertificate is rejected even when chains are not verified",
			policy: Policy{VerifyChains: false},
			routes: []*routev1.Route{route("ns1", "a", 1, "secure.example.com",
				edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: string(p.leaf.KeyPEM), CACertificate: "garbage"}))},
			want: []verdict{rejected("ns1/a", "secure.example.com", ReasonExtendedValidationFailed, "spec.tls.caCertificate: data is not PEM-encoded")},
		},
		{
			name:   "reencrypt: a parsable destinationCACertificate is admitted, garbage is rejected",
			policy: strict,
			routes: []*routev1.Route{
				// Text around the block, as openssl x509 -text writes it, is skipped.
				route("ns1", "good", 1, "a.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt,
					DestinationCACertificate: opensslText + p.caPEM + opensslText})),
				// No termination given: defaulting picks reencrypt for a destination CA.
				route("ns1", "garbage", 2, "b.example.com", tls(routev1.TLSConfig{DestinationCACertificate: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"})),
			},
			want: []verdict{
				ok("ns1/good", "a.example.com"),
				rejected("ns1/garbage", "b.example.com", ReasonExtendedValidationFailed, "spec.tls.destinationCACertificate"),
			},
			order: []string{"ns1/good"},
			check: func(t *testing.T, res Result) {
				if got := res.Routes[0].TLS; got == nil || !bytes.Equal(got.DestinationCA, p.ca.CertPEM) {
					t.Errorf("destination CA not re-encoded as given: %+v", got)
				}
			},
		},
		{
			// Without the webhook the API stores routes undefaulted: the
			// router must serve what it validated, the defaulted route.
			name:   "a route stored without the webhook is served as the API would default it",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "re", 1, "a.example.com", tls(routev1.TLSConfig{DestinationCACertificate: p.caPEM})),
				route("ns1", "pt", 2, "b.example.com", tls(routev1.TLSConfig{Termination: "Passthrough"})),
				route("ns1", "sub", 3, "", subdomain("sub"), func(r *routev1.Route) { r.Spec.To.Kind, r.Spec.To.Weight = "", nil }),
			},
			want:  []verdict{ok("ns1/re", "a.example.com"), ok("ns1/pt", "b.example.com"), ok("ns1/sub", "sub.apps.example.com")},
			order: []string{"ns1/re", "ns1/pt", "ns1/sub"},
			check: func(t *testing.T, res Result) {
				if got := res.Routes[0]; got.TLS == nil || got.TLS.Termination != routev1.TLSTerminationReencrypt || got.Spec.TLS.Termination != routev1.TLSTerminationReencrypt {
					t.Errorf("a destination CA without termination: TLS %+v, spec.tls %+v, want reencrypt", got.TLS, got.Spec.TLS)
				}
				if got := res.Routes[1]; got.TLS == nil || got.TLS.Termination != routev1.TLSTerminationPassthrough || got.Spec.TLS.Termination != routev1.TLSTerminationPassthrough {
					t.Errorf("termination Passthrough: TLS %+v, spec.tls %+v, want passthrough", got.TLS, got.Spec.TLS)
				}
				sub := res.Routes[2]
				if sub.Spec.To.Kind != "Service" || sub.Spec.To.Weight == nil || *sub.Spec.To.Weight != 100 || sub.Spec.Host != "" || sub.Host != "sub.apps.example.com" {
					t.Errorf("subdomain route: to %+v, spec.host %q, host %q", sub.Spec.To, sub.Spec.Host, sub.Host)
				}
			},
		},
		{
			name:   "passthrough is admitted without certificates; paths and Allow are not",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "pt", 1, "a.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough,
					InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})),
				route("ns1", "path", 2, "b.example.com", path("/x"), tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns1", "allow", 3, "c.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough,
					InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow})),
				route("ns1", "cert", 4, "d.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, Certificate: p.leafPEM})),
			},
			want: []verdict{
				ok("ns1/pt", "a.example.com"),
				rejected("ns1/path", "b.example.com", ReasonExtendedValidationFailed, "passthrough termination does not support paths"),
				rejected("ns1/allow", "c.example.com", ReasonExtendedValidationFailed, "insecureEdgeTerminationPolicy"),
				rejected("ns1/cert", "d.example.com", ReasonExtendedValidationFailed, "passthrough termination does not support certificates"),
			},
			order: []string{"ns1/pt"},
			check: func(t *testing.T, res Result) {
				if got := res.Routes[0].TLS; got == nil || got.Termination != routev1.TLSTerminationPassthrough || got.Certificate != nil {
					t.Errorf("TLS %+v", got)
				}
				if v := res.Verdicts[key("ns1/cert")]; strings.Contains(v.Message, "BEGIN CERTIFICATE") {
					t.Errorf("message echoes the certificate: %q", v.Message)
				}
			},
		},
		{
			name:   "a route with spec.tls cannot share a host with an older passthrough route, whatever its path",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "pt", 1, "a.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns1", "edge", 2, "a.example.com", path("/api"), edge(routev1.TLSConfig{})),
				route("ns1", "re", 3, "a.example.com", path("/re"),
					tls(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, DestinationCACertificate: p.caPEM})),
				// Plain HTTP is no concern of the passthrough route's: it never sees HTTP.
				route("ns1", "plain", 4, "a.example.com", path("/plain")),
				route("ns1", "other-host", 5, "b.example.com", path("/api"), edge(routev1.TLSConfig{})),
			},
			want: []verdict{
				ok("ns1/pt", "a.example.com"),
				rejected("ns1/edge", "a.example.com", ReasonHostAlreadyClaimed,
					"route pt is older and passes TLS for host a.example.com through to its pods: a route with spec.tls cannot share that host"),
				rejected("ns1/re", "a.example.com", ReasonHostAlreadyClaimed, "route pt is older and passes TLS for host a.example.com"),
				ok("ns1/plain", "a.example.com"),
				ok("ns1/other-host", "b.example.com"),
			},
			order: []string{"ns1/pt", "ns1/plain", "ns1/other-host"},
			rerun: &rerun{
				without: []string{"ns1/pt"},
				want:    []verdict{ok("ns1/edge", "a.example.com"), ok("ns1/re", "a.example.com"), ok("ns1/plain", "a.example.com")},
				order:   []string{"ns1/edge", "ns1/re", "ns1/plain", "ns1/other-host"},
			},
		},
		{
			name:   "inter-namespace: an older passthrough route keeps TLS routes of other namespaces off its host",
			policy: shared,
			routes: []*routev1.Route{
				route("ns1", "pt", 1, "a.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns2", "edge", 2, "a.example.com", path("/api"), edge(routev1.TLSConfig{})),
			},
			want: []verdict{
				ok("ns1/pt", "a.example.com"),
				rejected("ns2/edge", "a.example.com", ReasonHostAlreadyClaimed, "a route in another namespace is older and passes TLS for host a.example.com"),
			},
			order: []string{"ns1/pt"},
		},
		{
			// OKD compares paths first: a passthrough route (no path) is
			// turned away by an older route without a path, not by one with a path.
			name:   "a newer passthrough route: admitted beside older routes with paths, not beside one without",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "edge-path", 1, "a.example.com", path("/api"), edge(routev1.TLSConfig{})),
				route("ns1", "pt-a", 2, "a.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns1", "edge-root", 3, "b.example.com", edge(routev1.TLSConfig{})),
				route("ns1", "pt-b", 4, "b.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
			},
			want: []verdict{
				ok("ns1/edge-path", "a.example.com"),
				ok("ns1/pt-a", "a.example.com"),
				ok("ns1/edge-root", "b.example.com"),
				rejected("ns1/pt-b", "b.example.com", ReasonHostAlreadyClaimed, "route edge-root already exposes host b.example.com and is older"),
			},
			order: []string{"ns1/edge-path", "ns1/pt-a", "ns1/edge-root"},
		},
		{
			// OKD compares routes of the same spec.host, whatever their
			// wildcard policies: HTTPS for www.example.com goes to the
			// passthrough pods, so the wildcard route could not serve /x there.
			name:   "an exact passthrough route keeps a newer wildcard TLS route of its spec.host off, not one of another spec.host",
			policy: wild,
			routes: []*routev1.Route{
				route("ns1", "pt", 1, "www.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns1", "wild-www", 2, "www.example.com", wildcard(), path("/x"), edge(routev1.TLSConfig{})),
				route("ns1", "wild-foo", 3, "foo.example.com", wildcard(), path("/y"), edge(routev1.TLSConfig{})),
			},
			want: []verdict{
				ok("ns1/pt", "www.example.com"),
				rejected("ns1/wild-www", "www.example.com", ReasonHostAlreadyClaimed,
					"route pt is older and passes TLS for host www.example.com through to its pods"),
				ok("ns1/wild-foo", "foo.example.com"),
			},
			order: []string{"ns1/pt", "ns1/wild-foo"},
			rerun: &rerun{
				without: []string{"ns1/pt"},
				want:    []verdict{ok("ns1/wild-www", "www.example.com"), ok("ns1/wild-foo", "foo.example.com")},
				order:   []string{"ns1/wild-www", "ns1/wild-foo"},
			},
		},
		{
			// The reverse order, as OKD: the older wildcard route has a path,
			// the passthrough route none, and the older is not passthrough.
			name:   "a newer exact passthrough route is admitted beside an older wildcard TLS route with a path on its spec.host",
			policy: wild,
			routes: []*routev1.Route{
				route("ns1", "wild-www", 1, "www.example.com", wildcard(), path("/x"), edge(routev1.TLSConfig{})),
				route("ns1", "pt", 2, "www.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
			},
			want:  []verdict{ok("ns1/wild-www", "www.example.com"), ok("ns1/pt", "www.example.com")},
			order: []string{"ns1/wild-www", "ns1/pt"},
		},
		{
			name:   "a wildcard passthrough route keeps newer TLS routes off its spec.host and its domain, not exact routes of other hosts",
			policy: wild,
			routes: []*routev1.Route{
				route("ns1", "wild-pt", 1, "www.example.com", wildcard(), tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})),
				route("ns1", "www", 2, "www.example.com", path("/api"), edge(routev1.TLSConfig{})),
				route("ns1", "wild-edge", 3, "bar.example.com", wildcard(), path("/api"), edge(routev1.TLSConfig{})),
				route("ns1", "foo", 4, "foo.example.com", path("/api"), edge(routev1.TLSConfig{})),
				route("ns1", "www-plain", 5, "www.example.com", path("/plain")),
			},
			want: []verdict{
				ok("ns1/wild-pt", "www.example.com"),
				rejected("ns1/www", "www.example.com", ReasonHostAlreadyClaimed,
					"route wild-pt is older and passes TLS for host www.example.com through to its pods"),
				rejected("ns1/wild-edge", "bar.example.com", ReasonHostAlreadyClaimed,
					"route wild-pt is older and passes TLS for host *.example.com through to its pods"),
				ok("ns1/foo", "foo.example.com"),
				ok("ns1/www-plain", "www.example.com"),
			},
			order: []string{"ns1/wild-pt", "ns1/foo", "ns1/www-plain"},
		},
		{
			name: "allowed and denied domains: whole labels, the domain itself, denied first",
			policy: Policy{Domain: "apps.example.com", AllowedDomains: []string{"example.com", "apps.example.org"},
				DeniedDomains: []string{"secret.example.com"}},
			routes: []*routev1.Route{
				route("ns1", "below", 1, "a.example.com"),
				route("ns1", "itself", 2, "example.com"),
				route("ns1", "sub", 3, "", subdomain("s")),
				route("ns1", "other", 4, "shop.apps.example.org"),
				route("ns1", "not-a-label", 5, "myexample.com"),
				route("ns1", "suffix-trick", 6, "apps.example.org.evil.com"),
				route("ns1", "parent", 7, "example.org"),
				route("ns1", "denied", 8, "secret.example.com"),
				route("ns1", "denied-below", 9, "x.secret.example.com"),
			},
			want: []verdict{
				ok("ns1/below", "a.example.com"), ok("ns1/itself", "example.com"), ok("ns1/sub", "s.apps.example.com"),
				ok("ns1/other", "shop.apps.example.org"),
				rejected("ns1/not-a-label", "myexample.com", ReasonRouteNotAdmitted,
					"host myexample.com is not in a domain this router allows (ROUTER_ALLOWED_DOMAINS: example.com, apps.example.org)"),
				rejected("ns1/suffix-trick", "apps.example.org.evil.com", ReasonRouteNotAdmitted, "not in a domain this router allows"),
				rejected("ns1/parent", "example.org", ReasonRouteNotAdmitted, "not in a domain this router allows"),
				rejected("ns1/denied", "secret.example.com", ReasonRouteNotAdmitted,
					"host secret.example.com is in the domain secret.example.com, which this router denies (ROUTER_DENIED_DOMAINS)"),
				rejected("ns1/denied-below", "x.secret.example.com", ReasonRouteNotAdmitted, "which this router denies"),
			},
			order: []string{"ns1/below", "ns1/itself", "ns1/sub", "ns1/other"},
		},
		{
			name:   "denied domains without allowed ones: every other host is served",
			policy: Policy{DeniedDomains: []string{"example.com"}},
			routes: []*routev1.Route{route("ns1", "a", 1, "a.example.org"), route("ns1", "b", 2, "b.example.com")},
			want: []verdict{ok("ns1/a", "a.example.org"),
				rejected("ns1/b", "b.example.com", ReasonRouteNotAdmitted, "which this router denies")},
			order: []string{"ns1/a"},
		},
		{
			// A wildcard route serves every host of its domain: all of them
			// must be allowed, and none denied.
			name: "allowed and denied domains of a wildcard route are those of every host it serves",
			policy: Policy{AllowWildcards: true, AllowedDomains: []string{"www.example.com", "example.net", "example.org"},
				DeniedDomains: []string{"secret.example.org"}},
			routes: []*routev1.Route{
				route("ns1", "exact", 1, "www.example.com"),
				route("ns1", "wild-narrow", 2, "www.example.com", wildcard()),
				route("ns1", "wild-net", 3, "www.example.net", wildcard()),
				route("ns1", "wild-denied", 4, "www.example.org", wildcard()),
				route("ns1", "wild-deeper", 5, "www.b.example.org", wildcard()),
			},
			want: []verdict{
				ok("ns1/exact", "www.example.com"),
				rejected("ns1/wild-narrow", "www.example.com", ReasonRouteNotAdmitted, "host *.example.com is not in a domain this router allows"),
				ok("ns1/wild-net", "www.example.net"),
				rejected("ns1/wild-denied", "www.example.org", ReasonRouteNotAdmitted,
					"the wildcard route would serve hosts *.example.org of the domain secret.example.org, which this router denies"),
				ok("ns1/wild-deeper", "www.b.example.org"),
			},
			order: []string{"ns1/exact", "ns1/wild-net", "ns1/wild-deeper"},
		},
		{
			name:   "an unknown termination is rejected",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "a.example.com", tls(routev1.TLSConfig{Termination: "bogus"}))},
			want:   []verdict{rejected("ns1/a", "a.example.com", ReasonExtendedValidationFailed, "spec.tls.termination")},
		},
		{
			name:   "an older route that fails validation keeps its host, as on OKD: another namespace cannot take it over",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "broken", 1, "secure.example.com", edge(routev1.TLSConfig{Certificate: p.leafPEM, Key: string(p.other.KeyPEM)})),
				route("ns2", "other", 2, "secure.example.com"),
				route("ns1", "sibling", 3, "secure.example.com", path("/x")),
			},
			want: []verdict{
				rejected("ns1/broken", "secure.example.com", ReasonExtendedValidationFailed, "does not match"),
				rejected("ns2/other", "secure.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
				ok("ns1/sibling", "secure.example.com"),
			},
			order: []string{"ns1/sibling"},
		},
		{
			name: "an older route refused for a path type or Service name the API lets through keeps its host: " +
				"another namespace cannot take it over",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "typo", 1, "shop.example.com", pathType("prefix")),
				route("ns1", "exact-nothing", 2, "cart.example.com", pathType("Exact")),
				route("ns1", "upper", 3, "pay.example.com", func(r *routev1.Route) { r.Spec.To.Name = "My-svc" }),
				route("ns2", "shop", 4, "shop.example.com"),
				route("ns2", "cart", 5, "cart.example.com"),
				route("ns2", "pay", 6, "pay.example.com"),
			},
			want: []verdict{
				rejected("ns1/typo", "shop.example.com", ReasonRouteNotAdmitted, `must be Exact, Prefix or ImplementationSpecific, not "prefix"`),
				rejected("ns1/exact-nothing", "cart.example.com", ReasonRouteNotAdmitted, "Exact needs a path"),
				rejected("ns1/upper", "pay.example.com", ReasonExtendedValidationFailed, "spec.to.name"),
				rejected("ns2/shop", "shop.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
				rejected("ns2/cart", "cart.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
				rejected("ns2/pay", "pay.example.com", ReasonHostAlreadyClaimed, "owned by a route in another namespace"),
			},
			check: func(t *testing.T, res Result) {
				var held []string
				for _, a := range res.Held {
					held = append(held, a.Namespace+"/"+a.Name)
				}
				if strings.Join(held, " ") != "ns1/typo ns1/exact-nothing ns1/upper" {
					t.Errorf("held %v, want the three refused ns1 routes: their hosts stay out of the default backend's reach", held)
				}
			},
		},
		{
			name:   "an invalid target weight stored without the webhook is rejected",
			policy: strict,
			routes: []*routev1.Route{route("ns1", "a", 1, "a.example.com", func(r *routev1.Route) {
				w := int32(300)
				r.Spec.To.Weight = &w
			})},
			want: []verdict{rejected("ns1/a", "a.example.com", ReasonExtendedValidationFailed, "weight must be an integer between 0 and 256")},
		},
		{
			name:   "a hostile Service name stored without the webhook is rejected",
			policy: strict,
			routes: []*routev1.Route{
				route("ns1", "to", 1, "a.example.com", func(r *routev1.Route) { r.Spec.To.Name = "svc\n  server evil 1.2.3.4:80" }),
				route("ns1", "alt", 2, "b.example.com", func(r *routev1.Route) {
					r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "a b"}}
				}),
			},
			want: []verdict{
				rejected("ns1/to", "a.example.com", ReasonExtendedValidationFailed, "spec.to.name"),
				rejected("ns1/alt", "b.example.com", ReasonExtendedValidationFailed, "spec.alternateBackends[0].name"),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Admit must not modify its input (the informer cache's objects).
			before := make([]*routev1.Route, len(tc.routes))
			for i, r := range tc.routes {
				before[i] = r.DeepCopy()
			}
			res := Admit(tc.routes, tc.policy)
			checkResult(t, res, len(tc.routes), tc.want, tc.order)
			for i, r := range tc.routes {
				if !reflect.DeepEqual(r, before[i]) {
					t.Errorf("Admit modified %s/%s", r.Namespace, r.Name)
				}
			}
			if tc.check != nil && !t.Failed() {
				tc.check(t, res)
			}
			if tc.rerun == nil {
				return
			}
			var rest []*routev1.Route
			for _, r := range tc.routes {
				removed := false
				for _, w := range tc.rerun.without {
					removed = removed || key(w) == types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
				}
				if !removed {
					rest = append(rest, r)
				}
			}
			checkResult(t, Admit(rest, tc.policy), len(rest), tc.rerun.want, tc.rerun.order)
		})
	}
}

func TestVerdictCondition(t *testing.T) {
	cases := []struct {
		name string
		v    Verdict
		want routev1.RouteIngressCondition
	}{
		{
			name: "admitted",
			v:    Verdict{Admitted: true, Host: "a.example.com", WildcardPolicy: routev1.WildcardPolicyNone},
			want: routev1.RouteIngressCondition{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue},
		},
		{
			name: "admitted: a stray reason is not reported",
			v:    Verdict{Admitted: true, Reason: "X", Message: "y"},
			want: routev1.RouteIngressCondition{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue},
		},
		{
			name: "rejected",
			v:    Verdict{Reason: ReasonHostAlreadyClaimed, Message: "route a already exposes host a.example.com and is older"},
			want: routev1.RouteIngressCondition{Type: routev1.RouteAdmitted, Status: corev1.ConditionFalse,
				Reason: ReasonHostAlreadyClaimed, Message: "route a already exposes host a.example.com and is older"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.v.Condition()
			if got.Type != tc.want.Type || got.Status != tc.want.Status || got.Reason != tc.want.Reason ||
				got.Message != tc.want.Message || got.LastTransitionTime != nil {
				t.Errorf("Condition() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

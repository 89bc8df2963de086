package hardening_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// A row of the table is one hostile route, tried in three columns:
//
//	api  the full install, as an admin: the webhook and the schema see it
//	crd  the full install in a namespace the webhooks skip (CRD-only install)
//	raw  the raw cluster, whose schema takes anything: the router alone defends
//
// In each column the route is either refused by the API, naming the field,
// or stored; a stored route is either rejected by the router
// (Admitted=False with a reason and a message naming the field, and
// HAProxy's files, its reload count and its runtime maps untouched), or
// admitted because the value is harmless once quoted, and then served
// exactly as written. In every case no line of HAProxy's files holds the
// injected text, every map line is "<key> <value>", and HAProxy's runtime
// maps equal the files.

// Text the injections carry (a TEST-NET-2 address): it must never reach
// HAProxy's files.
const evil = "198.51.100.66"

type column struct {
	name       string
	c          client.Client
	router     *framework.Router
	routerName string
	ns         string
}

var columns []*column

// tally counts the cells that passed, by outcome.
var tally struct{ refused, rejected, served int }

// cell is one row in one column.
type cell struct {
	col  *column
	row  string
	host string
}

type outcome struct {
	// apiField: the API refuses the route with an error naming this field.
	apiField string
	// reason and field: the router rejects it, naming field in its message.
	reason, field string
	// serve checks how an admitted route serves.
	serve func(cell)
}

func refused(field string) outcome { return outcome{apiField: field} }
func rejected(reason, field string) outcome {
	return outcome{reason: reason, field: field}
}
func served(check func(cell)) outcome { return outcome{serve: check} }

type row struct {
	name          string
	mutate        func(*routev1.Route, cell)
	api, crd, raw outcome
	// update, when set, changes the admitted route, which must then pass
	// the after check without a reload (through the runtime API).
	update func(*routev1.Route)
	after  func(cell)
}

// same is the outcome in every column.
func same(o outcome) (outcome, outcome, outcome) { return o, o, o }

var _ = Describe("Hostile input", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		// Earlier specs' routes are in both routers by now.
		waitQuiet(fullRouter)
		waitQuiet(rawRouter)
		apiNS := newNamespace(full.Client, "hostile-api", nil)
		crdNS := newNamespace(full.Client, "hostile-crd", map[string]string{webhookLabel: "off"})
		rawNS := newNamespace(raw.Client, "hostile-raw", nil)
		for _, b := range []struct {
			c  client.Client
			ns string
		}{{full.Client, apiNS}, {full.Client, crdNS}, {raw.Client, rawNS}} {
			newBackend(b.c, b.ns, "web", 1)
		}
		columns = []*column{
			{name: "api", c: full.Client, router: fullRouter, routerName: "default", ns: apiNS},
			{name: "crd", c: full.Client, router: fullRouter, routerName: "default", ns: crdNS},
			{name: "raw", c: raw.Client, router: rawRouter, routerName: "raw", ns: rawNS},
		}
	})

	AfterAll(func() {
		measured("hostile input", fmt.Sprintf("%d rows × 3 columns (api, crd, raw): %d refused by the API, %d rejected by the router with files and reload count unchanged, %d admitted and served as written",
			len(hostileRows()), tally.refused, tally.rejected, tally.served))
	})

	for _, rw := range hostileRows() {
		It(rw.name, func() {
			for i, o := range []outcome{rw.api, rw.crd, rw.raw} {
				By(columns[i].name)
				runCell(rw, columns[i], o)
			}
		})
	}
})

func hostileRows() []row {
	rows := []row{
		// Hosts: map keys, crt-list SNI and the passthrough map.
		hostRow("host-newline-directive", "h.hardening.test\n  server evil "+evil+":80"),
		hostRow("host-crlf", "h.hardening.test\r\nX-Evil: "+evil),
		hostRow("host-map-extra-field", "h.hardening.test/ be_http:evil:"+evil),
		hostRow("host-runtime-command", "h.hardening.test;set server be/s1 addr "+evil),
		hostRow("host-heredoc", "h.hardening.test <<\n"+evil+" be_http:x:y\n"),
		hostRow("host-sample-expression", "%[src]."+evil+".hardening.test"),
		hostRow("host-env-expansion", "${HOME}."+evil+".hardening.test"),
		{
			// An edge route's host is the SNI of its crt-list line.
			name: "host-crt-list-line",
			mutate: func(r *routev1.Route, _ cell) {
				kp := issue("h.hardening.test")
				edge(r, string(kp.CertPEM), string(kp.KeyPEM))
				r.Spec.Host = "h.hardening.test [verify none]\n/etc/passwd " + evil
			},
			api: refused("spec.host"), crd: refused("spec.host"), raw: rejected(admission.ReasonInvalidHost, "spec.host"),
		},
		{
			name: "subdomain-newline-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Host, r.Spec.Subdomain = "", "x\n  bind "+evil+":80"
			},
			api: refused("spec.subdomain"), crd: refused("spec.subdomain"),
			raw: rejected(admission.ReasonInvalidHost, "spec.subdomain"),
		},

		// Paths: map keys and runtime-API payload lines.
		pathRow("path-space-map-field", "/a be_http:evil:"+evil),
		pathRow("path-newline-map-entry", "/a\nh.hardening.test/ be_http:evil:"+evil),
		pathRow("path-hash-comment", "/a#"+evil),
		pathRow("path-heredoc-blank-line", "/a\n\nset server be/s1 addr "+evil),
		pathRow("path-sample-expression", "/%[env(HOME)]/"+evil),
		pathRow("path-quote-backslash", `/a"b\c/`+evil),
		pathRow("path-env-braces", "/${HOME}/"+evil),
		{
			name:   "path-env-dollar",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.Path = "/$HOME" },
			api:    served(servesPath("/$HOME", "/$HOMEx")), crd: served(servesPath("/$HOME", "/$HOMEx")),
			raw: served(servesPath("/$HOME", "/$HOMEx")),
		},
		{
			name:   "path-sub-delims-runtime-update",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.Path = "/before" },
			api:    served(servesPath("/before", "/after")), crd: served(servesPath("/before", "/after")),
			raw:    served(servesPath("/before", "/after")),
			update: func(r *routev1.Route) { r.Spec.Path = "/a;b'c$d(e)*+,=:@!~" },
			after:  servesPath("/a;b'c$d(e)*+,=:@!~/x", "/before"),
		},

		// Header actions: quoted words of haproxy.cfg, log-format strings.
		reqValueRow("request-value-newline-directive", "v\n  server evil "+evil+":80"),
		reqValueRow("request-value-crlf-header", "v\r\nX-Evil: "+evil),
		reqValueRow("request-value-sample-src", "%[src]"),
		reqValueRow("request-value-sample-env", "%[env(HOME)]"),
		reqValueRow("request-value-converter", "%[req.hdr(host),regsub(.,"+evil+")]"),
		reqValueRow("request-value-lone-percent", "100% "+evil),
		literalRequestValue("request-value-env-literal", `$HOME ${X} $(id) "${HOME}"`),
		literalRequestValue("request-value-quotes-backslashes", `say "hi" 'there' \x41 \\ \" # not a comment`),
		{
			name:   "request-value-percent-escape",
			mutate: func(r *routev1.Route, _ cell) { setRequestHeader(r, "X-Hardening", "100%% sure") },
			api:    served(servesRequestHeader("X-Hardening", "100% sure")), crd: served(servesRequestHeader("X-Hardening", "100% sure")),
			raw: served(servesRequestHeader("X-Hardening", "100% sure")),
		},
		headerNameRow("request-name-space", "X-A server "+evil),
		headerNameRow("request-name-newline", "X-A\nhttp-request set-header X-Evil "+evil),
		{
			name: "request-delete-carrying-value",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Request: []routev1.RouteHTTPHeader{{
					Name: "X-A", Action: routev1.RouteHTTPHeaderActionUnion{Type: routev1.Delete,
						Set: &routev1.RouteSetHTTPHeader{Value: "v\n  server evil " + evil + ":80"}}}}}}
			},
			api: refused("spec.httpHeaders.actions.request[0].action"), crd: refused("spec.httpHeaders.actions.request[0].action"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.httpHeaders.actions.request[0].action.set"),
		},
		{
			name: "response-value-newline-directive",
			mutate: func(r *routev1.Route, _ cell) {
				setResponseHeader(r, "X-Hardening", "v\n  http-response set-header X-Evil "+evil)
			},
			api: refused("spec.httpHeaders.actions.response[0].action.set.value"),
			crd: rejected(admission.ReasonExtendedValidationFailed, "spec.httpHeaders.actions.response[0].action.set.value"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.httpHeaders.actions.response[0].action.set.value"),
		},
		{
			name:   "response-value-request-fetch",
			mutate: func(r *routev1.Route, _ cell) { setResponseHeader(r, "X-Hardening", "%[req.hdr(host)]") },
			api:    refused("spec.httpHeaders.actions.response[0].action.set.value"),
			crd:    rejected(admission.ReasonExtendedValidationFailed, "spec.httpHeaders.actions.response[0].action.set.value"),
			raw:    rejected(admission.ReasonExtendedValidationFailed, "spec.httpHeaders.actions.response[0].action.set.value"),
		},
		{
			name:   "response-value-literal",
			mutate: func(r *routev1.Route, _ cell) { setResponseHeader(r, "X-Hardening", `max-age=0; "q" $HOME \n`) },
			api:    served(servesResponseHeader("X-Hardening", `max-age=0; "q" $HOME \n`)),
			crd:    served(servesResponseHeader("X-Hardening", `max-age=0; "q" $HOME \n`)),
			raw:    served(servesResponseHeader("X-Hardening", `max-age=0; "q" $HOME \n`)),
		},

		// Annotations the router reads.
		{
			name: "annotation-path-type-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Path = "/p"
				r.Annotations = map[string]string{names.PathTypeAnnotation: "Prefix\n  server evil " + evil + ":80"}
			},
		},
		{
			name: "annotation-default-backend-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Annotations = map[string]string{names.DefaultBackendAnnotation: "true\n  default_backend be_http:evil:" + evil}
			},
		},

		// OKD's annotations: a value that fails its grammar is ignored, as
		// on OKD, and named in the InvalidAnnotations condition; an
		// allowlist fails closed.
		annotationRow("annotation-timeout-directive", names.TimeoutAnnotation, "5s\n  server evil "+evil+":80", 200),
		annotationRow("annotation-tunnel-sample", names.TimeoutTunnelAnnotation, "%[env(HOME)]"+evil, 200),
		annotationRow("annotation-check-interval-env", names.HealthCheckIntervalAnnotation, "${HOME}"+evil, 200),
		annotationRow("annotation-balance-directive", names.BalanceAnnotation, "roundrobin\n  use_backend be_http:evil:"+evil, 200),
		annotationRow("annotation-hsts-header-split", names.HSTSAnnotation, "max-age=1\r\nX-Evil: "+evil, 200),
		annotationRow("annotation-pod-connections-directive", names.PodConcurrentConnectionsAnnotation, "1\n  server evil "+evil+":80", 200),
		annotationRow("annotation-rewrite-sample", names.RewriteTargetAnnotation, "/%[env(HOME)]\\1\n  server evil "+evil+":80", 200),
		annotationsRow("annotation-rate-limit-condition", names.RateLimitRateHTTPAnnotation, 200, map[string]string{
			names.RateLimitAnnotation: "true", names.RateLimitRateHTTPAnnotation: "1000 } || { always_true }\n  server evil " + evil + ":80"}),
		annotationRow("annotation-forwarded-policy-directive", names.SetForwardedHeadersAnnotation, "never\n  http-request set-header X-Evil "+evil, 200),
		annotationRow("annotation-allowlist-file", names.IPAllowlistAnnotation, "-f /etc/passwd "+evil, 403),
		annotationRow("annotation-allowlist-directive", names.IPWhitelistAnnotation, "127.0.0.1\n  server evil "+evil+":80", 403),

		// Service names and ports: verifyhost, server lines.
		{
			name:   "service-name-directive",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.To.Name = "web\n  server evil " + evil + ":80" },
		},
		{
			name: "alternate-backend-name-runtime-command",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "web2;set server x addr " + evil, Weight: ptr.To(int32(1))}}
			},
		},
		{
			name:   "service-name-sample-expression",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.To.Name = "%[env(HOME)]" },
		},
		{
			name: "target-port-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Port.TargetPort = intstr.FromString("http\n  server evil " + evil + ":80")
			},
		},
		{
			name:   "weight-out-of-range",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.To.Weight = ptr.To(int32(1 << 20)) },
			api:    refused("spec.to.weight"), crd: refused("spec.to.weight"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.to.weight"),
		},

		// TLS fields: certificate files, the crt-list, CA files.
		{
			name: "certificate-text-between-blocks",
			mutate: func(r *routev1.Route, c cell) {
				kp := issue(c.host)
				edge(r, string(kp.CertPEM)+"\nfrontend evil\n  bind "+evil+":443 crt /etc/passwd\n"+string(routerCA.CertPEM), string(kp.KeyPEM))
			},
		},
		{
			name: "certificate-pem-headers",
			mutate: func(r *routev1.Route, c cell) {
				kp := issue(c.host)
				block, _ := pem.Decode(kp.CertPEM)
				block.Headers = map[string]string{"X-Evil": "server evil " + evil + ":80"}
				edge(r, string(pem.EncodeToMemory(block)), string(kp.KeyPEM))
			},
		},
		{
			name: "certificate-trailing-directive",
			mutate: func(r *routev1.Route, c cell) {
				kp := issue(c.host)
				edge(r, string(kp.CertPEM)+"\n  server evil "+evil+":80\n", string(kp.KeyPEM))
			},
		},
		{
			name: "key-block-not-a-key",
			mutate: func(r *routev1.Route, c cell) {
				kp := issue(c.host)
				block, _ := pem.Decode(kp.CertPEM)
				edge(r, string(kp.CertPEM), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: block.Bytes})))
			},
		},
		{
			name: "ca-bundle-garbage",
			mutate: func(r *routev1.Route, c cell) {
				kp := issue(c.host)
				edge(r, string(kp.CertPEM), string(kp.KeyPEM))
				r.Spec.TLS.CACertificate = string(routerCA.CertPEM) + "\n  server evil " + evil + ":80\n"
			},
		},
		{
			name: "destination-ca-text-between-blocks",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Port.TargetPort = intstr.FromString("https")
				r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt,
					DestinationCACertificate: string(backendCA.CertPEM) + "\n  ca-file /etc/passwd " + evil + "\n" + string(backendCA.CertPEM)}
			},
		},
		{
			name: "destination-ca-not-base64",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Port.TargetPort = intstr.FromString("https")
				r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt,
					DestinationCACertificate: "-----BEGIN CERTIFICATE-----\n%[src] " + evil + "\n-----END CERTIFICATE-----\n"}
			},
		},
		{
			name: "termination-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.TLS = &routev1.TLSConfig{Termination: "edge\n  bind " + evil + ":443"}
			},
			api: refused("spec.tls.termination"),
			crd: rejected(admission.ReasonExtendedValidationFailed, "spec.tls.termination"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.tls.termination"),
		},
		{
			name: "insecure-policy-directive",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: "Allow\n  bind " + evil + ":80"}
			},
			api: refused("spec.tls.insecureEdgeTerminationPolicy"), crd: refused("spec.tls.insecureEdgeTerminationPolicy"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.tls.insecureEdgeTerminationPolicy"),
		},
		{
			name:   "wildcard-policy-directive",
			mutate: func(r *routev1.Route, _ cell) { r.Spec.WildcardPolicy = "Subdomain\n  bind " + evil + ":80" },
			api:    refused("spec.wildcardPolicy"), crd: refused("spec.wildcardPolicy"),
			raw: rejected(admission.ReasonExtendedValidationFailed, "spec.wildcardPolicy"),
		},
		{
			// Not an injection: without the webhook nothing defaults an
			// empty termination; the router must still reencrypt.
			name: "reencrypt-without-termination",
			mutate: func(r *routev1.Route, _ cell) {
				r.Spec.Port.TargetPort = intstr.FromString("https")
				r.Spec.TLS = &routev1.TLSConfig{DestinationCACertificate: string(backendCA.CertPEM)}
			},
		},
	}
	// Outcomes shared by the three columns.
	for i := range rows {
		r := &rows[i]
		switch r.name {
		case "annotation-path-type-directive":
			r.api, r.crd, r.raw = same(rejected(admission.ReasonRouteNotAdmitted, names.PathTypeAnnotation))
		case "annotation-default-backend-directive":
			r.api, r.crd, r.raw = same(served(servesNotAsDefault))
		case "service-name-directive", "service-name-sample-expression":
			r.api, r.crd, r.raw = same(rejected(admission.ReasonExtendedValidationFailed, "spec.to.name"))
		case "alternate-backend-name-runtime-command":
			r.api, r.crd, r.raw = same(rejected(admission.ReasonExtendedValidationFailed, "spec.alternateBackends[0].name"))
		case "target-port-directive":
			r.api, r.crd, r.raw = same(served(servesStatus("http", 503)))
		case "certificate-text-between-blocks", "certificate-pem-headers",
			// OKD takes text around the PEM blocks; HAProxy gets only the
			// blocks, re-encoded (checkFiles finds no injected text).
			"certificate-trailing-directive", "ca-bundle-garbage":
			r.api, r.crd, r.raw = same(served(servesOwnCertificate))
		case "key-block-not-a-key":
			r.api, r.crd, r.raw = same(rejected(admission.ReasonExtendedValidationFailed, "spec.tls.key"))
		case "destination-ca-text-between-blocks", "reencrypt-without-termination":
			r.api, r.crd, r.raw = same(served(servesReencrypted))
		case "destination-ca-not-base64":
			r.api, r.crd, r.raw = same(rejected(admission.ReasonExtendedValidationFailed, "spec.tls.destinationCACertificate"))
		}
	}
	return rows
}

// annotationRow: every column admits the route with the annotation's
// value ignored (status 200) or, for an allowlist, failing closed (403),
// and names the annotation in the InvalidAnnotations condition.
func annotationRow(name, key, value string, status int) row {
	return annotationsRow(name, key, status, map[string]string{key: value})
}

// annotationsRow: as annotationRow, with other annotations beside the
// hostile one (key).
func annotationsRow(name, key string, status int, annotations map[string]string) row {
	o := served(func(c cell) {
		GinkgoHelper()
		want := "web"
		if status != 200 {
			want = fmt.Sprintf("status %d", status)
		}
		Eventually(servedBy(clientFor(c), "http://"+c.host+"/")).WithTimeout(wait).Should(Equal(want))
		Eventually(conditionOfType(c.col.c, c.col.ns, c.row, c.col.routerName, admission.InvalidAnnotations)).WithTimeout(wait).Should(And(
			HaveField("Status", corev1.ConditionTrue), HaveField("Reason", admission.ReasonInvalidAnnotationValue),
			HaveField("Message", ContainSubstring(key+": ")), HaveField("Message", Not(ContainSubstring("\n")))))
	})
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { r.Annotations = annotations }, api: o, crd: o, raw: o}
}

// hostRow: the schema's pattern refuses the host; the router alone says InvalidHost.
func hostRow(name, host string) row {
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { r.Spec.Host = host },
		api: refused("spec.host"), crd: refused("spec.host"), raw: rejected(admission.ReasonInvalidHost, "spec.host")}
}

// pathRow: the schema's pattern refuses the path; so does the router.
func pathRow(name, path string) row {
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { r.Spec.Path = path },
		api: refused("spec.path"), crd: refused("spec.path"), raw: rejected(admission.ReasonExtendedValidationFailed, "spec.path")}
}

// reqValueRow: only the webhook and the router check header values.
func reqValueRow(name, value string) row {
	const f = "spec.httpHeaders.actions.request[0].action.set.value"
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { setRequestHeader(r, "X-Hardening", value) },
		api: refused(f), crd: rejected(admission.ReasonExtendedValidationFailed, f), raw: rejected(admission.ReasonExtendedValidationFailed, f)}
}

func headerNameRow(name, header string) row {
	const f = "spec.httpHeaders.actions.request[0].name"
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { setRequestHeader(r, header, "v") },
		api: refused(f), crd: refused(f), raw: rejected(admission.ReasonExtendedValidationFailed, f)}
}

// literalRequestValue: a value that is harmless once quoted reaches the
// backend exactly as written.
func literalRequestValue(name, value string) row {
	o := served(servesRequestHeader("X-Hardening", value))
	return row{name: name, mutate: func(r *routev1.Route, _ cell) { setRequestHeader(r, "X-Hardening", value) }, api: o, crd: o, raw: o}
}

func setRequestHeader(r *routev1.Route, name, value string) {
	r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Request: []routev1.RouteHTTPHeader{setHeader(name, value)}}}
}

func setResponseHeader(r *routev1.Route, name, value string) {
	r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{Response: []routev1.RouteHTTPHeader{setHeader(name, value)}}}
}

func issue(host string) certs.KeyPair {
	GinkgoHelper()
	kp, err := routerCA.Issue(host)
	Expect(err).NotTo(HaveOccurred())
	return kp
}

func edge(r *routev1.Route, cert, key string) {
	r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: cert, Key: key}
}

// snapshot is what HAProxy runs: its files and how often it reloaded.
type snapshot struct {
	files   map[string]string
	reloads int // reloads asked of the master, refused ones included
	worker  int // the worker serving
}

func takeSnapshot(r *framework.Router) snapshot {
	GinkgoHelper()
	files, err := r.ConfigFiles()
	Expect(err).NotTo(HaveOccurred())
	// The master CLI refuses connections for a moment after a reload.
	var n, worker int
	Eventually(func() (err error) { n, err = r.ReloadCount(); return err }).WithTimeout(wait).Should(Succeed())
	Eventually(func() (err error) { worker, err = r.WorkerPID(); return err }).WithTimeout(wait).Should(Succeed())
	return snapshot{files: files, reloads: n, worker: worker}
}

// waitQuiet waits until a router's files and reload count stayed the same
// for a second: it has applied everything it had to.
func waitQuiet(r *framework.Router) {
	GinkgoHelper()
	last, quiet := takeSnapshot(r), 0
	Eventually(func() int {
		s := takeSnapshot(r)
		if len(changedFiles(last.files, s.files)) == 0 && s.reloads == last.reloads {
			quiet++
		} else {
			last, quiet = s, 0
		}
		return quiet
	}).WithTimeout(2 * time.Minute).WithPolling(250 * time.Millisecond).Should(BeNumerically(">=", 4))
}

// changedFiles lists the files that differ between two snapshots.
func changedFiles(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func runCell(rw row, col *column, o outcome) {
	GinkgoHelper()
	ctx := context.Background()
	c := cell{col: col, row: rw.name, host: rw.name + "-" + col.name + ".hardening.test"}
	r := plainRoute(col.ns, rw.name, c.host)
	rw.mutate(r, c)
	before := takeSnapshot(col.router)
	err := col.c.Create(ctx, r)
	if o.apiField != "" {
		Expect(err).To(HaveOccurred(), "the API took the route")
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "not an Invalid error: %v", err)
		Expect(err.Error()).To(ContainSubstring(o.apiField))
		GinkgoWriter.Printf("%s/%s: refused by the API: %.300s\n", rw.name, col.name, err.Error())
		tally.refused++
		return
	}
	Expect(err).NotTo(HaveOccurred())
	var cond routev1.RouteIngressCondition
	Eventually(condition(col.c, col.ns, rw.name, col.routerName)).WithTimeout(wait).ShouldNot(BeZero())
	cond = condition(col.c, col.ns, rw.name, col.routerName)(Default)
	if o.reason != "" {
		Expect(cond.Status).To(Equal(corev1.ConditionFalse), "admitted: %+v", cond)
		Expect(cond.Reason).To(Equal(o.reason))
		Expect(cond.Message).To(ContainSubstring(o.field))
		Expect(strings.IndexFunc(cond.Message, func(r rune) bool { return r < 0x20 || r == 0x7f })).To(Equal(-1),
			"the status message holds a control character: %q", cond.Message)
		Expect(cond.Message).NotTo(ContainSubstring("-----BEGIN"), "the message echoes PEM")
		GinkgoWriter.Printf("%s/%s: %s: %.300s\n", rw.name, col.name, cond.Reason, cond.Message)
		// The verdict is written after HAProxy applied the sync; a late
		// reload would come within RELOAD_INTERVAL (100ms).
		time.Sleep(300 * time.Millisecond)
		after := takeSnapshot(col.router)
		Expect(changedFiles(before.files, after.files)).To(BeEmpty(), "a rejected route changed HAProxy's files")
		Expect(after.reloads).To(Equal(before.reloads), "a rejected route caused a reload")
		tally.rejected++
	} else {
		Expect(o.serve).NotTo(BeNil(), "the row gives no outcome for column %s", col.name)
		Expect(cond.Status).To(Equal(corev1.ConditionTrue), "not admitted: %+v", cond)
		o.serve(c)
		GinkgoWriter.Printf("%s/%s: admitted and served correctly\n", rw.name, col.name)
		if rw.update != nil {
			reloads := takeSnapshot(col.router).reloads
			Expect(col.c.Get(ctx, client.ObjectKeyFromObject(r), r)).To(Succeed())
			rw.update(r)
			Expect(col.c.Update(ctx, r)).To(Succeed())
			rw.after(c)
			Expect(takeSnapshot(col.router).reloads).To(Equal(reloads), "the update reloaded HAProxy")
		}
		tally.served++
	}
	checkFiles(col.router)
}

// checkFiles checks HAProxy's files and runtime maps after a row.
func checkFiles(r *framework.Router) {
	GinkgoHelper()
	files, err := r.ConfigFiles()
	Expect(err).NotTo(HaveOccurred())
	for name, data := range files {
		Expect(data).NotTo(ContainSubstring(evil), "%s holds injected text", name)
		Expect(data).NotTo(ContainSubstring("X-Evil"), "%s holds injected text", name)
		if !strings.HasPrefix(name, "maps/") && name != "crt-list" {
			continue
		}
		Expect(data == "" || strings.HasSuffix(data, "\n")).To(BeTrue(), "%s does not end with a newline", name)
		lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
		if data == "" {
			lines = nil
		}
		for _, l := range lines {
			f := strings.Fields(l)
			Expect(len(f) == 2 && l == f[0]+" "+f[1]).To(BeTrue(), "%s: line %q is not two fields", name, l)
		}
		if strings.HasPrefix(name, "maps/") && !strings.Contains(files["haproxy.cfg"], "/"+name+")") {
			// Without a passthrough route, its map is not loaded (TLS is
			// terminated on the public port), and must be empty.
			Expect(lines).To(BeEmpty(), "%s holds entries that HAProxy does not load", name)
		} else if strings.HasPrefix(name, "maps/") {
			mem, err := r.RuntimeMap(r.ConfigDir() + "/" + name)
			Expect(err).NotTo(HaveOccurred())
			sort.Strings(mem)
			sort.Strings(lines)
			Expect(mem).To(Equal(lines), "HAProxy's runtime map %s differs from the file", name)
		}
	}
}

// Serving checks.

// clientFor is a client of the cell's router that verifies certificates
// against routerCA.
func clientFor(c cell) *framework.Client {
	return c.col.router.NewClient(framework.ClientOptions{RootCAs: routerCA.Pool})
}

// unverifiedClient accepts the default certificate, which does not name
// the table's hosts.
func unverifiedClient(c cell) *framework.Client {
	return c.col.router.NewClient(framework.ClientOptions{})
}

func servesPath(path, other string) func(cell) {
	return func(c cell) {
		GinkgoHelper()
		cl := clientFor(c)
		Eventually(servedBy(cl, "http://"+c.host+path)).WithTimeout(wait).Should(Equal("web"))
		r, err := cl.Get("http://" + c.host + path)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.Path).To(Equal(path))
		Eventually(servedBy(cl, "http://"+c.host+other)).WithTimeout(wait).Should(Equal("status 404"))
	}
}

func servesRequestHeader(name, value string) func(cell) {
	return func(c cell) {
		GinkgoHelper()
		cl := clientFor(c)
		Eventually(servedBy(cl, "http://"+c.host+"/")).WithTimeout(wait).Should(Equal("web"))
		r, err := cl.Get("http://" + c.host + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Echo.Headers[http.CanonicalHeaderKey(name)]).To(Equal([]string{value}))
	}
}

func servesResponseHeader(name, value string) func(cell) {
	return func(c cell) {
		GinkgoHelper()
		cl := clientFor(c)
		Eventually(servedBy(cl, "http://"+c.host+"/")).WithTimeout(wait).Should(Equal("web"))
		r, err := cl.Get("http://" + c.host + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Header.Values(name)).To(Equal([]string{value}))
	}
}

func servesStatus(scheme string, status int) func(cell) {
	return func(c cell) {
		GinkgoHelper()
		Eventually(servedBy(clientFor(c), scheme+"://"+c.host+"/")).WithTimeout(wait).Should(Equal(fmt.Sprintf("status %d", status)))
	}
}

// servesNotAsDefault: the route serves its host but did not become the
// default backend (its annotation is not exactly "true").
func servesNotAsDefault(c cell) {
	GinkgoHelper()
	cl := clientFor(c)
	Eventually(servedBy(cl, "http://"+c.host+"/")).WithTimeout(wait).Should(Equal("web"))
	Expect(servedBy(cl, "http://nobody-"+c.col.name+".hardening.test/")()).To(Equal("status 404"))
}

// servesOwnCertificate: HTTPS with the route's certificate, re-encoded
// without the text around its PEM blocks.
func servesOwnCertificate(c cell) {
	GinkgoHelper()
	cl := clientFor(c)
	Eventually(servedBy(cl, "https://"+c.host+"/")).WithTimeout(wait).Should(Equal("web"))
	r, err := cl.Get("https://" + c.host + "/")
	Expect(err).NotTo(HaveOccurred())
	Expect(r.PeerCert.DNSNames).To(ConsistOf(c.host))
	files, err := c.col.router.ConfigFiles()
	Expect(err).NotTo(HaveOccurred())
	for name, data := range files {
		if strings.HasPrefix(name, "certs/") {
			Expect(data).NotTo(Or(ContainSubstring("frontend"), ContainSubstring("X-Evil"), ContainSubstring("Proc-Type")), name)
		}
	}
}

// servesReencrypted: the router speaks TLS to the pod, verified.
func servesReencrypted(c cell) {
	GinkgoHelper()
	cl := unverifiedClient(c)
	Eventually(servedBy(cl, "https://"+c.host+"/")).WithTimeout(wait).Should(Equal("web"))
	r, err := cl.Get("https://" + c.host + "/")
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Echo.TLS).NotTo(BeNil(), "the router sent plain HTTP to the pod")
	Expect(r.PeerCert.DNSNames).To(ContainElement("*."+domain), "not the router's default certificate")
	verifiesWithBackendCA(c)
}

// verifiesWithBackendCA: the route's backend checks the pod's certificate
// against a file that holds the destination CA and nothing else. (The pod
// would answer a router that checks nothing just the same.)
func verifiesWithBackendCA(c cell) {
	GinkgoHelper()
	backend, err := c.col.router.MapBackend("https_prefix.map", c.host+"/")
	Expect(err).NotTo(HaveOccurred())
	cfg, err := os.ReadFile(filepath.Join(c.col.router.ConfigDir(), "haproxy.cfg"))
	Expect(err).NotTo(HaveOccurred())
	_, section, found := strings.Cut(string(cfg), "\nbackend "+backend+"\n")
	Expect(found).To(BeTrue(), "no backend %s in haproxy.cfg", backend)
	section, _, _ = strings.Cut(section, "\nbackend ")
	m := regexp.MustCompile(`(?m)^\s*default-server .*\bssl verify required ca-file (\S+)`).FindStringSubmatch(section)
	Expect(m).NotTo(BeNil(), "backend %s does not verify its pods:\n%s", backend, section)
	bundle, err := os.ReadFile(m[1])
	Expect(err).NotTo(HaveOccurred())
	want, _ := pem.Decode(backendCA.CertPEM)
	var blocks int
	for rest := bundle; ; blocks++ {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			Expect(strings.TrimSpace(string(rest))).To(BeEmpty(), "%s holds more than certificates", m[1])
			break
		}
		Expect(b.Bytes).To(Equal(want.Bytes), "%s holds another certificate than the destination CA", m[1])
	}
	Expect(blocks).To(BeNumerically(">", 0), "%s holds no certificate", m[1])
}

package render

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// sampleRoutes is one route of every kind. Creation order (oldest first):
// plain, edge, wild, re, re-default, pt, split.
func sampleRoutes(t testing.TB) []*routev1.Route {
	p := fixtures(t)
	weight := func(w int32) *int32 { return &w }
	return []*routev1.Route{
		newRoute("ns2", "pt", 6, "pt.example.com", withTLS(routev1.TLSConfig{
			Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})),
		newRoute("ns1", "plain", 1, "plain.example.com", func(r *routev1.Route) {
			r.Spec.Path = "/app"
			r.Spec.HTTPHeaders = &routev1.RouteHTTPHeaders{Actions: routev1.RouteHTTPHeaderActions{
				Request:  []routev1.RouteHTTPHeader{headerSet("X-App", "app 1"), headerSet("X-Host", "%[req.hdr(host),lower]"), headerDelete("X-Debug")},
				Response: []routev1.RouteHTTPHeader{headerSet("X-Frame-Options", "DENY"), headerDelete("X-Powered-By")},
			}}
		}),
		newRoute("ns1", "edge", 2, "secure.example.com", withTLS(routev1.TLSConfig{
			Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect,
			Certificate: string(p.secure.CertPEM), Key: string(p.secure.KeyPEM), CACertificate: string(p.ca.CertPEM)})),
		newRoute("ns1", "wild", 3, "www.wild.example.com", func(r *routev1.Route) { r.Spec.WildcardPolicy = routev1.WildcardPolicySubdomain },
			withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow,
				Certificate: string(p.wildcard.CertPEM), Key: string(p.wildcard.KeyPEM)})),
		newRoute("ns2", "re", 4, "re.example.com", withTLS(routev1.TLSConfig{
			Termination: routev1.TLSTerminationReencrypt, DestinationCACertificate: string(p.ca.CertPEM)})),
		newRoute("ns2", "re-default", 5, "re2.example.com", withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt})),
		newRoute("ns1", "split", 7, "split.example.com", func(r *routev1.Route) {
			r.Spec.To.Weight = weight(3)
			r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "other", Weight: weight(1)}}
		}),
	}
}

func sampleConfig(c *config.Config) { c.AllowWildcards = true }

func renderSample(t *testing.T, dir string, edit func(*config.Config)) (Files, admission.Result) {
	t.Helper()
	params := testParams(t, dir, func(c *config.Config) {
		sampleConfig(c)
		if edit != nil {
			edit(c)
		}
	})
	m, res := pipeline(sampleRoutes(t), params.Config, nil)
	for k, v := range res.Verdicts {
		if !v.Admitted {
			t.Fatalf("%s rejected: %s: %s", k, v.Reason, v.Message)
		}
	}
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	return files, res
}

func lines(b []byte) []string { return strings.Split(string(b), "\n") }

// section returns the lines of the haproxy.cfg section that starts with header.
func section(cfg []byte, header string) []string {
	var out []string
	in := false
	for _, l := range lines(cfg) {
		switch {
		case l == header:
			in = true
		case in && (l == "" || !strings.HasPrefix(l, " ")):
			return out
		case in:
			out = append(out, l)
		}
	}
	return out
}

func TestRenderSample(t *testing.T) {
	dir := t.TempDir()
	files, res := renderSample(t, dir, nil)
	cfg := files[ConfigFile]
	p := fixtures(t)

	cookie := func(ns, name, attrs string) string {
		return "  cookie " + model.RouteCookieName(keyOf(ns, name)) + " insert indirect nocache httponly dynamic" + attrs
	}
	// HAProxy adds servers to every backend at runtime: no empty server
	// lines.
	backends := map[string][]string{
		"backend be_http:ns1:plain": {
			"  mode http",
			"  balance random",
			cookie("ns1", "plain", ""),
			`  http-request set-header "X-App" "app\x201"`,
			`  http-request set-header "X-Host" "%[req.hdr(host),lower]"`,
			`  http-request del-header "X-Debug"`,
			`  http-response set-header "X-Frame-Options" "DENY"`,
			`  http-response del-header "X-Powered-By"`,
			"  default-server check inter 5000ms",
			"  server s1 198.18.0.10:8080 weight 1",
			"  server s2 198.18.0.11:8080 weight 1",
		},
		"backend be_edge_http:ns1:edge": {
			"  mode http",
			"  balance random",
			cookie("ns1", "edge", " secure attr SameSite=None"),
			"  default-server check inter 5000ms",
			"  server s1 198.18.0.10:8080 weight 1",
			"  server s2 198.18.0.11:8080 weight 1",
		},
		"backend be_secure:ns2:re": {
			"  mode http",
			"  balance random",
			cookie("ns2", "re", " secure attr SameSite=None"),
			"  default-server check inter 5000ms ssl verify required ca-file " + dir + "/cacerts/be_secure_ns2_re.pem alpn h2,http/1.1",
			"  server s1 198.18.0.10:8080 weight 1",
			"  server s2 198.18.0.11:8080 weight 1",
		},
		"backend be_secure:ns2:re-default": {
			"  mode http",
			"  balance random",
			cookie("ns2", "re-default", " secure attr SameSite=None"),
			"  default-server check inter 5000ms ssl verify required ca-file @system-ca alpn h2,http/1.1",
			"  server s1 198.18.0.10:8080 weight 1",
			"  server s2 198.18.0.11:8080 weight 1",
		},
		"backend be_tcp:ns2:pt": {
			"  mode tcp",
			"  balance source",
			"  hash-type consistent",
			"  default-server check inter 5000ms hash-key addr-port",
			"  server s1 198.18.0.10:8080 weight 1",
			"  server s2 198.18.0.11:8080 weight 1",
		},
		"backend be_http:ns1:split": {
			"  mode http",
			"  balance roundrobin",
			cookie("ns1", "split", ""),
			// web: 3 over 2 endpoints (1.5 each), other: 1 over 1 → 256 and 171.
			"  default-server check inter 5000ms",
			"  server s1 198.18.0.10:8080 weight 256",
			"  server s2 198.18.0.11:8080 weight 256",
			"  server s3 198.18.0.20:8080 weight 171",
		},
	}
	for header, want := range backends {
		if got := section(cfg, header); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %q\n want %q", header, got, want)
		}
	}
	// Backends are printed in name order.
	var order []string
	for _, l := range lines(cfg) {
		if strings.HasPrefix(l, "backend be_") {
			order = append(order, strings.TrimPrefix(l, "backend "))
		}
	}
	if !sort.StringsAreSorted(order) || len(order) != 7 {
		t.Errorf("backends %v: want 7, sorted", order)
	}
	for _, want := range []string{
		"  bind unix@" + dir + "/run/tls.sock mode 600 accept-proxy ssl crt-list " + dir + "/crt-list alpn h2,http/1.1",
		"  http-request set-var(txn.be) base,map_str(" + dir + "/maps/http_exact.map) if !{ path -m sub % // /. '\\' }",
		"  http-request set-var(txn.be) var(txn.key),map_str(" + dir + "/maps/http_exact.map) if !{ var(txn.be) -m found }",
		"  http-request set-var(txn.be) var(txn.key),map_beg(" + dir + "/maps/https_prefix.map) if !{ var(txn.be) -m found }",
		"  tcp-request content set-var(txn.pt) req_ssl_sni,lower,map_str(" + dir + "/maps/passthrough.map) if { req_ssl_hello_type 1 }",
		"  use_backend %[var(txn.pt)] if { var(txn.pt) -m found }",
		"  default_backend _terminate",
		// A passthrough host's request over another host's connection.
		"  http-request return status 421 content-type text/plain string \"Misdirected Request\" if " +
			"!{ var(txn.be) -m found } { var(txn.host),map_str(" + dir + "/maps/passthrough.map) -m found } || " +
			"!{ var(txn.be) -m found } { var(txn.host),regsub(^[^.]*,),map_str(" + dir + "/maps/passthrough.map) -m found }",
		"  http-request redirect location https://%[req.hdr(host),field(1,:),lower,regsub([.]$,)]%[pathq] code 302 if { var(txn.be) -m str _redirect }",
		"  stats socket " + dir + "/run/stats.sock mode 600 level admin expose-fd listeners",
		"  dynamic-cookie-key " + config.DefaultCookieKey,
		"  bind :80",
		"  bind :443",
	} {
		if !bytes.Contains(cfg, []byte("\n"+want+"\n")) {
			t.Errorf("haproxy.cfg lacks the line %q", want)
		}
	}

	wantMaps := map[string]string{
		model.MapHTTPExact: "plain.example.com/app be_http:ns1:plain\n",
		model.MapHTTPPrefix: ".wild.example.com/ be_edge_http:ns1:wild\n" +
			"plain.example.com/app/ be_http:ns1:plain\n" +
			"pt.example.com/ _redirect\n" +
			"secure.example.com/ _redirect\n" +
			"split.example.com/ be_http:ns1:split\n",
		model.MapHTTPSExact: "",
		model.MapHTTPSPrefix: ".wild.example.com/ be_edge_http:ns1:wild\n" +
			"re.example.com/ be_secure:ns2:re\n" +
			"re2.example.com/ be_secure:ns2:re-default\n" +
			"secure.example.com/ be_edge_http:ns1:edge\n",
		model.MapPassthrough:  "pt.example.com be_tcp:ns2:pt\n",
		model.MapHosts:        "", // no route is the default backend
		model.MapSecureSpares: "", // no spares
	}
	for name, want := range wantMaps {
		got := string(files[filepath.ToSlash(filepath.Join(MapDir, name))])
		if got != want {
			t.Errorf("%s:\n got  %q\n want %q", name, got, want)
		}
		ls := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if !sort.StringsAreSorted(ls) {
			t.Errorf("%s is not sorted", name)
		}
	}

	// The default certificate first: the certificate of names no route's
	// has, never looked up by its own names.
	wantCrtList := dir + "/default.pem !*\n" +
		dir + "/certs/be_edge_http_ns1_edge.pem secure.example.com\n" +
		dir + "/certs/be_edge_http_ns1_wild.pem *.wild.example.com\n"
	if got := string(files[CrtListFile]); got != wantCrtList {
		t.Errorf("crt-list:\n got  %q\n want %q", got, wantCrtList)
	}
	byName := map[string]admission.Route{}
	for _, r := range res.Routes {
		byName[r.Name] = r
	}
	for file, want := range map[string][]byte{
		"certs/be_edge_http_ns1_edge.pem": byName["edge"].TLS.Certificate,
		"certs/be_edge_http_ns1_wild.pem": byName["wild"].TLS.Certificate,
		"cacerts/be_secure_ns2_re.pem":    p.ca.CertPEM,
		DefaultCrtFile:                    p.defaultCert,
		CrtListFile:                       []byte(wantCrtList),
		ConfigFile:                        cfg,
		"maps/" + model.MapHTTPExact:      []byte(wantMaps[model.MapHTTPExact]),
		"maps/" + model.MapHTTPPrefix:     []byte(wantMaps[model.MapHTTPPrefix]),
		"maps/" + model.MapHTTPSExact:     nil,
		"maps/" + model.MapHTTPSPrefix:    []byte(wantMaps[model.MapHTTPSPrefix]),
		"maps/" + model.MapPassthrough:    []byte(wantMaps[model.MapPassthrough]),
		"maps/" + model.MapHosts:          nil,
	} {
		got, ok := files[file]
		if !ok {
			t.Errorf("no file %s", file)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s has unexpected content", file)
		}
	}
	if len(files) != 13 {
		var names []string
		for k := range files {
			names = append(names, k)
		}
		sort.Strings(names)
		t.Errorf("files %v, want 13", names)
	}
	if !bytes.Contains(byName["edge"].TLS.Certificate, p.secure.CertPEM) {
		t.Error("edge certificate file lacks the route's certificate")
	}

	mustPassHAProxy(t, dir, files)
}

func TestRenderDeterministic(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, sampleConfig)
	routes := sampleRoutes(t)
	m, _ := pipeline(routes, params.Config, nil)
	a, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("rendering the same model twice gave different files")
	}
	// The same routes in another order: the same files.
	reversed := make([]*routev1.Route, len(routes))
	for i, r := range routes {
		reversed[len(routes)-1-i] = r
	}
	m2, _ := pipeline(reversed, params.Config, nil)
	c, err := Render(m2, params)
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], c[name]) {
			t.Errorf("%s differs when the routes come in another order", name)
		}
	}
	if len(a) != len(c) {
		t.Errorf("%d files, then %d", len(a), len(c))
	}
}

// TestRenderOptions renders the sample under router settings and checks
// the lines each setting controls, then runs haproxy -c on the result.
func TestRenderOptions(t *testing.T) {
	fwd := func(verb, name, value string) string { return "  http-request " + verb + " " + name + " " + value }
	cases := []struct {
		name    string
		edit    func(dir string, c *config.Config)
		present []string
		absent  []string
		// count: lines that must appear exactly this many times.
		count map[string]int
	}{
		{
			name: "defaults: forwarded headers appended and h2 offered",
			present: []string{
				"  option forwardfor",
				fwd("add-header", "X-Forwarded-Host", "%[req.hdr(host)]"),
				fwd("add-header", "X-Forwarded-Port", "%[dst_port]"),
				fwd("add-header", "X-Forwarded-Proto", "http"),
				fwd("add-header", "X-Forwarded-Proto", "https"),
				fwd("add-header", "Forwarded", "for=%[src];host=%[req.hdr(host)];proto=https"),
				"  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }",
				"  maxconn 50000",
			},
			absent: []string{"del-header X-Forwarded-For", "if-none", "accept-proxy\n", "idle-close-on-response", "abortonclose",
				"http-ignore-probes", "compression", "  log ", "httplog", "tcplog", "capture "},
			count: map[string]int{"  option forwardfor": 2, "alpn h2,http/1.1": 3},
		},
		{
			name: "replace",
			edit: func(_ string, c *config.Config) { c.ForwardedHeaders = config.ForwardedReplace },
			present: []string{
				"  http-request del-header X-Forwarded-For",
				fwd("set-header", "X-Forwarded-Proto", "https"),
				fwd("set-header", "Forwarded", "for=%[src];host=%[req.hdr(host)];proto=http"),
			},
			absent: []string{"add-header", "if-none"},
			count:  map[string]int{"  option forwardfor": 2, "  http-request del-header X-Forwarded-For": 2},
		},
		{
			name: "if-none",
			edit: func(_ string, c *config.Config) { c.ForwardedHeaders = config.ForwardedIfNone },
			present: []string{
				"  option forwardfor if-none",
				fwd("set-header", "X-Forwarded-Host", "%[req.hdr(host)] if !{ req.hdr(X-Forwarded-Host) -m found }"),
				fwd("set-header", "Forwarded", "for=%[src];host=%[req.hdr(host)];proto=https if !{ req.hdr(Forwarded) -m found }"),
			},
			absent: []string{"add-header", "del-header X-Forwarded-For"},
			count:  map[string]int{"  option forwardfor if-none": 2},
		},
		{
			name:   "never",
			edit:   func(_ string, c *config.Config) { c.ForwardedHeaders = config.ForwardedNever },
			absent: []string{"forwardfor", "X-Forwarded", "Forwarded "},
		},
		{
			name:    "HTTP/2 disabled: no h2 towards clients or backends",
			edit:    func(_ string, c *config.Config) { c.DisableHTTP2 = true },
			present: []string{" alpn http/1.1\n", "  default-server check inter 5000ms ssl verify required ca-file @system-ca\n"},
			absent:  []string{"h2,http/1.1"},
		},
		{
			name: "default destination CA: each server's verifyhost and SNI from its service name",
			edit: func(dir string, c *config.Config) {
				c.DefaultDestinationCA = filepath.Join(dir, "service-ca.pem")
				if err := os.WriteFile(c.DefaultDestinationCA, fixtures(t).ca.CertPEM, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			present: []string{
				"  default-server check inter 5000ms ssl verify required ca-file {dir}/service-ca.pem alpn h2,http/1.1\n" +
					"  server s1 198.18.0.10:8080 weight 1 verifyhost web.ns2.svc sni str(web.ns2.svc) check-sni web.ns2.svc\n",
				"  default-server check inter 5000ms ssl verify required ca-file {dir}/cacerts/be_secure_ns2_re.pem alpn h2,http/1.1",
			},
			absent: []string{"@system-ca"},
		},
		{
			name: "default destination CA read at start: HAProxy reads the router's copy, never the mounted file again",
			edit: func(dir string, c *config.Config) {
				c.DefaultDestinationCA = filepath.Join(dir, "mounted", "service-ca.crt") // not there any more
				c.DefaultDestinationCABundle = fixtures(t).ca.CertPEM
			},
			present: []string{
				"  default-server check inter 5000ms ssl verify required ca-file {dir}/default-destination-ca.pem alpn h2,http/1.1\n" +
					"  server s1 198.18.0.10:8080 weight 1 verifyhost web.ns2.svc sni str(web.ns2.svc) check-sni web.ns2.svc\n",
			},
			absent: []string{"@system-ca", "mounted"},
		},
		{
			name: "PROXY protocol with bind address and ports and no maxconn",
			edit: func(_ string, c *config.Config) {
				c.ProxyProtocol, c.BindAddress, c.HTTPPort, c.HTTPSPort, c.MaxConnections = true, "127.0.0.1", 10080, 10443, 0
			},
			present: []string{"  bind 127.0.0.1:10080 accept-proxy\n", "  bind 127.0.0.1:10443 accept-proxy\n"},
			absent:  []string{"maxconn"},
		},
		{
			name:    "connection policies: Deferred idle close and Abort on close",
			edit:    func(_ string, c *config.Config) { c.IdleCloseOnResponse, c.AbortOnClose = true, true },
			present: []string{"  option http-keep-alive\n  option abortonclose\n", "  mode http\n  option idle-close-on-response\n"},
			count:   map[string]int{"idle-close-on-response": 2, "abortonclose": 1},
		},
		{
			name:    "empty requests ignored (httpEmptyRequestsPolicy: Ignore), on the HTTP frontends",
			edit:    func(_ string, c *config.Config) { c.IgnoreProbes = true },
			present: []string{"  mode http\n  option http-ignore-probes\n  http-request del-header proxy\n"},
			count:   map[string]int{"  option http-ignore-probes\n": 2},
		},
		{
			name: "compression on the HTTP frontends: a type/* is its prefix, a type with parameters one quoted word",
			edit: func(_ string, c *config.Config) {
				c.CompressionTypes = []string{"text/html", "text/*", `text/plain; charset="utf-8"`, "application/json"}
			},
			present: []string{"  compression algo gzip\n  compression type \"text/html\" \"text/\" \"text/plain;\\x20charset=\\x22utf-8\\x22\" \"application/json\"\n"},
			count:   map[string]int{"  compression algo gzip\n": 2},
		},
		{
			name: "access log to a unix socket with HAProxy formats and empty requests logged",
			edit: func(_ string, c *config.Config) {
				c.AccessLog = &config.AccessLog{Address: "/var/lib/rsyslog/rsyslog.sock", Facility: "local1", Level: "info", MaxLength: 1024}
			},
			present: []string{"  log /var/lib/rsyslog/rsyslog.sock len 1024 local1 info\n", "  log global\n",
				"  option tcplog\n  tcp-request content set-log-level silent if { req_ssl_hello_type 1 } !{ var(txn.pt) -m found }\n  tcp-request content accept"},
			absent: []string{"dontlognull", "log-format", "capture "},
			count:  map[string]int{"  option httplog\n": 2},
		},
		{
			name: "access log to a syslog endpoint over IPv6 with a format and captures and no empty requests",
			edit: func(_ string, c *config.Config) {
				c.AccessLog = &config.AccessLog{Address: "[2001:db8::5]:514", Facility: "local3", Level: "info", MaxLength: 4096,
					Format:         `%ci:%cp [%t] %ft %b/%s %{+Q}r %hr %[capture.req.hdr(0),lower] 100%%`,
					RequestHeaders: []config.Capture{{Name: "Host", Len: 90}}, ResponseHeaders: []config.Capture{{Name: "Content-Type", Len: 40}},
					Cookie: &config.Capture{Name: "session=", Len: 63}, DontLogNull: true}
			},
			present: []string{"  log udp6@2001:db8::5:514 len 4096 local3 info\n", "  option dontlognull\n",
				`  log-format "%ci:%cp\x20[%t]\x20%ft\x20%b/%s\x20%{+Q}r\x20%hr\x20%[capture.req.hdr(0),lower]\x20100%%"` + "\n",
				"  capture request header \"Host\" len 90\n  capture response header \"Content-Type\" len 40\n  capture cookie \"session=\" len 63\n"},
			absent: []string{"option httplog"},
			count:  map[string]int{"  capture cookie": 2},
		},
		{
			name: "access log over IPv4 UDP",
			edit: func(_ string, c *config.Config) {
				c.AccessLog = &config.AccessLog{Address: "198.18.0.9:514", Facility: "local1", Level: "info", MaxLength: 1024}
			},
			present: []string{"  log udp4@198.18.0.9:514 len 1024 local1 info\n"},
		},
		{
			name: "the IngressController's header actions and unique ID in both HTTP frontends",
			edit: func(_ string, c *config.Config) {
				c.RequestHeaders = []config.HeaderAction{{Name: "X-Client-Cert", Value: "%[ssl_c_der,base64]"}, {Name: "X-Router-Debug", Delete: true}}
				c.ResponseHeaders = []config.HeaderAction{{Name: "Content-Security-Policy", Value: "default-src 'self'"}}
				c.UniqueID = &config.UniqueID{Header: "X-Request-Id", Format: config.DefaultUniqueIDFormat}
			},
			present: []string{"  http-request set-header \"X-Client-Cert\" \"%[ssl_c_der,base64]\"\n  http-request del-header \"X-Router-Debug\"\n" +
				"  http-response set-header \"Content-Security-Policy\" \"default-src\\x20\\x27self\\x27\"\n"},
			count: map[string]int{"  http-request del-header \"X-Router-Debug\"\n": 2, "Content-Security-Policy": 2,
				"  unique-id-format \"%{+X}o\\x20%ci:%cp_%fi:%fp_%Ts_%rt:%pid\"\n  unique-id-header \"X-Request-Id\"\n": 2},
		},
		{
			name: "the IngressController's error pages served from the router's own copies",
			edit: func(_ string, c *config.Config) {
				c.ErrorPage503 = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown")
				c.ErrorPage404 = []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnone")
			},
			present: []string{"  errorfile 503 {dir}/errorpages/503.http\n  errorfile 404 {dir}/errorpages/404.http\n"},
		},
		{
			name: "client certificates required: verified by the CA and revocation lists the router copied; subject filtered; OKD headers",
			edit: func(_ string, c *config.Config) {
				ca, crl := testClientCA(t)
				c.MutualTLS = &config.MutualTLS{Required: true, CA: ca, CRL: crl, SubjectFilter: `^/O=Example/CN=(ops|dev)\.[a-z]+$`}
			},
			present: []string{
				" verify required ca-file {dir}/client-ca.pem crl-file {dir}/client-crl.pem\n",
				"  acl client_subject_allowed ssl_c_s_dn -m reg -- \"^/O=Example/CN=(ops|dev)\\x5c.[a-z]+\\x24\"\n  http-request deny deny_status 403 unless client_subject_allowed\n",
				// The 421 for a passthrough host first: a client would not retry on a 403.
				"/maps/passthrough.map) -m found }\n  acl client_subject_allowed ssl_c_s_dn",
				"  http-request set-header X-SSL %[ssl_fc]\n",
				"  http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used }\n",
				"  http-request set-header X-SSL-Client-DER %{+Q}[ssl_c_der,base64] if { ssl_c_used }\n",
			},
			// Deleted in both HTTP frontends, set in the TLS one.
			count: map[string]int{"  http-request del-header ^x[-_]ssl -m reg\n": 2, "set-header X-SSL-Client-CN": 1, "if { ssl_c_used }\n": 10},
		},
		{
			name:    "client certificates optional and no filter",
			edit:    func(_ string, c *config.Config) { ca, _ := testClientCA(t); c.MutualTLS = &config.MutualTLS{CA: ca} },
			present: []string{" verify optional ca-file {dir}/client-ca.pem\n"},
			absent:  []string{"crl-file", "ssl_c_s_dn -m reg"},
		},
		{
			name:    "header names in the case HTTP/1 peers expect: every response to clients",
			edit:    func(_ string, c *config.Config) { c.H1CaseAdjust = []string{"X-Forwarded-For", "x#odd'NAME"} },
			present: []string{"  h1-case-adjust \"x-forwarded-for\" \"X-Forwarded-For\"\n  h1-case-adjust \"x\\x23odd\\x27name\" \"x\\x23odd\\x27NAME\"\n"},
			absent:  []string{"bogus-server"},
			count:   map[string]int{"  option h1-case-adjust-bogus-client\n": 2},
		},
		{
			name: "dual stack: one listener per port for both families, IPv4 clients unmapped, Forwarded per family",
			edit: func(_ string, c *config.Config) { c.IPMode = config.IPDual },
			present: []string{"  bind [::]:80 v4v6\n", "  bind [::]:443 v4v6\n",
				"  tcp-request session set-src src,regsub(^::ffff:,) if { src ::ffff:0.0.0.0/96 }\n",
				fwd("add-header", "Forwarded", "for=%[src];host=%[req.hdr(host)];proto=http if !{ src -m sub : }\n"),
				fwd("add-header", "Forwarded", `"for=\"[%[src]]\";host=%[req.hdr(host)];proto=https" if { src -m sub : }`+"\n"),
			},
			absent: []string{"bind :80", "v6only"},
			count:  map[string]int{"tcp-request session set-src": 3, "-m sub :": 4},
		},
		{
			name:    "IPv6 only",
			edit:    func(_ string, c *config.Config) { c.IPMode = config.IPv6 },
			present: []string{"  bind [::]:80 v6only\n", "  bind [::]:443 v6only\n", "if { src -m sub : }"},
			absent:  []string{"set-src", "v4v6"},
		},
		{
			name:    "an IPv6 bind address",
			edit:    func(_ string, c *config.Config) { c.BindAddress = "::1" },
			present: []string{"  bind [::1]:80\n", "  bind [::1]:443\n", "if { src -m sub : }"},
			absent:  []string{"set-src"},
		},
		{
			name:    "the IPv6 wildcard as bind address is dual stack, whatever the host's sysctl says",
			edit:    func(_ string, c *config.Config) { c.BindAddress = "::" },
			present: []string{"  bind [::]:80 v4v6\n", "  bind [::]:443 v4v6\n", "tcp-request session set-src", "if { src -m sub : }"},
		},
		{
			name:    "an IPv4 bind address",
			edit:    func(_ string, c *config.Config) { c.BindAddress = "0.0.0.0" },
			present: []string{"  bind 0.0.0.0:80\n"},
			absent:  []string{"set-src", "src -m sub", "v4v6"},
		},
		{
			name:    "IPv4: no family test on any request",
			absent:  []string{"src -m sub", "set-src"},
			present: []string{"  bind :80\n"},
		},
		{
			name:    "the IngressController's cookie key",
			edit:    func(_ string, c *config.Config) { c.CookieKey = "0123456789abcdef_-XYZ" },
			present: []string{"  dynamic-cookie-key 0123456789abcdef_-XYZ\n"},
			absent:  []string{"dynamic-cookie-key " + config.DefaultCookieKey},
		},
		{
			name:    "TLS groups: after the TLS profile's ciphers",
			edit:    func(_ string, c *config.Config) { c.Curves = "X25519:secp384r1" },
			present: []string{"  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256\n  ssl-default-bind-curves X25519:secp384r1\n"},
			count:   map[string]int{"curves": 1},
		},
		{
			name:   "no TLS groups: OpenSSL's defaults",
			absent: []string{"curves"},
		},
		{
			name:    "balance algorithms from the config",
			edit:    func(_ string, c *config.Config) { c.BalanceHTTP, c.BalanceTCP = "leastconn", "roundrobin" },
			present: []string{"  balance leastconn\n"},
			absent:  []string{"balance random", "balance source"},
			count:   map[string]int{"  balance leastconn\n": 5, "  balance roundrobin\n": 2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var edit func(*config.Config)
			if tc.edit != nil {
				edit = func(c *config.Config) { tc.edit(dir, c) }
			}
			files, _ := renderSample(t, dir, edit)
			cfg := string(files[ConfigFile])
			expand := func(s string) string { return strings.ReplaceAll(s, "{dir}", dir) }
			for _, want := range tc.present {
				if !strings.Contains(cfg, expand(want)) {
					t.Errorf("haproxy.cfg lacks %q", expand(want))
				}
			}
			for _, bad := range tc.absent {
				if strings.Contains(cfg, expand(bad)) {
					t.Errorf("haproxy.cfg contains %q", expand(bad))
				}
			}
			for s, n := range tc.count {
				if got := strings.Count(cfg, expand(s)); got != n {
					t.Errorf("%q appears %d times, want %d", s, got, n)
				}
			}
			if t.Failed() {
				t.Logf("haproxy.cfg:\n%s", numbered(files[ConfigFile]))
			}
			mustPassHAProxy(t, dir, files)
		})
	}
}

func TestRenderEmptyModel(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, nil)
	m, _ := pipeline(nil, params.Config, nil)
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range model.MapNames {
		if f, ok := files["maps/"+name]; !ok || len(f) != 0 {
			t.Errorf("map %s: present=%v, %d bytes", name, ok, len(f))
		}
	}
	if f, want := string(files[CrtListFile]), dir+"/default.pem !*\n"; f != want {
		t.Errorf("crt-list: %q, want %q", f, want)
	}
	if bytes.Contains(files[ConfigFile], []byte("backend be_")) {
		t.Error("backends without routes")
	}
	// Without a passthrough route, TLS is terminated on the public port: no
	// SNI inspection, no hop to the internal socket. The socket stays bound
	// for connections that an older worker's SNI inspection still holds.
	tls := " ssl crt-list " + dir + "/crt-list alpn h2,http/1.1\n"
	want := "frontend fe_tls\n  bind :443" + tls + "  bind " + params.TLSSocket + " mode 600 accept-proxy" + tls
	if !bytes.Contains(files[ConfigFile], []byte(want)) {
		t.Errorf("haproxy.cfg lacks %q", want)
	}
	for _, hop := range []string{"frontend public_ssl", "backend _terminate", "server fe_tls", "status 421"} {
		if bytes.Contains(files[ConfigFile], []byte(hop)) {
			t.Errorf("haproxy.cfg has %q without a passthrough route", hop)
		}
	}
	mustPassHAProxy(t, dir, files)
}

// TestHAProxyCheckIsReal makes sure the check used above rejects a broken
// configuration: a test that always passes proves nothing.
func TestHAProxyCheckIsReal(t *testing.T) {
	dir := t.TempDir()
	files, _ := renderSample(t, dir, nil)
	files[ConfigFile] = append(append([]byte{}, files[ConfigFile]...), "backend broken\n  no-such-directive here\n"...)
	writeFiles(t, dir, files)
	if out, ok := haproxyCheck(t, dir); ok {
		t.Fatalf("haproxy -c accepted an unknown directive:\n%s", out)
	}
	// A missing certificate file is caught too.
	files2, _ := renderSample(t, dir, nil)
	writeFiles(t, dir, files2)
	if err := os.Remove(filepath.Join(dir, "certs", "be_edge_http_ns1_edge.pem")); err != nil {
		t.Fatal(err)
	}
	if out, ok := haproxyCheck(t, dir); ok {
		t.Fatalf("haproxy -c accepted a crt-list naming a missing file:\n%s", out)
	}
}

// TestRenderHostileServiceName: the name of spec.to reaches haproxy.cfg
// (verifyhost) for reencrypt routes verified by the default destination CA;
// admission must keep a hostile one out.
func TestRenderHostileServiceName(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, func(c *config.Config) {
		c.DefaultDestinationCA = filepath.Join(dir, "service-ca.pem")
	})
	if err := os.WriteFile(params.Config.DefaultDestinationCA, fixtures(t).ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	routes := []*routev1.Route{
		newRoute("ns", "evil", 1, "evil.example.com", withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}),
			func(r *routev1.Route) {
				r.Spec.To.Name = "web\n  server injected 198.51.100.1:80 weight 256\nbackend x"
			}),
		newRoute("ns", "spaces", 2, "spaces.example.com", withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}),
			func(r *routev1.Route) { r.Spec.To.Name = "web verify none" }),
		newRoute("ns", "good", 3, "good.example.com", withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt})),
	}
	m, res := pipeline(routes, params.Config, nil)
	for _, name := range []string{"evil", "spaces"} {
		if v := res.Verdicts[keyOf("ns", name)]; v.Admitted || v.Reason != admission.ReasonExtendedValidationFailed {
			t.Errorf("%s: verdict %+v, want ExtendedValidationFailed", name, v)
		}
	}
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	cfg := files[ConfigFile]
	for _, bad := range []string{"injected", "verify none", "backend x"} {
		if bytes.Contains(cfg, []byte(bad)) {
			t.Errorf("haproxy.cfg contains %q", bad)
		}
	}
	if !bytes.Contains(cfg, []byte("verifyhost web.ns.svc sni str(web.ns.svc) check-sni web.ns.svc")) {
		t.Error("the good route lost its verifyhost")
	}
	mustPassHAProxy(t, dir, files)
}

func keyOf(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

func TestMapFile(t *testing.T) {
	cases := []struct {
		entries []model.Entry
		want    string
	}{
		{nil, ""},
		{[]model.Entry{{Key: "a.com/", Value: "be_http:ns:a"}}, "a.com/ be_http:ns:a\n"},
		{[]model.Entry{{Key: ".b.com/x", Value: "_redirect"}, {Key: "c.com/", Value: "be_tcp:ns:c"}}, ".b.com/x _redirect\nc.com/ be_tcp:ns:c\n"},
	}
	for i, tc := range cases {
		if got := string(MapFile(tc.entries)); got != tc.want {
			t.Errorf("%d: MapFile = %q, want %q", i, got, tc.want)
		}
	}
}

// quotedWord is what Quote may produce: one double-quoted word of safe
// bytes and \xNN escapes.
var quotedWord = regexp.MustCompile(`^"(?:[A-Za-z0-9\-_.,/:;=+%\[\](){}!@^~|?&<>*]|\\x[0-9a-f]{2})*"$`)

// unquote decodes Quote's output.
func unquote(t *testing.T, q string) string {
	t.Helper()
	inner := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' {
			v, err := strconv.ParseUint(inner[i+2:i+4], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q", q)
			}
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

func TestQuote(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"", `""`},
		{"plain-value_1.2", `"plain-value_1.2"`},
		{`say "hi"`, `"say\x20\x22hi\x22"`},
		{`it's`, `"it\x27s"`},
		{`back\slash`, `"back\x5cslash"`},
		{`\x41`, `"\x5cx41"`},
		{"$HOME ${HOME}", `"\x24HOME\x20\x24{HOME}"`},
		{"a#comment", `"a\x23comment"`},
		{"line\n  server evil 1.2.3.4:80", `"line\x0a\x20\x20server\x20evil\x201.2.3.4:80"`},
		{"cr\rlf", `"cr\x0dlf"`},
		{"nul\x00byte", `"nul\x00byte"`},
		{"tab\tdel\x7f", `"tab\x09del\x7f"`},
		{"ünï\xff", `"\xc3\xbcn\xc3\xaf\xff"`},
		{"%[src] %[env(HOME)]", `"%[src]\x20%[env(HOME)]"`},
		{"`cmd` 'x'", `"\x60cmd\x60\x20\x27x\x27"`},
		{"a,b;c=d+e/f:g@h!i^j~k|l?m&n<o>p*q(r)s{t}u[v]w", `"a,b;c=d+e/f:g@h!i^j~k|l?m&n<o>p*q(r)s{t}u[v]w"`},
	}
	for _, tc := range cases {
		got := Quote(tc.in)
		if got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if !quotedWord.MatchString(got) {
			t.Errorf("Quote(%q) = %s: not one quoted word of safe bytes", tc.in, got)
		}
		if back := unquote(t, got); back != tc.in {
			t.Errorf("Quote(%q) decodes to %q", tc.in, back)
		}
	}
	// Every byte value: safe or escaped, never raw.
	for c := 0; c < 256; c++ {
		s := string([]byte{'a', byte(c), 'b'})
		got := Quote(s)
		if !quotedWord.MatchString(got) || unquote(t, got) != s {
			t.Errorf("Quote(%q) = %s", s, got)
		}
	}
}

// TestQuoteThroughHAProxy: HAProxy reads every quoted hostile string as
// one argument of one directive.
func TestQuoteThroughHAProxy(t *testing.T) {
	hostile := []string{
		`say "hi"`, `back\slash`, "$HOME ${HOME}", "a#comment", "line\n  server evil 1.2.3.4:80", "cr\rlf",
		"ünï", "`cmd`", "'single'", "x\\", `\x41`, "{ if TRUE }", "a b c d e f",
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("global\n  nbthread 1\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n")
	b.WriteString("frontend f\n  bind 127.0.0.1:10080\n  default_backend b\nbackend b\n")
	for _, h := range hostile {
		b.WriteString("  http-request del-header " + Quote(h) + "\n")
		// Literal text in a log-format value (no '%': admission refuses it).
		b.WriteString("  http-response set-header X-Test " + Quote(h) + "\n")
	}
	b.WriteString("  server s1 127.0.0.1:1 disabled\n")
	writeFiles(t, dir, Files{ConfigFile: []byte(b.String())})
	out, ok := haproxyCheck(t, dir)
	if !ok {
		t.Fatalf("haproxy -c failed:\n%s\n%s", out, numbered([]byte(b.String())))
	}
	if strings.Contains(out, "evil") || strings.Contains(out, "WARNING") {
		t.Errorf("haproxy warned:\n%s", out)
	}
}

// TestRenderDirectTLSWithProxyProtocol: the PROXY header from a load
// balancer is read where TLS is terminated when there is no internal hop.
func TestRenderDirectTLSWithProxyProtocol(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, func(c *config.Config) {
		c.ProxyProtocol, c.BindAddress, c.HTTPSPort = true, "127.0.0.1", 10443
	})
	m, _ := pipeline(nil, params.Config, nil)
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	want := "\n  bind 127.0.0.1:10443 accept-proxy ssl crt-list "
	if !bytes.Contains(files[ConfigFile], []byte(want)) {
		t.Errorf("haproxy.cfg lacks %q:\n%s", want, files[ConfigFile])
	}
	mustPassHAProxy(t, dir, files)
}

// testClientCA is a client CA bundle and a revocation list it signed.
func testClientCA(t *testing.T) (ca, crl []byte) {
	t.Helper()
	kp, err := certs.NewCA("clients", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := kp.Parse()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return kp.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// TestRenderSpares: a spare's stickiness cookie gets Secure and
// SameSite=None from a response rule while the map names the spare (a
// route served over TLS only holds it); no other backend has the rule.
func TestRenderSpares(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, sampleConfig)
	m, _ := pipeline(sampleRoutes(t), params.Config, nil)
	model.AddSpares(m, 2, params.Config.BalanceHTTP)
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	cfg := files[ConfigFile]
	mapPath := MapPath(dir, model.MapSecureSpares)
	for _, name := range []string{"_spare_1", "_spare_2"} {
		cookie := model.RouteCookieName(types.NamespacedName{Name: name})
		want := []string{
			"  cookie " + cookie + " insert indirect nocache httponly dynamic",
			"  http-after-response replace-header Set-Cookie '^(" + cookie + "=[^;]*; path=/; HttpOnly)$' '\\1; Secure; SameSite=None' if { be_name,map_str(" + mapPath + ") -m found }",
		}
		got := strings.Join(section(cfg, "backend "+name), "\n")
		for _, w := range want {
			if !strings.Contains(got, w+"\n") {
				t.Errorf("backend %s lacks %q:\n%s", name, w, got)
			}
		}
	}
	if n := bytes.Count(cfg, []byte("http-after-response")); n != 2 {
		t.Errorf("%d http-after-response rules, want one per spare", n)
	}
	if _, ok := files[filepath.ToSlash(filepath.Join(MapDir, model.MapSecureSpares))]; !ok {
		t.Errorf("no %s file", model.MapSecureSpares)
	}
	mustPassHAProxy(t, dir, files)
}

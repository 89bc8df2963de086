package render

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

func annotate(kv ...string) opt {
	return func(r *routev1.Route) {
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func routePath(p string) opt { return func(r *routev1.Route) { r.Spec.Path = p } }

// TestRenderAnnotations renders routes with OKD's tuning annotations and
// checks their backend sections line by line, the allowlist files, and
// that HAProxy accepts the whole configuration.
func TestRenderAnnotations(t *testing.T) {
	weight := func(w int32) *int32 { return &w }
	split := func(r *routev1.Route) {
		r.Spec.To.Weight = weight(3)
		r.Spec.AlternateBackends = []routev1.RouteTargetReference{{Kind: "Service", Name: "other", Weight: weight(1)}}
	}
	edge := withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow})
	reencrypt := withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt})
	passthrough := withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	servers := []string{
		"  server s1 198.18.0.10:8080 weight 1",
		"  server s2 198.18.0.11:8080 weight 1",
	}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	cookie := "  cookie " + model.RouteCookieName(keyOf("ann", "route")) + " insert indirect nocache httponly dynamic"
	// {dir} in a wanted line is the config directory.
	cases := []struct {
		name string
		opts []opt
		edit func(*config.Config)
		// backend is the backend's name; want its section's lines.
		backend string
		want    []string
		// allowlist, when not nil, is the allowlist file's path and content.
		allowlist *[2]string
		// invalid is a substring of Verdict.InvalidAnnotations; "" wants none.
		invalid string
	}{
		{
			name: "timeout", opts: []opt{annotate(names.TimeoutAnnotation, "5m")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie, "  timeout server 300000ms",
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "timeout-tunnel on passthrough", opts: []opt{passthrough, annotate(names.TimeoutTunnelAnnotation, "1h")},
			backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  timeout tunnel 3600000ms",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
		},
		{
			name: "timeout on passthrough is the tunnel's (a TCP connection is a tunnel from its start)",
			opts: []opt{passthrough, annotate(names.TimeoutAnnotation, "5m")}, backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  timeout tunnel 300000ms",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
		},
		{
			name: "timeout-tunnel wins over timeout on passthrough",
			opts: []opt{passthrough, annotate(names.TimeoutAnnotation, "5m", names.TimeoutTunnelAnnotation, "2h")}, backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  timeout tunnel 7200000ms",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
		},
		{
			name:    "both timeouts, microseconds rounded up to a millisecond",
			opts:    []opt{annotate(names.TimeoutAnnotation, "500us", names.TimeoutTunnelAnnotation, "1h")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie, "  timeout server 1ms", "  timeout tunnel 3600000ms",
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "timeout longer than HAProxy takes is clipped", opts: []opt{annotate(names.TimeoutAnnotation, "99999999999999999999d")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie, "  timeout server 2147483647ms",
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "invalid timeout ignored", opts: []opt{annotate(names.TimeoutAnnotation, "5s\n  server evil 198.51.100.66:80")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: names.TimeoutAnnotation + `: "5s\n  server evil 198.51.100.66:80" is not a time`,
		},
		{
			name: "balance leastconn overrides a weighted split's roundrobin", opts: []opt{split, annotate(names.BalanceAnnotation, "leastconn")},
			backend: "be_http:ann:route",
			want: []string{"  mode http", "  balance leastconn", cookie, "  default-server check inter 5000ms",
				"  server s1 198.18.0.10:8080 weight 256",
				"  server s2 198.18.0.11:8080 weight 256",
				"  server s3 198.18.0.20:8080 weight 171"},
		},
		{
			name:    "balance source on passthrough overrides the TCP default",
			opts:    []opt{passthrough, annotate(names.BalanceAnnotation, "source")},
			edit:    func(c *config.Config) { c.BalanceTCP = "roundrobin" },
			backend: "be_tcp:ann:route",
			want:    join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  default-server check inter 5000ms hash-key addr-port"}, servers),
		},
		{
			name: "invalid balance ignored", opts: []opt{annotate(names.BalanceAnnotation, "first")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: "is not one of roundrobin, leastconn, source, random",
		},
		{
			name: "hsts on edge, canonical and over TLS only", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=31536000;includesubdomains;PRELOAD")},
			backend: "be_edge_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				`  http-response set-header Strict-Transport-Security "max-age=31536000;\x20includeSubDomains;\x20preload" if { ssl_fc }`,
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name:    "hsts on reencrypt with pod-concurrent-connections",
			opts:    []opt{reencrypt, annotate(names.HSTSAnnotation, `max-age="60"`, names.PodConcurrentConnectionsAnnotation, "10")},
			backend: "be_secure:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie + " secure attr SameSite=None",
				`  http-response set-header Strict-Transport-Security "max-age=60" if { ssl_fc }`,
				"  default-server check inter 5000ms maxconn 10 ssl verify required ca-file @system-ca alpn h2,http/1.1"}, servers),
		},
		{
			name: "hsts on a plain route ignored", opts: []opt{annotate(names.HSTSAnnotation, "max-age=60")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: "applies only to edge and reencrypt routes",
		},
		{
			name: "hsts on passthrough ignored", opts: []opt{passthrough, annotate(names.HSTSAnnotation, "max-age=60")},
			backend: "be_tcp:ann:route",
			want:    join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  default-server check inter 5000ms hash-key addr-port"}, servers),
			invalid: "applies only to edge and reencrypt routes",
		},
		{
			name:    "ip_allowlist on an HTTP route",
			opts:    []opt{annotate(names.IPAllowlistAnnotation, "192.168.1.7  10.0.0.0/8\t10.1.2.3/16 2001:db8::1 2001:DB8:1::5/48")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				"  http-request deny deny_status 403 if !{ src -f {dir}/allowlists/be_http_ann_route.txt }",
				"  default-server check inter 5000ms"}, servers),
			allowlist: &[2]string{"allowlists/be_http_ann_route.txt",
				"192.168.1.7/32\n10.0.0.0/8\n10.1.0.0/16\n2001:db8::1/128\n2001:db8:1::/48\n"},
		},
		{
			name:    "ip_whitelist on an edge route",
			opts:    []opt{edge, annotate(names.IPWhitelistAnnotation, "203.0.113.0/24")},
			backend: "be_edge_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				"  http-request deny deny_status 403 if !{ src -f {dir}/allowlists/be_edge_http_ann_route.txt }",
				"  default-server check inter 5000ms"}, servers),
			allowlist: &[2]string{"allowlists/be_edge_http_ann_route.txt", "203.0.113.0/24\n"},
		},
		{
			name:    "ip_allowlist on passthrough, the new name winning",
			opts:    []opt{passthrough, annotate(names.IPAllowlistAnnotation, "198.51.100.9 ::1", names.IPWhitelistAnnotation, "0.0.0.0/0")},
			backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent",
				"  tcp-request content reject if !{ src -f {dir}/allowlists/be_tcp_ann_route.txt }",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
			allowlist: &[2]string{"allowlists/be_tcp_ann_route.txt", "198.51.100.9/32\n::1/128\n"},
		},
		{
			name:    "invalid ip_allowlist admits nobody",
			opts:    []opt{annotate(names.IPAllowlistAnnotation, "10.0.0.1 fe80::1%eth0")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				"  http-request deny deny_status 403 if !{ src -f {dir}/allowlists/be_http_ann_route.txt }",
				"  default-server check inter 5000ms"}, servers),
			allowlist: &[2]string{"allowlists/be_http_ann_route.txt", ""},
			invalid:   "the route admits no client until it is fixed",
		},
		{
			name:    "invalid ip_allowlist on passthrough admits nobody",
			opts:    []opt{passthrough, annotate(names.IPAllowlistAnnotation, "10.0.0.0/33")},
			backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent",
				"  tcp-request content reject if !{ src -f {dir}/allowlists/be_tcp_ann_route.txt }",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
			allowlist: &[2]string{"allowlists/be_tcp_ann_route.txt", ""},
			invalid:   "the route admits no client until it is fixed",
		},
		{
			name: "rewrite-target / strips the route's path", opts: []opt{routePath("/foo"), annotate(names.RewriteTargetAnnotation, "/")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				`  http-request replace-path "^(?:/|%2[Ff])+foo(?:/|%2[Ff])*(.*)\x24" "/\x5c1"`,
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name:    "rewrite-target to another path, the route's path quoted for the regex and the target's escape doubled",
			opts:    []opt{edge, routePath("/a.b(c)/"), annotate(names.RewriteTargetAnnotation, "/x%20y$")},
			backend: "be_edge_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				`  http-request replace-path "^(?:/|%2[Ff])+a(?:\x5c.|%2[Ee])b\x5c(c\x5c)(.*)\x24" "/x%%20y\x24\x5c1"`,
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "rewrite-target on passthrough ignored", opts: []opt{passthrough, annotate(names.RewriteTargetAnnotation, "/")},
			backend: "be_tcp:ann:route",
			want:    join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  default-server check inter 5000ms hash-key addr-port"}, servers),
			invalid: "applies only to routes whose HTTP the router sees",
		},
		{
			name: "invalid rewrite-target ignored", opts: []opt{annotate(names.RewriteTargetAnnotation, `/x\1`)},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: "is not an absolute path",
		},
		{
			name: "a named cookie with SameSite, on an edge route served over TLS only",
			opts: []opt{withTLS(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}),
				annotate(names.CookieNameAnnotation, "sticky", names.CookieSameSiteAnnotation, "lax")},
			backend: "be_edge_http:ann:route",
			want: join([]string{"  mode http", "  balance random", "  cookie sticky insert indirect nocache httponly dynamic secure attr SameSite=Lax",
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "SameSite on an edge route that allows HTTP ignored (no Secure)", opts: []opt{edge, annotate(names.CookieSameSiteAnnotation, "None")},
			backend: "be_edge_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: "applies only to edge and reencrypt routes served over TLS only",
		},
		{
			name: "h1-adjust-case on a router that lists header names: requests to the pods adjusted",
			opts: []opt{annotate(names.H1AdjustCaseAnnotation, "true")}, edit: func(c *config.Config) { c.H1CaseAdjust = []string{"X-Forwarded-For"} },
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  option h1-case-adjust-bogus-server", "  default-server check inter 5000ms"}, servers),
		},
		{
			name: "h1-adjust-case on a router that lists none: nothing to adjust", opts: []opt{annotate(names.H1AdjustCaseAnnotation, "true")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
		},
		{
			name: "h1-adjust-case on a passthrough route ignored", opts: []opt{passthrough, annotate(names.H1AdjustCaseAnnotation, "true")},
			edit:    func(c *config.Config) { c.H1CaseAdjust = []string{"X-Forwarded-For"} },
			backend: "be_tcp:ann:route",
			want:    join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  default-server check inter 5000ms hash-key addr-port"}, servers),
			invalid: "applies only to routes whose HTTP the router sees",
		},
		{
			name: "rate limits on an HTTP route: 429",
			opts: []opt{annotate(names.RateLimitAnnotation, "true", names.RateLimitConcurrentTCPAnnotation, "10",
				names.RateLimitRateTCPAnnotation, "20", names.RateLimitRateHTTPAnnotation, "30")},
			backend: "be_http:ann:route",
			want: join([]string{"  mode http", "  balance random", cookie,
				"  stick-table type ipv6 size 100k expire 30s store conn_cur,conn_rate(3s),http_req_rate(10s)",
				"  http-request track-sc0 src",
				"  http-request deny deny_status 429 if { sc0_conn_cur gt 10 }",
				"  http-request deny deny_status 429 if { sc0_conn_rate gt 20 }",
				"  http-request deny deny_status 429 if { sc0_http_req_rate gt 30 }",
				"  default-server check inter 5000ms"}, servers),
		},
		{
			name: "rate limits on passthrough: the connection is refused",
			opts: []opt{passthrough, annotate(names.RateLimitAnnotation, "true", names.RateLimitConcurrentTCPAnnotation, "3",
				names.RateLimitRateTCPAnnotation, "4")},
			backend: "be_tcp:ann:route",
			want: join([]string{"  mode tcp", "  balance source", "  hash-type consistent",
				"  stick-table type ipv6 size 100k expire 30s store conn_cur,conn_rate(3s)",
				"  tcp-request content track-sc0 src",
				"  tcp-request content reject if { sc0_conn_cur gt 3 }",
				"  tcp-request content reject if { sc0_conn_rate gt 4 }",
				"  default-server check inter 5000ms hash-key addr-port"}, servers),
		},
		{
			name: "cookies disabled", opts: []opt{annotate(names.DisableCookiesAnnotation, "true")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", "  default-server check inter 5000ms"}, servers),
		},
		{
			name: "whitespace-only ip_allowlist restricts nothing", opts: []opt{annotate(names.IPAllowlistAnnotation, " \t ")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
		},
		{
			name: "pod-concurrent-connections", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "10")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms maxconn 10"}, servers),
		},
		{
			name: "pod-concurrent-connections 0 is no cap", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "0")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
		},
		{
			name:    "pod-concurrent-connections without health checks",
			opts:    []opt{annotate(names.PodConcurrentConnectionsAnnotation, "2147483647")},
			edit:    func(c *config.Config) { c.Timeouts.HealthCheck = 0 },
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server maxconn 2147483647"}, servers),
		},
		{
			name: "invalid pod-concurrent-connections ignored", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "+5")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 5000ms"}, servers),
			invalid: "is not a whole number",
		},
		{
			name: "health check interval", opts: []opt{annotate(names.HealthCheckIntervalAnnotation, "3s")},
			backend: "be_http:ann:route",
			want:    join([]string{"  mode http", "  balance random", cookie, "  default-server check inter 3000ms"}, servers),
		},
		{
			name: "health check interval with router checks off", opts: []opt{passthrough, annotate(names.HealthCheckIntervalAnnotation, "1500ms")},
			edit:    func(c *config.Config) { c.Timeouts.HealthCheck = 0 },
			backend: "be_tcp:ann:route",
			want:    join([]string{"  mode tcp", "  balance source", "  hash-type consistent", "  default-server check inter 1500ms hash-key addr-port"}, servers),
		},
	}
	root := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(root, strconv.Itoa(i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			params := testParams(t, dir, tc.edit)
			m, res := pipeline([]*routev1.Route{newRoute("ann", "route", 1, "ann.example.com", tc.opts...)}, params.Config, nil)
			v := res.Verdicts[keyOf("ann", "route")]
			if !v.Admitted {
				t.Fatalf("rejected: %s: %s", v.Reason, v.Message)
			}
			switch {
			case tc.invalid == "" && v.InvalidAnnotations != "":
				t.Errorf("InvalidAnnotations = %q, want none", v.InvalidAnnotations)
			case !strings.Contains(v.InvalidAnnotations, tc.invalid):
				t.Errorf("InvalidAnnotations = %q, want it to say %q", v.InvalidAnnotations, tc.invalid)
			}
			files, err := Render(m, params)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]string, len(tc.want))
			for i, l := range tc.want {
				want[i] = strings.ReplaceAll(l, "{dir}", dir)
			}
			if got := section(files[ConfigFile], "backend "+tc.backend); !reflect.DeepEqual(got, want) {
				t.Errorf("backend %s:\n got  %q\n want %q", tc.backend, got, want)
			}
			var allowlists []string
			for name := range files {
				if strings.HasPrefix(name, "allowlists/") {
					allowlists = append(allowlists, name)
				}
			}
			switch a := tc.allowlist; {
			case a == nil && len(allowlists) != 0:
				t.Errorf("allowlist files %q, want none", allowlists)
			case a != nil && (len(allowlists) != 1 || allowlists[0] != a[0]):
				t.Errorf("allowlist files %q, want only %s", allowlists, a[0])
			case a != nil && string(files[a[0]]) != a[1]:
				t.Errorf("%s = %q, want %q", a[0], files[a[0]], a[1])
			}
			// What a server added at runtime is given is what the
			// default-server line gives the configured ones.
			for _, b := range m.Backends {
				if b.Name != tc.backend {
					continue
				}
				opts := ServerOptions(dir, params.Config.Timeouts.HealthCheck, b)
				var line string
				for _, l := range want {
					if strings.HasPrefix(l, "  default-server ") {
						line = l
					}
				}
				if line != "  default-server "+opts {
					t.Errorf("ServerOptions = %q, the default-server line %q", opts, line)
				}
			}
			mustPassHAProxy(t, dir, files)
		})
	}
}

// TestServerOptionsTuned: the route's check interval replaces the
// router's, and the connection cap comes right after it, as in the
// default-server line.
func TestServerOptionsTuned(t *testing.T) {
	cases := []struct {
		name   string
		router time.Duration
		b      model.Backend
		want   string
	}{
		{"router's interval", 5 * time.Second, model.Backend{}, "check inter 5000ms"},
		{"route's interval and cap", 5 * time.Second, model.Backend{CheckInterval: 3 * time.Second, MaxConn: 10}, "check inter 3000ms maxconn 10"},
		{"route's interval, router's checks off", 0, model.Backend{CheckInterval: 1500 * time.Millisecond}, "check inter 1500ms"},
		{"cap alone", 0, model.Backend{MaxConn: 1}, "maxconn 1"},
		{"cap and reencrypt", 5 * time.Second, model.Backend{MaxConn: 7, Reencrypt: &model.Reencrypt{CAFile: "cacerts/x.pem", ALPN: true}},
			"check inter 5000ms maxconn 7 ssl verify required ca-file /conf/cacerts/x.pem alpn h2,http/1.1"},
		{"service CA: the name is each slot's", 0, model.Backend{Reencrypt: &model.Reencrypt{CAFile: "/ca.pem", ServiceHost: "web.ns.svc"}},
			"ssl verify required ca-file /ca.pem"},
		{"h2c: each slot's", 0, model.Backend{H2C: true}, ""},
	}
	for _, tc := range cases {
		if got := ServerOptions("/conf", tc.router, &tc.b); got != tc.want {
			t.Errorf("%s: ServerOptions = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSlotOptions: what one server line says beyond its backend's.
func TestSlotOptions(t *testing.T) {
	for _, tc := range []struct {
		line model.Line
		want string
	}{
		{model.Line{}, ""},
		{model.Line{VerifyHost: "web.ns.svc"}, "verifyhost web.ns.svc sni str(web.ns.svc) check-sni web.ns.svc"},
		{model.Line{H2C: true}, "proto h2"},
		{model.Line{VerifyHost: "a.b.svc", H2C: true}, "verifyhost a.b.svc sni str(a.b.svc) check-sni a.b.svc proto h2"},
	} {
		if got := SlotOptions(tc.line); got != tc.want {
			t.Errorf("SlotOptions(%+v) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestPathRegex: the rewrite regex matches every spelling of the route's
// path that the lookup routes to the route, and no other path.
func TestPathRegex(t *testing.T) {
	for _, tc := range []struct {
		from      string
		match, no []string
	}{
		{"/foo", []string{"/foo", "//foo", "/foo/x", "//foo//x"}, []string{"/fo", "/bar", "/Foo", "/foobar"}},
		{"/a/b", []string{"/a/b", "/a%2Fb", "/a%2fb/x", "/%2Fa%2F%2f/b"}, []string{"/a%2Eb", "/ab", "/a%252Fb"}},
		{"/my-app.v_1~x", []string{"/my-app.v_1~x", "/my%2Dapp%2ev%5F1%7ex", "/my%2dapp.v_1~x"}, []string{"/myXapp.v_1~x", "/my%2Fapp.v_1~x"}},
		{"/caf%C3%A9", []string{"/caf%C3%A9", "/caf%c3%a9"}, []string{"/cafe", "/caf%C3"}},
		{"/a+b(c)*", []string{"/a+b(c)*"}, []string{"/aab(c)", "/a+bc"}},
		{"", []string{"/", "/x"}, nil},
	} {
		// The rest of the path follows the route's, element-wise.
		re := regexp.MustCompile("^" + pathRegex(tc.from) + "(?:/.*)?$")
		for _, p := range tc.match {
			if !re.MatchString(p) {
				t.Errorf("%q: %s does not match %q", tc.from, re, p)
			}
		}
		for _, p := range tc.no {
			if re.MatchString(p) {
				t.Errorf("%q: %s matches %q", tc.from, re, p)
			}
		}
	}
}

// TestRenderOwnForwardedPolicy: a route with a forwarded-header policy of
// its own gets its headers from its backend, and the frontends skip it.
func TestRenderOwnForwardedPolicy(t *testing.T) {
	dir := t.TempDir()
	params := testParams(t, dir, nil)
	routes := []*routev1.Route{
		newRoute("ann", "never", 1, "never.example.com", annotate(names.SetForwardedHeadersAnnotation, "never")),
		newRoute("ann", "replace", 2, "replace.example.com", annotate(names.SetForwardedHeadersAnnotation, "replace")),
		newRoute("ann", "same", 3, "same.example.com", annotate(names.SetForwardedHeadersAnnotation, "append")),
		newRoute("ann", "plain", 4, "plain.example.com"),
	}
	m, _ := pipeline(routes, params.Config, nil)
	files, err := Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	cfg := files[ConfigFile]
	fwd := filepath.Join(dir, ForwardedMapFile)
	if got, want := string(files[ForwardedMapFile]), "be_http:ann:never never\nbe_http:ann:replace replace\n"; got != want {
		t.Errorf("forwarded.map = %q, want %q (a route with the router's own policy is not in it)", got, want)
	}
	for _, want := range []string{
		"  http-request set-var(txn.fwd) var(txn.be),map_str(" + fwd + ") if { var(txn.be) -m found }",
		"  http-request add-header X-Forwarded-For %[src] if !{ var(txn.fwd) -m found }",
		"  http-request add-header Forwarded for=%[src];host=%[req.hdr(host)];proto=https if !{ var(txn.fwd) -m found }",
		"  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 } !{ var(txn.fwd) -m found }",
	} {
		if !strings.Contains(string(cfg), "\n"+want+"\n") {
			t.Errorf("haproxy.cfg lacks %q", want)
		}
	}
	if strings.Contains(string(cfg), "option forwardfor") {
		t.Error("option forwardfor takes no condition: X-Forwarded-For must be a rule")
	}
	cookie := func(name string) string {
		return "  cookie " + model.RouteCookieName(keyOf("ann", name)) + " insert indirect nocache httponly dynamic"
	}
	for name, want := range map[string][]string{
		"never": {"  mode http", "  balance random", cookie("never"), "  default-server check inter 5000ms"},
		"replace": {"  mode http", "  balance random", cookie("replace"),
			"  http-request del-header X-Forwarded-For",
			"  http-request set-header X-Forwarded-For %[src]",
			"  http-request set-header X-Forwarded-Host %[req.hdr(host)]",
			"  http-request set-header X-Forwarded-Port %[dst_port]",
			"  http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]",
			"  http-request set-header Forwarded for=%[src];host=%[req.hdr(host)];proto=%[ssl_fc,iif(https,http)]",
			"  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }",
			"  default-server check inter 5000ms"},
		"same": {"  mode http", "  balance random", cookie("same"), "  default-server check inter 5000ms"},
	} {
		got := section(cfg, "backend be_http:ann:"+name)
		if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
			t.Errorf("backend %s:\n got  %q\n want %q…", name, got, want)
		}
	}
	mustPassHAProxy(t, dir, files)

	// A router that sends no headers has no rule to skip: no lookup, and
	// the route's own policy still in its backend.
	never := testParams(t, dir, func(c *config.Config) { c.ForwardedHeaders = config.ForwardedNever })
	m, _ = pipeline(routes[1:2], never.Config, nil)
	if files, err = Render(m, never); err != nil {
		t.Fatal(err)
	}
	if cfg := string(files[ConfigFile]); strings.Contains(cfg, "txn.fwd") || !strings.Contains(cfg, "\n  http-request set-header X-Forwarded-For %[src]\n") {
		t.Error("with ROUTER_SET_FORWARDED_HEADERS=never, a route's own policy: the frontends look it up, or its backend lacks its headers")
	}

	// Without such routes, nothing of it: the option, no map, no variable.
	m, _ = pipeline(routes[2:], params.Config, nil)
	files, err = Render(m, params)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files[ForwardedMapFile]; ok || strings.Contains(string(files[ConfigFile]), "txn.fwd") || !strings.Contains(string(files[ConfigFile]), "  option forwardfor\n") {
		t.Error("a router whose routes all follow its policy renders the per-route machinery")
	}
}

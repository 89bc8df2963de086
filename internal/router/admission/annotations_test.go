package admission

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

func TestTuning(t *testing.T) {
	edge := tls(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge})
	passthrough := tls(routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	prefixes := func(list ...string) []netip.Prefix {
		out := []netip.Prefix{}
		for _, s := range list {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	cases := []struct {
		name string
		opts []opt
		want Tuning
		// problems are substrings of the InvalidAnnotations message, in order.
		problems []string
	}{
		{name: "none", want: Tuning{}},
		{name: "timeout in seconds", opts: []opt{annotate(names.TimeoutAnnotation, "30s")}, want: Tuning{TimeoutServer: 30 * time.Second}},
		{name: "timeout without a unit is milliseconds", opts: []opt{annotate(names.TimeoutAnnotation, "1500")}, want: Tuning{TimeoutServer: 1500 * time.Millisecond}},
		{name: "microseconds round up to a millisecond, never to 0 (no timeout)", opts: []opt{annotate(names.TimeoutAnnotation, "500us")}, want: Tuning{TimeoutServer: time.Millisecond}},
		{name: "tunnel in days", opts: []opt{annotate(names.TimeoutTunnelAnnotation, "2d")}, want: Tuning{TimeoutTunnel: 48 * time.Hour}},
		{name: "too long is clipped to HAProxy's longest", opts: []opt{annotate(names.TimeoutAnnotation, "99999999999999999999d")}, want: Tuning{TimeoutServer: maxTimeout}},
		{name: "just under the clip", opts: []opt{annotate(names.TimeoutAnnotation, "2147483647")}, want: Tuning{TimeoutServer: maxTimeout}},
		{name: "health check interval", opts: []opt{annotate(names.HealthCheckIntervalAnnotation, "3s")}, want: Tuning{CheckInterval: 3 * time.Second}},
		{name: "health check interval at the floor", opts: []opt{annotate(names.HealthCheckIntervalAnnotation, "1000ms")}, want: Tuning{CheckInterval: time.Second}},
		{name: "health check interval below the floor is ignored", opts: []opt{annotate(names.HealthCheckIntervalAnnotation, "999ms")}, want: Tuning{},
			problems: []string{names.HealthCheckIntervalAnnotation + `: "999ms" is below 1s, the least health-check interval`}},
		{
			name: "bad times are ignored and named",
			opts: []opt{
				annotate(names.TimeoutAnnotation, "0"), annotate(names.TimeoutTunnelAnnotation, "5 s"),
				annotate(names.HealthCheckIntervalAnnotation, "5s\n  server evil 198.51.100.1:80"),
			},
			want: Tuning{},
			problems: []string{
				// Sorted: "-" before ":".
				names.TimeoutTunnelAnnotation + `: "5 s" is not a time`,
				names.TimeoutAnnotation + `: "0" is not a time`,
				names.HealthCheckIntervalAnnotation + `: "5s\n  server evil 198.51.100.1:80" is not a time`,
			},
		},
		{name: "balance", opts: []opt{annotate(names.BalanceAnnotation, "leastconn")}, want: Tuning{Balance: "leastconn"}},
		{name: "balance is case-sensitive, as OKD", opts: []opt{annotate(names.BalanceAnnotation, "LeastConn")}, want: Tuning{},
			problems: []string{names.BalanceAnnotation + `: "LeastConn" is not one of`}},
		{name: "hsts on an edge route", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=31536000;includeSubDomains;preload")},
			want: Tuning{HSTS: "max-age=31536000; includeSubDomains; preload"}},
		{name: "hsts: any case, spaces, quoted max-age, any order", opts: []opt{edge, annotate(names.HSTSAnnotation, ` PRELOAD ; max-age = "60" `)},
			want: Tuning{HSTS: "max-age=60; preload"}},
		{name: "hsts on a plain route", opts: []opt{annotate(names.HSTSAnnotation, "max-age=60")}, want: Tuning{},
			problems: []string{names.HSTSAnnotation + `: "max-age=60" applies only to edge and reencrypt routes`}},
		{name: "hsts on a passthrough route", opts: []opt{passthrough, annotate(names.HSTSAnnotation, "max-age=60")}, want: Tuning{},
			problems: []string{"applies only to edge and reencrypt routes"}},
		{name: "hsts without max-age", opts: []opt{edge, annotate(names.HSTSAnnotation, "includeSubDomains")}, want: Tuning{},
			problems: []string{"has no max-age"}},
		{name: "hsts: a max-age past 32 bits, as OKD takes it", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=99999999999")},
			want: Tuning{HSTS: "max-age=99999999999"}},
		{name: "hsts: a max-age of 64 bits, leading zeros dropped", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=00018446744073709551615")},
			want: Tuning{HSTS: "max-age=18446744073709551615"}},
		{name: "hsts: a max-age past 64 bits", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age="+strings.Repeat("9", 300))}, want: Tuning{},
			problems: []string{"not a number of seconds"}},
		{name: "hsts twice", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=1; max-age=2")}, want: Tuning{},
			problems: []string{"names max-age twice"}},
		{name: "hsts with an injected directive", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=1\n  http-response set-header X-Evil 1")}, want: Tuning{},
			problems: []string{`has max-age "1\n  http-response`}},
		{name: "hsts with another directive", opts: []opt{edge, annotate(names.HSTSAnnotation, "max-age=1; report-uri=x")}, want: Tuning{},
			problems: []string{"is not max-age=<seconds>"}},
		{
			name: "allowlist: addresses and CIDRs, masked",
			opts: []opt{annotate(names.IPAllowlistAnnotation, " 203.0.113.7\t10.1.2.3/8  2001:db8::1 2001:db8:1::5/48 ")},
			want: Tuning{AllowListSet: true, AllowList: prefixes("203.0.113.7/32", "10.0.0.0/8", "2001:db8::1/128", "2001:db8:1::/48")},
		},
		{name: "the old name", opts: []opt{annotate(names.IPWhitelistAnnotation, "192.0.2.1")},
			want: Tuning{AllowListSet: true, AllowList: prefixes("192.0.2.1/32")}},
		{name: "the new name wins", opts: []opt{annotate(names.IPWhitelistAnnotation, "192.0.2.1"), annotate(names.IPAllowlistAnnotation, "192.0.2.2")},
			want: Tuning{AllowListSet: true, AllowList: prefixes("192.0.2.2/32")}},
		{name: "an empty allowlist restricts nothing", opts: []opt{annotate(names.IPAllowlistAnnotation, "  ")}, want: Tuning{}},
		{
			name: "a bad entry fails closed",
			opts: []opt{annotate(names.IPAllowlistAnnotation, "192.0.2.1 192.0.2.300")},
			want: Tuning{AllowListSet: true, AllowList: nil},
			problems: []string{
				names.IPAllowlistAnnotation + `: "192.0.2.1 192.0.2.300" has "192.0.2.300", which is not an IP address or CIDR; the route admits no client until it is fixed`,
			},
		},
		{name: "a zone is no address for an allowlist", opts: []opt{annotate(names.IPAllowlistAnnotation, "fe80::1%eth0")},
			want: Tuning{AllowListSet: true}, problems: []string{"which is not an IP address or CIDR"}},
		{name: "an injected file name", opts: []opt{annotate(names.IPAllowlistAnnotation, "-f /etc/passwd")},
			want: Tuning{AllowListSet: true}, problems: []string{`has "-f"`}},
		{name: "thousands of entries", opts: []opt{annotate(names.IPAllowlistAnnotation, strings.Repeat("192.0.2.1 198.18.0.0/15 ", 5000))},
			want: Tuning{AllowListSet: true, AllowList: slices.Repeat([]netip.Prefix{netip.MustParsePrefix("192.0.2.1/32"),
				netip.MustParsePrefix("198.18.0.0/15")}, 5000)}},
		{name: "pod connections", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "10")}, want: Tuning{MaxConn: 10}},
		{name: "pod connections 0 is no cap", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "0")}, want: Tuning{}},
		{
			name: "bad pod connections",
			opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "+5")},
			want: Tuning{}, problems: []string{names.PodConcurrentConnectionsAnnotation + `: "+5" is not a whole number`},
		},
		{name: "pod connections -0", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "-0")}, want: Tuning{},
			problems: []string{"is not a whole number"}},
		{name: "hsts with an unbalanced quote", opts: []opt{edge, annotate(names.HSTSAnnotation, `max-age="1`)}, want: Tuning{},
			problems: []string{`has max-age "\"1"`}},
		{name: "pod connections beyond int32", opts: []opt{annotate(names.PodConcurrentConnectionsAnnotation, "2147483648")}, want: Tuning{},
			problems: []string{"is not a whole number"}},
		{name: "rewrite-target", opts: []opt{annotate(names.RewriteTargetAnnotation, "/a%2Fb/")}, want: Tuning{RewriteTarget: "/a%2Fb/"}},
		{name: "rewrite-target relative", opts: []opt{annotate(names.RewriteTargetAnnotation, "a")}, want: Tuning{},
			problems: []string{names.RewriteTargetAnnotation + `: "a" is not an absolute path`}},
		{name: "rewrite-target with a backreference", opts: []opt{annotate(names.RewriteTargetAnnotation, `/\1`)}, want: Tuning{},
			problems: []string{"is not an absolute path"}},
		{name: "rewrite-target with a sample fetch", opts: []opt{annotate(names.RewriteTargetAnnotation, "/%[src]")}, want: Tuning{},
			problems: []string{"is not an absolute path"}},
		{name: "rewrite-target on passthrough", opts: []opt{passthrough, annotate(names.RewriteTargetAnnotation, "/")}, want: Tuning{},
			problems: []string{"applies only to routes whose HTTP the router sees"}},
		{name: "cookies off", opts: []opt{annotate(names.DisableCookiesAnnotation, "true")}, want: Tuning{NoCookie: true}},
		{name: "cookies off, any spelling ParseBool takes", opts: []opt{annotate(names.DisableCookiesAnnotation, " TRUE ")}, want: Tuning{NoCookie: true}},
		{name: "cookies kept", opts: []opt{annotate(names.DisableCookiesAnnotation, "false")}, want: Tuning{}},
		{name: "h1-adjust-case", opts: []opt{edge, annotate(names.H1AdjustCaseAnnotation, "true")}, want: Tuning{H1AdjustCase: true}},
		{name: "h1-adjust-case off", opts: []opt{annotate(names.H1AdjustCaseAnnotation, "false")}, want: Tuning{}},
		{name: "h1-adjust-case on passthrough", opts: []opt{passthrough, annotate(names.H1AdjustCaseAnnotation, "true")}, want: Tuning{},
			problems: []string{"applies only to routes whose HTTP the router sees"}},
		{name: "h1-adjust-case: not a bool", opts: []opt{annotate(names.H1AdjustCaseAnnotation, "on")}, want: Tuning{},
			problems: []string{names.H1AdjustCaseAnnotation + `: "on" is not true or false`}},
		{name: "cookies: not a bool", opts: []opt{annotate(names.DisableCookiesAnnotation, "yes")}, want: Tuning{},
			problems: []string{names.DisableCookiesAnnotation + `: "yes" is not true or false`}},
		{name: "cookie name and SameSite", opts: []opt{edge, annotate(names.CookieNameAnnotation, "my_app-1"), annotate(names.CookieSameSiteAnnotation, "strict")},
			want: Tuning{CookieName: "my_app-1", CookieSameSite: "Strict"}},
		{name: "SameSite on a route that serves HTTP too: browsers refuse None without Secure", opts: []opt{annotate(names.CookieSameSiteAnnotation, "None")},
			want: Tuning{}, problems: []string{names.CookieSameSiteAnnotation + `: "None" applies only to edge and reencrypt routes served over TLS only`}},
		{name: "SameSite on an edge route that allows HTTP",
			opts: []opt{tls(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}), annotate(names.CookieSameSiteAnnotation, "Lax")},
			want: Tuning{}, problems: []string{"applies only to edge and reencrypt routes served over TLS only"}},
		{name: "cookie name with a directive", opts: []opt{annotate(names.CookieNameAnnotation, "a insert\n  server evil 198.51.100.1:80")}, want: Tuning{},
			problems: []string{names.CookieNameAnnotation + `: "a insert\n  server evil 198.51.100.1:80" is not a cookie name`}},
		{name: "SameSite with an attribute", opts: []opt{edge, annotate(names.CookieSameSiteAnnotation, "Lax; Domain=evil")}, want: Tuning{},
			problems: []string{"is not Lax, Strict or None"}},
		{name: "cookie annotations on passthrough", opts: []opt{passthrough, annotate(names.CookieNameAnnotation, "c"), annotate(names.CookieSameSiteAnnotation, "None")},
			want: Tuning{}, problems: []string{names.CookieSameSiteAnnotation + `: "None" applies only to edge and reencrypt`, names.CookieNameAnnotation + `: "c" applies only`}},
		{name: "rate limits", opts: []opt{annotate(names.RateLimitAnnotation, "true"), annotate(names.RateLimitConcurrentTCPAnnotation, "10"),
			annotate(names.RateLimitRateTCPAnnotation, "20"), annotate(names.RateLimitRateHTTPAnnotation, "30")},
			want: Tuning{RateLimit: &RateLimit{Concurrent: 10, ConnRate: 20, HTTPRate: 30}}},
		{name: "rate limits need the switch", opts: []opt{annotate(names.RateLimitConcurrentTCPAnnotation, "10")}, want: Tuning{},
			problems: []string{names.RateLimitConcurrentTCPAnnotation + `: "10" takes effect only with ` + names.RateLimitAnnotation + ": true"}},
		{name: "the switch needs a limit", opts: []opt{annotate(names.RateLimitAnnotation, "true")}, want: Tuning{},
			problems: []string{names.RateLimitAnnotation + `: "true" limits nothing`}},
		{name: "a rate limit of 0, or an injected condition", opts: []opt{annotate(names.RateLimitAnnotation, "true"),
			annotate(names.RateLimitConcurrentTCPAnnotation, "0"), annotate(names.RateLimitRateTCPAnnotation, "1 } || { always_true"), annotate(names.RateLimitRateHTTPAnnotation, "5")},
			want:     Tuning{RateLimit: &RateLimit{HTTPRate: 5}},
			problems: []string{`.concurrent-tcp: "0" is not a whole number from 1`, `.rate-tcp: "1 } || { always_true" is not a whole number`}},
		{name: "no HTTP rate on passthrough", opts: []opt{passthrough, annotate(names.RateLimitAnnotation, "1"), annotate(names.RateLimitRateHTTPAnnotation, "5"),
			annotate(names.RateLimitRateTCPAnnotation, "7")},
			want: Tuning{RateLimit: &RateLimit{ConnRate: 7}}, problems: []string{`.rate-http: "5" applies only to routes whose HTTP the router sees`}},
		{name: "rate limits off", opts: []opt{annotate(names.RateLimitAnnotation, "false")}, want: Tuning{}},
		{name: "set-forwarded-headers", opts: []opt{annotate(names.SetForwardedHeadersAnnotation, "never")}, want: Tuning{Forwarded: "never"}},
		{name: "set-forwarded-headers is OKD's spelling", opts: []opt{annotate(names.SetForwardedHeadersAnnotation, "Never")}, want: Tuning{},
			problems: []string{names.SetForwardedHeadersAnnotation + `: "Never" is not append, replace, if-none or never`}},
		{name: "set-forwarded-headers on passthrough", opts: []opt{passthrough, annotate(names.SetForwardedHeadersAnnotation, "replace")}, want: Tuning{},
			problems: []string{"applies only to routes whose HTTP the router sees"}},
		{name: "a long value is cut in the message", opts: []opt{annotate(names.BalanceAnnotation, strings.Repeat("x", 500))}, want: Tuning{},
			problems: []string{`"` + strings.Repeat("x", 64) + `"… is not one of`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Admit([]*routev1.Route{route("ns", "r", 0, "r.example.com", tc.opts...)}, Policy{})
			v := res.Verdicts[key("ns/r")]
			if !v.Admitted || len(res.Routes) != 1 {
				t.Fatalf("not admitted: %+v", v)
			}
			if got := res.Routes[0].Tuning; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tuning = %+v, want %+v", got, tc.want)
			}
			msg := v.InvalidAnnotations
			if len(tc.problems) == 0 && msg != "" {
				t.Errorf("InvalidAnnotations = %q, want none", msg)
			}
			rest := msg
			for _, p := range tc.problems {
				i := strings.Index(rest, p)
				if i < 0 {
					t.Fatalf("InvalidAnnotations = %q, want %q (in this order)", msg, p)
				}
				rest = rest[i+len(p):]
			}
			if strings.ContainsAny(msg, "\n\r\t") {
				t.Errorf("the message holds a control character: %q", msg)
			}
		})
	}
}

func TestVerdictConditions(t *testing.T) {
	admitted := Verdict{Admitted: true}
	if got := admitted.Conditions(); len(got) != 1 || got[0].Type != routev1.RouteAdmitted || got[0].Status != corev1.ConditionTrue {
		t.Errorf("admitted: %+v", got)
	}
	warned := Verdict{Admitted: true, InvalidAnnotations: "x: bad"}
	want := []routev1.RouteIngressCondition{
		{Type: routev1.RouteAdmitted, Status: corev1.ConditionTrue},
		{Type: InvalidAnnotations, Status: corev1.ConditionTrue, Reason: ReasonInvalidAnnotationValue, Message: "x: bad"},
	}
	if got := warned.Conditions(); !reflect.DeepEqual(got, want) {
		t.Errorf("with invalid annotations: %+v, want %+v", got, want)
	}
	// A rejected route says why it is rejected, nothing else.
	rejected := Verdict{Reason: ReasonHostAlreadyClaimed, Message: "m", InvalidAnnotations: "x: bad"}
	if got := rejected.Conditions(); len(got) != 1 || got[0].Status != corev1.ConditionFalse {
		t.Errorf("rejected: %+v", got)
	}
}

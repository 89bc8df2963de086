package admission

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// Tuning is what a route's OKD annotations ask of its backend, parsed and
// checked: only these values, never the annotation text, reach HAProxy.
// The zero value asks for the router's defaults.
type Tuning struct {
	// TimeoutServer and TimeoutTunnel replace the router's timeouts.
	TimeoutServer, TimeoutTunnel time.Duration
	// CheckInterval replaces the router's health-check interval.
	CheckInterval time.Duration
	// Balance replaces the balance algorithm.
	Balance string
	// HSTS is the Strict-Transport-Security value, in canonical form.
	HSTS string
	// AllowList, when AllowListSet, are the client prefixes that may reach
	// the route; an empty list lets nobody in (the annotation was invalid:
	// an allowlist fails closed).
	AllowList    []netip.Prefix
	AllowListSet bool
	// MaxConn caps each server's concurrent connections; 0 is no cap.
	MaxConn int
	// RewriteTarget replaces the route's path at the start of the request
	// path (an absolute path, checked against rewriteTarget).
	RewriteTarget string
	// NoCookie turns off the stickiness cookie; CookieName and
	// CookieSameSite, when set, replace its name and add its SameSite.
	NoCookie                   bool
	CookieName, CookieSameSite string
	// RateLimit, when set, limits each client address.
	RateLimit *RateLimit
	// Forwarded, when set, replaces the router's forwarded-header policy.
	Forwarded config.ForwardedPolicy
	// H1AdjustCase writes request header names in the case the
	// IngressController lists, for pods that read them case-sensitively.
	H1AdjustCase bool
}

// RateLimit is a route's per-client limits; 0 is no limit.
type RateLimit struct {
	// Concurrent caps a client's open connections to the route (on an
	// HTTP route, its requests in flight).
	Concurrent int
	// ConnRate caps a client's new connections (requests, on an HTTP
	// route) per 3 s, and HTTPRate its HTTP requests per 10 s (OKD's
	// windows).
	ConnRate, HTTPRate int
}

// ReasonInvalidAnnotationValue is the reason of the condition that lists
// the annotations a router could not honour.
const ReasonInvalidAnnotationValue = "InvalidAnnotationValue"

// InvalidAnnotations is the condition type, set to True beside Admitted
// when some of a served route's annotations were not honoured. OKD's router
// drops such values silently; this says so, without refusing the route.
const InvalidAnnotations routev1.RouteIngressConditionType = "InvalidAnnotations"

// maxTimeout is the longest timeout HAProxy takes (2^31-1 ms); longer
// values are clipped to it, as OKD does.
const maxTimeout = (1<<31 - 1) * time.Millisecond

// timeSpec is OKD's grammar for times: a positive integer and an optional
// unit (milliseconds without one, as HAProxy reads it).
var timeSpec = regexp.MustCompile(`^([1-9][0-9]*)(us|ms|s|m|h|d)?$`)

var digits = regexp.MustCompile(`^[0-9]+$`)

// rewriteTarget is an absolute path of RFC 3986 path characters, with
// percent-escapes but no other "%", no backslash and no space.
var rewriteTarget = regexp.MustCompile(`^/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$`)

// maxRewriteTarget bounds the target as HAProxy's buffers would anyway.
const maxRewriteTarget = 1024

var timeUnits = map[string]time.Duration{
	"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

// parseTuning reads the annotations of r that tune its backend. It returns
// a message per annotation it could not honour, sorted, for the route's
// status; the route is served either way.
func parseTuning(r *routev1.Route, tls *TLS) (Tuning, []string) {
	var t Tuning
	var problems []string
	bad := func(key, value, why string) {
		problems = append(problems, fmt.Sprintf("%s: %s %s", key, quoteValue(value), why))
	}
	ann := r.Annotations
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{
		{names.TimeoutAnnotation, &t.TimeoutServer},
		{names.TimeoutTunnelAnnotation, &t.TimeoutTunnel},
		{names.HealthCheckIntervalAnnotation, &t.CheckInterval},
	} {
		if v, ok := ann[f.key]; ok {
			d, err := parseTimeSpec(v)
			if err == nil && f.key == names.HealthCheckIntervalAnnotation && d < minCheckInterval {
				d, err = 0, fmt.Errorf("is below %v, the least health-check interval", minCheckInterval)
			}
			if err != nil {
				bad(f.key, v, err.Error())
			}
			*f.dst = d
		}
	}
	if v, ok := ann[names.BalanceAnnotation]; ok {
		switch v {
		case "roundrobin", "leastconn", "source", "random":
			t.Balance = v
		default:
			bad(names.BalanceAnnotation, v, "is not one of roundrobin, leastconn, source, random")
		}
	}
	if v, ok := ann[names.HSTSAnnotation]; ok {
		hsts, err := parseHSTS(v)
		switch {
		case err != nil:
			bad(names.HSTSAnnotation, v, err.Error())
		case tls == nil || tls.Passthrough():
			bad(names.HSTSAnnotation, v, "applies only to edge and reencrypt routes")
		default:
			t.HSTS = hsts
		}
	}
	// The old name is read when the new one is absent or blank: a blank
	// new name must not lift the restriction the old one sets.
	key := names.IPAllowlistAnnotation
	v, ok := ann[key]
	if strings.TrimSpace(v) == "" {
		if old, has := ann[names.IPWhitelistAnnotation]; has {
			key, v, ok = names.IPWhitelistAnnotation, old, true
		}
	}
	if ok && strings.TrimSpace(v) != "" {
		list, err := parseAllowList(v)
		if err != nil {
			bad(key, v, err.Error()+"; the route admits no client until it is fixed")
		}
		t.AllowList, t.AllowListSet = list, true
	}
	if v, ok := ann[names.PodConcurrentConnectionsAnnotation]; ok {
		if n, ok := wholeNumber(v); ok {
			t.MaxConn = n
		} else {
			bad(names.PodConcurrentConnectionsAnnotation, v, "is not a whole number from 0 (no limit) to 2147483647")
		}
	}
	if v, ok := ann[names.RewriteTargetAnnotation]; ok {
		switch {
		case !rewriteTarget.MatchString(v) || len(v) > maxRewriteTarget:
			bad(names.RewriteTargetAnnotation, v, "is not an absolute path (it starts with /, holds path characters and %XX escapes only, and is at most 1024 bytes)")
		case tls.Passthrough():
			bad(names.RewriteTargetAnnotation, v, httpOnly)
		default:
			t.RewriteTarget = v
		}
	}
	t.NoCookie, t.CookieName, t.CookieSameSite = parseCookie(ann, tls, bad)
	t.RateLimit = parseRateLimit(ann, tls, bad)
	if flag(ann, names.H1AdjustCaseAnnotation, bad) {
		if tls.Passthrough() {
			bad(names.H1AdjustCaseAnnotation, ann[names.H1AdjustCaseAnnotation], httpOnly)
		} else {
			t.H1AdjustCase = true
		}
	}
	if v, ok := ann[names.SetForwardedHeadersAnnotation]; ok {
		switch p := config.ForwardedPolicy(v); {
		case p != config.ForwardedAppend && p != config.ForwardedReplace && p != config.ForwardedIfNone && p != config.ForwardedNever:
			bad(names.SetForwardedHeadersAnnotation, v, "is not append, replace, if-none or never")
		case tls.Passthrough():
			bad(names.SetForwardedHeadersAnnotation, v, httpOnly)
		default:
			t.Forwarded = p
		}
	}
	sort.Strings(problems)
	return t, problems
}

// minCheckInterval is the least health-check interval a route may ask
// for, the IngressController's own floor: a route owner must not have
// every router replica probe each pod many times a second.
const minCheckInterval = time.Second

// parseCookie reads the stickiness cookie's annotations. Passthrough
// routes have no cookie: the router never sees their HTTP. SameSite is
// only for a route served over TLS only, whose cookie is Secure: browsers
// refuse SameSite=None without it (OKD's rule too).
func parseCookie(ann map[string]string, tls *TLS, bad func(key, value, why string)) (off bool, name, sameSite string) {
	off = flag(ann, names.DisableCookiesAnnotation, bad)
	if v, ok := ann[names.CookieNameAnnotation]; ok {
		switch {
		case !config.ValidCookieName(v):
			bad(names.CookieNameAnnotation, v, "is not a cookie name (letters, digits, _ and -, at most 256)")
		case tls.Passthrough():
			bad(names.CookieNameAnnotation, v, httpOnly)
		default:
			name = v
		}
	}
	if v, ok := ann[names.CookieSameSiteAnnotation]; ok {
		canonical := map[string]string{"lax": "Lax", "strict": "Strict", "none": "None"}[strings.ToLower(v)]
		switch {
		case canonical == "":
			bad(names.CookieSameSiteAnnotation, v, "is not Lax, Strict or None")
		case !tls.OnlyTLS():
			bad(names.CookieSameSiteAnnotation, v, "applies only to edge and reencrypt routes served over TLS only (not insecureEdgeTerminationPolicy Allow)")
		default:
			sameSite = canonical
		}
	}
	return off, name, sameSite
}

// parseTimeSpec reads a time in OKD's grammar, clipped to HAProxy's longest.
func parseTimeSpec(v string) (time.Duration, error) {
	m := timeSpec.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("is not a time such as 30s, 500ms or 5m (a positive whole number and one of the units us, ms, s, m, h, d)")
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	unit := timeUnits[m[2]]
	if err != nil || n > int64(maxTimeout/unit) {
		return maxTimeout, nil
	}
	// HAProxy counts in milliseconds, and reads 0 as no timeout at all.
	return (time.Duration(n)*unit + time.Millisecond - 1).Truncate(time.Millisecond), nil
}

// parseHSTS checks a Strict-Transport-Security value (RFC 6797 §6.1):
// max-age once, includeSubDomains and preload at most once each, and
// returns it in one spelling.
func parseHSTS(v string) (string, error) {
	var maxAge string
	seen := map[string]bool{}
	for _, d := range strings.Split(v, ";") {
		d = strings.Trim(d, " \t")
		name, val, hasVal := strings.Cut(d, "=")
		name = strings.ToLower(strings.TrimRight(name, " \t"))
		val = strings.Trim(val, " \t")
		if seen[name] {
			return "", fmt.Errorf("names %s twice", name)
		}
		seen[name] = true
		switch {
		case name == "max-age" && hasVal:
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			// Any number of seconds OKD takes, past 32 bits too, up to
			// 64 bits (centuries past any browser's cap; longer digit
			// runs only lengthen the config line).
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil || !digits.MatchString(val) {
				return "", fmt.Errorf("has max-age %s, not a number of seconds", quoteValue(val))
			}
			maxAge = strconv.FormatUint(n, 10)
		case (name == "includesubdomains" || name == "preload") && !hasVal:
		default:
			return "", fmt.Errorf("is not max-age=<seconds> with optional includeSubDomains and preload, separated by semicolons")
		}
	}
	if maxAge == "" {
		return "", fmt.Errorf("has no max-age")
	}
	out := "max-age=" + maxAge
	if seen["includesubdomains"] {
		out += "; includeSubDomains"
	}
	if seen["preload"] {
		out += "; preload"
	}
	return out, nil
}

// parseAllowList reads space-separated addresses and CIDRs. Any bad entry
// fails the whole list. Their number is bounded by the API's limit on the
// size of annotations (256 KiB) alone, as on OKD: a cloud's or a CDN's
// published ranges run to thousands.
func parseAllowList(v string) ([]netip.Prefix, error) {
	fields := strings.Fields(v)
	out := make([]netip.Prefix, 0, len(fields))
	for _, f := range fields {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("has %s, which is not an IP address or CIDR", quoteValue(f))
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// httpOnly says why an annotation about HTTP is ignored on a passthrough route.
const httpOnly = "applies only to routes whose HTTP the router sees, not passthrough"

// flag reads a boolean annotation (strconv.ParseBool, spaces trimmed, as
// OKD); absent or invalid is false, and invalid is reported.
func flag(ann map[string]string, key string, bad func(key, value, why string)) bool {
	v, ok := ann[key]
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		bad(key, v, "is not true or false")
	}
	return b
}

// wholeNumber reads digits only (no sign) as a number that fits in 31 bits.
func wholeNumber(v string) (int, bool) {
	n, err := strconv.ParseInt(v, 10, 32)
	return int(n), err == nil && digits.MatchString(v)
}

// quoteValue quotes a user's value for a status message: Go quoting keeps
// control characters out, and a long value is cut.
func quoteValue(v string) string {
	const max = 64
	if len(v) > max {
		return strconv.Quote(v[:max]) + "…"
	}
	return strconv.Quote(v)
}

// parseRateLimit reads rate-limit-connections and its three limits.
func parseRateLimit(ann map[string]string, tls *TLS, bad func(key, value, why string)) *RateLimit {
	on := flag(ann, names.RateLimitAnnotation, bad)
	var rl RateLimit
	for _, f := range []struct {
		key string
		dst *int
	}{
		{names.RateLimitConcurrentTCPAnnotation, &rl.Concurrent},
		{names.RateLimitRateTCPAnnotation, &rl.ConnRate},
		{names.RateLimitRateHTTPAnnotation, &rl.HTTPRate},
	} {
		v, ok := ann[f.key]
		if !ok {
			continue
		}
		n, ok := wholeNumber(v)
		switch {
		case !ok || n < 1:
			bad(f.key, v, "is not a whole number from 1 to 2147483647")
		case !on:
			bad(f.key, v, "takes effect only with "+names.RateLimitAnnotation+": true")
		case f.key == names.RateLimitRateHTTPAnnotation && tls.Passthrough():
			bad(f.key, v, httpOnly)
		default:
			*f.dst = n
		}
	}
	if rl == (RateLimit{}) {
		if on {
			bad(names.RateLimitAnnotation, ann[names.RateLimitAnnotation], "limits nothing without one of its .concurrent-tcp, .rate-tcp or .rate-http limits")
		}
		return nil
	}
	return &rl
}

// Package rendertest holds what the fuzz targets of the render and the
// validation boundaries share: a fixed key and certificate for their seed
// corpora, and checkers that tell whether files rendered for one route kept
// the structure the template gives them — no line of haproxy.cfg that the
// template cannot produce, map and crt-list lines of exactly two fields.
// It is for tests only; it does not import render, so that render's own
// tests can use it.
package rendertest

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// File names, as render writes them.
const (
	ConfigFile  = "haproxy.cfg"
	CrtListFile = "crt-list"
	MapDir      = "maps"
)

// FuzzKey is the fixed private key of the fuzz corpora, and FuzzCert a
// certificate for fuzz.example.com and *.example.com with that key: seeds
// holding FuzzCert give routes whose certificate and key match.
var (
	//go:embed fuzz-key.pem
	FuzzKey string
	//go:embed fuzz-cert.pem
	FuzzCert string
)

// SafeWord is the inside of a word printed by render.Quote.
const SafeWord = `(?:[A-Za-z0-9\-_.,/:;=+%\[\](){}!@^~|?&<>*]|\\x[0-9a-f]{2})*`

// HSTSValue is a Strict-Transport-Security value as admission spells it,
// printed by render.Quote (a space is \x20).
const HSTSValue = `max-age=(?:0|[1-9][0-9]*)(?:;\\x20includeSubDomains)?(?:;\\x20preload)?`

// formatWord is the inside of a quoted log-format word with no sample
// fetch or variable: every "%" doubled.
const formatWord = `(?:[A-Za-z0-9\-_.,/:;=+\[\](){}!@^~|?&<>*]|\\x[0-9a-f]{2}|%%)*`

var backendLines sync.Map // ns:name → *regexp.Regexp

// BackendLine matches the lines the template can print in the backend
// section of route ns/name.
func BackendLine(ns, name string) *regexp.Regexp {
	id := regexp.QuoteMeta(ns + ":" + name)
	if re, ok := backendLines.Load(id); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := backendLines.LoadOrStore(id, regexp.MustCompile(`^(?:`+strings.Join([]string{
		``,
		`backend be_(?:http|edge_http|secure|tcp):` + id,
		`  mode (?:http|tcp)`,
		`  balance (?:random|source|roundrobin|leastconn)`,
		`  hash-type consistent`,
		`  cookie [A-Za-z0-9_-]+ insert indirect nocache httponly dynamic(?: secure)?(?: attr SameSite=(?:Lax|Strict|None))?`,
		`  timeout (?:server|tunnel) [1-9][0-9]*ms`,
		`  stick-table type ipv6 size 100k expire 30s store conn_cur,conn_rate\(3s\)(?:,http_req_rate\(10s\))?`,
		`  (?:tcp-request content|http-request) track-sc0 src`,
		`  tcp-request content reject if \{ sc0_conn_(?:cur|rate) gt [1-9][0-9]* \}`,
		`  http-request deny deny_status 429 if \{ sc0_(?:conn_cur|conn_rate|http_req_rate) gt [1-9][0-9]* \}`,
		`  http-request deny deny_status 403 if !\{ src -f /[^\s]+ \}`,
		`  tcp-request content reject if !\{ src -f /[^\s]+ \}`,
		`  http-response set-header Strict-Transport-Security "` + HSTSValue + `" if \{ ssl_fc \}`,
		`  http-request replace-path "\^` + SafeWord + `\(\.\*\)\\x24" "/` + formatWord + `\\x5c1"`,
		`  http-(?:request|response) set-header "` + SafeWord + `" "` + SafeWord + `"`,
		`  http-(?:request|response) del-header "` + SafeWord + `"`,
		`  default-server(?: check inter [0-9]+ms)?(?: maxconn [1-9][0-9]*)?(?: proto h2)?(?: ssl verify required ca-file (?:@system-ca|/[^\s]+)(?: alpn h2,http/1\.1)?)?(?: hash-key addr-port)?`,
		`  server s[1-9][0-9]* (?:(?:[0-9.]+|\[[0-9a-f:]+\]):[0-9]+ weight [0-9]+|127\.0\.0\.1:1 disabled weight 1)(?: verifyhost [a-z0-9.-]+ sni str\([a-z0-9.-]+\) check-sni [a-z0-9.-]+)?`,
	}, "|")+`)$`))
	return re.(*regexp.Regexp)
}

// HeaderLine is a backend line that holds user text.
var HeaderLine = regexp.MustCompile(`^  http-(?:request|response) (?:set|del)-header "`)

// HasControl reports whether s holds an ASCII control character.
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Lines splits data into lines ("" gives one empty line).
func Lines(data []byte) []string { return strings.Split(string(data), "\n") }

// MapProblems checks the map files rendered for one admitted route: every
// line is "<key> <value>", its key is the route's host (passthrough) or
// host and path, its value the route's backend or the redirect marker; the
// hosts map holds the host alone.
func MapProblems(files map[string][]byte, route admission.Route) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	backend := model.BackendName(route.Route)
	hostKey := route.Host
	if route.Wildcard {
		hostKey = route.Host[strings.IndexByte(route.Host, '.'):]
	}
	for _, name := range model.MapNames {
		data := files[MapDir+"/"+name]
		if len(data) > 0 && data[len(data)-1] != '\n' {
			errorf("%s does not end with a newline", name)
		}
		if len(data) == 0 {
			continue
		}
		for _, l := range Lines(bytes.TrimSuffix(data, []byte("\n"))) {
			fields := strings.Fields(l)
			if len(fields) != 2 || HasControl(l) || l != fields[0]+" "+fields[1] {
				errorf("%s: line %q is not <key> <value>", name, l)
				continue
			}
			k, v := fields[0], fields[1]
			if name == model.MapHosts {
				if k != hostKey || v != model.HostValue {
					errorf("%s: line %q is not %q", name, l, hostKey+" "+model.HostValue)
				}
				continue
			}
			if v != backend && v != model.RedirectValue {
				errorf("%s: value %q is neither %s nor %s", name, v, backend, model.RedirectValue)
			}
			rest, ok := strings.CutPrefix(k, hostKey)
			switch {
			case !ok:
				errorf("%s: key %q does not start with %q", name, k, hostKey)
			case name == model.MapPassthrough && rest != "":
				errorf("%s: key %q is not a host", name, k)
			case name != model.MapPassthrough && !strings.HasPrefix(rest, "/"):
				errorf("%s: key %q is not <host>/<path>", name, k)
			}
		}
	}
	return problems
}

// WithoutBackend is cfg without the section of backend, as ConfigProblems
// compares it: to build the config a route of some kind adds to besides
// its backend (passthrough routes bring the SNI-inspecting frontend).
func WithoutBackend(cfg []byte, backend string) []byte {
	outside, _ := splitBackend(cfg, backend)
	return []byte(strings.Join(outside, "\n"))
}

// splitBackend returns cfg's lines outside the section of backend (without
// the blank line that opens it) and the indexes of the lines inside.
func splitBackend(cfg []byte, backend string) (outside []string, inside []int) {
	in := false
	for i, l := range Lines(cfg) {
		switch {
		case l == "backend "+backend:
			in = true
			if n := len(outside); n > 0 && outside[n-1] == "" {
				outside = outside[:n-1]
			}
		case l == "" || !strings.HasPrefix(l, " "):
			in = false
		}
		if in {
			inside = append(inside, i)
		} else {
			outside = append(outside, l)
		}
	}
	return outside, inside
}

// CrtListProblems checks that every crt-list line is "<file> <sni>", and
// a wildcard's may exclude hosts: "<file> *.<domain> !<host> ...".
func CrtListProblems(crtList []byte) []string {
	var problems []string
	for _, l := range Lines(bytes.TrimSuffix(crtList, []byte("\n"))) {
		if l == "" {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 2 || HasControl(l) || l != strings.Join(f, " ") || !exclusions(f[1], f[2:]) {
			problems = append(problems, fmt.Sprintf("crt-list line %q is not <file> <sni>, or <file> *.<domain> !<host>...", l))
		}
	}
	return problems
}

// exclusion is "!" and a host name.
var exclusion = regexp.MustCompile(`^![a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// exclusions reports whether words are hosts excluded from a wildcard sni.
func exclusions(sni string, words []string) bool {
	if len(words) > 0 && !strings.HasPrefix(sni, "*.") {
		return false
	}
	for _, w := range words {
		if !exclusion.MatchString(w) {
			return false
		}
	}
	return true
}

// ConfigProblems compares haproxy.cfg rendered for one admitted route with
// empty, rendered with the same parameters for no route at all (for a
// passthrough route: for a benign one, WithoutBackend): the
// route's backend section is the only addition, and default_backend lines
// may name it instead of the 404 backend when the route asks to be the
// default backend; every
// line of the backend section has a shape the template produces.
func ConfigProblems(cfg, empty []byte, route admission.Route) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	backend := model.BackendName(route.Route)
	shape := BackendLine(route.Namespace, route.Name)
	lines := Lines(cfg)
	for i, l := range lines {
		if HasControl(l) {
			errorf("haproxy.cfg line %d has a control character: %q", i+1, l)
		}
	}
	outside, inside := splitBackend(cfg, backend)
	for _, n := range inside {
		if l := lines[n]; !shape.MatchString(l) {
			errorf("haproxy.cfg line %d %q has no shape the template produces", n+1, l)
		}
	}
	if route.Annotations[names.DefaultBackendAnnotation] == "true" {
		// The default backend's rule, in each frontend that routes HTTP, is
		// the route's only line outside its backend.
		rule := regexp.MustCompile(`^  use_backend ` + regexp.QuoteMeta(backend) + ` if !\{ var\(txn\.be\) -m found \} ` +
			`!\{ var\(txn\.host\),map_str\(\S+/` + regexp.QuoteMeta(model.MapHosts) + `\) -m found \} ` +
			`!\{ var\(txn\.host\),regsub\(\^\[\^\.\]\*,\),map_str\(\S+/` + regexp.QuoteMeta(model.MapHosts) + `\) -m found \}$`)
		outside = slices.DeleteFunc(outside, rule.MatchString)
	}
	want := Lines(empty)
	if len(outside) != len(want) {
		errorf("haproxy.cfg has %d lines outside the route's backend, the config without routes %d", len(outside), len(want))
		return problems
	}
	for i := range want {
		if outside[i] != want[i] {
			errorf("haproxy.cfg line %q differs from the config without routes: %q", outside[i], want[i])
		}
	}
	return problems
}

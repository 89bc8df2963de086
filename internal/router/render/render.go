// Package render writes the model as HAProxy's files: haproxy.cfg from a
// text/template, the routing maps, the crt-list and certificate files. It
// is deterministic (equal input, byte-equal output) and does no I/O. The
// template reads only the data given to it; every user-supplied string in
// it was validated by admission and is printed through Quote.
package render

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

//go:embed haproxy.cfg.tmpl
var configTemplate string

// newTemplate parses the template with the functions it may call; it is
// parsed per render because ServerOptions needs the config directory.
func newTemplate(configDir string, c config.Config) *template.Template {
	return template.Must(template.New("haproxy.cfg").Funcs(template.FuncMap{
		"quote":             Quote,
		"hostPort":          func(a string, p int32) string { return net.JoinHostPort(a, strconv.Itoa(int(p))) },
		"serverOptions":     func(b *model.Backend) string { return ServerOptions(configDir, c.Timeouts.HealthCheck, b) },
		"slotOptions":       func(s model.Slot) string { return SlotOptions(s.Line) },
		"configPath":        func(f string) string { return path.Join(configDir, f) },
		"ms":                ms,
		"rewrite":           rewriteArgs,
		"compressTypes":     compressTypes,
		"logTarget":         logTarget,
		"headerRules":       headerRules,
		"errorPages":        func() []errorPage { return errorPages(c) },
		"clientCertHeaders": func() []clientCertHeader { return clientCertHeaders },
		"lower":             strings.ToLower,
		"spare":             model.IsSpare,
		"forwarded": func(b *model.Backend) string {
			return backendForwarded(b.Forwarded, c.ForwardedHeaders, ipv6Clients(c))
		},
	}).Parse(configTemplate))
}

// clientCertHeader is a header the router sets from a client's
// certificate.
type clientCertHeader struct{ Name, Value string }

// clientCertHeaders are OKD's, with OKD's values.
var clientCertHeaders = []clientCertHeader{
	{"X-SSL-Client-Verify", "%[ssl_c_verify]"},
	{"X-SSL-Client-Serial", "%{+Q}[ssl_c_serial,hex]"},
	{"X-SSL-Client-Version", "%{+Q}[ssl_c_version]"},
	{"X-SSL-Client-SHA1", "%{+Q}[ssl_c_sha1,hex]"},
	{"X-SSL-Client-DN", "%{+Q}[ssl_c_s_dn]"},
	{"X-SSL-Client-CN", "%{+Q}[ssl_c_s_dn(cn)]"},
	{"X-SSL-Issuer", "%{+Q}[ssl_c_i_dn]"},
	{"X-SSL-Client-NotBefore", "%{+Q}[ssl_c_notbefore]"},
	{"X-SSL-Client-NotAfter", "%{+Q}[ssl_c_notafter]"},
	{"X-SSL-Client-DER", "%{+Q}[ssl_c_der,base64]"},
}

// errorPage is an error page the router serves from its own copy.
type errorPage struct {
	Code int
	File string // relative to the config directory
	Page []byte
}

// errorPages are the IngressController's pages the router has: the files
// Render writes and the template's errorfile lines both come from here.
func errorPages(c config.Config) []errorPage {
	var out []errorPage
	for _, e := range []errorPage{{503, "errorpages/503.http", c.ErrorPage503}, {404, "errorpages/404.http", c.ErrorPage404}} {
		if e.Page != nil {
			out = append(out, e)
		}
	}
	return out
}

// Files are rendered files by path relative to the config directory.
type Files map[string][]byte

// File names, relative to the config directory.
const (
	ConfigFile     = "haproxy.cfg"
	CrtListFile    = "crt-list"
	DefaultCrtFile = "default.pem"
	// ClientCAFile and ClientCRLFile verify client certificates: the
	// router's copies of what it read at start.
	ClientCAFile  = "client-ca.pem"
	ClientCRLFile = "client-crl.pem"
	// DefaultDestinationCAFile is the router's copy of the default
	// destination CA bundle it read at start.
	DefaultDestinationCAFile = "default-destination-ca.pem"
	MapDir                   = "maps"
	// ForwardedMapFile lists the backends whose routes have a forwarded-
	// header policy of their own (not a routing map: it changes by reload).
	ForwardedMapFile = "forwarded.map"
)

// ownForwarded lists, as map entries, the backends whose route has a
// forwarded-header policy other than the router's.
func ownForwarded(m *model.Model, router config.ForwardedPolicy) []model.Entry {
	var out []model.Entry
	for _, b := range m.Backends {
		if b.Forwarded != "" && b.Forwarded != router {
			out = append(out, model.Entry{Key: b.Name, Value: string(b.Forwarded)})
		}
	}
	return out
}

// Params are the settings the files depend on besides the model.
type Params struct {
	Config config.Config
	// ConfigDir is the absolute directory the files are written to:
	// HAProxy is given absolute paths, which the runtime API needs to name
	// a map.
	ConfigDir string
	// StatsSocket is the worker's runtime-API socket; MetricsSocket and
	// TLSSocket are internal listeners (HAProxy address syntax).
	StatsSocket, MetricsSocket, TLSSocket string
	// DefaultCertificate is the PEM (key and certificate) served for
	// unknown SNI and for edge routes without a certificate.
	DefaultCertificate []byte
	// HardStopAfter bounds how long old workers keep connections after a reload.
	HardStopAfter time.Duration
}

// MapPath is where HAProxy loads a map from.
func MapPath(configDir, name string) string { return path.Join(configDir, MapDir, name) }

// ClientCRLPath is the revocation-list file the TLS binds name, as the
// runtime API's "set ssl crl-file" must name it too.
func ClientCRLPath(configDir string) string { return path.Join(configDir, ClientCRLFile) }

// Render produces every file for m.
func Render(m *model.Model, p Params) (Files, error) {
	files := Files{DefaultCrtFile: p.DefaultCertificate}
	fwdMap := ""
	if own := ownForwarded(m, p.Config.ForwardedHeaders); len(own) > 0 {
		files[ForwardedMapFile] = MapFile(own)
		fwdMap = path.Join(p.ConfigDir, ForwardedMapFile)
	}
	var cfg bytes.Buffer
	if err := newTemplate(p.ConfigDir, p.Config).Execute(&cfg, templateData(m, p, fwdMap)); err != nil {
		return nil, fmt.Errorf("rendering haproxy.cfg: %w", err)
	}
	files[ConfigFile] = cfg.Bytes()
	for _, name := range model.MapNames {
		files[path.Join(MapDir, name)] = MapFile(m.Maps[name])
	}
	var crtList bytes.Buffer
	fmt.Fprintf(&crtList, "%s !*\n", path.Join(p.ConfigDir, DefaultCrtFile))
	for _, c := range m.Certs {
		files[c.File] = c.PEM
		fmt.Fprintf(&crtList, "%s %s", path.Join(p.ConfigDir, c.File), c.SNI)
		for _, h := range c.Exclude {
			fmt.Fprintf(&crtList, " !%s", h)
		}
		crtList.WriteByte('\n')
	}
	files[CrtListFile] = crtList.Bytes()
	for _, e := range errorPages(p.Config) {
		files[e.File] = e.Page
	}
	if b := p.Config.DefaultDestinationCABundle; len(b) > 0 {
		files[DefaultDestinationCAFile] = b
	}
	if m := p.Config.MutualTLS; m != nil {
		files[ClientCAFile] = m.CA
		if m.CRL != nil {
			files[ClientCRLFile] = m.CRL
		}
	}
	for _, b := range m.Backends {
		if b.Reencrypt != nil && b.Reencrypt.CA != nil {
			files[b.Reencrypt.CAFile] = b.Reencrypt.CA
		}
		if a := b.AllowList; a != nil {
			files[a.File] = lineFile(a.Prefixes)
		}
	}
	return files, nil
}

// lineFile renders each string on a line of its own.
func lineFile(list []string) []byte {
	var b bytes.Buffer
	for _, l := range list {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// MapFile renders map entries one per line.
func MapFile(entries []model.Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(e.Key)
		b.WriteByte(' ')
		b.WriteString(e.Value)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

type mapPair struct{ Exact, Prefix string }

type data struct {
	config.Config
	Timeouts                      timeouts
	MaxConn                       int
	StatsSocket, MetricsSocket    string
	TLSSocket, CrtList            string
	ALPN                          string
	ClientVerify                  string // the TLS binds' client-certificate options
	HTTPMaps, HTTPSMaps           mapPair
	PassthroughMap                string
	HostsMap                      string // read only with a DefaultBackend
	SecureSparesMap               string
	DirectTLS                     bool // no passthrough backend: terminate on the public port
	RedirectValue                 string
	ForwardedHTTP, ForwardedHTTPS string
	HTTPBind, HTTPSBind           string // the public listeners' addresses
	DualStack                     bool   // they take IPv4 clients on IPv6
	HardStopAfter                 string
	Backends                      []*model.Backend
	DefaultBackend                string
}

// timeouts are printed in HAProxy's syntax (milliseconds).
type timeouts struct {
	Connect, Client, ClientFin, Server, ServerFin, Tunnel, HTTPRequest, HTTPKeepAlive, InspectDelay string
}

// templateData is what the template reads; fwdMap is the forwarded.map
// path when some route has a forwarded-header policy of its own.
func templateData(m *model.Model, p Params, fwdMap string) data {
	c := p.Config
	t := c.Timeouts
	mp := func(n string) string { return MapPath(p.ConfigDir, n) }
	d := data{
		Config: c, MaxConn: c.MaxConnections,
		Timeouts: timeouts{ms(t.Connect), ms(t.Client), ms(t.ClientFin), ms(t.Server), ms(t.ServerFin),
			ms(t.Tunnel), ms(t.HTTPRequest), ms(t.HTTPKeepAlive), ms(t.InspectDelay)},
		StatsSocket: p.StatsSocket, MetricsSocket: p.MetricsSocket, TLSSocket: p.TLSSocket,
		CrtList:         path.Join(p.ConfigDir, CrtListFile),
		ALPN:            "h2,http/1.1",
		HTTPMaps:        mapPair{mp(model.MapHTTPExact), mp(model.MapHTTPPrefix)},
		HTTPSMaps:       mapPair{mp(model.MapHTTPSExact), mp(model.MapHTTPSPrefix)},
		PassthroughMap:  mp(model.MapPassthrough),
		HostsMap:        mp(model.MapHosts),
		SecureSparesMap: mp(model.MapSecureSpares),
		RedirectValue:   model.RedirectValue,
		ForwardedHTTP:   forwarded(c.ForwardedHeaders, fwdStyle{proto: "http", ipv6: ipv6Clients(c)}, fwdMap, m.DefaultBackend),
		ForwardedHTTPS:  forwarded(c.ForwardedHeaders, fwdStyle{proto: "https", ipv6: ipv6Clients(c)}, fwdMap, m.DefaultBackend),
		HTTPBind:        listenAddress(c, c.HTTPPort), HTTPSBind: listenAddress(c, c.HTTPSPort), DualStack: dualStack(c),
		HardStopAfter:  ms(p.HardStopAfter),
		Backends:       m.Backends,
		DefaultBackend: m.DefaultBackend,
		DirectTLS:      !hasTCPBackend(m),
		ClientVerify:   clientVerify(c.MutualTLS, p.ConfigDir),
	}
	if c.DisableHTTP2 {
		d.ALPN = "http/1.1"
	}
	return d
}

// clientVerify are the bind options that ask clients for certificates.
func clientVerify(m *config.MutualTLS, configDir string) string {
	if m == nil {
		return ""
	}
	v := " verify optional"
	if m.Required {
		v = " verify required"
	}
	v += " ca-file " + path.Join(configDir, ClientCAFile)
	if m.CRL != nil {
		v += " crl-file " + ClientCRLPath(configDir)
	}
	return v
}

// hasTCPBackend tells whether a passthrough route needs the SNI-inspecting
// frontend. It depends on the backends only, as reloads do (model.SameShape).
func hasTCPBackend(m *model.Model) bool {
	for _, b := range m.Backends {
		if b.Mode == model.ModeTCP {
			return true
		}
	}
	return false
}

// listenAddress is a public listener's address: the bind address, or
// every address of the families ROUTER_IP_V4_V6_MODE names. The IPv6
// wildcard always says whether it takes IPv4 too, which a sysctl decides
// otherwise.
func listenAddress(c config.Config, port int) string {
	p := strconv.Itoa(port)
	if c.BindAddress == "" && c.IPMode == config.IPv4 {
		return ":" + p
	}
	l := net.JoinHostPort(cmp.Or(c.BindAddress, "::"), p) // "[::1]:80" for IPv6
	switch {
	case !ipv6Wildcard(c):
		return l
	case c.IPMode == config.IPv6:
		return l + " v6only"
	}
	return l + " v4v6"
}

// ipv6Wildcard reports whether the public listeners bind every IPv6
// address.
func ipv6Wildcard(c config.Config) bool {
	ip := net.ParseIP(cmp.Or(c.BindAddress, "::"))
	return ip.IsUnspecified() && ip.To4() == nil && (c.BindAddress != "" || c.IPMode != config.IPv4)
}

// dualStack reports whether IPv4 clients reach an IPv6 listener, which
// gives their addresses mapped (::ffff:a.b.c.d).
func dualStack(c config.Config) bool { return ipv6Wildcard(c) && c.IPMode != config.IPv6 }

// ipv6Clients reports whether clients may have IPv6 addresses: on an IPv6
// listener, and behind a load balancer's PROXY header, which may name one
// whatever the listener's family.
func ipv6Clients(c config.Config) bool {
	return c.IPMode != config.IPv4 || strings.Contains(c.BindAddress, ":") || c.ProxyProtocol
}

// ms writes a duration as HAProxy reads it: in milliseconds, or in
// microseconds when it is not a whole number of them (a 0 would read as
// no timeout at all).
func ms(d time.Duration) string {
	if d%time.Millisecond != 0 {
		return strconv.FormatInt(max(1, d.Microseconds()), 10) + "us"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// ServerOptions are the options every server of a backend carries: its
// default-server line, and what a server added at runtime is given (the
// line does not apply to those).
func ServerOptions(configDir string, checkInterval time.Duration, b *model.Backend) string {
	var o []string
	if every := b.CheckEvery(checkInterval); every > 0 {
		// Health checks take a dead pod out before its EndpointSlice says so.
		o = append(o, "check inter "+ms(every))
	}
	if b.MaxConn > 0 {
		o = append(o, "maxconn "+strconv.Itoa(b.MaxConn))
	}
	if re := b.Reencrypt; re != nil {
		ca := re.CAFile
		if !strings.HasPrefix(ca, "/") && !strings.HasPrefix(ca, "@") {
			ca = path.Join(configDir, ca)
		}
		o = append(o, "ssl verify required ca-file "+ca)
		if re.ALPN {
			o = append(o, "alpn h2,http/1.1")
		}
	}
	if b.Balance == "source" {
		// Each server's place on the hash ring from its address, not its
		// slot number: slots are numbered by each router's history of
		// endpoints, so replicas (and one router across a reload that
		// renumbers) would otherwise send a client to different pods.
		o = append(o, "hash-key addr-port")
	}
	return strings.Join(o, " ")
}

// SlotOptions are the options of one server line beyond the backend's
// (ServerOptions): the name its certificate must carry (a Service's and a
// namespace's, both DNS labels: admission), sent as SNI too, by health
// checks as well (a pod that needs SNI would fail them alone), and
// cleartext HTTP/2.
func SlotOptions(l model.Line) string {
	var o []string
	if l.VerifyHost != "" {
		o = append(o, "verifyhost "+l.VerifyHost+" sni str("+l.VerifyHost+") check-sni "+l.VerifyHost)
	}
	if l.H2C {
		o = append(o, "proto h2")
	}
	return strings.Join(o, " ")
}

// rewriteArgs are the regex and the format of the replace-path rule that
// does r, as two quoted words. The regex matches the route's path in every
// spelling the lookup routes to it (pathRegex); a target's "%" is a
// percent-escape, which the format (a log-format string) must double.
func rewriteArgs(r *model.Rewrite) string {
	slash := ""
	if strings.HasSuffix(r.To, "/") {
		// The target's own "/" stands for the rest's.
		slash = "(?:/|%2[Ff])*"
	}
	re := "^" + pathRegex(r.From) + slash + "(.*)$"
	return Quote(re) + " " + Quote(strings.ReplaceAll(r.To, "%", "%%")+`\1`)
}

// pathRegex matches a normalized route path as the request may spell it:
// the lookup decodes escaped "/", merges "//", decodes escaped "-", ".",
// "_" and "~", and reads an escape's hex in either case (see the
// template's lookup). Anything else is literal.
func pathRegex(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			b.WriteString("(?:/|%2[Ff])+")
		case c == '-' || c == '.' || c == '_' || c == '~':
			fmt.Fprintf(&b, "(?:%s|%%%s)", regexp.QuoteMeta(string(c)), hexRegex(fmt.Sprintf("%02X", c)))
		case c == '%' && i+2 < len(p):
			b.WriteString("%" + hexRegex(p[i+1:i+3]))
			i += 2
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// hexRegex matches hex digits in either case.
func hexRegex(h string) string {
	var b strings.Builder
	for _, d := range h {
		if d >= 'A' && d <= 'F' || d >= 'a' && d <= 'f' {
			fmt.Fprintf(&b, "[%c%c]", unicode.ToUpper(d), unicode.ToLower(d))
		} else {
			b.WriteRune(d)
		}
	}
	return b.String()
}

// forwarded renders the X-Forwarded-* and Forwarded headers a frontend
// sends to backends, per ROUTER_SET_FORWARDED_HEADERS. With fwdMap set,
// some routes have a policy of their own, rendered in their backends: the
// frontend looks the backend up in that map first, and each rule skips
// the routes found there. A request no route matched is looked up by the
// default backend's name (defaultBackend, when there is one): that route's
// policy is its own too; the others such a request may go to answer it
// from HAProxy itself.
func forwarded(policy config.ForwardedPolicy, st fwdStyle, fwdMap, defaultBackend string) string {
	if fwdMap == "" {
		st.option = true
		return indented(forwardedRules(policy, st))
	}
	st.cond = "!{ var(txn.fwd) -m found }"
	rules := forwardedRules(policy, st)
	if len(rules) == 0 {
		return "" // never: no rule to skip, no lookup needed
	}
	lookup := []string{"http-request set-var(txn.fwd) var(txn.be),map_str(" + fwdMap + ") if { var(txn.be) -m found }"}
	if defaultBackend != "" {
		lookup = append(lookup, "http-request set-var(txn.fwd) str("+defaultBackend+"),map_str("+fwdMap+") if !{ var(txn.be) -m found }")
	}
	return indented(append(lookup, rules...))
}

// backendForwarded renders, in the backend of a route with a forwarded-
// header policy of its own, the headers the frontends then leave to it.
// The backend serves HTTP and HTTPS alike: the scheme is the connection's.
func backendForwarded(policy, router config.ForwardedPolicy, ipv6 bool) string {
	if policy == "" || policy == router {
		return ""
	}
	return indented(forwardedRules(policy, fwdStyle{proto: "%[ssl_fc,iif(https,http)]", ipv6: ipv6}))
}

// compressTypes writes the Content-Types to compress as HAProxy's
// "compression type" arguments. HAProxy matches each as a case-insensitive
// prefix of the response's Content-Type, so "text/*" (every text type, as
// the IngressController's API reads it) is written "text/".
func compressTypes(types []string) string {
	words := make([]string, len(types))
	for i, t := range types {
		if strings.HasSuffix(t, "/*") {
			t = strings.TrimSuffix(t, "*")
		}
		words[i] = Quote(t)
	}
	return strings.Join(words, " ")
}

// logTarget writes a checked access-log address as HAProxy's log target:
// a socket path as it is, an IP endpoint as UDP of its family.
func logTarget(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr // a unix socket's absolute path
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return "udp6@" + host + ":" + port
	}
	return "udp4@" + host + ":" + port
}

// headerRules renders header actions as rules of verb (http-request or
// http-response), names and values each one quoted word.
func headerRules(verb string, actions []config.HeaderAction) string {
	lines := make([]string, len(actions))
	for i, a := range actions {
		if a.Delete {
			lines[i] = verb + " del-header " + Quote(a.Name)
		} else {
			lines[i] = verb + " set-header " + Quote(a.Name) + " " + Quote(a.Value)
		}
	}
	return indented(lines)
}

// indented prints config lines, each on a line of its own after the line
// the template is on; none prints nothing.
func indented(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

// fwdStyle is how the rules of a forwarded-header policy are written.
type fwdStyle struct {
	proto string // the scheme, or an expression that gives it
	// option: X-Forwarded-For by HAProxy's option, which takes no
	// condition; else by a rule.
	option bool
	cond   string // added to every rule's condition
	// ipv6: clients may have IPv6 addresses, which Forwarded must give
	// bracketed and quoted (RFC 7239: for="[2001:db8::1]"). The test costs
	// every request, so IPv4-only routers are spared it.
	ipv6 bool
}

// fwdHeader is a header a policy sends; cond, when set, limits it.
type fwdHeader struct{ name, value, cond string }

// forwardedRules are the rules of one policy.
func forwardedRules(policy config.ForwardedPolicy, st fwdStyle) []string {
	proto := st.proto
	headers := []fwdHeader{
		{name: "X-Forwarded-Host", value: "%[req.hdr(host)]"},
		// Not the bound port as a constant: on Linux, for IPv4, dst_port is the
		// port the client dialled before any NAT in the router's network
		// namespace (SO_ORIGINAL_DST), which differs on HostNetwork when a
		// Service maps 80 to a custom port, and OKD sends that one.
		{name: "X-Forwarded-Port", value: "%[dst_port]"},
		{name: "X-Forwarded-Proto", value: proto},
	}
	rest := "host=%[req.hdr(host)];proto=" + proto
	if st.ipv6 {
		// An IPv6 address, as text, holds a ":"; an IPv4 one never does.
		headers = append(headers, fwdHeader{"Forwarded", "for=%[src];" + rest, "!{ src -m sub : }"},
			fwdHeader{"Forwarded", `"for=\"[%[src]]\";` + rest + `"`, "{ src -m sub : }"})
	} else {
		headers = append(headers, fwdHeader{name: "Forwarded", value: "for=%[src];" + rest})
	}
	if !st.option {
		headers = append([]fwdHeader{{name: "X-Forwarded-For", value: "%[src]"}}, headers...)
	}
	var lines []string
	rule := func(action string, h fwdHeader, ifNot string) {
		l := "http-request " + action + " " + h.name
		if h.value != "" {
			l += " " + h.value
		}
		if conds := strings.Join(strings.Fields(ifNot+" "+h.cond+" "+st.cond), " "); conds != "" {
			l += " if " + conds
		}
		lines = append(lines, l)
	}
	switch policy {
	case config.ForwardedNever, "":
		return nil
	case config.ForwardedAppend:
		if st.option {
			lines = append(lines, "option forwardfor")
		}
		for _, h := range headers {
			rule("add-header", h, "")
		}
	case config.ForwardedReplace:
		rule("del-header", fwdHeader{name: "X-Forwarded-For"}, "")
		if st.option {
			lines = append(lines, "option forwardfor")
		}
		for _, h := range headers {
			rule("set-header", h, "")
		}
	case config.ForwardedIfNone:
		if st.option {
			lines = append(lines, "option forwardfor if-none")
		}
		for _, h := range headers {
			rule("set-header", h, "!{ req.hdr("+h.name+") -m found }")
		}
	}
	if proto != "http" {
		rule("set-header", fwdHeader{"X-Forwarded-Proto-Version", "h2", "{ ssl_fc_alpn -i h2 }"}, "")
	}
	return lines
}

// DefaultDestinationCA is the file the model names for reencrypt routes
// verified by the default destination CA: the router's copy (relative to
// the config directory) when it read the bundle, else c's path.
func DefaultDestinationCA(c config.Config) string {
	if len(c.DefaultDestinationCABundle) > 0 {
		return DefaultDestinationCAFile
	}
	return c.DefaultDestinationCA
}

// The crt-list starts with the default certificate, filtered "!*": it is
// the certificate of names no route's certificate has (the first one
// declared), but its own names (*.apps...) are not looked up. HAProxy
// picks among every certificate of a name, exact and wildcard alike, by
// key type (ECDSA first): an ECDSA default found by its wildcard would
// displace the RSA certificate of each route under it.
const crtListDefaultLines = 1

// CertOfCrtListLine is the index in the model's Certs of the certificate
// on line n (from 1) of the crt-list; false for the default certificate.
func CertOfCrtListLine(n int) (int, bool) {
	return n - 1 - crtListDefaultLines, n > crtListDefaultLines
}

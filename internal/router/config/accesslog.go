package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// AccessLog is where and how HAProxy logs requests and connections (the
// IngressController's logging.access); nil: no access log.
type AccessLog struct {
	// Address is a unix datagram socket (an absolute path: the "logs"
	// sidecar's) or a syslog endpoint's host:port, over UDP, the host an
	// IP address or a DNS name (LogHostName: the router resolves it).
	Address   string
	Facility  string // syslog facility, local1 by default
	Level     string // the most verbose level sent, info by default
	MaxLength int    // bytes per message, 480 to 8192
	// Format is the log-format of HTTP requests; empty: HAProxy's HTTP
	// format. Passthrough connections get HAProxy's TCP format.
	Format string
	// RequestHeaders and ResponseHeaders are captured into the log line.
	RequestHeaders, ResponseHeaders []Capture
	// Cookie, when set, is the cookie captured: its name followed by "="
	// for an exact match, or a prefix of names.
	Cookie *Capture
	// DontLogNull leaves out connections that sent no request.
	DontLogNull bool
}

// Capture is a header or cookie logged, truncated to Len bytes.
type Capture struct {
	Name string
	Len  int
}

// MaxCaptureLen is the longest capture: a log message holds no more.
// MaxCookieCaptureLen is HAProxy's own limit for a cookie.
const (
	MaxCaptureLen       = 8192
	MaxCookieCaptureLen = 63
)

var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
	"ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

var levels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// socketPathGrammar is an absolute path in characters that need no
// quoting in haproxy.cfg.
var socketPathGrammar = regexp.MustCompile(`^/[A-Za-z0-9._/-]{1,200}$`)

var tokenGrammar = regexp.MustCompile("(?i)^" + token + "$")

// accessLog reads the logging variables; ROUTER_SYSLOG_ADDRESS turns
// logging on, as in OKD.
func (e *envReader) accessLog(dst **AccessLog) {
	addr, ok := e.get(names.EnvRouterSyslogAddress)
	if !ok {
		return
	}
	if !validLogAddress(addr) {
		e.fail(names.EnvRouterSyslogAddress, addr, "want an absolute path to a unix socket, or an IP address or DNS name and a port")
		return
	}
	l := &AccessLog{Address: addr, Facility: "local1", Level: "info", MaxLength: 1024}
	e.oneOf(names.EnvRouterLogFacility, &l.Facility, facilities...)
	e.oneOf(names.EnvRouterLogLevel, &l.Level, levels...)
	e.integer(names.EnvRouterLogMaxLength, &l.MaxLength, 480, 8192)
	e.quotedFormat(names.EnvRouterSyslogFormat, &l.Format, LogFormatError)
	l.RequestHeaders = e.captures(names.EnvRouterCaptureHTTPRequestHeaders)
	l.ResponseHeaders = e.captures(names.EnvRouterCaptureHTTPResponseHeaders)
	if c := e.captures(names.EnvRouterCaptureHTTPCookie); len(c) > 0 {
		l.Cookie = &c[0]
		// HAProxy keeps no more of a cookie, and warns when asked to.
		l.Cookie.Len = min(l.Cookie.Len, MaxCookieCaptureLen)
	}
	e.boolean(names.EnvRouterDontLogNull, &l.DontLogNull)
	*dst = l
}

func validLogAddress(a string) bool {
	if strings.HasPrefix(a, "/") {
		return socketPathGrammar.MatchString(a) && !slices.Contains(strings.Split(a, "/"), "..")
	}
	host, port, err := net.SplitHostPort(a)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 1 || p > 65535 {
		return false
	}
	return net.ParseIP(host) != nil || validDNSName(host)
}

// dnsLabel is one label of a DNS name (RFC 1123), of either case.
var dnsLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// validDNSName reports whether s is a DNS name of labels, at most 253
// characters (as the API takes it), a root dot allowed. A name of digits
// and dots alone would read as an address.
func validDNSName(s string) bool {
	if len(s) > 253 {
		return false
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" || strings.Trim(s, "0123456789.") == "" {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !dnsLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// LogHostName returns the DNS name and port of an access-log address
// given by name; ok is false for a socket path or an IP address.
func LogHostName(addr string) (host, port string, ok bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) != nil {
		return "", "", false
	}
	return host, port, true
}

// captures reads "name:len,name:len" (OKD's form). A cookie name may end
// with "=" (exact match); a header name is a token.
func (e *envReader) captures(name string) []Capture {
	v, ok := e.get(name)
	if !ok {
		return nil
	}
	cookie := name == names.EnvRouterCaptureHTTPCookie
	want := fmt.Sprintf("want name:length pairs separated by commas, each name an HTTP token and each length 1 to %d", MaxCaptureLen)
	if cookie {
		want += `; a cookie name ends with "=" to match it exactly, else it is a prefix`
	}
	var out []Capture
	for _, item := range strings.Split(v, ",") {
		c, ok := parseCapture(strings.TrimSpace(item), cookie)
		if !ok {
			e.fail(name, v, want)
			return nil
		}
		out = append(out, c)
	}
	if cookie && len(out) > 1 {
		e.fail(name, v, "want one cookie")
		return nil
	}
	return out
}

func parseCapture(item string, cookie bool) (Capture, bool) {
	i := strings.LastIndexByte(item, ':')
	if i < 0 {
		return Capture{}, false
	}
	n, err := strconv.Atoi(item[i+1:])
	c := Capture{Name: item[:i], Len: n}
	bare := c.Name
	if cookie {
		bare = strings.TrimSuffix(bare, "=")
	}
	return c, err == nil && n >= 1 && n <= MaxCaptureLen && tokenGrammar.MatchString(bare)
}

// quotedFormat reads a log format that OKD's operator writes as a
// Go-quoted string (ROUTER_SYSLOG_FORMAT, ROUTER_UNIQUE_ID_FORMAT) and
// checks it against LogFormatError.
func (e *envReader) quotedFormat(name string, dst *string, check func(string) error) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	if strings.HasPrefix(v, `"`) {
		u, err := strconv.Unquote(v)
		if err != nil {
			e.fail(name, v, "want a quoted string")
			return
		}
		v = u
	}
	if err := check(v); err != nil {
		e.fail(name, v, err.Error())
		return
	}
	*dst = v
}

// logAliases are HAProxy 3.0's log-format variables (configuration.txt,
// 8.2.6).
var logAliases = strings.Fields(`o T Tl Ts t ms tr trg trl Ta Tc Td Th Ti Tq TR Tr Tt Tu Tw B CC CS H HM HP HPO HQ HU HV
	ID ST U ac b bc bi bp bq ci cp f fc fi fp ft lc hr hrl hs hsl pid r rc rt s sc si sp sq sslc sslv ts tsc`)

// logCall is one fetch or converter with its arguments.
var logCall = regexp.MustCompile(`^([a-z0-9_.-]+)(?:\(([^()]*)\))?$`)

// logFlag is a %{...} flag list.
var logFlag = regexp.MustCompile(`^[-+][QXE](,[-+][QXE])*$`)

// sampleFunc is a fetch or converter a format may call: the arguments it
// may take, how many it needs, and where HAProxy lets a fetch be used.
// The access log is written once the request's buffer is gone (the
// request's headers are read through captures there), the unique ID is
// made from the request before there is a response or a server.
type sampleFunc struct {
	args     []argKind // the arguments it may take, in order
	required int       // how many of them it needs
	log, id  bool      // usable in the access log, in the unique ID
}

// argKind checks one argument; samples are some it takes, the edge
// values among them (TestFormatsPassHAProxy hands each to HAProxy).
type argKind struct {
	ok      func(string) bool
	samples []string
}

func arg(pattern string, samples ...string) argKind {
	return argKind{regexp.MustCompile(pattern).MatchString, samples}
}

var (
	argInt    = arg(`^[0-9]{1,5}$`, "0", "1", "99999") // an index from 0, an occurrence
	argPos    = arg(`^[1-9][0-9]{0,4}$`, "1", "99999") // a position or count from 1
	argName   = arg(`^[A-Za-z0-9_-]{1,64}$`, "host", "CN")
	argVar    = arg(`^(txn|req|res|sess)\.[A-Za-z0-9_.]{1,64}$`, "txn.x", "sess.a.b")
	argDelims = arg(`^[-:;/|._=@]{1,8}$`, ":", "-:;/|.=@", "_")
	argSHA2   = arg(`^(224|256|384|512)$`, "224", "512")
	argJSON   = arg(`^(ascii|utf8|utf8s|utf8p|utf8ps)$`, "ascii", "utf8ps")
	// argMask4 is an IPv4 mask: a prefix length or a dotted quad.
	argMask4 = argKind{func(s string) bool {
		if n, err := strconv.Atoi(s); err == nil && s == strconv.Itoa(n) {
			return n >= 0 && n <= 32
		}
		ip := net.ParseIP(s)
		return strings.Count(s, ".") == 3 && ip != nil && ip.To4() != nil
	}, []string{"0", "32", "255.255.255.0"}}
	argMask6 = argKind{func(s string) bool {
		n, err := strconv.Atoi(s)
		return err == nil && s == strconv.Itoa(n) && n >= 0 && n <= 128
	}, []string{"0", "128"}}
)

func fn(where string, required int, args ...argKind) sampleFunc {
	return sampleFunc{args: args, required: required, log: where != "id", id: where != "log"}
}

// logFetches read the request, the response, the connection and TLS. No
// fetch reads the router's environment, files or state, and none of the
// TLS secrets (ssl_fc_session_key and the like): log lines and unique IDs
// leave the router. where says in which format HAProxy takes each: "log",
// "id" or "both" (checked against HAProxy by TestFormatsPassHAProxy).
var logFetches = map[string]sampleFunc{
	"capture.req.hdr": fn("both", 1, argInt), "capture.req.method": fn("both", 0), "capture.req.uri": fn("both", 0),
	"capture.req.ver": fn("both", 0), "capture.res.hdr": fn("log", 1, argInt), "capture.res.ver": fn("log", 0),
	"req.hdr": fn("id", 0, argName, argInt), "req.fhdr": fn("id", 0, argName, argInt), "req.cook": fn("id", 0, argName),
	"req.ver": fn("id", 0), "path": fn("id", 0), "query": fn("id", 0), "url": fn("id", 0), "base": fn("id", 0),
	"method": fn("both", 0), "status": fn("log", 0),
	"src": fn("both", 0), "src_port": fn("both", 0), "dst": fn("both", 0), "dst_port": fn("both", 0), "fe_name": fn("both", 0),
	"be_name": fn("log", 0), "srv_name": fn("log", 0), "unique-id": fn("log", 0), "var": fn("both", 1, argVar),
	"ssl_fc": fn("both", 0), "ssl_fc_sni": fn("both", 0), "ssl_fc_protocol": fn("both", 0), "ssl_fc_cipher": fn("both", 0),
	"ssl_fc_alpn": fn("both", 0), "ssl_c_used": fn("both", 0), "ssl_c_verify": fn("both", 0), "ssl_c_serial": fn("both", 0),
	"ssl_c_sha1": fn("both", 0), "ssl_c_notbefore": fn("both", 0), "ssl_c_notafter": fn("both", 0),
	"ssl_c_s_dn": fn("both", 0, argName), "ssl_c_i_dn": fn("both", 0, argName),
}

// logConverters change a value and nothing else (no set-var, no map
// file).
var logConverters = map[string]sampleFunc{
	"lower": fn("both", 0), "upper": fn("both", 0), "hex": fn("both", 0), "base64": fn("both", 0), "length": fn("both", 0),
	"sha1": fn("both", 0), "sha2": fn("both", 0, argSHA2), "json": fn("both", 0, argJSON), "url_dec": fn("both", 0),
	"field": fn("both", 2, argPos, argDelims, argPos), "word": fn("both", 2, argPos, argDelims, argPos),
	"bytes": fn("both", 1, argInt, argPos), "ipmask": fn("both", 1, argMask4, argMask6),
}

// LogFormatError says why s is not a log format the router takes: printable
// ASCII, where '%' starts one of HAProxy's log variables ("%ci",
// "%{+Q}r"), "%%", or a sample expression "%[fetch(args),converter(args)]"
// of the fetches and converters above, with the arguments each takes.
func LogFormatError(s string) error { return formatError(s, false) }

// UniqueIDFormatError is LogFormatError for the unique ID, which HAProxy
// makes from the request alone: no response fetch, and not the ID itself
// (%ID, %[unique-id]), which would recurse.
func UniqueIDFormatError(s string) error { return formatError(s, true) }

func formatError(s string, early bool) error {
	if len(s) > 4096 {
		return fmt.Errorf("longer than 4096 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("character %q at %d: only printable ASCII", c, i)
		}
		if c != '%' {
			continue
		}
		n, err := logDirective(s[i+1:], early)
		if err != nil {
			return fmt.Errorf("at %d: %w", i, err)
		}
		i += n
	}
	return nil
}

// logDirective checks what follows a '%' and returns its length.
func logDirective(s string, early bool) (int, error) {
	if strings.HasPrefix(s, "%") {
		return 1, nil
	}
	n := 0
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 || !logFlag.MatchString(s[1:end]) {
			return 0, fmt.Errorf("flags in %%{...} are +Q, -Q, +X, +E and the like, separated by commas")
		}
		n = end + 1
	}
	rest := s[n:]
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return 0, fmt.Errorf("%%[ without ]")
		}
		if err := logExpression(rest[1:end], early); err != nil {
			return 0, err
		}
		return n + end + 1, nil
	}
	alias := rest[:len(rest)-len(strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))]
	switch {
	case !slices.Contains(logAliases, alias):
		return 0, fmt.Errorf("%%%s is not one of HAProxy's log variables (write %%%% for a %%)", alias)
	case early && alias == "ID":
		return 0, fmt.Errorf("the unique ID cannot contain itself (%%ID)")
	}
	return n + len(alias), nil
}

func logExpression(expr string, early bool) error {
	for i, call := range splitCalls(expr) {
		kind, table := "converter", logConverters
		if i == 0 {
			kind, table = "fetch", logFetches
		}
		m := logCall.FindStringSubmatch(call)
		var f sampleFunc
		ok := m != nil
		if ok {
			f, ok = table[m[1]]
		}
		if !ok {
			return fmt.Errorf("%s %q is not one the router lets a format use", kind, call)
		}
		switch {
		case early && !f.id:
			return fmt.Errorf("fetch %q is not known when the unique ID is made, from the request", call)
		case !early && !f.log:
			return fmt.Errorf("fetch %q reads the request's buffer, which is gone when the log line is written (capture the header and use capture.req.hdr)", call)
		}
		if !f.accepts(m[2], strings.Contains(call, "(")) {
			return fmt.Errorf("%s %q: wrong arguments", kind, call)
		}
	}
	return nil
}

// accepts checks a call's arguments (list is what the parentheses hold).
func (f sampleFunc) accepts(list string, parens bool) bool {
	var args []string
	if parens {
		args = strings.Split(list, ",")
	}
	if len(args) < f.required || len(args) > len(f.args) {
		return false
	}
	for i, a := range args {
		if !f.args[i].ok(a) {
			return false
		}
	}
	return true
}

// splitCalls splits "a(b,c),d" at the commas outside parentheses.
func splitCalls(expr string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range expr {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, expr[start:i])
				start = i + 1
			}
		}
	}
	return append(out, expr[start:])
}

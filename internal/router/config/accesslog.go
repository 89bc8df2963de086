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
	// sidecar's) or a syslog endpoint's IP:port, over UDP.
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
		e.fail(names.EnvRouterSyslogAddress, addr, "want an absolute path to a unix socket, or an IP address and a port")
		return
	}
	l := &AccessLog{Address: addr, Facility: "local1", Level: "info", MaxLength: 1024}
	e.oneOf(names.EnvRouterLogFacility, &l.Facility, facilities...)
	e.oneOf(names.EnvRouterLogLevel, &l.Level, levels...)
	e.integer(names.EnvRouterLogMaxLength, &l.MaxLength, 480, 8192)
	e.quotedFormat(names.EnvRouterSyslogFormat, &l.Format)
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
	return err == nil && net.ParseIP(host) != nil && perr == nil && p > 0 && p < 65536
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
func (e *envReader) quotedFormat(name string, dst *string) {
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
	if err := LogFormatError(v); err != nil {
		e.fail(name, v, err.Error())
		return
	}
	*dst = v
}

// logAliases are HAProxy 3.0's log-format variables (configuration.txt,
// 8.2.6).
var logAliases = strings.Fields(`o T Tl Ts t ms tr trg trl Ta Tc Td Th Ti Tq TR Tr Tt Tu Tw B CC CS H HM HP HPO HQ HU HV
	ID ST U ac b bc bi bp bq ci cp f fc fi fp ft lc hr hrl hs hsl pid r rc rt s sc si sp sq sslc sslv ts tsc`)

// logFetches and logConverters are what a %[...] expression may call: they
// read the request, the response, the connection and TLS, and change
// nothing. Converters that keep state (set-var) or read files (map) are
// left out, and so are fetches that read the router's environment.
var (
	logFetches = regexp.MustCompile(`^(capture\.(req|res)\.(hdr|method|uri|ver)|(req|res)\.(f?hdr|cook|ver)|hdr|cook|status|method|path|query|url|base|` +
		`src|src_port|dst|dst_port|fc_[a-z_]+|bc_[a-z_]+|ssl_fc|ssl_fc_[a-z_]+|ssl_c_[a-z_]+|ssl_bc_[a-z_]+|be_name|fe_name|srv_name|unique-id|var|` +
		`txn\.[a-z_.]+|date|http_first_req)$`)
	logConverters = regexp.MustCompile(`^(lower|upper|hex|base64|json|field|word|bytes|ipmask|sha1|sha2|length|url_dec|ltime|utime|http_date)$`)
	// logCall is one fetch or converter with its arguments, which are plain
	// words (numbers, header and variable names, time formats).
	logCall = regexp.MustCompile(`^([a-z0-9_.-]+)(\(([A-Za-z0-9_.:/+ -]*(,[A-Za-z0-9_.:/+ -]*)*)\))?$`)
	logFlag = regexp.MustCompile(`^[-+][QXE](,[-+][QXE])*$`)
)

// LogFormatError says why s is not a log format the router takes: printable
// ASCII, where '%' starts a known variable ("%ci", "%{+Q}r"), "%%" or a
// sample expression "%[fetch(args),converter(args)]" limited to the
// fetches and converters above.
func LogFormatError(s string) error {
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
		n, err := logDirective(s[i+1:])
		if err != nil {
			return fmt.Errorf("at %d: %w", i, err)
		}
		i += n
	}
	return nil
}

// logDirective checks what follows a '%' and returns its length.
func logDirective(s string) (int, error) {
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
		if err := logExpression(rest[1:end]); err != nil {
			return 0, err
		}
		return n + end + 1, nil
	}
	alias := rest[:len(rest)-len(strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))]
	if !slices.Contains(logAliases, alias) {
		return 0, fmt.Errorf("%%%s is not one of HAProxy's log variables (write %%%% for a %%)", alias)
	}
	return n + len(alias), nil
}

func logExpression(expr string) error {
	for i, call := range splitCalls(expr) {
		m := logCall.FindStringSubmatch(call)
		allowed := logConverters
		if i == 0 {
			allowed = logFetches
		}
		if m == nil || !allowed.MatchString(m[1]) {
			kind := map[bool]string{true: "fetch", false: "converter"}[i == 0]
			return fmt.Errorf("%s %q is not one the access log may use", kind, call)
		}
	}
	return nil
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

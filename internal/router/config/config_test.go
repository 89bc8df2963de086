package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHeaderActionsRoundTrip: what EncodeHeaderActions writes, FromEnv
// reads back, whatever the names and values hold.
func TestHeaderActionsRoundTrip(t *testing.T) {
	actions := []HeaderAction{{Name: "X-A", Value: "a:b,c %% d+e"}, {Name: "X-B", Delete: true}, {Name: "X-C", Value: "%[req.hdr(x-d),lower]"}}
	c := Defaults()
	err := c.FromEnv(func(k string) (string, bool) {
		return EncodeHeaderActions(actions), k == "ROUTER_HTTP_REQUEST_HEADERS"
	})
	if err != nil || !slices.Equal(c.RequestHeaders, actions) {
		t.Fatalf("read back %+v (%v), want %+v", c.RequestHeaders, err, actions)
	}
}

// TestFromEnv reads the environment a Deployment sets: values land in
// their fields, and a bad value stops the router with a message that
// names the variable (and never repeats a secret).
func TestFromEnv(t *testing.T) {
	key := strings.Repeat("a1", 32)
	cases := []struct {
		name    string
		env     map[string]string
		check   func(c Config) bool
		wantErr string
		secret  string // must not appear in the error
	}{
		{name: "nothing set: OKD's defaults and the public cookie key", env: nil,
			check: func(c Config) bool {
				return c.CookieKey == DefaultCookieKey && c.HTTPPort == 80 && c.ForwardedHeaders == ForwardedAppend && c.RouterName == "public"
			}},
		{name: "PROJECT_LABELS, OKD's older name of NAMESPACE_LABELS", env: map[string]string{"PROJECT_LABELS": "team=a"},
			check: func(c Config) bool { return c.NamespaceSelector.String() == "team=a" }},
		{name: "NAMESPACE_LABELS wins over PROJECT_LABELS", env: map[string]string{"PROJECT_LABELS": "team=a", "NAMESPACE_LABELS": "team=b"},
			check: func(c Config) bool { return c.NamespaceSelector.String() == "team=b" }},
		{name: "a PROJECT_LABELS that is no selector", env: map[string]string{"PROJECT_LABELS": "a b"}, wantErr: "PROJECT_LABELS"},
		{name: "the operator's cookie key", env: map[string]string{"ROUTER_COOKIE_KEY": key},
			check: func(c Config) bool { return c.CookieKey == key }},
		{name: "an empty cookie key is none", env: map[string]string{"ROUTER_COOKIE_KEY": " "},
			check: func(c Config) bool { return c.CookieKey == DefaultCookieKey }},
		{name: "a short cookie key", env: map[string]string{"ROUTER_COOKIE_KEY": "tooShort123"},
			wantErr: "ROUTER_COOKIE_KEY", secret: "tooShort123"},
		{name: "a cookie key that would inject a directive", env: map[string]string{"ROUTER_COOKIE_KEY": "abcdefghijklmnop\n  stats enable"},
			wantErr: "ROUTER_COOKIE_KEY", secret: "stats enable"},
		{name: "a cookie key with a space", env: map[string]string{"ROUTER_COOKIE_KEY": "abcdefgh ijklmnopq"},
			wantErr: "ROUTER_COOKIE_KEY", secret: "ijklmnopq"},
		{name: "durations in HAProxy's and Go's spelling",
			env: map[string]string{"ROUTER_DEFAULT_SERVER_TIMEOUT": "5000", "ROUTER_DEFAULT_TUNNEL_TIMEOUT": "2h"},
			check: func(c Config) bool {
				return c.Timeouts.Server == 5*time.Second && c.Timeouts.Tunnel == 2*time.Hour
			}},
		{name: "HAProxy's day and microsecond units, and Go's compound spelling",
			env: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "1d", "ROUTER_DEFAULT_CONNECT_TIMEOUT": "2500000us", "ROUTER_DEFAULT_CLIENT_TIMEOUT": "1m30s"},
			check: func(c Config) bool {
				return c.Timeouts.Tunnel == 24*time.Hour && c.Timeouts.Connect == 2500*time.Millisecond && c.Timeouts.Client == 90*time.Second
			}},
		{name: "a time too long to hold", env: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "9999999999999d"}, wantErr: "ROUTER_DEFAULT_TUNNEL_TIMEOUT"},
		{name: "times longer than HAProxy takes are clipped, as OKD's template clips them",
			env: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "25d", "ROUTER_DEFAULT_CLIENT_TIMEOUT": "720h", "ROUTER_DEFAULT_SERVER_TIMEOUT": "2147483647"},
			check: func(c Config) bool {
				return c.Timeouts.Tunnel == MaxHardStopAfter && c.Timeouts.Client == MaxHardStopAfter && c.Timeouts.Server == MaxHardStopAfter
			}},
		{name: "a negative time", env: map[string]string{"ROUTER_DEFAULT_TUNNEL_TIMEOUT": "-5s"}, wantErr: "ROUTER_DEFAULT_TUNNEL_TIMEOUT"},
		{name: "the router's cookie name", env: map[string]string{"ROUTER_COOKIE_NAME": "SESSION_ID-1"},
			check: func(c Config) bool { return c.CookieName == "SESSION_ID-1" }},
		{name: "a cookie name with a space", env: map[string]string{"ROUTER_COOKIE_NAME": "a b"}, wantErr: "ROUTER_COOKIE_NAME"},
		{name: "no TLS groups: OpenSSL's defaults", env: nil, check: func(c Config) bool { return c.Curves == "" }},
		{name: "the TLS groups the operator sends, post-quantum first",
			env: map[string]string{"ROUTER_CURVES": "X25519MLKEM768:X25519:secp256r1:secp384r1:secp521r1:SecP256r1MLKEM768:SecP384r1MLKEM1024"},
			check: func(c Config) bool {
				return c.Curves == "X25519MLKEM768:X25519:secp256r1:secp384r1:secp521r1:SecP256r1MLKEM768:SecP384r1MLKEM1024"
			}},
		{name: "an OpenSSL-style group name the API lacks", env: map[string]string{"ROUTER_CURVES": "brainpoolP256r1:ffdhe_2048-x"},
			check: func(c Config) bool { return c.Curves == "brainpoolP256r1:ffdhe_2048-x" }},
		{name: "16 groups of 64 characters", env: map[string]string{"ROUTER_CURVES": strings.Repeat(strings.Repeat("g", 64)+":", 15) + strings.Repeat("g", 64)},
			check: func(c Config) bool { return len(c.Curves) == 16*65-1 }},
		{name: "17 groups", env: map[string]string{"ROUTER_CURVES": strings.Repeat("X25519:", 16) + "X25519"}, wantErr: "ROUTER_CURVES"},
		{name: "a group name of 65 characters", env: map[string]string{"ROUTER_CURVES": "X25519:" + strings.Repeat("g", 65)}, wantErr: "ROUTER_CURVES"},
		{name: "an empty group between two", env: map[string]string{"ROUTER_CURVES": "X25519::secp384r1"}, wantErr: "ROUTER_CURVES"},
		{name: "a trailing separator", env: map[string]string{"ROUTER_CURVES": "X25519:"}, wantErr: "ROUTER_CURVES"},
		{name: "groups separated by commas", env: map[string]string{"ROUTER_CURVES": "X25519,secp384r1"}, wantErr: "ROUTER_CURVES"},
		{name: "OpenSSL's prefix for a group it may lack", env: map[string]string{"ROUTER_CURVES": "?X25519MLKEM768:X25519"}, wantErr: "ROUTER_CURVES"},
		{name: "groups that would inject a directive", env: map[string]string{"ROUTER_CURVES": "X25519\n  stats enable"}, wantErr: "ROUTER_CURVES"},
		{name: "groups that would add a word", env: map[string]string{"ROUTER_CURVES": "X25519 secp384r1"}, wantErr: "ROUTER_CURVES"},
		{name: "dual stack", env: map[string]string{"ROUTER_IP_V4_V6_MODE": "v4v6"},
			check: func(c Config) bool { return c.IPMode == IPDual }},
		{name: "an address family OKD lacks", env: map[string]string{"ROUTER_IP_V4_V6_MODE": "v6v4"}, wantErr: "ROUTER_IP_V4_V6_MODE"},
		{name: "an IPv6 bind address", env: map[string]string{"ROUTER_BIND_ADDRESS": "::1"},
			check: func(c Config) bool { return c.BindAddress == "::1" }},
		{name: "a bind address that would inject a directive", env: map[string]string{"ROUTER_BIND_ADDRESS": "0.0.0.0:80\n  stats enable"},
			wantErr: "ROUTER_BIND_ADDRESS"},
		{name: "a port out of range", env: map[string]string{"ROUTER_SERVICE_HTTP_PORT": "70000"}, wantErr: "ROUTER_SERVICE_HTTP_PORT"},
		{name: "a forwarded policy OKD lacks", env: map[string]string{"ROUTER_SET_FORWARDED_HEADERS": "always"}, wantErr: "ROUTER_SET_FORWARDED_HEADERS"},
		{name: "empty requests ignored", env: map[string]string{"ROUTER_HTTP_IGNORE_PROBES": "true"},
			check: func(c Config) bool { return c.IgnoreProbes }},
		{name: "compression of the types OKD's operator writes, quoted where they hold spaces or quotes",
			env: map[string]string{"ROUTER_ENABLE_COMPRESSION": "true",
				"ROUTER_COMPRESSION_MIME": `text/html  "text/plain; charset=\"utf-8\"" 'application/json; q=1' text/*`},
			check: func(c Config) bool {
				return slices.Equal(c.CompressionTypes, []string{"text/html", `text/plain; charset="utf-8"`, "application/json; q=1", "text/*"})
			}},
		{name: "compression types without compression enabled are none",
			env:   map[string]string{"ROUTER_ENABLE_COMPRESSION": "false", "ROUTER_COMPRESSION_MIME": "text/html"},
			check: func(c Config) bool { return c.CompressionTypes == nil }},
		{name: "compression enabled without types", env: map[string]string{"ROUTER_ENABLE_COMPRESSION": "true"},
			wantErr: "ROUTER_COMPRESSION_MIME"},
		{name: "a compression type that would inject a directive",
			env:     map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": "\"text/html\n  stats enable\""},
			wantErr: "ROUTER_COMPRESSION_MIME"},
		{name: "a compression type that is no MIME type",
			env:     map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": "text/html $HOME"},
			wantErr: "is not a MIME type"},
		{name: "an unterminated quote", env: map[string]string{"ROUTER_ENABLE_COMPRESSION": "true", "ROUTER_COMPRESSION_MIME": `"text/html`},
			wantErr: "unterminated quote"},
		{name: "no access log without an address", env: map[string]string{"ROUTER_LOG_FACILITY": "local0"},
			check: func(c Config) bool { return c.AccessLog == nil }},
		{name: "access log to the sidecar's socket, with OKD's defaults",
			env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "/var/lib/rsyslog/rsyslog.sock"},
			check: func(c Config) bool {
				l := c.AccessLog
				return l != nil && l.Address == "/var/lib/rsyslog/rsyslog.sock" && l.Facility == "local1" && l.Level == "info" &&
					l.MaxLength == 1024 && l.Format == "" && !l.DontLogNull
			}},
		{name: "access log to a syslog endpoint, everything set as OKD's operator writes it",
			env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "[2001:db8::5]:514", "ROUTER_LOG_FACILITY": "local3", "ROUTER_LOG_LEVEL": "info",
				"ROUTER_LOG_MAX_LENGTH": "4096", "ROUTER_SYSLOG_FORMAT": `"%ci:%cp [%t] %ft %b/%s %{+Q}r %[capture.req.hdr(0),lower] 100%%"`,
				"ROUTER_CAPTURE_HTTP_REQUEST_HEADERS": "Host:90,X-Request-Id:36", "ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS": "Content-Type:40",
				"ROUTER_CAPTURE_HTTP_COOKIE": "session=:1024", "ROUTER_DONT_LOG_NULL": "true"},
			check: func(c Config) bool {
				l := c.AccessLog
				return l != nil && l.Address == "[2001:db8::5]:514" && l.Facility == "local3" && l.MaxLength == 4096 &&
					l.Format == "%ci:%cp [%t] %ft %b/%s %{+Q}r %[capture.req.hdr(0),lower] 100%%" &&
					slices.Equal(l.RequestHeaders, []Capture{{"Host", 90}, {"X-Request-Id", 36}}) &&
					slices.Equal(l.ResponseHeaders, []Capture{{"Content-Type", 40}}) && *l.Cookie == Capture{"session=", 63} && l.DontLogNull
			}},
		{name: "a cookie prefix", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_CAPTURE_HTTP_COOKIE": "sess:8"},
			check: func(c Config) bool { return *c.AccessLog.Cookie == Capture{"sess", 8} }},
		{name: "a log address that is a host name, as OKD's API takes it", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "rsyslog.Logging.svc.:514"},
			check: func(c Config) bool { return c.AccessLog != nil && c.AccessLog.Address == "rsyslog.Logging.svc.:514" }},
		{name: "a log host name with a space", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "syslog.example.com local0:514"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a log host name with an empty label", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "syslog..example.com:514"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a log host name of digits, not an address", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "10.0.0.256:514"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a log host name with a label too long", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": strings.Repeat("a", 64) + ".example.com:514"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a log address without a port", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "syslog.example.com"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a log address that would inject a directive", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "/tmp/s.sock local0\n  stats enable"},
			wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a relative socket path", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "../s.sock"}, wantErr: "ROUTER_SYSLOG_ADDRESS"},
		{name: "a facility syslog lacks", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_LOG_FACILITY": "local8"},
			wantErr: "ROUTER_LOG_FACILITY"},
		{name: "a message length below the floor", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_LOG_MAX_LENGTH": "100"},
			wantErr: "ROUTER_LOG_MAX_LENGTH"},
		{name: "a header capture that would inject a directive",
			env:     map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS": "Host len 1\n  stats enable:5"},
			wantErr: "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS"},
		{name: "an exact-match header capture", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS": "Host=:5"},
			wantErr: "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS"},
		{name: "a capture longer than a message", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS": "A:100000"},
			wantErr: "ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS"},
		{name: "two cookies", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514", "ROUTER_CAPTURE_HTTP_COOKIE": "a=:5,b=:5"},
			wantErr: "one cookie"},
		{name: "a log format reading the router's environment", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514",
			"ROUTER_SYSLOG_FORMAT": `"%[env(ROUTER_COOKIE_KEY)]"`}, wantErr: `fetch "env(ROUTER_COOKIE_KEY)"`},
		{name: "a log format that sets a variable", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514",
			"ROUTER_SYSLOG_FORMAT": `%[src,set-var(txn.be)]`}, wantErr: `converter "set-var(txn.be)"`},
		{name: "a log format that reads a file", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514",
			"ROUTER_SYSLOG_FORMAT": `%[src,map(/etc/passwd)]`}, wantErr: `converter "map(/etc/passwd)"`},
		{name: "a log format with an unknown variable", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514",
			"ROUTER_SYSLOG_FORMAT": `%ci %zz`}, wantErr: "%zz is not one of HAProxy's log variables"},
		{name: "a log format with a newline", env: map[string]string{"ROUTER_SYSLOG_ADDRESS": "127.0.0.1:514",
			"ROUTER_SYSLOG_FORMAT": "\"%ci\\n  stats enable\""}, wantErr: "only printable ASCII"},
		{name: "the IngressController's header actions in OKD's encoding",
			env: map[string]string{"ROUTER_HTTP_REQUEST_HEADERS": "X-Client-Cert:%25%5Bssl_c_der%2Cbase64%5D:Set,X-Debug:Delete",
				"ROUTER_HTTP_RESPONSE_HEADERS": "X-Frame-Options:DENY:Set,Content-Security-Policy:default-src+%27self%27:Set"},
			check: func(c Config) bool {
				return slices.Equal(c.RequestHeaders, []HeaderAction{{Name: "X-Client-Cert", Value: "%[ssl_c_der,base64]"}, {Name: "X-Debug", Delete: true}}) &&
					slices.Equal(c.ResponseHeaders, []HeaderAction{{Name: "X-Frame-Options", Value: "DENY"}, {Name: "Content-Security-Policy", Value: "default-src 'self'"}})
			}},
		{name: "a header action on Host", env: map[string]string{"ROUTER_HTTP_REQUEST_HEADERS": "Host:evil.example.com:Set"},
			wantErr: "ROUTER_HTTP_REQUEST_HEADERS"},
		{name: "a header action on Set-Cookie", env: map[string]string{"ROUTER_HTTP_RESPONSE_HEADERS": "Set-Cookie:Delete"},
			wantErr: "ROUTER_HTTP_RESPONSE_HEADERS"},
		{name: "a header value that would inject a directive", env: map[string]string{"ROUTER_HTTP_RESPONSE_HEADERS": "X-A:a%0A++http-request+deny:Set"},
			wantErr: "ROUTER_HTTP_RESPONSE_HEADERS"},
		{name: "a header value reading the router's environment", env: map[string]string{"ROUTER_HTTP_REQUEST_HEADERS": "X-A:%25%5Benv%28HOME%29%5D:Set"},
			wantErr: "ROUTER_HTTP_REQUEST_HEADERS"},
		{name: "a response header value reading a request header", env: map[string]string{"ROUTER_HTTP_RESPONSE_HEADERS": "X-A:%25%5Breq.hdr%28host%29%5D:Set"},
			wantErr: "ROUTER_HTTP_RESPONSE_HEADERS"},
		{name: "a header action of neither kind", env: map[string]string{"ROUTER_HTTP_REQUEST_HEADERS": "X-A:b:Append"},
			wantErr: "ROUTER_HTTP_REQUEST_HEADERS"},
		{name: "a unique ID header in HAProxy's format", env: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Request-Id"},
			check: func(c Config) bool { return *c.UniqueID == UniqueID{"X-Request-Id", DefaultUniqueIDFormat} }},
		{name: "a unique ID header in a format of its own",
			env:   map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Trace", "ROUTER_UNIQUE_ID_FORMAT": `"%{+X}o %ci-%rt"`},
			check: func(c Config) bool { return *c.UniqueID == UniqueID{"X-Trace", "%{+X}o %ci-%rt"} }},
		{name: "a unique ID format without its header is none", env: map[string]string{"ROUTER_UNIQUE_ID_FORMAT": "%rt"},
			check: func(c Config) bool { return c.UniqueID == nil }},
		{name: "a unique ID header that is Host", env: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "host"},
			wantErr: "ROUTER_UNIQUE_ID_HEADER_NAME"},
		{name: "a unique ID that contains itself", env: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Id", "ROUTER_UNIQUE_ID_FORMAT": "%ID-%rt"},
			wantErr: "cannot contain itself"},
		{name: "a unique ID format reading the environment", env: map[string]string{"ROUTER_UNIQUE_ID_HEADER_NAME": "X-Id", "ROUTER_UNIQUE_ID_FORMAT": "%[env(HOME)]"},
			wantErr: "ROUTER_UNIQUE_ID_FORMAT"},
		{name: "header names whose case to keep", env: map[string]string{"ROUTER_H1_CASE_ADJUST": "X-Forwarded-For, Host"},
			check: func(c Config) bool { return slices.Equal(c.H1CaseAdjust, []string{"X-Forwarded-For", "Host"}) }},
		{name: "a header name twice", env: map[string]string{"ROUTER_H1_CASE_ADJUST": "Host,HOST"}, wantErr: "ROUTER_H1_CASE_ADJUST"},
		{name: "a header name that would inject a directive", env: map[string]string{"ROUTER_H1_CASE_ADJUST": "Host X\n  stats enable"},
			wantErr: "ROUTER_H1_CASE_ADJUST"},
		{name: "allowed and denied domains as OKD reads them: commas, spaces, empty items, any case",
			env: map[string]string{"ROUTER_ALLOWED_DOMAINS": " example.com, Apps.Example.ORG ,,", "ROUTER_DENIED_DOMAINS": "secret.example.com"},
			check: func(c Config) bool {
				return slices.Equal(c.AllowedDomains, []string{"example.com", "apps.example.org"}) &&
					slices.Equal(c.DeniedDomains, []string{"secret.example.com"})
			}},
		{name: "no domain lists: every host", env: nil,
			check: func(c Config) bool { return c.AllowedDomains == nil && c.DeniedDomains == nil }},
		{name: "an allowed domain that is a wildcard", env: map[string]string{"ROUTER_ALLOWED_DOMAINS": "*.example.com"},
			wantErr: "ROUTER_ALLOWED_DOMAINS"},
		{name: "a denied domain with a space inside", env: map[string]string{"ROUTER_DENIED_DOMAINS": "example.com, bad domain.com"},
			wantErr: "ROUTER_DENIED_DOMAINS"},
		{name: "a denied domain with a port", env: map[string]string{"ROUTER_DENIED_DOMAINS": "example.com:443"},
			wantErr: "ROUTER_DENIED_DOMAINS"},
		{name: "hard-stop-after unset: an hour", env: nil,
			check: func(c Config) bool { return c.HardStopAfter == time.Hour && c.HardStop() == time.Hour }},
		{name: "hard-stop-after in minutes", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "30m"},
			check: func(c Config) bool { return c.HardStop() == 30*time.Minute }},
		{name: "hard-stop-after in days", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "2d"},
			check: func(c Config) bool { return c.HardStop() == 48*time.Hour }},
		{name: "hard-stop-after without a unit is milliseconds, as HAProxy reads it",
			env:   map[string]string{"ROUTER_HARD_STOP_AFTER": "90000"},
			check: func(c Config) bool { return c.HardStop() == 90*time.Second }},
		{name: "hard-stop-after in microseconds", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "2500us"},
			check: func(c Config) bool { return c.HardStop() == 2500*time.Microsecond }},
		{name: "hard-stop-after at HAProxy's limit", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "2147483647"},
			check: func(c Config) bool { return c.HardStop() == MaxHardStopAfter }},
		{name: "hard-stop-after above HAProxy's limit", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "25d"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after too long for any integer", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "99999999999999999999999h"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after in Go's compound spelling", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "1h30m"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after with a fraction", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "1.5h"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after that would inject a directive", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "1h\n  stats enable"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after 0, which HAProxy reads as never", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "0s"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "hard-stop-after below a millisecond", env: map[string]string{"ROUTER_HARD_STOP_AFTER": "999us"},
			wantErr: "ROUTER_HARD_STOP_AFTER"},
		{name: "rewrite not below the buffer",
			env: map[string]string{"ROUTER_BUF_SIZE": "16384", "ROUTER_MAX_REWRITE_SIZE": "16384"}, wantErr: "ROUTER_MAX_REWRITE_SIZE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			err := c.FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			case tc.secret != "" && strings.Contains(err.Error(), tc.secret):
				t.Fatalf("error %q repeats the secret", err)
			case tc.check != nil && !tc.check(c):
				t.Fatalf("config not as expected: %+v", c)
			}
		})
	}
}

// TestHardStopDefault: a Config built without Defaults still bounds old
// workers, so no caller can make them live forever by leaving it out.
func TestHardStopDefault(t *testing.T) {
	if got := (Config{}).HardStop(); got != DefaultHardStopAfter {
		t.Fatalf("HardStop of a zero Config = %v, want %v", got, DefaultHardStopAfter)
	}
}

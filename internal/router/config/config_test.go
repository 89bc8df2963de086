package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

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
				return c.CookieKey == DefaultCookieKey && c.HTTPPort == 80 && c.ForwardedHeaders == ForwardedAppend
			}},
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
		{name: "the router's cookie name", env: map[string]string{"ROUTER_COOKIE_NAME": "SESSION_ID-1"},
			check: func(c Config) bool { return c.CookieName == "SESSION_ID-1" }},
		{name: "a cookie name with a space", env: map[string]string{"ROUTER_COOKIE_NAME": "a b"}, wantErr: "ROUTER_COOKIE_NAME"},
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

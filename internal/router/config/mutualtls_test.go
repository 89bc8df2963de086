package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
)

// The client-certificate variables are read as the router starts; any part
// it cannot use stops it, with a message naming the variable: serving
// without the check would let in clients the admin meant to keep out.
func TestMutualTLSFromEnv(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.NewCA("clients", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("ca.pem", append([]byte("# Clients CA\n"), ca.CertPEM...))
	key := write("key.pem", ca.KeyPEM)
	junk := write("junk.pem", []byte("not a certificate"))
	for _, tc := range []struct {
		name string
		env  map[string]string
		want *MutualTLS // nil with wantErr "": off
		err  string     // the start error names this
	}{
		{name: "unset: off"},
		{name: "none: off", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "none"}},
		{name: "required", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": good},
			want: &MutualTLS{Required: true}},
		{name: "optional with a subject filter", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "optional", "ROUTER_MUTUAL_TLS_AUTH_CA": good,
			"ROUTER_MUTUAL_TLS_AUTH_FILTER": `(?:^/CN=a$|ops\.example)`}, want: &MutualTLS{SubjectFilter: `(?:^/CN=a$|ops\.example)`}},
		{name: "a policy OKD does not have", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "Required", "ROUTER_MUTUAL_TLS_AUTH_CA": good},
			err: "ROUTER_MUTUAL_TLS_AUTH=\"Required\": want required, optional or none"},
		{name: "no CA", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "optional"}, err: "ROUTER_MUTUAL_TLS_AUTH_CA=\"\": required"},
		{name: "a missing CA file", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": filepath.Join(dir, "gone")},
			err: "no such file"},
		{name: "a key where the CA should be", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": key},
			err: `unexpected PEM block "PRIVATE KEY"`},
		{name: "no PEM", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": junk}, err: "not PEM"},
		{name: "a CRL file with a certificate", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": good,
			"ROUTER_MUTUAL_TLS_AUTH_CRL": good}, err: "ROUTER_MUTUAL_TLS_AUTH_CRL=\"" + good + "\": PEM block 1: want an X509 CRL"},
		{name: "a filter that is no regular expression", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": good,
			"ROUTER_MUTUAL_TLS_AUTH_FILTER": "(CN=a"}, err: "missing closing )"},
		{name: "a filter in a syntax Go does not read", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": good,
			"ROUTER_MUTUAL_TLS_AUTH_FILTER": "CN=(?!admin)"}, err: "invalid or unsupported Perl syntax"},
		{name: "a filter with a control byte", env: map[string]string{"ROUTER_MUTUAL_TLS_AUTH": "required", "ROUTER_MUTUAL_TLS_AUTH_CA": good,
			"ROUTER_MUTUAL_TLS_AUTH_FILTER": "CN=a\x01"}, err: "byte 0x1: want printable ASCII"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := fromEnvWant(t, tc.env, tc.err)
			if !ok {
				return
			}
			if tc.want == nil {
				if c.MutualTLS != nil {
					t.Fatalf("mutual TLS %+v, want off", c.MutualTLS)
				}
				return
			}
			got := c.MutualTLS
			if got == nil || got.Required != tc.want.Required || got.SubjectFilter != tc.want.SubjectFilter || !strings.Contains(string(got.CA), string(ca.CertPEM)) {
				t.Fatalf("mutual TLS %+v, want %+v with the CA", got, tc.want)
			}
		})
	}
}

// Subject filters as admins write them: the router takes what Go and
// PCRE2 read alike, and refuses, with a reason, what they read apart or
// what PCRE2 refuses (each case checked against HAProxy below).
func TestSubjectFilterError(t *testing.T) {
	var taken []string
	for _, tc := range []struct {
		filter string
		err    string // "" when taken
	}{
		{filter: `^/CN=node-\d+$`}, {filter: `\d{3}-\d{4}`}, {filter: `/CN=web-\S+`}, {filter: `^/CN=[\w-]+\.example\.com$`},
		{filter: `[-\w]`}, {filter: `a[.]b`}, {filter: `[=]`}, {filter: `[[:alpha:]-]`}, {filter: `[]a]`}, {filter: `[^]a]`},
		{filter: `[a\-\d]`}, {filter: `\Q[:x\E`}, {filter: `(?i)cn=Admin`}, {filter: `[\pL-]`}, {filter: `(?P<a>x)(?P<b>y)`},
		{filter: `[\d-z]`, err: "a range with a class escape"}, {filter: `[a-\d]`, err: "invalid escape"}, {filter: `[a\--\d]`, err: "invalid escape"},
		{filter: `[[:digit:]-z]`, err: "a range with a class escape"}, {filter: `[\p{Greek}-z]`, err: "a range with a class escape"},
		{filter: `[:alpha:]`, err: "at a class's start"}, {filter: `[::]`, err: "at a class's start"}, {filter: `[^.]`}, {filter: `[^:]+`}, {filter: `[.:=]`},
		{filter: `[a[.b]`}, {filter: `[a[.b.]]`, err: "in a class"}, {filter: `[a[=b=]]`, err: "in a class"}, {filter: `[a[:nope:]]`, err: "invalid character class"},
		{filter: `\Qabc`, err: `\Q without \E`}, {filter: `(?P<n>a)(?P<n>b)`, err: `group name "n" used twice`},
		{filter: `0$*`, err: "a quantifier after an anchor"}, {filter: `{00}`, err: "with nothing before it"},
		{filter: `${00}`, err: "with a leading zero"}, {filter: `a{01}`, err: "with a leading zero"}, {filter: `a{1,02}`, err: "with a leading zero"},
		{filter: `a{0}b`}, {filter: `a{10,20}`},
		{filter: `a|{2}`, err: "missing argument"}, {filter: `a{2}{,3}`}, {filter: `x{2,}`}, {filter: `\700`, err: "write a byte as"}, {filter: `\x{263a}`, err: "write a byte as"},
	} {
		err := SubjectFilterError(tc.filter)
		if (tc.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want one with %q", tc.filter, err, tc.err)
		}
		if tc.err == "" {
			taken = append(taken, tc.filter)
		}
	}
	// A subtest, so that without HAProxy this half shows as skipped (or
	// fails under CI) while the router's half above still runs.
	t.Run("haproxy takes what the router takes", func(t *testing.T) {
		bin := haproxytest.Binary(t)
		for _, filter := range taken {
			line := "  acl ok ssl_c_s_dn -m reg -- " + haproxyWord(filter) + "\n  http-request deny unless ok\n"
			if err := haproxyChecks(bin, t.TempDir(), line); err != nil {
				t.Errorf("%q: HAProxy refuses it: %v", filter, err)
			}
		}
	})
}

// FuzzSubjectFilter: a subject filter the router takes is a regular
// expression HAProxy's engine (PCRE2) takes too, so that no pattern an
// admin writes keeps the routers from serving. Each input the router takes
// costs a run of haproxy -c.
func FuzzSubjectFilter(f *testing.F) {
	for _, s := range []string{`^/CN=client$`, `(?:^/O=Example/CN=(ops|dev)\.[a-z]+$|legacy)`, `[[:alpha:]]+\d{2,}`,
		`(?i)cn=Admin`, `\Q/CN=a.b\E`, `[^\s\S]`, `x*?y+?`, `\x41\101`, `(?P<n>a)`, `\pL`, `[\d-z]`, `a{,3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		if SubjectFilterError(filter) != nil {
			return
		}
		bin := haproxytest.Binary(t)
		line := "  acl ok ssl_c_s_dn -m reg -- " + haproxyWord(filter) + "\n  http-request deny unless ok\n"
		if err := haproxyChecks(bin, t.TempDir(), line); err != nil {
			t.Fatalf("the router takes subject filter %q and HAProxy does not: %v", filter, err)
		}
	})
}

// DEFAULT_DESTINATION_CA_PATH goes to HAProxy as a path: one that holds no
// CA bundle stops the router as it starts, rather than fail every reload.
func TestDefaultDestinationCAFromEnv(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.NewCA("service-ca", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "service-ca.crt")
	empty := filepath.Join(dir, "empty.crt")
	for p, b := range map[string][]byte{good: ca.CertPEM, empty: nil} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, path, want, err string }{
		{name: "unset: none"},
		{name: "a bundle", path: good, want: good},
		{name: "a missing file", path: filepath.Join(dir, "gone"), err: "no such file"},
		{name: "an empty file", path: empty, err: "DEFAULT_DESTINATION_CA_PATH=\"" + empty + "\": no certificate found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if tc.path != "" {
				env["DEFAULT_DESTINATION_CA_PATH"] = tc.path
			}
			if c, ok := fromEnvWant(t, env, tc.err); ok && (c.DefaultDestinationCA != tc.want || (tc.want != "") != (string(c.DefaultDestinationCABundle) == string(ca.CertPEM))) {
				t.Fatalf("got %q and %d bytes, want %q and its bundle", c.DefaultDestinationCA, len(c.DefaultDestinationCABundle), tc.want)
			}
		})
	}
}

// The stats user comes from its variables or, winning, their files; the
// metrics certificate needs its key.
func TestStatsUserAndMetricsTLSFromEnv(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.NewCA("metrics", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	userFile, certFile, keyFile := write("user", "from-file\n"), write("tls.crt", string(ca.CertPEM)), write("tls.key", string(ca.KeyPEM))
	for _, tc := range []struct {
		name           string
		env            map[string]string
		user, password string
		tls            bool
		err            string
	}{
		{name: "none"},
		{name: "variables", env: map[string]string{"STATS_USERNAME": "u", "STATS_PASSWORD": "p"}, user: "u", password: "p"},
		{name: "a file wins", env: map[string]string{"STATS_USERNAME": "u", "STATS_USERNAME_FILE": userFile, "STATS_PASSWORD": "p"},
			user: "from-file", password: "p"},
		{name: "a missing file", env: map[string]string{"STATS_PASSWORD_FILE": filepath.Join(dir, "gone")}, err: "STATS_PASSWORD_FILE"},
		{name: "a certificate and its key", env: map[string]string{"ROUTER_METRICS_TLS_CERT_FILE": certFile, "ROUTER_METRICS_TLS_KEY_FILE": keyFile}, tls: true},
		{name: "a certificate without its key", env: map[string]string{"ROUTER_METRICS_TLS_CERT_FILE": certFile}, err: "set with ROUTER_METRICS_TLS_KEY_FILE"},
		{name: "a pair that does not load is no start error (metrics must not stop the routes)",
			env: map[string]string{"ROUTER_METRICS_TLS_CERT_FILE": keyFile, "ROUTER_METRICS_TLS_KEY_FILE": keyFile}, tls: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := fromEnvWant(t, tc.env, tc.err)
			if ok && (c.StatsUsername != tc.user || c.StatsPassword != tc.password || (c.MetricsTLS != nil) != tc.tls) {
				t.Fatalf("got %q/%q, TLS %v", c.StatsUsername, c.StatsPassword, c.MetricsTLS != nil)
			}
		})
	}
}

// fromEnvWant reads env into the defaults; with wantErr, the start error
// must name it (and ok is false), without, there must be none.
func fromEnvWant(t *testing.T, env map[string]string, wantErr string) (c Config, ok bool) {
	t.Helper()
	c = Defaults()
	err := c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one with %q", err, wantErr)
		}
		return c, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return c, true
}

package config

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
)

// FuzzLogFormat: a log or unique-ID format the router takes is one
// HAProxy takes in that place, so that no format an admin writes keeps
// the routers from serving. Each input the router takes costs a run of
// haproxy -c, so make fuzz gives this target a small budget.
func FuzzLogFormat(f *testing.F) {
	for _, s := range []string{
		"%ci %HM %HU %ST", "%{+Q}r %[capture.req.hdr(0),lower]", "%[src,field(1,:,2)] %[src,word(2,.)]",
		"%[src,ipmask(255.255.0.0,64)] 100%%", DefaultUniqueIDFormat, "%[req.hdr(host,1)] %[base] %[path]",
		"%[var(txn.x),sha2(512),hex] %[ssl_c_s_dn(CN),json(utf8s)]", "%{+X,-Q}o %[status] %[src,bytes(0,4)]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		logOK, idOK := LogFormatError(format) == nil, UniqueIDFormatError(format) == nil
		if strings.TrimSpace(format) == "" || (!logOK && !idOK) {
			return
		}
		bin := haproxytest.Binary(t)
		var logFormat, idFormat string
		if logOK {
			logFormat = format
		}
		if idOK {
			idFormat = format
		}
		if err := haproxyTakes(bin, t.TempDir(), logFormat, idFormat); err != nil {
			t.Fatalf("the router takes %q (log %v, unique ID %v) and HAProxy does not: %v", format, logOK, idOK, err)
		}
	})
}

// haproxyTakes runs haproxy -c on an HTTP frontend with the log format
// and the unique-ID format, each when not empty.
func haproxyTakes(bin, dir, logFormat, idFormat string) error {
	var lines strings.Builder
	if logFormat != "" {
		fmt.Fprintf(&lines, "  log stdout local0\n  log-format %s\n", haproxyWord(logFormat))
	}
	if idFormat != "" {
		fmt.Fprintf(&lines, "  unique-id-format %s\n  unique-id-header X-Id\n", haproxyWord(idFormat))
	}
	return haproxyChecks(bin, dir, lines.String())
}

// haproxyChecks runs haproxy -c on an HTTP frontend with the given lines;
// a warning is an error.
func haproxyChecks(bin, dir, frontendLines string) error {
	cfg := "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n" +
		"frontend f\n  bind 127.0.0.1:18099\n" + frontendLines + "  default_backend b\nbackend b\n  server s 127.0.0.1:1\n"
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return err
	}
	out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput()
	if err == nil && strings.Contains(string(out), "WARNING") {
		err = fmt.Errorf("warnings")
	}
	if err != nil {
		return fmt.Errorf("haproxy -c: %w\n%s\n%s", err, out, cfg)
	}
	return nil
}

// haproxyWord quotes s as one haproxy.cfg word, every byte but letters
// and digits as \xNN, as the router's renderer does for more bytes.
func haproxyWord(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

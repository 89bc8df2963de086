package router

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// TestApplyLogTarget: a host name is served as the address it resolves
// to; none until a first answer, the last one through failed lookups, the
// same one while it is among the answers (round robin), the new first
// answer once it is not; zoned answers are skipped. An IP address or a
// socket is served as it is, and has no host to look up.
func TestApplyLogTarget(t *testing.T) {
	want := &config.AccessLog{Address: "syslog.example.com:514", Facility: "local1"}
	r := &Router{cfg: config.Config{AccessLog: want}, log: logr.Discard()}
	r.params.Config.AccessLog = withoutLogHostName(want)
	if r.logHost() != "syslog.example.com" || r.params.Config.AccessLog != nil {
		t.Fatalf("host %q, served %+v before any answer", r.logHost(), r.params.Config.AccessLog)
	}
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	for _, st := range []struct {
		name    string
		answer  logLookup
		changed bool
		served  string // "": no access log
	}{
		{"not resolved yet", logLookup{err: errors.New("no such host")}, false, ""},
		{"no address", logLookup{}, false, ""},
		{"only a zoned address", logLookup{addrs: addrs("fe80::1%eth0")}, false, ""},
		{"resolved", logLookup{addrs: addrs("fe80::1%eth0", "198.18.5.1", "198.18.5.2")}, true, "198.18.5.1:514"},
		{"round robin", logLookup{addrs: addrs("198.18.5.2", "198.18.5.1")}, false, "198.18.5.1:514"},
		{"lookup failing", logLookup{err: errors.New("timeout")}, false, "198.18.5.1:514"},
		{"moved", logLookup{addrs: addrs("::ffff:198.18.5.9", "2001:db8::9")}, true, "198.18.5.9:514"},
		{"moved to IPv6", logLookup{addrs: addrs("2001:db8::9")}, true, "[2001:db8::9]:514"},
	} {
		r.stale = false
		changed := r.applyLogTarget(st.answer)
		got := ""
		if l := r.params.Config.AccessLog; l != nil {
			got = l.Address
			if l.Facility != "local1" {
				t.Errorf("%s: the other settings were lost: %+v", st.name, l)
			}
		}
		if changed != st.changed || r.stale != st.changed || got != st.served {
			t.Errorf("%s: changed %v (stale %v), serving %q; want %v, %q", st.name, changed, r.stale, got, st.changed, st.served)
		}
	}
	if want.Address != "syslog.example.com:514" {
		t.Errorf("the configured address was changed: %q", want.Address)
	}
	for _, addr := range []string{"198.18.5.1:514", "[2001:db8::5]:514", "/var/lib/rsyslog/rsyslog.sock"} {
		l := &config.AccessLog{Address: addr}
		r := &Router{cfg: config.Config{AccessLog: l}}
		if r.logHost() != "" || withoutLogHostName(l) != l {
			t.Errorf("%s: not served as it is", addr)
		}
	}
}

package router

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// TestResolveLogTarget: a host name is served as the address it resolves
// to; none until a first answer, the last one through failed lookups, the
// same one while it is among the answers (round robin), the new first
// answer once it is not. An IP address or a socket is left as it is.
func TestResolveLogTarget(t *testing.T) {
	want := &config.AccessLog{Address: "syslog.example.com:514", Facility: "local1"}
	var answer []netip.Addr
	var fail error
	r := &Router{cfg: config.Config{AccessLog: want}, log: logr.Discard(),
		lookupHost: func(_ context.Context, network, host string) ([]netip.Addr, error) {
			if network != "ip" || host != "syslog.example.com" {
				t.Fatalf("lookup %s %s", network, host)
			}
			return answer, fail
		}}
	r.params.Config.AccessLog = withoutLogHostName(want)
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	for _, st := range []struct {
		name    string
		answer  []netip.Addr
		fail    error
		changed bool
		served  string // "": no access log
	}{
		{"not resolved yet", nil, errors.New("no such host"), false, ""},
		{"no address", nil, nil, false, ""},
		{"resolved", addrs("198.18.5.1", "198.18.5.2"), nil, true, "198.18.5.1:514"},
		{"round robin", addrs("198.18.5.2", "198.18.5.1"), nil, false, "198.18.5.1:514"},
		{"lookup failing", nil, errors.New("timeout"), false, "198.18.5.1:514"},
		{"moved", addrs("::ffff:198.18.5.9", "2001:db8::9"), nil, true, "198.18.5.9:514"},
		{"moved to IPv6", addrs("2001:db8::9"), nil, true, "[2001:db8::9]:514"},
	} {
		answer, fail, r.stale = st.answer, st.fail, false
		changed := r.resolveLogTarget(context.Background())
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
	for _, addr := range []string{"198.18.5.1:514", "/var/lib/rsyslog/rsyslog.sock"} {
		l := &config.AccessLog{Address: addr}
		r := &Router{cfg: config.Config{AccessLog: l}, log: logr.Discard(),
			lookupHost: func(context.Context, string, string) ([]netip.Addr, error) { t.Fatal("looked up"); return nil, nil }}
		r.params.Config.AccessLog = withoutLogHostName(l)
		if r.resolveLogTarget(context.Background()) || r.params.Config.AccessLog != l {
			t.Errorf("%s: not served as it is", addr)
		}
	}
}

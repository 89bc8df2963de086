package config

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/okd-ingress/okd-ingress/internal/haproxytest"
)

func TestFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		format, logErr, idErr string // "" when taken
	}{
		{format: "%ci:%cp [%t] %ft %b/%s %{+Q}r %ST %B %hr %hs 100%%"},
		{format: "%{+X}o %ci:%cp_%fi:%fp_%Ts_%rt:%pid"},
		{format: "%[capture.req.hdr(0),lower] %[ssl_c_s_dn(CN)] %[src,ipmask(24)] %[var(txn.x),sha2(256),hex]"},
		{format: "%[req.hdr(host,1)] %[req.cook(s)] %[path]", logErr: "gone when the log line is written"},
		{format: "%[capture.res.hdr(0)] %[status]", idErr: "not known when the unique ID is made"},
		{format: "%[res.hdr(content-type)]", logErr: "fetch", idErr: "fetch"},
		{format: "%ID %[src]", idErr: "cannot contain itself"},
		{format: "%{+X}ID", idErr: "cannot contain itself"},
		{format: "%[unique-id]", idErr: "not known when the unique ID is made"},
		{format: "%[env(HOME)]", logErr: `fetch "env(HOME)"`, idErr: `fetch "env(HOME)"`},
		{format: "%[ssl_fc_session_key]", logErr: "fetch", idErr: "fetch"},
		{format: "%[fc_bogus]", logErr: "fetch", idErr: "fetch"},
		{format: "%[src,field]", logErr: `converter "field": wrong arguments`, idErr: "wrong arguments"},
		{format: "%[src,field(0,:)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,word(1,:,0)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,bytes(1,0)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(33)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(1.2)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(256.0.0.0)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(24,200)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(24,)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,ipmask(255.255.0.0,64)]"},
		{format: "%[capture.req.hdr(x)]", logErr: "wrong arguments", idErr: "wrong arguments"},
		{format: "%[src,set-var(txn.be)]", logErr: "converter", idErr: "converter"},
		{format: "%[src,map(/etc/passwd)]", logErr: "converter", idErr: "converter"},
		{format: "%zz", logErr: "not one of HAProxy's log variables", idErr: "not one of"},
		{format: "% ci", logErr: "not one of", idErr: "not one of"},
		{format: "a\nb", logErr: "printable ASCII", idErr: "printable ASCII"},
	} {
		for _, c := range []struct {
			what string
			err  error
			want string
		}{{"log", LogFormatError(tc.format), tc.logErr}, {"unique ID", UniqueIDFormatError(tc.format), tc.idErr}} {
			switch {
			case c.want == "" && c.err != nil:
				t.Errorf("%s format %q refused: %v", c.what, tc.format, c.err)
			case c.want != "" && (c.err == nil || !strings.Contains(c.err.Error(), c.want)):
				t.Errorf("%s format %q: error %v, want one naming %q", c.what, tc.format, c.err, c.want)
			}
		}
	}
}

// everyCall is a format that calls each fetch the router lets a format
// use, those known when the unique ID is made only when early, every
// converter after one of them: with no optional argument, then with every
// argument, once per sample of each argument kind (the edge values).
func everyCall(early bool) string {
	calls := func(name string, f sampleFunc) []string {
		out := []string{name}
		if f.required > 0 {
			out = nil
		}
		for k := 0; len(f.args) > 0; k++ {
			args, more := make([]string, len(f.args)), false
			for i, a := range f.args {
				args[i] = a.samples[min(k, len(a.samples)-1)]
				more = more || k+1 < len(a.samples)
			}
			out = append(out, name+"("+strings.Join(args, ",")+")")
			if !more {
				break
			}
		}
		return out
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(logFetches)) {
		if f := logFetches[name]; (early && f.id) || (!early && f.log) {
			for _, c := range calls(name, f) {
				parts = append(parts, "%["+c+"]")
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(logConverters)) {
		for _, c := range calls(name, logConverters[name]) {
			parts = append(parts, "%[src,"+c+"]")
		}
	}
	return strings.Join(parts, " ")
}

// TestFormatsPassHAProxy: every fetch and converter a format may use, with
// the arguments the router takes, is one HAProxy takes, in the access log
// of an HTTP frontend and, those known early, in its unique ID; so a
// format the router takes never keeps it from serving.
func TestFormatsPassHAProxy(t *testing.T) {
	bin := haproxytest.Binary(t)
	logFormat, idFormat := everyCall(false), everyCall(true)
	if err := LogFormatError(logFormat); err != nil {
		t.Fatalf("the router refuses its own sample %q: %v", logFormat, err)
	}
	if err := UniqueIDFormatError(idFormat); err != nil {
		t.Fatalf("the router refuses its own unique-ID sample: %v", err)
	}
	if err := haproxyTakes(bin, t.TempDir(), logFormat, idFormat); err != nil {
		t.Fatal(err)
	}
}
